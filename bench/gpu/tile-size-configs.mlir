// The thirteen configurations of the v3.17 tile-size A/B (bench/gpu/ab.py):
// kvq-gpu-aot bench/gpu/tile-size-configs.mlir -o DIR --tile-tokens=64 (A)
// and --tile-tokens=32 (B).
func.func @s1x4k_k4v2_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x4k_k4v2_g32(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x4k_k4v4_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x32k_k4v2_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x32k_k4v2_g32(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x32k_k4v4_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x32768x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x128k_k4v2_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x128k_k4v2_g32(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s1x128k_k4v4_g128(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x131072x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

func.func @s8x4k_k4v2_g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

func.func @s8x4k_k4v2_g32(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

func.func @s8x4k_k4v4_g128(%q: tensor<8x32x128xf16>, %k: tensor<8x8x1x128xf16>, %v: tensor<8x8x1x128xf16>, %c: !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>) -> tensor<8x32x128xf16> {
  kvq.append %k, %v into %c : tensor<8x8x1x128xf16>, tensor<8x8x1x128xf16> into !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !kvq.cache<8x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 4, group = 128, granularity = per_token, window = 128>> -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

func.func @s1x4k_d64_k4v2_g128(%q: tensor<1x32x64xf16>, %k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>, %c: !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>) -> tensor<1x32x64xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> into !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x64xf16>, !kvq.cache<1x8x4096x64xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 64, granularity = per_token, window = 128>> -> tensor<1x32x64xf16>
  return %o : tensor<1x32x64xf16>
}
