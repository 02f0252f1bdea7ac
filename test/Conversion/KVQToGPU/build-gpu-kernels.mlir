// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels="tile-tokens=64" | FileCheck %s
// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels="tile-tokens=64" | FileCheck %s --check-prefix=NOMATH

// The tensor-core tiles are 64 tokens here (tile-tokens=64); shapes this
// small take 32-token tiles by default (tile-tokens.mlir).

// The kernels use no math-dialect op (round-to-nearest-even is arith, exp2
// the NVVM intrinsic, fma a contractible mul/add), so their PTX needs no
// libdevice.
// NOMATH: gpu.module @kvq_kernels
// NOMATH-NOT: math.

// K4 per-channel / V2 per-token, head_dim 32 (below the tensor-core tiles'
// 64), 16 query heads over 2 KV heads: the packed kernel's CUDA-core loop.
// The IR below is the kernels' structure; docs/gpu.md explains it.
!cache = !kvq.cache<1x2x256x32xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// The module records what was built, for kvq-gpu-aot's manifest.
// CHECK: module attributes {gpu.container_module, kvq.kernels = [{
// CHECK-SAME: append = {block = 32 : i64, name = "kvq_append_b1h2q16c256d32_f16_k4c32w32_v2t32w32_t1"}
// The packed attention kernel: one-warp blocks, tiles of 32 tokens, a wave
// of 8 blocks per SM; so max_splits = ceil(256 / 32) = 8. The workspace:
// partial states, 8 splits x 2 KV heads x 288 floats (8 query heads x 36,
// whole 128-byte lines) = 18432 bytes, then the arrival counts, 2 KV heads
// x (1 + 8 / 8) x 4 bytes. Blocks serve a whole query group (query_slices).
// CHECK-SAME: arrivals_offset = 18432 : i64
// CHECK-SAME: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b1h2q16c256d32_f16_k4c32w32_v2t32w32_t1", query_slices = 1 : i64, tile = 32 : i64}
// CHECK-SAME: cache_bytes = 28864 : i64
// CHECK-NOT: combine
// Buffers under 2 GiB at head_dim 32: 32-bit index arithmetic, in the
// module whose data layout says so.
// CHECK-SAME: index_bitwidth = 32 : i64
// CHECK-SAME: max_splits = 8 : i64
// CHECK-SAME: module = "kvq_kernels"
// CHECK-SAME: workspace_bytes = 18448 : i64

// The host function is untouched.
// CHECK-LABEL: func.func @step
// CHECK: kvq.attend

// CHECK-LABEL: gpu.module @kvq_kernels attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i32>}

// Append: grid (sequence x KV head, 2), block.y 0 appends the keys and 1
// the values; a thread per channel. Shared buffers serve only the shapes
// that do not fill whole warps (and rotation).
// CHECK-LABEL: gpu.func @kvq_append_b1h2q16c256d32_f16_k4c32w32_v2t32w32_t1(
// CHECK-SAME: %{{.*}}: memref<28864xi8>, %{{.*}}: memref<1x2x1x32xf16>, %{{.*}}: memref<1x2x1x32xf16>, %{{.*}}: i64)
// CHECK-SAME: workgroup(%{{.*}} : memref<32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// Parameters are plain memrefs (as host code allocates them), viewed in the
// global address space inside (ld.global / st.global).
// CHECK: memref.memory_space_cast %{{.*}} : memref<28864xi8> to memref<28864xi8, #gpu.address_space<global>>
// CHECK: gpu.block_id x
// CHECK: %[[TENSOR:.*]] = gpu.block_id y
// CHECK: %[[KEYS:.*]] = arith.cmpi ult, %[[TENSOR]], %c1
// CHECK: scf.if %[[KEYS]] {
// Keys (per_channel, group 32): the new token enters the window ring; when
// a group is due, each thread reduces its channel over the group's 32 ring
// tokens, 8 loads at a time, with the CPU reference's arithmetic ...
// CHECK: scf.for %{{.*}} = %{{.*}} to %c32{{.*}} step %c8 iter_args
// CHECK-COUNT-8: memref.load %{{.*}} : memref<2x64x32xf16, #gpu.address_space<global>>
// CHECK: arith.divf
// Round to nearest even: (|x| + 2^23) - 2^23.
// CHECK: arith.constant 0x4B000000 : f32
// ... and a word's 8 four-bit codes are or-ed over 8 lanes by xor shuffles,
// stored by the first lane.
// CHECK: gpu.shuffle xor %{{.*}}, %c4_i32
// CHECK-NEXT: arith.ori
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32
// CHECK: memref.store %{{.*}} : memref<2x256x4xi32, #gpu.address_space<global>>
// Values (per_token, group 32): the due token's element is loaded before
// the new token is stored; the group's min and max are xor-shuffle
// reductions over 32 lanes, and a word's 16 two-bit codes come from 16.
// CHECK: arith.xori %[[KEYS]], %true
// CHECK: memref.load %{{.*}} : memref<2x33x32xf16, #gpu.address_space<global>>
// CHECK: memref.store %{{.*}} : memref<2x33x32xf16, #gpu.address_space<global>>
// CHECK: gpu.shuffle xor %{{.*}}, %c16_i32
// CHECK: arith.minnumf
// CHECK: arith.maxnumf
// CHECK: gpu.shuffle xor %{{.*}}, %c8_i32
// CHECK: memref.store %{{.*}} : memref<2x256x2xi32, #gpu.address_space<global>>
// The common step needs no barrier.
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return

