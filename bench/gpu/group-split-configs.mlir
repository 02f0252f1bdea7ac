// Which half of group 32 costs (v3.38 measurement): K4V2 d128 with key and value groups 128/32 crossed, kvq-gpu-aot bench/gpu/group-split-configs.mlir -o DIR
func.func @t8x4k_k4g128_v2g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x4k_k4g32_v2g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x4k_k4g32_v2g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x4k_k4g128_v2g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k4g128_v2g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k4g32_v2g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k4g32_v2g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k4g128_v2g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
