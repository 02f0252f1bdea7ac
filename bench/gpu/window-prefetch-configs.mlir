// The sixteen configurations of the v3.18 A/B runs and split sweep
// (bench/gpu/window-prefetch-v3.18.log, splits-v3.18.log): ab-configs.mlir's
// six and tile-size-boundary.mlir's ten, one module:
// kvq-gpu-aot bench/gpu/window-prefetch-configs.mlir -o .device/run/X
func.func @t8x32k_k4v2_g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k4v2_g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k4v4_g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t8x32k_k8v4_g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x32768x128xf16, keys = #kvq.scheme<bits = 8, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}
func.func @t1x4k_k4v2_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @t32x8k_k2v2_g128(%q: tensor<32x32x128xf16>, %k: tensor<32x8x1x128xf16>, %v: tensor<32x8x1x128xf16>, %c: !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<32x32x128xf16> {
  kvq.append %k, %v into %c : tensor<32x8x1x128xf16>, tensor<32x8x1x128xf16> into !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<32x32x128xf16>, !kvq.cache<32x8x8192x128xf16, keys = #kvq.scheme<bits = 2, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<32x32x128xf16>
  return %o : tensor<32x32x128xf16>
}
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
