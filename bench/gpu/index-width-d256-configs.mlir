// head_dim 256 configurations of the v3.22 index-width A/B (bench/gpu/index32-v3.22.log):
// kvq-gpu-aot bench/gpu/index-width-d256-configs.mlir --index-bitwidth=32|64 -o DIR
func.func @t1x4k_d256(%q: tensor<1x32x256xf16>, %c: !kvq.cache<1x8x4096x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x256xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x256xf16>, !kvq.cache<1x8x4096x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x256xf16>
  return %o : tensor<1x32x256xf16>
}
func.func @t8x32k_d256(%q: tensor<8x32x256xf16>, %c: !kvq.cache<8x8x32768x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x256xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x256xf16>, !kvq.cache<8x8x32768x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x256xf16>
  return %o : tensor<8x32x256xf16>
}
func.func @t1x4k_d256_k4v4(%q: tensor<1x32x256xf16>, %c: !kvq.cache<1x8x4096x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x256xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x256xf16>, !kvq.cache<1x8x4096x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x256xf16>
  return %o : tensor<1x32x256xf16>
}
func.func @t1x4k_d256_vg256(%q: tensor<1x32x256xf16>, %c: !kvq.cache<1x8x4096x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 256, granularity = per_token, window = 128>>) -> tensor<1x32x256xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x256xf16>, !kvq.cache<1x8x4096x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 256, granularity = per_token, window = 128>> -> tensor<1x32x256xf16>
  return %o : tensor<1x32x256xf16>
}
func.func @t1x32k_d256_vg256(%q: tensor<1x32x256xf16>, %c: !kvq.cache<1x8x32768x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 256, granularity = per_token, window = 128>>) -> tensor<1x32x256xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x256xf16>, !kvq.cache<1x8x32768x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 256, granularity = per_token, window = 128>> -> tensor<1x32x256xf16>
  return %o : tensor<1x32x256xf16>
}
