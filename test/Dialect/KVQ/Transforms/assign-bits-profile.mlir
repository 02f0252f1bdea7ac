// Norms from an external profile in the format of ../shared/data/norms
// instead of weights: layer L of the module takes entry L.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import json; json.dump({'w_k': [5.0, 1.0], 'w_v': [1.0, 2.0]}, open('%t/p.json', 'w'))"
// RUN: kvq-opt %s --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper profile=%t/p.json" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// Same decision as the weights [[3,0],[0,4]] etc. in assign-bits.mlir.
// CHECK:     0    5.0000                1.0000  5.000       4       2
// CHECK:     1    1.0000                2.0000  0.500       2       4
!c = !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
func.func @profiled() {
  %c0 = kvq.cache_create {layer = 0 : i64} : !c
  %c1 = kvq.cache_create {layer = 1 : i64} : !c
  return
}
