!cache = !kvq.cache<1x2x256x32xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>
func.func @step(%q: tensor<1x16x32xf16>, %k: tensor<1x2x1x32xf16>, %v: tensor<1x2x1x32xf16>, %c: !cache) -> tensor<1x16x32xf16> {
  kvq.append %k, %v into %c : tensor<1x2x1x32xf16>, tensor<1x2x1x32xf16> into !cache
  %o = kvq.attend %q, %c : tensor<1x16x32xf16>, !cache -> tensor<1x16x32xf16>
  return %o : tensor<1x16x32xf16>
}
