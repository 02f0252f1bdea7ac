// head_dim 64 configurations of the v3.35 register experiment: kvq-gpu-aot bench/gpu/d64-configs.mlir -o DIR
func.func @t1x4k_d64_k4v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x4k_d64_k4v2_g32(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x4k_d64_k2v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x4k_d64_k4v4_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x4k_d64_k8v8_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x32k_d64_k4v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x32k_d64_k4v2_g32(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x32k_d64_k2v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x32k_d64_k4v4_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x32k_d64_k8v8_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x128k_d64_k4v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x128k_d64_k4v2_g32(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x128k_d64_k2v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x128k_d64_k4v4_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t1x128k_d64_k8v8_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x131072x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @t8x4k_d64_k4v2_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x4k_d64_k4v2_g32(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x4k_d64_k2v2_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x4k_d64_k4v4_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x4k_d64_k8v8_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x32k_d64_k4v2_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x32k_d64_k4v2_g32(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x32k_d64_k2v2_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x32k_d64_k4v4_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t8x32k_d64_k8v8_g128(%q: tensor<8x32x64xf16>, %k: tensor<8x8x1x64xf16>, %v: tensor<8x8x1x64xf16>, %c: !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x64xf16>, tensor<8x8x1x64xf16> into !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @t32x8k_d64_k4v2_g128(%q: tensor<32x32x64xf16>, %k: tensor<32x8x1x64xf16>, %v: tensor<32x8x1x64xf16>, %c: !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<32x32x64xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x64xf16>, tensor<32x8x1x64xf16> into !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x64xf16>, !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<32x32x64xf16>
  return %o : tensor<32x32x64xf16>
}
func.func @t32x8k_d64_k4v2_g32(%q: tensor<32x32x64xf16>, %k: tensor<32x8x1x64xf16>, %v: tensor<32x8x1x64xf16>, %c: !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x64xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x64xf16>, tensor<32x8x1x64xf16> into !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x64xf16>, !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x64xf16>
  return %o : tensor<32x32x64xf16>
}
func.func @t32x8k_d64_k2v2_g128(%q: tensor<32x32x64xf16>, %k: tensor<32x8x1x64xf16>, %v: tensor<32x8x1x64xf16>, %c: !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<32x32x64xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x64xf16>, tensor<32x8x1x64xf16> into !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x64xf16>, !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<32x32x64xf16>
  return %o : tensor<32x32x64xf16>
}
func.func @t32x8k_d64_k4v4_g128(%q: tensor<32x32x64xf16>, %k: tensor<32x8x1x64xf16>, %v: tensor<32x8x1x64xf16>, %c: !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>) -> tensor<32x32x64xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x64xf16>, tensor<32x8x1x64xf16> into !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x64xf16>, !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 64, granularity = per_token, window = 128>> -> tensor<32x32x64xf16>
  return %o : tensor<32x32x64xf16>
}
func.func @t32x8k_d64_k8v8_g128(%q: tensor<32x32x64xf16>, %k: tensor<32x8x1x64xf16>, %v: tensor<32x8x1x64xf16>, %c: !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>) -> tensor<32x32x64xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x64xf16>, tensor<32x8x1x64xf16> into !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x64xf16>, !kvq.cache<32x8x8192x64xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 64, granularity = per_token, window = 128>> -> tensor<32x32x64xf16>
  return %o : tensor<32x32x64xf16>
}
