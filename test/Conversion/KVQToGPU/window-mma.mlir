// RUN: kvq-opt %s --split-input-file --kvq-build-gpu-kernels | FileCheck %s

// The window tail on tensor cores. After the tiles, the split's 32-token
// tail steps that start at or past W = max(key quantized, value quantized)
// (every token's key and value still full precision) continue the tiles'
// online softmax on f16 mma.sync m16n8k16 (bf16 in bf16 caches); the steps
// before W (a key or a value already packed) keep the CUDA-core loop, which
// now ends at the first tensor-core step.
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c4096d128_f16_k4c128w128_v2t128w128_t1(
// CHECK: %[[KWIN:.*]] = memref.view {{.*}} to memref<8x256x128xf16, #gpu.address_space<global>>
// CHECK: %[[VWIN:.*]] = memref.view {{.*}} to memref<8x129x128xf16, #gpu.address_space<global>>
// The tiles, then the window rows prefetched into L2.
// CHECK: %[[TILES:.*]]:53 = scf.for %{{.*}} step %c32
// CHECK: memref.prefetch
// The first tensor-core step: tailFrom + 32 ceil((max(W, tailFrom) -
// tailFrom) / 32); the CUDA-core loop ends there (or at the split's end).
// CHECK: %[[W:.*]] = arith.maxui %{{.*}}, %{{.*}} : index
// CHECK: %[[W2:.*]] = arith.maxui %[[W]], %[[TAIL:.*]] : index
// CHECK: %[[BEHIND:.*]] = arith.subi %[[W2]], %[[TAIL]] : index
// CHECK: %[[STEPS:.*]] = arith.ceildivui %[[BEHIND]], %[[C32:.*]] : index
// CHECK: %[[SKIP:.*]] = arith.muli %[[STEPS]], %[[C32]] : index
// CHECK: %[[FROM:.*]] = arith.addi %[[TAIL]], %[[SKIP]] : index
// CHECK: %[[CUDA_END:.*]] = arith.minui %[[FROM]], %[[END:.*]] : index
// Loop invariant B operands: the queries in two f16 parts, the rounded
// value (even columns) and its remainder (odd columns).
// CHECK: vector.load %arg7[{{.*}}] {alignment = 16 : i64} : memref<4x128xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: %[[HI:.*]] = arith.truncf %[[X:.*]] : f32 to f16
// CHECK: %[[HI32:.*]] = arith.extf %[[HI]] : f16 to f32
// CHECK: %[[REST:.*]] = arith.subf %[[X]], %[[HI32]] : f32
// CHECK: arith.truncf %[[REST]] : f32 to f16
// The window steps carry the tiles' max, sum, value bias and 16 outputs.
// CHECK: %{{.*}}:19 = scf.for %{{.*}} = %[[FROM]] to %[[END]] step %[[C32]] iter_args(%{{.*}} = %[[TILES]]#0,
// Keys: 16-byte loads of this lane's quarter of rows g and g + 8 of both
// 16-token halves, then 8 k steps of 16 channels per half.
// CHECK-COUNT-16: vector.load %[[KWIN]]{{.*}} : memref<8x256x128xf16, #gpu.address_space<global>>, vector<8xf16>
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>
// The softmax: the max over g by xor shuffles.
// CHECK: gpu.shuffle  xor
// Values per 16 tokens: this lane's eighth of 4 token rows, then one mma
// per 16 channels. One value group per token: the int8 tiles' layout (head
// q's outputs in lane q) is kept by columns of (head, part) probabilities,
// summed after. Each A register is one channel of two tokens (prmt 0x5410
// / 0x7632).
// CHECK-COUNT-8: vector.load %[[VWIN]]{{.*}} : memref<8x129x128xf16, #gpu.address_space<global>>, vector<8xf16>
// CHECK: nvvm.prmt <default> %c21520_i32{{.*}} : i32
// CHECK: nvvm.prmt <default> %c30258_i32{{.*}} : i32
// CHECK: nvvm.mma.sync {{.*}} C[%{{[0-9]+}}, %[[ZERO:cst[_0-9]*]], %{{[0-9]+}}, %[[ZERO]]] {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-COUNT-7: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-COUNT-8: vector.load %[[VWIN]]{{.*}} : memref<8x129x128xf16, #gpu.address_space<global>>, vector<8xf16>
// CHECK-COUNT-8: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
// Then the CUDA-core loop over the steps before W.
// CHECK: scf.for %{{.*}} = %[[TAIL]] to %[[CUDA_END]] step %[[C32]] iter_args(
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.return
!cache = !kvq.cache<1x8x4096x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @one_value_group(%q: tensor<1x32x128xf16>, %c: !cache) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

// -----

// Several value groups per token: the tiles' f16 layout (columns are query
// heads), so the window's probabilities are one f16 each and the outputs
// accumulate in the carried C fragments.
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c4096d128_f16_k4c32w128_v2t32w128_t1(
// CHECK: %[[TILES:.*]]:{{[0-9]+}} = scf.for
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[TILES]]#0,
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: nvvm.mma.sync {{.*}} C[{{%[0-9]+, %[0-9]+, %[0-9]+, %[0-9]+}}] {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>
!cache = !kvq.cache<1x8x4096x128xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 128>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
func.func @several_value_groups(%q: tensor<1x32x128xf16>, %c: !cache) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}

// -----

// bf16 caches: the same steps on bf16 mma.sync m16n8k16 (the same i32
// fragments) for the keys and the (head, part) value columns, with the
// queries and the probabilities in two bf16 parts (the rounded value and
// its remainder).
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c4096d128_bf16_k4c128w128_v2t128w128_t1(
// CHECK: %[[KWIN:.*]] = memref.view {{.*}} to memref<8x256x128xbf16, #gpu.address_space<global>>
// CHECK: %[[VWIN:.*]] = memref.view {{.*}} to memref<8x129x128xbf16, #gpu.address_space<global>>
// CHECK: %[[TILES:.*]]:53 = scf.for %{{.*}} step %c32
// CHECK: %[[HI:.*]] = arith.truncf %[[X:.*]] : f32 to bf16
// CHECK: %[[HI32:.*]] = arith.extf %[[HI]] : bf16 to f32
// CHECK: %[[REST:.*]] = arith.subf %[[X]], %[[HI32]] : f32
// CHECK: arith.truncf %[[REST]] : f32 to bf16
// CHECK: %{{.*}}:19 = scf.for %{{.*}} iter_args(%{{.*}} = %[[TILES]]#0,
// CHECK-COUNT-16: vector.load %[[KWIN]]{{.*}} : memref<8x256x128xbf16, #gpu.address_space<global>>, vector<8xbf16>
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32)
// CHECK: gpu.shuffle  xor
// CHECK-COUNT-8: vector.load %[[VWIN]]{{.*}} : memref<8x129x128xbf16, #gpu.address_space<global>>, vector<8xbf16>
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-COUNT-8: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32)
// CHECK-COUNT-8: vector.load %[[VWIN]]{{.*}} : memref<8x129x128xbf16, #gpu.address_space<global>>, vector<8xbf16>
// CHECK-COUNT-8: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
// CHECK: gpu.return
!cache = !kvq.cache<1x8x4096x128xbf16,
    keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
