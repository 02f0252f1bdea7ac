// A cache of 4.4 GB (16 x 8 rows of 131072 tokens, 8-bit keys and values):
// byte offsets past 2^31, so its kernels keep 64-bit index arithmetic.
!cache = !kvq.cache<16x8x131072x128xf16, keys = #kvq.scheme<bits = 8, group = 128, window = 128>, values = #kvq.scheme<bits = 8, group = 128, granularity = per_token, window = 128>>
func.func @step(%q: tensor<16x32x128xf16>, %k: tensor<16x8x1x128xf16>, %v: tensor<16x8x1x128xf16>, %c: !cache) -> tensor<16x32x128xf16> {
  kvq.append %k, %v into %c : tensor<16x8x1x128xf16>, tensor<16x8x1x128xf16> into !cache
  %o = kvq.attend %q, %c : tensor<16x32x128xf16>, !cache -> tensor<16x32x128xf16>
  return %o : tensor<16x32x128xf16>
}
