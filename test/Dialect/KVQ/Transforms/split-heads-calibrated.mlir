// A calibrated per-KV-head allocation (kvq-assign-bits policy=calibrated
// granularity=head) materialised by kvq-split-heads: one single-head cache
// per KV head with that head's widths, the quantized template (group,
// granularity, window) kept.
// RUN: rm -rf %t && split-file %s %t
// RUN: kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head budget=3 candidates=2,4 accounting=paper sensitivity=%t/head.json" --kvq-split-heads 2>/dev/null | FileCheck %s

// One layer, two KV heads of head_dim 8: four tensors of 8 elements per
// token. Paper accounting, candidates {2, 4}, budget 3: 96 bits per token,
// 64 at 2 bits, each upgrade 16 bits: two tensors get 4 bits, the largest
// drops e(2) - e(4): keys h0 .1, values h0 .5, keys h1 .4, values h1 .05
// -> head 0 K2V4, head 1 K4V2 (the reverse of a uniform K4V2 on head 0).

// CHECK-DAG: #[[K2:.*]] = #kvq.scheme<bits = 2, group = 32, window = 32>
// CHECK-DAG: #[[K4:.*]] = #kvq.scheme<bits = 4, group = 32, window = 32>
// CHECK-DAG: #[[V2:.*]] = #kvq.scheme<bits = 2, group = 8, granularity = per_token>
// CHECK-DAG: #[[V4:.*]] = #kvq.scheme<bits = 4, group = 8, granularity = per_token>
// CHECK-LABEL: func.func @step(
// CHECK-SAME: !kvq.cache<1x1x64x8xf32, keys = #[[K2]], values = #[[V4]]> {kvq.kv_head = 0 : i64, kvq.layer = 0 : i64, kvq.role = "cache"}
// CHECK-SAME: !kvq.cache<1x1x64x8xf32, keys = #[[K4]], values = #[[V2]]> {kvq.kv_head = 1 : i64, kvq.layer = 0 : i64, kvq.role = "cache"}
// CHECK-COUNT-2: kvq.append
// CHECK-COUNT-2: kvq.attend

//--- input.mlir
!cache = !kvq.cache<1x2x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
                    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>
func.func @step(%c: !cache {kvq.layer = 0 : i64, kvq.role = "cache"},
                %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>,
                %q: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %wk = arith.constant dense<1.0> : tensor<16x32xf32>
  %wv = arith.constant dense<1.0> : tensor<16x32xf32>
  kvq.bind_projections %c layer 0 keys(%wk : tensor<16x32xf32>) values(%wv : tensor<16x32xf32>) : !cache
  kvq.append %k, %v into %c : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32> into !cache
  %o = kvq.attend %q, %c scale 0.25 : tensor<1x4x8xf32>, !cache -> tensor<1x4x8xf32>
  return %o : tensor<1x4x8xf32>
}

//--- head.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [0.2, 0.1, 0]}, "value": {"attention_mse": [0.6, 0.1, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [0.5, 0.1, 0]}, "value": {"attention_mse": [0.1, 0.05, 0]}}
  ]
}
