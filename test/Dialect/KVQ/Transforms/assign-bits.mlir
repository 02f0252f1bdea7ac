// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper" --mlir-print-local-scope 2>/dev/null | FileCheck %s --check-prefix=IR
// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper norm=spectral" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPEC
// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper granularity=model" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODEL

// Paper accounting, candidates {2, 4}, budget 3: four tensors of 2 elements
// per token, 24 bits per token in all; 2 bits each use 16, so exactly two
// tensors can go to 4 bits. Going 2 -> 4 reduces c * 2^(-2b) by
// c * (1/16 - 1/256), so the two largest c = norm^2 win.
//   W_K0 = [[3,0],[0,4]]: Frobenius 5, spectral 4   (c = 25 / 16)
//   W_V0 = [[1,0],[0,0]]: Frobenius 1, spectral 1   (c = 1 / 1)
//   W_K1 = [[1,0],[0,0]]: Frobenius 1, spectral 1   (c = 1 / 1)
//   W_V1 = [[0,2],[0,0]]: Frobenius 2, spectral 2   (c = 4 / 4)
// -> K0 and V1 get 4 bits (either norm); error 25/256 + 1/16 + 1/16 + 4/256
//    = 0.23828125. A 16-bit cache that becomes quantized gets kvq's default
//    layout: keys per_channel, group gcd(32, capacity) = 32; values
//    per_token, group gcd(32, head_dim) = 2.

// CHECK: remark: kvq-assign-bits: policy optimal, frobenius norm, layer granularity, paper accounting, budget 3 bits/element
// CHECK-NEXT: layer  key norm  (W_K)     value norm  K/V    K bits  V bits  modeled error  bytes
// CHECK-NEXT:     0    5.0000                1.0000  5.000       4       2     1.6016e-01
// CHECK-NEXT:     1    1.0000                2.0000  0.500       2       4     7.8125e-02
// CHECK-NEXT: average 3.0000 bits/element of a budget of 3 (paper accounting); slack 0.0000 bits per token (smallest step 4.0000); modeled error 2.382812e-01
// IR-LABEL: func.func @two_layers
// IR: kvq.cache_create {layer = 0 : i64} : !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 2, group = 2, granularity = per_token>>
// IR: kvq.cache_create {layer = 1 : i64} : !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 2, group = 32>, values = #kvq.scheme<bits = 4, group = 2, granularity = per_token>>
// SPEC: spectral norm, layer granularity
// SPEC-NEXT: {{^}}layer
// SPEC-NEXT:     0    4.0000                1.0000  4.000       4       2
// SPEC-NEXT:     1    1.0000                2.0000  0.500       2       4
// One key width and one value width for the whole model: c_K = 26, c_V = 5;
// both 2 -> 4 is 8 elements x 2 bits = 16 bits over the 24 - 16 = 8 spare,
// so only one upgrades: keys (26 > 5).
// MODEL: model granularity, paper
// MODEL-NEXT: {{^}}layer
// MODEL-NEXT:     0    5.0000                1.0000  5.000       4       2
// MODEL-NEXT:     1    1.0000                2.0000  0.500       4       2
!c = !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @two_layers() {
  %c0 = kvq.cache_create {layer = 0 : i64} : !c
  %c1 = kvq.cache_create {layer = 1 : i64} : !c
  %k0 = arith.constant dense<[[3.0, 0.0], [0.0, 4.0]]> : tensor<2x2xf32>
  %v0 = arith.constant dense<[[1.0, 0.0], [0.0, 0.0]]> : tensor<2x2xf32>
  %k1 = arith.constant dense<[[1.0, 0.0], [0.0, 0.0]]> : tensor<2x2xf32>
  %v1 = arith.constant dense<[[0.0, 2.0], [0.0, 0.0]]> : tensor<2x2xf32>
  kvq.bind_projections %c0 layer 0 keys(%k0 : tensor<2x2xf32>) values(%v0 : tensor<2x2xf32>) : !c
  kvq.bind_projections %c1 layer 1 keys(%k1 : tensor<2x2xf32>) values(%v1 : tensor<2x2xf32>) : !c
  return
}

// -----

// The raised form: the cache is a function argument (retyped in the
// signature and the result), the weights are ml_program globals, the key
// weight reaches bind_projections through a transpose ([[3,0],[0,4]] is its
// own transpose's norm: 5).
// CHECK:     0    5.0000                1.0000  5.000       4       2
// IR-LABEL: func.func @raised
// IR-SAME: (%{{.*}}: !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 2, group = 2, granularity = per_token>> {kvq.layer = 0 : i64}
// IR-SAME: -> !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 2, group = 2, granularity = per_token>>
!c = !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
ml_program.global private @wk(dense<[[3.0, 0.0], [0.0, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private @wv(dense<[[1.0, 0.0], [0.0, 0.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @raised(%c: !c {kvq.layer = 0 : i64}, %k: tensor<1x1x1x2xf32>, %v: tensor<1x1x1x2xf32>) -> !c {
  %wkT = ml_program.global_load_const @wk : tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %wk = linalg.transpose ins(%wkT : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
  %wv = ml_program.global_load_const @wv : tensor<2x2xf32>
  kvq.bind_projections %c layer 0 keys(%wk : tensor<2x2xf32>) values(%wv : tensor<2x2xf32>) : !c
  kvq.append %k, %v into %c : tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32> into !c
  return %c : !c
}

// -----

// No bind_projections: the appended key and value are traced back through
// expand_shape to linalg.matmul with [hidden, kv_heads*head_dim] weights.
// W_K = [[3,0],[0,4],[0,0]] (Frobenius 5), W_V = [[1,0],[0,1],[0,0]]
// (Frobenius sqrt(2) = 1.4142, spectral 1).
// CHECK:     0    5.0000                1.4142  3.536       4       2
// SPEC:      0    4.0000                1.0000  4.000       4       2
// IR-LABEL: func.func @traced
// IR: kvq.cache_create {layer = 0 : i64} : !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 4
!c = !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @traced(%x: tensor<1x3xf32>) {
  %c = kvq.cache_create {layer = 0 : i64} : !c
  %wk = arith.constant dense<[[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]]> : tensor<3x2xf32>
  %wv = arith.constant dense<[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]> : tensor<3x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %k = linalg.matmul ins(%x, %wk : tensor<1x3xf32>, tensor<3x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  %v = linalg.matmul ins(%x, %wv : tensor<1x3xf32>, tensor<3x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2], [3]] output_shape [1, 1, 1, 2] : tensor<1x2xf32> into tensor<1x1x1x2xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2], [3]] output_shape [1, 1, 1, 2] : tensor<1x2xf32> into tensor<1x1x1x2xf32>
  kvq.append %k4, %v4 into %c : tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32> into !c
  return
}

// -----

// Weights that are function arguments cannot be read: a remark says so and
// the stated fallback (no layer read: key norm = value norm = 1) applies;
// the tie goes to the keys (the lower index).
// CHECK: remark: kvq-assign-bits: layer 0: cannot read the projection weights (key weight: a block argument (#0): its values are not known at compile time); falling back to key norm = value norm = 1 (no layer was read)
// CHECK:     0    1.0000                1.0000  1.000       4       2     6.6406e-02  1280  (fallback)
// IR-LABEL: func.func @argument_weights
!c = !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @argument_weights(%wk: tensor<2x2xf32>, %wv: tensor<2x2xf32>) {
  %c = kvq.cache_create {layer = 0 : i64} : !c
  kvq.bind_projections %c layer 0 keys(%wk : tensor<2x2xf32>) values(%wv : tensor<2x2xf32>) : !c
  return
}
