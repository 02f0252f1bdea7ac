// v3.26: the 8 configurations that still spill by default (bench/gpu/uncapped-v3.26.log):
//   kvq-gpu-aot bench/gpu/uncapped-configs.mlir -o A --allow-spills; kvq-gpu-aot bench/gpu/uncapped-configs.mlir -o B
//   (before v3.28 the rebuild B was opt-in: A without a flag, B with --no-spills)
func.func @u1(%q: tensor<96x32x128xf16>, %c: !kvq.cache<96x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<96x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<96x32x128xf16>, !kvq.cache<96x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<96x32x128xf16>
  return %o : tensor<96x32x128xf16>
}
func.func @u2(%q: tensor<96x32x128xf16>, %c: !kvq.cache<96x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<96x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<96x32x128xf16>, !kvq.cache<96x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<96x32x128xf16>
  return %o : tensor<96x32x128xf16>
}
func.func @u3(%q: tensor<96x32x128xf16>, %c: !kvq.cache<96x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<96x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<96x32x128xf16>, !kvq.cache<96x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<96x32x128xf16>
  return %o : tensor<96x32x128xf16>
}
func.func @u4(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @u5(%q: tensor<32x32x128xf16>, %c: !kvq.cache<32x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
func.func @u6(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x524288x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x524288x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @u7(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x524288x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x524288x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @u8(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
