!cache = !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 64, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
func.func @step(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !cache
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