// Attention, packed kernel (PackedAttend.cpp): grid (splits, sequence x KV
// head), one warp; shared memory holds the group's 8 queries, the tile's
// scores/probabilities [32 tokens][8 heads] and the tiles' sums.
// CHECK-LABEL: gpu.func @kvq_attend_b1h2q16c256d32_f16_k4c32w32_v2t32w32_t1(
// Parameters: cache, queries, lengths, use_lengths, the workspace's partial
// states and arrival counts, the output.
// CHECK-SAME: memref<1x16x32xf16>, %{{.*}}: memref<1xi32>, %{{.*}}: i32, %{{.*}}: memref<8x2x288xf32>, %{{.*}}: memref<2x2xi32>, %{{.*}}: memref<1x16x32xf16>)
// CHECK-SAME: workgroup(%{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x8xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// Typed views of the one cache buffer (docs/storage-format.md).
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<28864xi8, #gpu.address_space<global>> to memref<2x256x4xi32, #gpu.address_space<global>>
// CHECK: gpu.grid_dim x
// CHECK: gpu.block_id y
// The first tile's key words: a team of 4 lanes per token, 8 channels (one
// word) per lane (16, two words, when R <= 4).
// CHECK: memref.load %{{.*}} : memref<2x256x4xi32, #gpu.address_space<global>>
// The tile loop carries the softmax state, the value accumulators and the
// folded queries; at a key group's first tile the per-channel scales and
// zeros are folded into the queries (8 x 8 products and 8 biases).
// CHECK: scf.for {{.*}} iter_args
// CHECK: scf.if %{{.*}} -> (f32, f32
// CHECK: vector.load %{{.*}} : memref<2x8x32xf16, #gpu.address_space<global>>, vector<8xf16>
// CHECK: arith.mulf {{.*}} fastmath<contract>
// Code to float: the code or-ed into 1.0's mantissa, no conversion op.
// CHECK: arith.constant 1065353216 : i32
// CHECK: arith.ori
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// The team's partial dots summed by xor shuffles within the team.
// CHECK-NOT: gpu.shuffle  xor %{{.*}}, %c4_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.barrier
// Softmax, lane = token: warp max, then base-2 exponentials.
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// After the tiles, the value teams' sums go to shared memory; window
// tokens follow element by element; then this split's partial state.
// CHECK: memref.store %{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>
// CHECK: scf.for
// CHECK: memref.store %{{.*}} : memref<8x2x288xf32, #gpu.address_space<global>>
// The merge, in the same launch: after a barrier, lane 0 counts the block
// in its group (all splits where there are at most 32 of them, else 8
// consecutive ones) with an acquire-release atomic (kvq.arrive,
// releasing the block's state; broadcast to the warp); the group's last
// block resets the count, a warp barrier, and the warp merges the group's
// states: the first states' rows are loaded before their maxima and sums
// (one round of loads), a lane's channel of each row, one division per
// output.
// CHECK: %[[SPLITS:.*]] = arith.index_castui %{{.*}} : i32 to index
// CHECK-NEXT: gpu.barrier
// CHECK: %[[FEW:.*]] = arith.cmpi ule, %[[SPLITS]], %c32{{.*}} : index
// CHECK: %[[RADIX:.*]] = arith.select %[[FEW]], %c32{{.*}}, %c8{{.*}} : index
// CHECK-NEXT: arith.divui %block_id_x, %[[RADIX]] : index
// CHECK-NOT: llvm.fence
// CHECK: kvq.arrive %{{.*}}[%block_id_y, %{{.*}}] : memref<2x2xi32, #gpu.address_space<global>>
// CHECK: gpu.shuffle  idx
// CHECK: memref.store %c0_i32{{.*}}, %{{.*}}[%block_id_y, %{{.*}}] : memref<2x2xi32, #gpu.address_space<global>>
// CHECK: nvvm.bar.warp.sync
// CHECK-NOT: gpu.shuffle
// CHECK: memref.load %{{.*}} : memref<8x2x288xf32, #gpu.address_space<global>>
// CHECK-NOT: gpu.shuffle
// CHECK: arith.constant 7 : index
// CHECK-NOT: gpu.shuffle
// CHECK: memref.load %{{.*}} : memref<8x2x288xf32, #gpu.address_space<global>>
// CHECK: gpu.shuffle  xor
// One group: the outputs directly.
// CHECK: arith.divf
// CHECK: memref.store %{{.*}} : memref<1x16x32xf16, #gpu.address_space<global>>
// Several: the group's state replaces its first split's and is counted the
// same way at the head's slot 0; the last group's merger writes the outputs.
// CHECK: memref.store %{{.*}} : memref<8x2x288xf32, #gpu.address_space<global>>
// CHECK: nvvm.bar.warp.sync
// CHECK-NOT: llvm.fence
// CHECK: kvq.arrive %{{.*}}[%block_id_y, %c0{{.*}}] : memref<2x2xi32, #gpu.address_space<global>>
// CHECK: arith.divf
// CHECK: memref.store %{{.*}} : memref<1x16x32xf16, #gpu.address_space<global>>
// CHECK: gpu.return
// No second kernel.
// CHECK-NOT: gpu.func
func.func @step(%q: tensor<1x16x32xf16>, %k: tensor<1x2x1x32xf16>,
                %v: tensor<1x2x1x32xf16>, %c: !cache) -> tensor<1x16x32xf16> {
  kvq.append %k, %v into %c : tensor<1x2x1x32xf16>, tensor<1x2x1x32xf16> into !cache
  %o = kvq.attend %q, %c : tensor<1x16x32xf16>, !cache -> tensor<1x16x32xf16>
  return %o : tensor<1x16x32xf16>
}

