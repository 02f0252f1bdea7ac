// A bf16 cache with unquantized keys and values, one token, two query heads.
!cache = !kvq.cache<1x1x4x8xbf16, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @main(%k: tensor<1x1x1x8xbf16>, %v: tensor<1x1x1x8xbf16>, %q: tensor<1x2x8xbf16>) -> tensor<1x2x8xbf16> {
  %c = kvq.cache_create : !cache
  kvq.append %k, %v into %c : tensor<1x1x1x8xbf16>, tensor<1x1x1x8xbf16> into !cache
  %o = kvq.attend %q, %c : tensor<1x2x8xbf16>, !cache -> tensor<1x2x8xbf16>
  return %o : tensor<1x2x8xbf16>
}
