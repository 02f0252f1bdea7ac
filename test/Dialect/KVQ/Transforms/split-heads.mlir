// RUN: kvq-opt %s --split-input-file --kvq-split-heads --verify-diagnostics | FileCheck %s

// Per-KV-head widths (kvq-assign-bits granularity=head) become one cache per
// KV head; append slices the KV-head dimension, attend the GQA group of
// query heads (2 per KV head here) and reassembles the output.
!cache = !kvq.cache<1x2x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
                    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>

// CHECK-DAG: #[[K4:b4_g32_pc_w32]] = #kvq.scheme<bits = 4, group = 32, window = 32>
// CHECK-DAG: #[[K2:b2_g32_pc_w32]] = #kvq.scheme<bits = 2, group = 32, window = 32>
// CHECK-DAG: #[[V3:b3_g8_pt]] = #kvq.scheme<bits = 3, group = 8, granularity = per_token>
// CHECK-DAG: #[[V16:b16]] = #kvq.scheme<bits = 16>
// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[TOK:[^:]*]]: tensor<1xi64>,
// CHECK-SAME: %[[C0:[^:]*]]: !kvq.cache<1x1x64x8xf32, keys = #[[K4]], values = #[[V3]]> {kvq.kv_head = 0 : i64, kvq.layer = 3 : i64, kvq.role = "cache"},
// CHECK-SAME: %[[C1:[^:]*]]: !kvq.cache<1x1x64x8xf32, keys = #[[K2]], values = #[[V16]]> {kvq.kv_head = 1 : i64, kvq.layer = 3 : i64, kvq.role = "cache"},
// CHECK-SAME: %[[K:[^:]*]]: tensor<1x2x1x8xf32>, %[[V:[^:]*]]: tensor<1x2x1x8xf32>, %[[Q:[^:]*]]: tensor<1x4x8xf32>,
// CHECK-NOT: kvq.bind_projections
// CHECK: kvq.length %[[C0]]
// CHECK: %[[K0:.*]] = tensor.extract_slice %[[K]][0, 0, 0, 0] [1, 1, 1, 8] [1, 1, 1, 1]
// CHECK: %[[V0:.*]] = tensor.extract_slice %[[V]][0, 0, 0, 0] [1, 1, 1, 8] [1, 1, 1, 1]
// CHECK: kvq.append %[[K0]], %[[V0]] into %[[C0]]
// CHECK: %[[K1:.*]] = tensor.extract_slice %[[K]][0, 1, 0, 0] [1, 1, 1, 8] [1, 1, 1, 1]
// CHECK: %[[V1:.*]] = tensor.extract_slice %[[V]][0, 1, 0, 0] [1, 1, 1, 8] [1, 1, 1, 1]
// CHECK: kvq.append %[[K1]], %[[V1]] into %[[C1]]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x8xf32>
// CHECK: %[[Q0:.*]] = tensor.extract_slice %[[Q]][0, 0, 0] [1, 2, 8] [1, 1, 1]
// CHECK: %[[O0:.*]] = kvq.attend %[[Q0]], %[[C0]] scale 2.500000e-01 : tensor<1x2x8xf32>
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[O0]] into %[[E]][0, 0, 0] [1, 2, 8] [1, 1, 1]
// CHECK: %[[Q1:.*]] = tensor.extract_slice %[[Q]][0, 2, 0] [1, 2, 8] [1, 1, 1]
// CHECK: %[[O1:.*]] = kvq.attend %[[Q1]], %[[C1]] scale 2.500000e-01
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[O1]] into %[[R0]][0, 2, 0] [1, 2, 8] [1, 1, 1]
// CHECK: return %[[R1]]
func.func @step(%tok: tensor<1xi64>,
                %c: !cache {kvq.layer = 3 : i64, kvq.role = "cache",
                            kvq.key_head_bits = [4.0, 2.0],
                            kvq.value_head_bits = [3.5, 16.0]},
                %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>,
                %q: tensor<1x4x8xf32>, %wk: tensor<16x32xf32>,
                %wv: tensor<16x32xf32>) -> tensor<1x4x8xf32> {
  kvq.bind_projections %c layer 3 keys(%wk : tensor<16x32xf32>) values(%wv : tensor<16x32xf32>) : !cache
  %n = kvq.length %c : !cache
  kvq.append %k, %v into %c : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32> into !cache
  %o = kvq.attend %q, %c scale 0.25 : tensor<1x4x8xf32>, !cache -> tensor<1x4x8xf32>
  return %o : tensor<1x4x8xf32>
}

// -----

!cache = !kvq.cache<1x2x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>,
                    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>
// expected-error @+1 {{kvq-split-heads: kvq.key_head_bits of argument 0 has 3 widths for 2 KV heads}}
func.func @wrong_count(%c: !cache {kvq.key_head_bits = [4.0, 2.0, 2.0],
                                   kvq.value_head_bits = [2.0, 2.0]}) {
  return
}

// -----

!cache = !kvq.cache<1x2x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>,
                    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>
func.func private @use(!cache)
func.func @other_use(%c: !cache {kvq.key_head_bits = [4.0, 2.0],
                                 kvq.value_head_bits = [2.0, 2.0]}) {
  // expected-error @+1 {{kvq-split-heads: cannot split a cache used by 'func.call'}}
  func.call @use(%c) : (!cache) -> ()
  return
}
