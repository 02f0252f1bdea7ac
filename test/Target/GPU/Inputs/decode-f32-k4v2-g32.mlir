// An f32 cache (K4V2, groups of 32): ptxas spills its tensor-core attention
// kernel under the 168-register cap, so kvq-gpu-aot rebuilds it uncapped.
func.func @step(%q: tensor<2x8x128xf32>, %k: tensor<2x2x1x128xf32>, %v: tensor<2x2x1x128xf32>, %c: !kvq.cache<2x2x512x128xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>) -> tensor<2x8x128xf32> {
  kvq.append %k, %v into %c : tensor<2x2x1x128xf32>, tensor<2x2x1x128xf32> into !kvq.cache<2x2x512x128xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>
  %o = kvq.attend %q, %c : tensor<2x8x128xf32>, !kvq.cache<2x2x512x128xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>> -> tensor<2x8x128xf32>
  return %o : tensor<2x8x128xf32>
}
