!cache = !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @step(%q: tensor<8x32x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