// -----

// 8 query heads per KV head at head_dim 64: more than the tensor-core tiles
// serve, so each KV head gets two blocks per split, each serving 4 of its
// query heads on tensor cores (query_slices = 2; grid.y = B x H x 2).
// max_splits = ceil(256 / 64) = 4; the partial states are [4 splits][4
// block rows][288 floats: 4 heads x 68, whole 128-byte lines] = 18432
// bytes, then 4 rows x 2 arrival counts.
// CHECK: arrivals_offset = 18432 : i64
// CHECK-SAME: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b1h2q16c256d64_f16_k4c32w32_v2t32w32_t1", query_slices = 2 : i64, tile = 64 : i64}
// CHECK-SAME: workspace_bytes = 18464 : i64
!cache = !kvq.cache<1x2x256x64xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// CHECK-LABEL: gpu.func @kvq_attend_b1h2q16c256d64_f16_k4c32w32_v2t32w32_t1(
// CHECK-SAME: %{{.*}}: memref<4x4x288xf32>, %{{.*}}: memref<4x2xi32>, %{{.*}}: memref<1x16x64xf16>)
// CHECK-SAME: workgroup(%{{.*}} : memref<4x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x4xf32, #gpu.address_space<workgroup>>
// CHECK-SAME: nvvm.maxnreg = 168
// Block row y = (sequence x 2 + KV head) x 2 + slice: sequence y / 4, query
// block y mod 4 (its heads 4 qb + r), KV head sequence x 2 + qb / 2.
// CHECK: %[[Y:.*]] = gpu.block_id y
// CHECK: %[[SEQ:.*]] = arith.divui %[[Y]], %c4
// CHECK: %[[QB:.*]] = arith.remui %[[Y]], %c4
// CHECK: %[[SEQH:.*]] = arith.muli %[[SEQ]], %c2
// CHECK: %[[G:.*]] = arith.divui %[[QB]], %c2
// CHECK: %[[HEAD:.*]] = arith.addi %[[SEQH]], %[[G]]
// The slice's 4 queries: rows 4 qb + r of the sequence, 8 per lane in one
// 16-byte load.
// CHECK: %[[QB4:.*]] = arith.muli %[[QB]], %c4
// CHECK: %[[HQ:.*]] = arith.addi %[[QB4]]
// CHECK: vector.load %{{.*}}[%[[SEQ]], %[[HQ]], %{{.*}}] {alignment = 16 : i64} : memref<1x16x64xf16, #gpu.address_space<global>>, vector<8xf16>
// The cache is read at the KV head (key words: 8 bytes per lane and row);
// the partial state and arrival counts at the block row.
// CHECK: vector.load %{{.*}}[%[[HEAD]], %{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<2x256x8xi32, #gpu.address_space<global>>, vector<2xi32>
// CHECK: mma.sync
// CHECK: kvq.arrive %{{.*}}[%[[Y]], %{{.*}}] : memref<4x2xi32, #gpu.address_space<global>>
func.func @step(%q: tensor<1x16x64xf16>, %c: !cache) -> tensor<1x16x64xf16> {
  %o = kvq.attend %q, %c : tensor<1x16x64xf16>, !cache -> tensor<1x16x64xf16>
  return %o : tensor<1x16x64xf16>
}

