// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper norm=spectral" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPEC
// RUN: kvq-opt %s --split-input-file --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper json=%t.json" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json

// Qwen3-style key RMSNorm (k_norm) with gain g = [0.3, 0.4] on 2 KV heads
// of head_dim 2, hidden 3. The cached key of head h is g * n_h with
// n_h = y_h / rms(y_h), ||n_h|| = sqrt(head_dim): its size does not depend
// on W_K at all. The pass measures diag(g) (docs/allocation.md):
//   Frobenius: per head ||g|| = 0.5; whole sqrt(kv_heads) * ||g|| = 0.7071
//   spectral:  sqrt(kv_heads * head_dim / hidden) * max|g| = sqrt(4/3) * 0.4
//              = 0.4619
// and reports the raw W_K norm beside it:
//   W_K = [[1,2,0],[0,1,0],[2,0,0],[0,0,2]]: Frobenius sqrt(14) = 3.7417
//   (heads: sqrt(6) = 2.4495, sqrt(8) = 2.8284); W_K^T W_K =
//   [[5,2,0],[2,5,0],[0,0,4]], eigenvalues 7, 4, 3: spectral sqrt(7) = 2.6458.
//   W_V = [[1,0,0],[0,1,0],[0,0,1],[0,0,1]]: Frobenius 2; W_V^T W_V =
//   diag(1, 1, 2): spectral sqrt(2) = 1.4142. Layer 1: the same W_K without
//   k_norm, and W_V / 2 (Frobenius 1, spectral 0.7071).
// Candidates {2, 4}, budget 3 (paper): two of the four tensors get 4 bits,
// the two largest c = norm^2. Frobenius: K0 0.5, V0 4, K1 14, V1 1 -> K1 and
// V0 (the raw W_K norm, 14, would have picked K0). Spectral: K0 0.2133,
// V0 2, K1 7, V1 0.5 -> K1 and V0.
// CHECK: {{^}}layer
// CHECK-NEXT:     0    0.7071  (3.7417)      2.0000  0.354       2       4
// CHECK-NEXT:     1    3.7417                1.0000  3.742       4       2
// SPEC: {{^}}layer
// SPEC-NEXT:     0    0.4619  (2.6458)      1.4142  0.327       2       4
// SPEC-NEXT:     1    2.6458                0.7071  3.742       4       2
// JSON:       "key": {
// JSON:         "head_norms": [
// JSON-NEXT:      0.500000{{[0-9]*}},
// JSON-NEXT:      0.500000{{[0-9]*}}
// JSON:         "norm": 0.707106{{[0-9]*}},
// JSON-NEXT:    "operator": "diag(k_norm gain) on the RMS-normalised head",
// JSON:         "weight_head_norms": [
// JSON-NEXT:      2.449489742783{{[0-9]*}},
// JSON-NEXT:      2.828427124746{{[0-9]*}}
// JSON-NEXT:    ],
// JSON-NEXT:    "weight_norm": 3.741657386773{{[0-9]*}}
!c = !kvq.cache<1x2x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @knorm() {
  %c0 = kvq.cache_create {layer = 0 : i64} : !c
  %c1 = kvq.cache_create {layer = 1 : i64} : !c
  %k = arith.constant dense<[[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 2.0]]> : tensor<4x3xf32>
  %v = arith.constant dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]> : tensor<4x3xf32>
  %g = arith.constant dense<[0.3, 0.4]> : tensor<2xf32>
  kvq.bind_projections %c0 layer 0 keys(%k : tensor<4x3xf32>) values(%v : tensor<4x3xf32>) key_norm(%g : tensor<2xf32>) : !c
  %v1 = arith.constant dense<[[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.5]]> : tensor<4x3xf32>
  kvq.bind_projections %c1 layer 1 keys(%k : tensor<4x3xf32>) values(%v1 : tensor<4x3xf32>) : !c
  return
}
