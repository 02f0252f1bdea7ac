// Boundary shapes of the v3.17 tile-size choice (bench/gpu/ab.py, A
// --tile-tokens=64, B --tile-tokens=32; bench/gpu/tile-size-v3.17.log).
func.func @b2x4k_k4v2_g128(%q: tensor<2x32x128xf16>, %k: tensor<2x8x1x128xf16>, %v: tensor<2x8x1x128xf16>, %c: !kvq.cache<2x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  kvq.append %k, %v into %c : tensor<2x8x1x128xf16>, tensor<2x8x1x128xf16> into !kvq.cache<2x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}

func.func @b2x4k_k4v2_g32(%q: tensor<2x32x128xf16>, %k: tensor<2x8x1x128xf16>, %v: tensor<2x8x1x128xf16>, %c: !kvq.cache<2x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  kvq.append %k, %v into %c : tensor<2x8x1x128xf16>, tensor<2x8x1x128xf16> into !kvq.cache<2x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}

func.func @b1x8k_k4v2_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @b1x8k_k4v2_g32(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @b4x4k_k4v2_g128(%q: tensor<4x32x128xf16>, %k: tensor<4x8x1x128xf16>, %v: tensor<4x8x1x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  kvq.append %k, %v into %c : tensor<4x8x1x128xf16>, tensor<4x8x1x128xf16> into !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}

func.func @b4x4k_k4v2_g32(%q: tensor<4x32x128xf16>, %k: tensor<4x8x1x128xf16>, %v: tensor<4x8x1x128xf16>, %c: !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<4x32x128xf16> {
  kvq.append %k, %v into %c : tensor<4x8x1x128xf16>, tensor<4x8x1x128xf16> into !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !kvq.cache<4x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}

func.func @b1x16k_k4v2_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @b1x16k_k4v2_g32(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x16384x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @b2x8k_k4v2_g128(%q: tensor<2x32x128xf16>, %k: tensor<2x8x1x128xf16>, %v: tensor<2x8x1x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  kvq.append %k, %v into %c : tensor<2x8x1x128xf16>, tensor<2x8x1x128xf16> into !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}

func.func @b2x8k_k4v2_g32(%q: tensor<2x32x128xf16>, %k: tensor<2x8x1x128xf16>, %v: tensor<2x8x1x128xf16>, %c: !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<2x32x128xf16> {
  kvq.append %k, %v into %c : tensor<2x8x1x128xf16>, tensor<2x8x1x128xf16> into !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<2x32x128xf16>, !kvq.cache<2x8x8192x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<2x32x128xf16>
  return %o : tensor<2x32x128xf16>
}