// -----

// 3-bit keys and 16-bit values take the generic kernel: 128 threads, tiles
// of 128 tokens. 3-bit codes (10 per word, 7 words per token) are not
// 16-byte aligned rows: the key row is read word by word; rotated keys
// transform the queries in shared memory first (butterflies, then the
// 1/sqrt(64) normalisation).
// CHECK: attend = {block = 128 : i64, blocks_per_sm = 32 : i64, name = "kvq_attend_b1h1q1c128d64_f32_k3c32r_v16_t4", query_slices = 1 : i64, tile = 128 : i64}
!cache = !kvq.cache<1x1x128x64xf32,
    keys = #kvq.scheme<bits = 3, group = 32, rotation = hadamard>,
    values = #kvq.scheme<bits = 16>>

// CHECK-LABEL: gpu.func @kvq_attend_b1h1q1c128d64_f32_k3c32r_v16_t4(
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK-NOT: vector.load
// CHECK: memref.load %{{.*}} : memref<1x128x7xi32, #gpu.address_space<global>>
// CHECK-NOT: vector.load
// The merge (one split: max_splits = ceil(128 / 128)) reads the partial
// state back with vector loads.
// CHECK: kvq.arrive
// CHECK: vector.load %{{.*}} : memref<1x1x96xf32, #gpu.address_space<global>>, vector<2xf32>
// CHECK: gpu.return
func.func @prefill_then_step(%q: tensor<1x1x64xf32>, %k: tensor<1x1x4x64xf32>,
                             %v: tensor<1x1x4x64xf32>, %c: !cache) -> tensor<1x1x64xf32> {
  kvq.append %k, %v into %c : tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32> into !cache
  %o = kvq.attend %q, %c scale 0.5 : tensor<1x1x64xf32>, !cache -> tensor<1x1x64xf32>
  return %o : tensor<1x1x64xf32>
}

// -----

// One value scale group per token and <= 4 query heads per KV head: the
// packed kernel runs its tiles on int8 tensor cores, 64 tokens a tile, at
// most 168 registers (12 one-warp blocks per SM; the split heuristic's
// wave is sized for 8, since every split holds fewer than 4 tiles). The scores of 16 tokens
// are two mma per 32 channels: u8 codes x the s8 hi byte and x the u8
// mid/lo bytes of the folded queries (recomputed in an scf.if when a key
// group starts); the value codes of 4 tokens are byte-transposed with prmt.
// CHECK: attend = {block = 32 : i64, blocks_per_sm = 8 : i64, name = "kvq_attend_b2h2q8c512d128_f16_k4c128w128_v2t128w128_t1", query_slices = 1 : i64, tile = 64 : i64}
!cache = !kvq.cache<2x2x512x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>

