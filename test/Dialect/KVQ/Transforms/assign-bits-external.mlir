// External checkpoint weights (the importer's #ml_program.extern globals
// with kvq.external references), mapped from a file written here:
// W_K = [[3,0],[0,4]] at offset 0, W_V = [[1,0],[0,0]] at offset 16.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.array([3,0,0,4,1,0,0,0], np.float32).tofile('%t/w.bin')"
// RUN: kvq-opt %s --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper weights-dir=%t json=%t/r.json" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// A stale reference (the file changed size) is refused, not read.
// RUN: %python -c "import numpy as np; np.zeros(9, np.float32).tofile('%t/w.bin')"
// RUN: kvq-opt %s --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper weights-dir=%t" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=STALE
// RUN: not kvq-opt %s --kvq-assign-bits="budget=3 candidates=2,4 accounting=paper weights-dir=%t require-weights=true" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REQUIRE
// Other errors.
// RUN: not kvq-opt %s --kvq-assign-bits="policy=calibrated" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CALIB
// RUN: not kvq-opt %s --kvq-assign-bits="policy=best" -o /dev/null 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not kvq-opt %s --kvq-assign-bits="budget=1.5 weights-dir=%t" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUDGET
// RUN: not kvq-opt %s --kvq-assign-bits="profile=%t/missing.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PROFILE

// CHECK:     0    5.0000                1.0000  5.000       4       2
// JSON: "source": "external {{.*}}w.bin:model.layers.0.k_proj"
// JSON: "source": "external {{.*}}w.bin:model.layers.0.v_proj"
// STALE: remark: kvq-assign-bits: layer 0: cannot read the projection weights (key weight: {{.*}}w.bin is 36 bytes but the module expects 32 (stale reference?)); falling back to key norm = value norm = 1 (no layer was read)
// REQUIRE: error: kvq-assign-bits: layer 0: cannot read the projection weights: key weight: {{.*}}stale reference?)
// CALIB: error: kvq-assign-bits: the calibrated policy needs sensitivity=FILE, the measured per-width errors kvq-calibrate writes
// POLICY: error: kvq-assign-bits: unknown policy 'best' (uniform, fixed, greedy, optimal, calibrated)
// BUDGET: error: kvq-assign-bits: budget 1.5 bits/element is below the narrowest candidate (10.5 bits/element with stored accounting)
// PROFILE: error: kvq-assign-bits: {{.*}}missing.json: No such file or directory
!c = !kvq.cache<1x1x64x2xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>
ml_program.global private @wk(#ml_program.extern : tensor<2x2xf32>) : tensor<2x2xf32> {kvq.external = {file = "w.bin", tensor = "model.layers.0.k_proj", offset = 0 : i64, bytes = 16 : i64, file_size = 32 : i64}}
ml_program.global private @wv(#ml_program.extern : tensor<2x2xf32>) : tensor<2x2xf32> {kvq.external = {file = "w.bin", tensor = "model.layers.0.v_proj", offset = 16 : i64, bytes = 16 : i64, file_size = 32 : i64}}
func.func @external() {
  %c = kvq.cache_create {layer = 0 : i64} : !c
  %wk = ml_program.global_load_const @wk : tensor<2x2xf32>
  %wv = ml_program.global_load_const @wv : tensor<2x2xf32>
  kvq.bind_projections %c layer 0 keys(%wk : tensor<2x2xf32>) values(%wv : tensor<2x2xf32>) : !c
  return
}
