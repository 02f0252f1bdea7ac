// Caches whose tensor-core attention kernels ptxas spills under the
// 168-register cap, for bench/gpu/anatomy.py: the same kernels capped
// (spilling; built with --ptxas=/nonexistent so that the driver JITs the PTX
// as written) against uncapped (kvq-gpu-aot's rebuild, 8 blocks per SM).
//   build/bin/kvq-gpu-aot bench/gpu/anatomy-spills.mlir -o .device/ab/uncapped
//   build/bin/kvq-gpu-aot bench/gpu/anatomy-spills.mlir -o .device/ab/capped --ptxas=/nonexistent
func.func @k8v8_g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @k8v4_g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @k8v4_g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @mha_k4v2_g128(%q: tensor<4x32x128xf16>, %k: tensor<4x32x1x128xf16>, %v: tensor<4x32x1x128xf16>, %c: !kvq.cache<4x32x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  kvq.append %k, %v into %c : tensor<4x32x1x128xf16>, tensor<4x32x1x128xf16> into !kvq.cache<4x32x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x32x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
