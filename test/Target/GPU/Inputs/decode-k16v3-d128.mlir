// 16-bit keys with 3-bit symmetric values, head_dim 128, GQA 4.
!cache = !kvq.cache<2x2x256x128xbf16,
    keys = #kvq.scheme<bits = 16>,
    values = #kvq.scheme<bits = 3, group = 64, granularity = per_token, symmetric = true, scale_type = f32>>
func.func @step(%q: tensor<2x8x128xbf16>, %k: tensor<2x2x1x128xbf16>,
                %v: tensor<2x2x1x128xbf16>, %c: !cache) -> tensor<2x8x128xbf16> {
  kvq.append %k, %v into %c : tensor<2x2x1x128xbf16>, tensor<2x2x1x128xbf16> into !cache
  %o = kvq.attend %q, %c : tensor<2x8x128xbf16>, !cache -> tensor<2x8x128xbf16>
  return %o : tensor<2x8x128xbf16>
}