// What a tile reads besides its key words is staged in shared memory with
// cp.async, two stages of 2816 bytes: [stage][64 tokens][8 words] of value
// codes, [stage][64][1] value scales and zeros, [stage][1 row][128] key
// scales and zeros for the fold. Copies go in 16-byte pieces (L1 bypassed)
// or, for regions under 512 bytes, one 4- or 8-byte piece per lane.
// CHECK-LABEL: gpu.func @kvq_attend_b2h2q8c512d128_f16_k4c128w128_v2t128w128_t1(
// CHECK-SAME: %[[STAGE:[a-z0-9]+]] : memref<5632xi8, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: known_block_size = array<i32: 32, 1, 1>
// CHECK-SAME: nvvm.maxnreg = 168 : i32
// CHECK: %[[VCODES:.*]] = memref.view %[[STAGE]][%c0{{.*}}][] : memref<5632xi8, #gpu.address_space<workgroup>> to memref<2x64x8xi32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[STAGE]][%c4096{{.*}}][] : {{.*}} to memref<2x64x1xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[STAGE]][%c4352{{.*}}][] : {{.*}} to memref<2x64x1xf16, #gpu.address_space<workgroup>>
// CHECK: %[[KSCALES:.*]] = memref.view %[[STAGE]][%c4608{{.*}}][] : {{.*}} to memref<2x1x128xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[STAGE]][%c5120{{.*}}][] : {{.*}} to memref<2x1x128xf16, #gpu.address_space<workgroup>>
// The first tile, before the loop: value codes (2048 bytes: 4 pieces of 16
// per lane), value scales and zeros (4 bytes per lane), key scales and zeros
// (8), one commit group.
// CHECK-COUNT-4: nvgpu.device_async_copy %{{.*}}[%{{.*}}], %[[STAGE]][%{{.*}}], 16 {bypassL1}
// CHECK-COUNT-2: nvgpu.device_async_copy %{{.*}}[%{{.*}}], %[[STAGE]][%{{.*}}], 4 :
// CHECK-COUNT-2: nvgpu.device_async_copy %{{.*}}[%{{.*}}], %[[STAGE]][%{{.*}}], 8 :
// CHECK-NEXT: nvvm.cp.async.commit.group
// In the loop: a barrier (the other stage's readers are done), the next
// tile's copies into it (source size 0 past the split's last tile), commit,
// wait until only that group is in flight, a barrier (every lane's copies
// are visible).
// CHECK: scf.for {{.*}} step %c64
// CHECK: gpu.barrier
// CHECK-COUNT-4: nvgpu.device_async_copy %{{.*}}[%{{.*}}], %[[STAGE]][%{{.*}}], 16, %{{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 1
// CHECK-NEXT: gpu.barrier
// The fold reads its scales from the stage: each lane of a B column pair
// (lanes xor 4) folds half of the pair's 32 channels, the sums and maxima
// run over the 8 lanes of a head, and the pair trades the hi, mid and lo
// bytes with two xor shuffles per B register.
// CHECK: scf.if
// CHECK: vector.load %[[KSCALES]][%{{.*}}, %c0{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<2x1x128xf16, #gpu.address_space<workgroup>>, vector<16xf16>
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.rcp.approx.ftz.f"
// CHECK-COUNT-8: gpu.shuffle  xor %{{.*}}, %c4_i32{{.*}}, %c32_i32{{.*}} : i32
// CHECK: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<u8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>
// CHECK-NEXT: llvm.extractvalue
// CHECK: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<u8>, multiplicandBPtxType = #nvvm.mma_type<u8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>
// The value words come from the stage just before the value step.
// CHECK: memref.load %[[VCODES]]
// CHECK: nvvm.prmt
// CHECK: gpu.shuffle idx
// No copy is in flight after the loop.
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: gpu.return
func.func @mma_step(%q: tensor<2x8x128xf16>, %k: tensor<2x2x1x128xf16>,
                    %v: tensor<2x2x1x128xf16>, %c: !cache) -> tensor<2x8x128xf16> {
  kvq.append %k, %v into %c : tensor<2x2x1x128xf16>, tensor<2x2x1x128xf16> into !cache
  %o = kvq.attend %q, %c : tensor<2x8x128xf16>, !cache -> tensor<2x8x128xf16>
  return %o : tensor<2x8x128xf16>
}

// -----

// head_dim 96 (3 channels per lane): the split merge reads and writes the
// partial rows channel by channel (lane, lane + 32, lane + 64); a vector of
// 3 floats at lane * 12 bytes would be misaligned. The workspace rows:
// 96 + 4 floats, the region rounded up to 128.
!cache = !kvq.cache<1x1x128x96xf16, keys = #kvq.scheme<bits = 16>,
                    values = #kvq.scheme<bits = 16>>

// CHECK-LABEL: gpu.func @kvq_attend_b1h1q1c128d96_f16_k16_v16_t1(
// CHECK-SAME: memref<1x1x128xf32>, %{{.*}}: memref<1x2xi32>
// CHECK: kvq.arrive
// CHECK-NOT: vector.load
// CHECK: memref.load %{{.*}} : memref<1x1x128xf32, #gpu.address_space<global>>
// CHECK-NOT: vector.load
// CHECK: gpu.return
func.func @d96(%q: tensor<1x1x96xf16>, %c: !cache) -> tensor<1x1x96xf16> {
  %o = kvq.attend %q, %c : tensor<1x1x96xf16>, !cache -> tensor<1x1x96xf16>
  return %o : tensor<1x1x96xf16>
}

// -----

// A module with no attention gets no kernels, and says so.
// CHECK-LABEL: func.func @no_attention
// CHECK-NOT: gpu.module
func.func @no_attention() {
  return
}
