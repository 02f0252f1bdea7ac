!cache = !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
func.func @step(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !cache) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !cache
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