func.func @bf16(%q: tensor<1x32x128xbf16>, %c: !cache) -> tensor<1x32x128xbf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !cache -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}

// -----

// bf16 with several value groups per token: the keys on bf16 mma, the
// values on the tiles' f16 columns (one f16 probability per head), each A
// register a bf16 pair widened to f32 (shift, mask) and rounded to f16.
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c4096d128_bf16_k4c32w128_v2t32w128_t1(
// CHECK: %[[TILES:.*]]:{{[0-9]+}} = scf.for
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[TILES]]#0,
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: %[[W:.*]] = nvvm.prmt <default> %c21520_i32
// CHECK: %[[LO:.*]] = arith.shli %[[W]], %c16_i32{{[_0-9]*}} : i32
// CHECK: %[[LOF:.*]] = arith.bitcast %[[LO]] : i32 to f32
// CHECK: %[[HI:.*]] = arith.andi %[[W]], %c-65536_i32{{[_0-9]*}} : i32
// CHECK: %[[HIF:.*]] = arith.bitcast %[[HI]] : i32 to f32
// CHECK: arith.truncf %[[LOF]] : f32 to f16
// CHECK: arith.truncf %[[HIF]] : f32 to f16
// CHECK: nvvm.mma.sync {{.*}} C[{{%[0-9]+, %[0-9]+, %[0-9]+, %[0-9]+}}] {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32)
!cache = !kvq.cache<1x8x4096x128xbf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 128>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
func.func @bf16_several_value_groups(%q: tensor<1x32x128xbf16>, %c: !cache) -> tensor<1x32x128xbf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xbf16>, !cache -> tensor<1x32x128xbf16>
  return %o : tensor<1x32x128xbf16>
}

// -----

// Without a window there are no window steps to run.
// CHECK-LABEL: gpu.func @kvq_attend_b1h8q32c4096d128_f16_k4c128_v2t128_t1(
// CHECK-NOT: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: gpu.return
!cache = !kvq.cache<1x8x4096x128xf16,
    keys = #kvq.scheme<bits = 4, group = 128>,
    values = #kvq.scheme<bits = 2, group = 128, granularity = per_token>>
func.func @no_window(%q: tensor<1x32x128xf16>, %c: !cache) -> tensor<1x32x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x32x128xf16>, !cache -> tensor<1x32x128xf16>
  return %o : tensor<1x32x128xf16>
}
