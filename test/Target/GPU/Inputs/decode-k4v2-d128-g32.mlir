// K4V2 groups of 32, head_dim 128, Llama-3-8B attention at batch 8 and 32k
// tokens: ptxas spills its tensor-core attention kernel a little under the
// 168-register cap, so kvq-gpu-aot --no-spills rebuilds it uncapped.
!cache = !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
func.func @step(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !cache
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
