// 8-bit-key configurations at 8x32k and 32x8k (v3.29 experiments), K4V2 g128 as control
func.func @c0(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c1(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c2(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c3(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c4(%q: tensor<32x32x128xf16>, %k: tensor<32x8x1x128xf16>, %v: tensor<32x8x1x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x128xf16>, tensor<32x8x1x128xf16> into !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c5(%q: tensor<32x32x128xf16>, %k: tensor<32x8x1x128xf16>, %v: tensor<32x8x1x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x128xf16>, tensor<32x8x1x128xf16> into !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c6(%q: tensor<32x32x128xf16>, %k: tensor<32x8x1x128xf16>, %v: tensor<32x8x1x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x128xf16>, tensor<32x8x1x128xf16> into !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c7(%q: tensor<32x32x128xf16>, %k: tensor<32x8x1x128xf16>, %v: tensor<32x8x1x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x128xf16>, tensor<32x8x1x128xf16> into !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c8(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
