// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels --kvq-convert-to-gpu-launches | FileCheck %s

// kvq.attend with 4 query heads per KV head: one block row per (sequence,
// KV head). A shape this small takes 32-token tensor-core tiles (a wave of
// 64-token tiles would leave every split at most one). The workspace (8
// splits x 2 rows x 288 f32) and the zeroed arrival counts are allocated
// per call; splits = clamp(8 x SMs / 2, 1, min(8, ceil(length / 32)))
// (a wave sized for 8 blocks per SM: the splits are short), then at most
// 64 where that leaves each split at most 2 tiles (kvq::defaultSplits);
// grid (splits, 2).
!cache = !kvq.cache<1x2x256x64xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// CHECK-LABEL: func.func @attend_group4(
// CHECK: %[[WS:.*]] = gpu.alloc  () : memref<8x2x288xf32>
// CHECK: %[[ARR:.*]] = gpu.alloc  () : memref<2x2xi32>
// CHECK: gpu.memset  %[[ARR]], %{{.*}} : memref<2x2xi32>, i32
// CHECK: %[[SMS:.*]] = call @kvqDeviceSMCount()
// CHECK: %[[SM:.*]] = arith.index_cast %[[SMS]]
// CHECK: %[[WAVE:.*]] = arith.muli %[[SM]], %c8
// CHECK: arith.divui %[[WAVE]], %c2
// CHECK: %[[TILES:.*]] = arith.maxui %{{.*}}, %c1
// CHECK: arith.minui
// CHECK: arith.minui %{{.*}}, %c8
// CHECK: %[[WAVE_SPLITS:.*]] = arith.maxui
// CHECK: %[[TWICE:.*]] = arith.muli %[[WAVE_SPLITS]], %c2
// CHECK: %[[SHORT:.*]] = arith.cmpi uge, %[[TWICE]], %[[TILES]]
// CHECK: %[[CAPPED:.*]] = arith.minui %[[WAVE_SPLITS]], %c64
// CHECK: %[[SPLITS:.*]] = arith.select %[[SHORT]], %[[CAPPED]], %[[WAVE_SPLITS]]
// CHECK: gpu.launch_func  @kvq_kernels::@kvq_attend_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1 blocks in (%[[SPLITS]], %c2{{.*}}, %c1{{.*}}) threads in (%c32
// CHECK-SAME: %[[WS]] : memref<8x2x288xf32>, %[[ARR]] : memref<2x2xi32>
func.func @attend_group4(%q: tensor<1x8x64xf16>, %c: !cache) -> tensor<1x8x64xf16> {
  %o = kvq.attend %q, %c : tensor<1x8x64xf16>, !cache -> tensor<1x8x64xf16>
  return %o : tensor<1x8x64xf16>
}

// -----

// 8 query heads per KV head: two block rows per (sequence, KV head), each
// serving 4 query heads on tensor cores (query_slices = 2): grid (splits,
// 4), a wave of 8 x SMs / 4, and 4 rows of partial states and counts.
!cache = !kvq.cache<1x2x256x64xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// CHECK-LABEL: func.func @attend_group8(
// CHECK: %[[WS:.*]] = gpu.alloc  () : memref<8x4x288xf32>
// CHECK: %[[ARR:.*]] = gpu.alloc  () : memref<4x2xi32>
// CHECK: gpu.memset  %[[ARR]], %{{.*}} : memref<4x2xi32>, i32
// CHECK: %[[SMS:.*]] = call @kvqDeviceSMCount()
// CHECK: %[[SM:.*]] = arith.index_cast %[[SMS]]
// CHECK: %[[WAVE:.*]] = arith.muli %[[SM]], %c8
// CHECK: arith.divui %[[WAVE]], %c4
// CHECK: arith.minui
// CHECK: arith.minui %{{.*}}, %c8
// CHECK: arith.maxui
// CHECK: %[[SPLITS:.*]] = arith.select
// CHECK: gpu.launch_func  @kvq_kernels::@kvq_attend_b1h2q16c256d64_f16_k4c32w32_v2t32w32_t1 blocks in (%[[SPLITS]], %c4{{.*}}, %c1{{.*}}) threads in (%c32
// CHECK-SAME: %[[WS]] : memref<8x4x288xf32>, %[[ARR]] : memref<4x2xi32>
func.func @attend_group8(%q: tensor<1x16x64xf16>, %c: !cache) -> tensor<1x16x64xf16> {
  %o = kvq.attend %q, %c : tensor<1x16x64xf16>, !cache -> tensor<1x16x64xf16>
  return %o : tensor<1x16x64xf16>
}

// -----

// Kernels of both index widths: each launch names the gpu.module its
// kernel was built into (head_dim 256 takes 64 bits).
!c128 = !kvq.cache<1x2x256x128xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>
!c256 = !kvq.cache<1x2x256x256xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// CHECK-LABEL: func.func @both_widths(
// CHECK: gpu.launch_func  @kvq_kernels::@kvq_attend_b1h2q8c256d128_
// CHECK: gpu.launch_func  @kvq_kernels_index64::@kvq_attend_b1h2q8c256d256_
func.func @both_widths(%q: tensor<1x8x128xf16>, %c: !c128, %q2: tensor<1x8x256xf16>, %c2: !c256) -> (tensor<1x8x128xf16>, tensor<1x8x256xf16>) {
  %o = kvq.attend %q, %c : tensor<1x8x128xf16>, !c128 -> tensor<1x8x128xf16>
  %o2 = kvq.attend %q2, %c2 : tensor<1x8x256xf16>, !c256 -> tensor<1x8x256xf16>
  return %o, %o2 : tensor<1x8x128xf16>, tensor<1x8x256xf16>
}
