// The calibrated policy on hand-written sensitivity tables (kvq-calibrate's
// format, docs/allocation.md): per KV head, per layer, and the errors a
// malformed or mismatched table gives (file:line: why).
// RUN: rm -rf %t && split-file %s %t
// RUN: kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head budget=3 candidates=2,4 accounting=paper sensitivity=%t/head.json" --mlir-print-local-scope 2>/dev/null | FileCheck %s --check-prefix=MSE
// RUN: kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head budget=3 candidates=2,4 accounting=paper sensitivity=%t/head.json sensitivity-metric=kl" --mlir-print-local-scope 2>/dev/null | FileCheck %s --check-prefix=KL
// RUN: kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head budget=3 candidates=2,4 accounting=paper sensitivity=%t/head.json" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated budget=3 candidates=2,4 accounting=paper sensitivity=%t/layer.json" --mlir-print-local-scope 2>/dev/null | FileCheck %s --check-prefix=LAYER
// Errors: one per file, naming the file and line.
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/layer.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PERLAYER
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated candidates=2,4 sensitivity=%t/head.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PERHEAD
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=model candidates=2,4 sensitivity=%t/head.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,3,4 sensitivity=%t/head.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WIDTH
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/malformed.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/short.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SHORT
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/negative.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/mixed.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MIXED
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/duplicate.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DUPLICATE
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/missing.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/heads3.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HEADS3
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/layers3.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LAYERS3
// RUN: not kvq-opt %t/input.mlir --split-input-file --kvq-assign-bits="policy=calibrated granularity=head candidates=2,4 sensitivity=%t/absent.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ABSENT

// Two layers with two KV heads of head_dim 2: eight tensors of 2 elements
// per token. Paper accounting, candidates {2, 4}, budget 3: 48 bits per
// token, 32 at 2 bits everywhere, and each 2 -> 4 upgrade costs 4 bits, so
// exactly four tensors get 4 bits: the four largest error drops e(2) - e(4).
// The weights are all ones, so the norm proxy cannot tell the heads apart:
// the widths come from the table alone.
//   attention_mse drops: K0.h0 .40, V0.h0 .15, K0.h1 .70, V0.h1 .28,
//                        K1.h0 .09, V1.h0 .50, K1.h1 .04, V1.h1 .21
//   -> K0.h1, V1.h0, K0.h0, V0.h1: layer 0 keys 4,4 values 2,4; layer 1
//      keys 2,2 values 4,2; measured error .10+.20+.20+.02 = .52 (layer 0)
//      + .10+.10+.05+.25 = .50 (layer 1) = 1.02.
//   kl drops: K0.h0 .9, V0.h0 .05, K0.h1 .1, V0.h1 .2, K1.h0 .7, V1.h0 .04,
//             K1.h1 .5, V1.h1 .7
//   -> K0.h0, K1.h0, V1.h1, K1.h1: layer 0 keys 4,2 values 2,2; layer 1
//      keys 4,4 values 2,4.

// MSE-LABEL: func.func @created
// MSE: kvq.cache_create {kvq.key_head_bits = [4.000000e+00, 4.000000e+00], kvq.value_head_bits = [2.000000e+00, 4.000000e+00], layer = 0 : i64} : !kvq.cache<1x2x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
// MSE: kvq.cache_create {kvq.key_head_bits = [2.000000e+00, 2.000000e+00], kvq.value_head_bits = [4.000000e+00, 2.000000e+00], layer = 1 : i64}
// MSE-LABEL: func.func @arguments
// MSE-SAME: {kvq.key_head_bits = [4.000000e+00, 4.000000e+00], kvq.layer = 0 : i64, kvq.value_head_bits = [2.000000e+00, 4.000000e+00]}
// MSE-SAME: {kvq.key_head_bits = [2.000000e+00, 2.000000e+00], kvq.layer = 1 : i64, kvq.value_head_bits = [4.000000e+00, 2.000000e+00]}

// KL-LABEL: func.func @created
// KL: kvq.cache_create {kvq.key_head_bits = [4.000000e+00, 2.000000e+00], kvq.value_head_bits = [2.000000e+00, 2.000000e+00], layer = 0 : i64}
// KL: kvq.cache_create {kvq.key_head_bits = [4.000000e+00, 4.000000e+00], kvq.value_head_bits = [2.000000e+00, 4.000000e+00], layer = 1 : i64}
// KL-LABEL: func.func @arguments
// KL-SAME: {kvq.key_head_bits = [4.000000e+00, 2.000000e+00], kvq.layer = 0 : i64, kvq.value_head_bits = [2.000000e+00, 2.000000e+00]}
// KL-SAME: {kvq.key_head_bits = [4.000000e+00, 4.000000e+00], kvq.layer = 1 : i64, kvq.value_head_bits = [2.000000e+00, 4.000000e+00]}

// REPORT: remark: kvq-assign-bits: policy calibrated, frobenius norm, head granularity, paper accounting, budget 3 bits/element
// REPORT-NEXT: {{^}}layer
// REPORT-NEXT: {{^}}    0 {{.*}} per-head  per-head     5.2000e-01
// REPORT-NEXT: {{^}}    1 {{.*}} per-head  per-head     5.0000e-01
// REPORT-NEXT: average 3.0000 bits/element {{.*}} measured error (attention_mse, {{.*}}head.json) 1.020000e+00

