// v3.26 spill survey at 32-bit index arithmetic (docs/gpu.md): 73 configurations,
//   kvq-gpu-aot bench/gpu/spill-survey-configs.mlir -o DIR; grep 'bytes spill' DIR/ptxas.log
// (v3.26: only 8x32k K4V2 g64 spills, 12 B)
func.func @c1(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c2(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c3(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c4(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c5(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c6(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c7(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c8(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c9(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c10(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c11(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c12(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c13(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c14(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c15(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c16(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @c17(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c18(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c19(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c20(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c21(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c22(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c23(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c24(%q: tensor<4x32x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}
func.func @c25(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c26(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c27(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c28(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c29(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c30(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c31(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c32(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @c33(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c34(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c35(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c36(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c37(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c38(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c39(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c40(%q: tensor<2x32x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
func.func @c41(%q: tensor<1x8x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x8x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x8x128xf16>
  return %o : tensor<1x8x128xf16>
}
func.func @c42(%q: tensor<8x8x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x8x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x8x128xf16>
  return %o : tensor<8x8x128xf16>
}
func.func @c43(%q: tensor<1x16x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x16x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x16x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x16x128xf16>
  return %o : tensor<1x16x128xf16>
}
func.func @c44(%q: tensor<8x16x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x16x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x16x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x16x128xf16>
  return %o : tensor<8x16x128xf16>
}
func.func @c45(%q: tensor<1x64x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x64x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x64x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x64x128xf16>
  return %o : tensor<1x64x128xf16>
}
func.func @c46(%q: tensor<8x64x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x64x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x64x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x64x128xf16>
  return %o : tensor<8x64x128xf16>
}
func.func @d1(%q: tensor<1x8x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x8x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x8x128xf16>
  return %o : tensor<1x8x128xf16>
}
func.func @d2(%q: tensor<1x16x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x16x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x16x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x16x128xf16>
  return %o : tensor<1x16x128xf16>
}
func.func @d3(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @d4(%q: tensor<1x32x128xbf16>, %c: !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xbf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !kvq.cache<1x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}
func.func @d5(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, rotation = hadamard>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, rotation = hadamard>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @d6(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, symmetric = true>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128, symmetric = true>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, symmetric = true>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128, symmetric = true>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @d7(%q: tensor<1x32x64xf16>, %c: !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
func.func @d8(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @d9(%q: tensor<1x32x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @d10(%q: tensor<8x8x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x8x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x8x128xf16>
  return %o : tensor<8x8x128xf16>
}
func.func @d11(%q: tensor<8x16x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x16x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x16x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x16x128xf16>
  return %o : tensor<8x16x128xf16>
}
func.func @d12(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d13(%q: tensor<8x32x128xbf16>, %c: !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xbf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xbf16>, !kvq.cache<8x8x4096x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xbf16>
  return %o : tensor<8x32x128xbf16>
}
func.func @d14(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, rotation = hadamard>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, rotation = hadamard>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d15(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, symmetric = true>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128, symmetric = true>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, symmetric = true>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128, symmetric = true>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d16(%q: tensor<8x32x64xf16>, %c: !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @d17(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d18(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d19(%q: tensor<8x8x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x8x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x8x128xf16>
  return %o : tensor<8x8x128xf16>
}
func.func @d20(%q: tensor<8x16x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x16x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x16x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x16x128xf16>
  return %o : tensor<8x16x128xf16>
}
func.func @d21(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d22(%q: tensor<8x32x128xbf16>, %c: !kvq.cache<8x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xbf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xbf16>, !kvq.cache<8x8x32768x128xbf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xbf16>
  return %o : tensor<8x32x128xbf16>
}
func.func @d23(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, rotation = hadamard>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, rotation = hadamard>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d24(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, symmetric = true>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128, symmetric = true>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128, symmetric = true>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128, symmetric = true>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d25(%q: tensor<8x32x64xf16>, %c: !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<8x32x64xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !kvq.cache<8x8x32768x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
func.func @d26(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @d27(%q: tensor<8x32x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
