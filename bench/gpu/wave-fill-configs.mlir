// Batches whose rows (B x 8 KV heads) fill a 12-per-SM wave badly at the
// heuristic's floor(1584 / rows) = 1 split (bench/gpu/wave-fill-v3.26.log):
//   kvq-gpu-aot bench/gpu/wave-fill-configs.mlir -o DIR
func.func @b112_c4096_k4v2_g128(%q: tensor<112x32x128xf16>, %c: !kvq.cache<112x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<112x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<112x32x128xf16>, !kvq.cache<112x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<112x32x128xf16>
  return %o : tensor<112x32x128xf16>
}
func.func @b128_c4096_k4v2_g128(%q: tensor<128x32x128xf16>, %c: !kvq.cache<128x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<128x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<128x32x128xf16>, !kvq.cache<128x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<128x32x128xf16>
  return %o : tensor<128x32x128xf16>
}
func.func @b160_c4096_k4v2_g128(%q: tensor<160x32x128xf16>, %c: !kvq.cache<160x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<160x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<160x32x128xf16>, !kvq.cache<160x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<160x32x128xf16>
  return %o : tensor<160x32x128xf16>
}
func.func @b128_c8192_k4v2_g128(%q: tensor<128x32x128xf16>, %c: !kvq.cache<128x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<128x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<128x32x128xf16>, !kvq.cache<128x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<128x32x128xf16>
  return %o : tensor<128x32x128xf16>
}
func.func @b128_c4096_k4v4_g128(%q: tensor<128x32x128xf16>, %c: !kvq.cache<128x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<128x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<128x32x128xf16>, !kvq.cache<128x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<128x32x128xf16>
  return %o : tensor<128x32x128xf16>
}
func.func @b128_c4096_k4v2_g32(%q: tensor<128x32x128xf16>, %c: !kvq.cache<128x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<128x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<128x32x128xf16>, !kvq.cache<128x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<128x32x128xf16>
  return %o : tensor<128x32x128xf16>
}