// Per layer: four tensors of 4 elements; 2 -> 4 costs 8 bits of the 16
// spare, so two upgrade: the drops K0 .4, V0 .1, K1 .05, V1 .5 pick V1, K0.
// LAYER-LABEL: func.func @created
// LAYER: kvq.cache_create {layer = 0 : i64} : !kvq.cache<1x2x64x2xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 2, group = 2, granularity = per_token>>
// LAYER: kvq.cache_create {layer = 1 : i64} : !kvq.cache<1x2x64x2xf32, keys = #kvq.scheme<bits = 2, group = 32>, values = #kvq.scheme<bits = 4, group = 2, granularity = per_token>>
// LAYER-LABEL: func.func @arguments
// LAYER-SAME: keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 2, group = 2, granularity = per_token>> {kvq.layer = 0 : i64}
// LAYER-SAME: keys = #kvq.scheme<bits = 2, group = 32>, values = #kvq.scheme<bits = 4, group = 2, granularity = per_token>> {kvq.layer = 1 : i64}

// PERLAYER: error: kvq-assign-bits: {{.*}}layer.json:4: the table is per layer: granularity=head needs a per-KV-head table (kvq-calibrate --per-head)
// PERHEAD: error: kvq-assign-bits: {{.*}}head.json:5: the table is per KV head (kvq-calibrate --per-head): it needs granularity=head
// MODEL: error: kvq-assign-bits: {{.*}}head.json:1: a sensitivity table is per layer or per KV head; granularity=model cannot use it
// WIDTH: error: kvq-assign-bits: {{.*}}head.json:3: candidate width 3 was not measured (widths measured: 2, 4, 16)
// MALFORMED: error: kvq-assign-bits: {{.*}}malformed.json:5:14: Expected : after object key
// SHORT: error: kvq-assign-bits: {{.*}}short.json:6: layer 0 head 1, values: 2 'attention_mse' errors for 3 widths
// NEGATIVE: error: kvq-assign-bits: {{.*}}negative.json:4: layer 0 head 0, keys: the error at 4 bits must be a finite non-negative number
// MIXED: error: kvq-assign-bits: {{.*}}mixed.json:4: the row of layer 0 has no 'head', but the table is per KV head
// DUPLICATE: error: kvq-assign-bits: {{.*}}duplicate.json:7: a second row for layer 0 head 0 (the first is at line 5)
// MISSING: error: kvq-assign-bits: {{.*}}missing.json:3: no row for layer 1 head 1 of the module (a table measured on another model?)
// HEADS3: error: kvq-assign-bits: {{.*}}heads3.json:8: head 2: layer 0 of the module has 2 KV heads (a table measured on another model?)
// LAYERS3: error: kvq-assign-bits: {{.*}}layers3.json:8: layer 2 is not a layer of the module (it has 2 layers with caches; a table measured on another model?)
// ABSENT: error: kvq-assign-bits: {{.*}}absent.json: No such file or directory

//--- input.mlir
!c = !kvq.cache<1x2x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @created() {
  %c0 = kvq.cache_create {layer = 0 : i64} : !c
  %c1 = kvq.cache_create {layer = 1 : i64} : !c
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  kvq.bind_projections %c0 layer 0 keys(%w : tensor<4x2xf32>) values(%w : tensor<4x2xf32>) : !c
  kvq.bind_projections %c1 layer 1 keys(%w : tensor<4x2xf32>) values(%w : tensor<4x2xf32>) : !c
  return
}

// -----

// The raised form: caches are function arguments.
!c = !kvq.cache<1x2x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @arguments(%c0: !c {kvq.layer = 0 : i64}, %c1: !c {kvq.layer = 1 : i64}) {
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  kvq.bind_projections %c0 layer 0 keys(%w : tensor<4x2xf32>) values(%w : tensor<4x2xf32>) : !c
  kvq.bind_projections %c1 layer 1 keys(%w : tensor<4x2xf32>) values(%w : tensor<4x2xf32>) : !c
  return
}

//--- head.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [0.50, 0.10, 0], "kl": [1.0, 0.1, 0]},
                            "value": {"attention_mse": [0.20, 0.05, 0], "kl": [0.10, 0.05, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [0.90, 0.20, 0], "kl": [0.2, 0.1, 0]},
                            "value": {"attention_mse": [0.30, 0.02, 0], "kl": [0.30, 0.10, 0]}},
    {"layer": 1, "head": 0, "key": {"attention_mse": [0.10, 0.01, 0], "kl": [0.8, 0.1, 0]},
                            "value": {"attention_mse": [0.60, 0.10, 0], "kl": [0.05, 0.01, 0]}},
    {"layer": 1, "head": 1, "key": {"attention_mse": [0.05, 0.01, 0], "kl": [0.6, 0.1, 0]},
                            "value": {"attention_mse": [0.25, 0.04, 0], "kl": [0.90, 0.20, 0]}}
  ]
}

//--- layer.json
{
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "key": {"attention_mse": [0.50, 0.10, 0]}, "value": {"attention_mse": [0.20, 0.10, 0]}},
    {"layer": 1, "key": {"attention_mse": [0.10, 0.05, 0]}, "value": {"attention_mse": [0.60, 0.10, 0]}}
  ]
}

//--- malformed.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [
    {"layer" 0, "head": 0}
  ]
}

//--- short.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0]}}
  ]
}

//--- negative.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [{"layer": 0, "head": 0, "key": {"attention_mse": [1, -0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}}]
}

//--- mixed.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [{"layer": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}}]
}

//--- duplicate.json
{
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}}
  ]
}

//--- missing.json
{
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 1, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}}
  ]
}

//--- heads3.json
{
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 1, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 1, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 2, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}}
  ]
}

//--- layers3.json
{
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 0, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 1, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 1, "head": 1, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}},
    {"layer": 2, "head": 0, "key": {"attention_mse": [1, 0.5, 0]}, "value": {"attention_mse": [1, 0.5, 0]}}
  ]
}
