// Two 1x4k K4V2 g128 caches for bench/gpu/anatomy.py: with the 128-token
// full-precision window (@a) and without (@b), the same tokens otherwise.
//   build/bin/kvq-gpu-aot bench/gpu/anatomy-window.mlir -o .device/window
//   (GPU machine) python3 bench/gpu/anatomy.py --artifacts .device/window
func.func @a(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel, window = 128>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
func.func @b(%q: tensor<1x32x128xf16>, %k: tensor<1x8x1x128xf16>, %v: tensor<1x8x1x128xf16>, %c: !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token>>) -> tensor<1x32x128xf16> {
  kvq.append %k, %v into %c : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16> into !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token>>
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !kvq.cache<1x8x4096x128xf16, keys = #kvq.scheme<bits = 4, group = 128, granularity = per_channel>, values = #kvq.scheme<bits = 2, group = 128, granularity = per_token>> -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
