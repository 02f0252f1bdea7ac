// bf16 against f16 caches (v3.38: the window steps of bf16 caches on bf16 tensor cores), K4V2 d128: kvq-gpu-aot bench/gpu/dtype-configs.mlir -o DIR
func.func @t1x4k_g128_f16(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @t1x4k_g128_bf16(%q: tensor<1x32x128xbf16>, %k: tensor<1x8x1x128xbf16>, %v: tensor<1x8x1x128xbf16>, %c: !kvq.cache<1x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xbf16>, tensor<1x8x1x128xbf16> into !kvq.cache<1x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !kvq.cache<1x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}
func.func @t1x32k_g128_f16(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @t1x32k_g128_bf16(%q: tensor<1x32x128xbf16>, %k: tensor<1x8x1x128xbf16>, %v: tensor<1x8x1x128xbf16>, %c: !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xbf16>, tensor<1x8x1x128xbf16> into !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}
func.func @t8x4k_g128_f16(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x4k_g128_bf16(%q: tensor<8x32x128xbf16>, %k: tensor<8x8x1x128xbf16>, %v: tensor<8x8x1x128xbf16>, %c: !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xbf16>, tensor<8x8x1x128xbf16> into !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xbf16>, !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xbf16>
  return %o : tensor<8x32x128xbf16>
}
func.func @t8x32k_g128_f16(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_g128_bf16(%q: tensor<8x32x128xbf16>, %k: tensor<8x8x1x128xbf16>, %v: tensor<8x8x1x128xbf16>, %c: !kvq.cache<8x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xbf16>, tensor<8x8x1x128xbf16> into !kvq.cache<8x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xbf16>, !kvq.cache<8x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xbf16>
  return %o : tensor<8x32x128xbf16>
}
func.func @t1x4k_g32_f16(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @t1x4k_g32_bf16(%q: tensor<1x32x128xbf16>, %k: tensor<1x8x1x128xbf16>, %v: tensor<1x8x1x128xbf16>, %c: !kvq.cache<1x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xbf16>, tensor<1x8x1x128xbf16> into !kvq.cache<1x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !kvq.cache<1x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}
func.func @t1x32k_g32_f16(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @t1x32k_g32_bf16(%q: tensor<1x32x128xbf16>, %k: tensor<1x8x1x128xbf16>, %v: tensor<1x8x1x128xbf16>, %c: !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xbf16>, tensor<1x8x1x128xbf16> into !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}
func.func @t8x4k_g32_f16(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x4k_g32_bf16(%q: tensor<8x32x128xbf16>, %k: tensor<8x8x1x128xbf16>, %v: tensor<8x8x1x128xbf16>, %c: !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xbf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xbf16>, tensor<8x8x1x128xbf16> into !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xbf16>, !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xbf16>
  return %o : tensor<8x32x128xbf16>
}
