// One configuration per index width: head_dim 128 (32 bits) and 256 (64).
!c128 = !kvq.cache<2x2x512x128xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
!c256 = !kvq.cache<2x2x512x256xf16, keys = #kvq.scheme<bits = 4, group = 128, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @d128(%q: tensor<2x8x128xf16>, %c: !c128) -> tensor<2x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x8x128xf16>, !c128 -> tensor<2x8x128xf16>
  return %o : tensor<2x8x128xf16>
}
func.func @d256(%q: tensor<2x8x256xf16>, %c: !c256) -> tensor<2x8x256xf16> {
  %o = kvq.attend %q, %c : tensor<2x8x256xf16>, !c256 -> tensor<2x8x256xf16>
  return %o : tensor<2x8x256xf16>
}
