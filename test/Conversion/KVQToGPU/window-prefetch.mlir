// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels | FileCheck %s

// The full-precision tail after a split's tiles is a chain of dependent
// loads. Where splits are short (at most 8 tiles at full capacity), its
// window rows are prefetched into L2 all at once just before the tail loop:
// lane i takes pieces i, i + 32, ... of 128 bytes, one key and one value
// window row piece each (2 pieces per row at head_dim 128 in f16).
// 1 x 8 rows of 4096 tokens: 2 tiles of 32 per split.
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c4096d128_f16_k4c128w128_v2t128w128_t1(
// CHECK: %[[KWIN:.*]] = memref.view {{.*}} to memref<8x256x128xf16, #gpu.address_space<global>>
// CHECK: %[[VWIN:.*]] = memref.view {{.*}} to memref<8x129x128xf16, #gpu.address_space<global>>
// The tile loop comes first, then the prefetch loop over the tail's pieces.
// CHECK: scf.for %{{.*}} step %c32
// CHECK: scf.for %[[I:.*]] = %thread_id_x to %{{.*}} step %c32
// CHECK: arith.divui %[[I]], %c2
// CHECK: memref.prefetch %[[KWIN]][%{{.*}}, %{{.*}}, %{{.*}}], read, locality<3>, data : memref<8x256x128xf16, #gpu.address_space<global>>
// CHECK: memref.prefetch %[[VWIN]][%{{.*}}, %{{.*}}, %{{.*}}], read, locality<3>, data : memref<8x129x128xf16, #gpu.address_space<global>>
// CHECK-NOT: memref.prefetch
// CHECK: gpu.return
!cache = !kvq.cache<1x8x4096x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @short_splits(%q: tensor<1x32x128xf16>, %c: !cache) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

// -----

// 8 x 8 rows of 32768 tokens: 22 tiles of 64 per split. The tail is a small
// share of such a split, and the prefetch measured up to 3% slower there
// (ptxas schedules the tile loop differently), so there is none.
// CHECK-LABEL: gpu.func @kvq_attend_b8h8q32c32768d128_f16_k4c128w128_v2t128w128_t1(
// CHECK-NOT: memref.prefetch
// Where splits are long, the window steps address the queries from the lane
// read again after the tile loop (a shared-memory address ptxas otherwise
// kept across the loop and spilled, docs/performance.md v3.27).
// CHECK: scf.for %{{.*}} step %c64
// CHECK-NOT: memref.prefetch
// CHECK: llvm.inline_asm has_side_effects "mov.u32 $0, %tid.x;", "=r"
// CHECK-NOT: memref.prefetch
// CHECK: gpu.return
!cache = !kvq.cache<8x8x32768x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @long_splits(%q: tensor<8x32x128xf16>, %c: !cache) -> tensor<8x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<8x32x128xf16>, !cache -> tensor<8x32x128xf16>
  return %o : tensor<8x32x128xf16>
}

// -----

// 1 x 8 rows of 32768 tokens: 3 tiles of 64 per split (192 tokens), so the
// whole 128-token tail [P, n) would fall to the last split's range and take
// 4 steps there while the others run 3 tiles. Instead its 32-token chunks
// go to the last splits, chunk c to split used - 1 - c (round robin beyond
// `used`, the splits that hold tokens): this split's steps start at
// P + 32 (used - 1 - split) and stride 32 x used; the tile loop keeps its
// bounds. Each split prefetches the window rows of its own chunks.
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c32768d128_f16_k4c128w128_v2t128w128_t1(
// CHECK: %[[N0:.*]] = scf.if
// The tile loop's end, max(start, min(end, P)); the tile loop.
// CHECK: arith.maxui %{{.*}}, %{{.*}} : index
// CHECK: scf.for %{{.*}} step %c64
// (The queries' addresses keep the tiles' lane here, where splits are short:
// reading it again made ptxas spill in other kernels.)
// CHECK-NOT: %tid.x
// The tail's bounds are computed after it, from the cache length and n
// through opaque moves and the split index and count read again: only the
// two lengths stay live across the tile loop (its five bounds there were
// spilled, docs/performance.md v3.26).
// CHECK: %[[SPLIT_ASM:.*]] = llvm.inline_asm has_side_effects "mov.u32 $0, %ctaid.x;", "=r"
// CHECK: %[[SPLIT:.*]] = arith.index_castui %[[SPLIT_ASM]] : i32 to index
// CHECK: llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r"
// CHECK: %[[N0_I32:.*]] = arith.index_cast %[[N0]] : index to i32
// CHECK: %[[N_ASM:.*]] = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %[[N0_I32]]
// CHECK: %[[N:.*]] = arith.index_castui %[[N_ASM]] : i32 to index
// CHECK: llvm.inline_asm has_side_effects "mov.u32 $0, %nctaid.x;", "=r"
// CHECK: %[[SPAN:.*]] = arith.muli %{{.*}}, %c64
// CHECK: %[[END:.*]] = arith.minui %[[N]], %{{.*}} : index
// CHECK: %[[P:.*]] = arith.minui %[[N]], %{{.*}} : index
// CHECK: %[[TAIL:.*]] = arith.subi %[[N]], %[[P]] : index
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %[[TAIL]], %c32
// CHECK: %[[USED:.*]] = arith.ceildivui %[[N]], %{{.*}} : index
// CHECK: %[[MINE:.*]] = arith.cmpi ult, %[[SPLIT]], %[[USED]] : index
// CHECK: %[[LAST:.*]] = arith.subi %[[USED]], %c1
// CHECK: %[[C0:.*]] = arith.subi %[[LAST]], %[[SPLIT]] : index
// CHECK: %[[FIRST:.*]] = arith.select %[[MINE]], %[[C0]], %[[CHUNKS]] : index
// CHECK: %[[HAS:.*]] = arith.cmpi ult, %[[FIRST]], %[[CHUNKS]] : index
// CHECK: %[[OFFSET:.*]] = arith.muli %[[FIRST]], %c32
// CHECK: %[[AT:.*]] = arith.addi %[[P]], %[[OFFSET]] : index
// CHECK: %[[FROM:.*]] = arith.select %[[HAS]], %[[AT]], %[[N]] : index
// CHECK: %[[STRIDE:.*]] = arith.select %[[MINE]], %[[USED]], %c1
// CHECK: %[[STEP:.*]] = arith.muli %[[STRIDE]], %c32
// CHECK: scf.for %{{.*}} = %[[FROM]] to %[[N]] step %[[STEP]] {
// CHECK: memref.prefetch
// The steps themselves (window-mma.mlir: tensor cores from the first step
// whose tokens are all in the window, the CUDA-core loop before it).
// CHECK: scf.for %{{.*}} = %[[MMA_FROM:.*]] to %[[N]] step %[[STEP]] iter_args(
// CHECK: scf.for %{{.*}} = %[[FROM]] to %{{.*}} step %[[STEP]] iter_args(
!cache = !kvq.cache<1x8x32768x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @spread_tail(%q: tensor<1x32x128xf16>, %c: !cache) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
