// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels | FileCheck %s
// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels="tile-tokens=64" | FileCheck %s --check-prefix=FORCED
// RUN: not kvq-opt %s --split-input-file --kvq-build-gpu-kernels="tile-tokens=48" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels="sm-count=78" | FileCheck %s --check-prefix=SM78
// RUN: not kvq-opt %s --split-input-file --kvq-build-gpu-kernels="sm-count=0" 2>&1 | FileCheck %s --check-prefix=BADSM

// The tensor-core tiles hold 32 tokens when the longest split at full
// capacity is shorter so (a 32-token tile costing 0.62 of a 64-token one,
// the splits one wave of 12 blocks per SM on 132 SMs), else 64;
// tile-tokens forces either. 2 x 2 rows of 512 tokens: one tile per split
// either way, so 32; up to 16 splits, a loop stepping 32. Splits that
// short get a wave sized for 8 blocks per SM (blocks_per_sm).
// BAD: error: kvq-build-gpu-kernels: tile-tokens = 48 is not a tensor-core tile (32 or 64; 0 chooses)
// BADSM: error: kvq-build-gpu-kernels: sm-count = 0 is not a GPU's SM count (1 to 1024)
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b2h2q8c512d128_f16_k4c32w32_v2t32w32_t1", query_slices = 1 : i64, tile = 32 : i64}
// CHECK-SAME: max_splits = 16 : i64
// FORCED: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b2h2q8c512d128_f16_k4c32w32_v2t32w32_t1", query_slices = 1 : i64, tile = 64 : i64}
// FORCED-SAME: max_splits = 8 : i64
!cache = !kvq.cache<2x2x512x128xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// A 32-token tile is two m tiles of 16 keys and one k step of 32 value
// tokens; its stage holds [32 tokens] of value codes and scales and one
// key scale row.
// CHECK-LABEL: gpu.func @kvq_attend_b2h2q8c512d128_f16_k4c32w32_v2t32w32_t1(
// CHECK: memref.view %{{.*}} to memref<2x32x8xi32, #gpu.address_space<workgroup>>
// CHECK: memref.view %{{.*}} to memref<2x1x128xf16, #gpu.address_space<workgroup>>
// CHECK: scf.for {{.*}} step %c32
// FORCED-LABEL: gpu.func @kvq_attend_b2h2q8c512d128_f16_k4c32w32_v2t32w32_t1(
// FORCED: memref.view %{{.*}} to memref<2x64x8xi32, #gpu.address_space<workgroup>>
// FORCED: scf.for {{.*}} step %c64
func.func @small(%q: tensor<2x8x128xf16>, %c: !cache) -> tensor<2x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<2x8x128xf16>, !cache -> tensor<2x8x128xf16>
  return %o : tensor<2x8x128xf16>
}

// -----

// 4 x 8 rows of 4096 tokens (49 splits): 3 tiles of 32 on the longest split
// against 2 of 64, so 32; fewer than 4 tiles, so a wave sized for 8. On 78
// SMs (an H20: 29 splits), 5 tiles of 32 against 3 of 64, so 64.
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b4h8q32c4096d128_f16_k4c128w128_v2t128w128_t1", query_slices = 1 : i64, tile = 32 : i64}
// SM78: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b4h8q32c4096d128_f16_k4c128w128_v2t128w128_t1", query_slices = 1 : i64, tile = 64 : i64}
!cache = !kvq.cache<4x8x4096x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @medium(%q: tensor<4x32x128xf16>, %c: !cache) -> tensor<4x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<4x32x128xf16>, !cache -> tensor<4x32x128xf16>
  return %o : tensor<4x32x128xf16>
}

// -----

// 8 x 8 rows of 4096 tokens (24 splits): 6 tiles of 32 against 3 of 64, so
// 64; 3 tiles, so a wave sized for 8 (16 splits of 4 tiles: measured 6%
// faster, docs/performance.md v3.25).
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b8h8q32c4096d128_f16_k4c128w128_v2t128w128_t1", query_slices = 1 : i64, tile = 64 : i64}
!cache = !kvq.cache<8x8x4096x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @wide(%q: tensor<8x32x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

// -----

// 8 x 8 rows of 32768 tokens (24 splits): 43 tiles of 32 against 22 of 64.
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 12 : i64, name = "kvq_attend_b8h8q32c32768d128_f16_k4c128w128_v2t128w128_t1", query_slices = 1 : i64, tile = 64 : i64}
// CHECK-LABEL: gpu.func @kvq_attend_b8h8q32c32768d128_f16_k4c128w128_v2t128w128_t1(
// CHECK: scf.for {{.*}} step %c64
!cache = !kvq.cache<8x8x32768x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @large(%q: tensor<8x32x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

// -----

// Key groups of 32 at head_dim 128 with K8V2, K8V4 or K4V4 take 32-token
// tiles at any shape (measured faster at all five timed, v3.29) ...
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 12 : i64, name = "kvq_attend_b8h8q32c32768d128_f16_k8c32w128_v4t32w128_t1", query_slices = 1 : i64, tile = 32 : i64}
// CHECK-LABEL: gpu.func @kvq_attend_b8h8q32c32768d128_f16_k8c32w128_v4t32w128_t1(
// CHECK: scf.for {{.*}} step %c32
!cache = !kvq.cache<8x8x32768x128xf16,
    keys = #kvq.scheme<bits = 8, group = 32, window = 128>,
    values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>
func.func @k8v4_g32(%q: tensor<8x32x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

// -----

// ... but not K8V8 (up to 3% slower) ...
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 12 : i64, name = "kvq_attend_b8h8q32c32768d128_f16_k8c32w128_v8t32w128_t1", query_slices = 1 : i64, tile = 64 : i64}
!cache = !kvq.cache<8x8x32768x128xf16,
    keys = #kvq.scheme<bits = 8, group = 32, window = 128>,
    values = #kvq.scheme<bits = 8, group = 32, granularity = per_token, window = 128>>
func.func @k8v8_g32(%q: tensor<8x32x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

// -----

// ... nor at head_dim 64 (up to 6% slower).
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 12 : i64, name = "kvq_attend_b8h8q32c32768d64_f16_k8c32w128_v4t32w128_t1", query_slices = 1 : i64, tile = 64 : i64}
!cache = !kvq.cache<8x8x32768x64xf16,
    keys = #kvq.scheme<bits = 8, group = 32, window = 128>,
    values = #kvq.scheme<bits = 4, group = 32, granularity = per_token, window = 128>>
func.func @k8v4_g32_d64(%q: tensor<8x32x64xf16>, %c: !cache) -> tensor<8x32x64xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x64xf16>, !cache -> tensor<8x32x64xf16>
  return %o : tensor<8x32x64xf16>
}
