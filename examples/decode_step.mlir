// One decode step of a Llama-3-8B-shaped attention layer (32 query heads,
// 8 KV heads, head_dim 128) over a cache that gives keys 4 bits and values
// 2 bits ("Quantize What Counts": keys carry the larger norms).
!cache = !kvq.cache<1x8x32768x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>

func.func @decode_step(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>,
                       %v: tensor<1x8x1x128xf16>, %cache: !cache)
    -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %cache
      : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !cache
  %out = kvq.attend %q, %cache
      : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %out : tensor<1x32x128xf16>
}
