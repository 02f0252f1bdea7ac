// group-32 configurations at 8x32k, 32x8k, 1x128k: 32- against 64-token tiles (v3.29)
func.func @c0(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c1(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c2(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c3(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c4(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c5(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c6(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c7(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c8(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c9(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c10(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c11(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @c12(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c13(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c14(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, window = 128>, values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c15(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c16(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 2, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 2, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c17(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
