// RUN: kvq-opt %s --split-input-file --verify-diagnostics --kvq-build-gpu-kernels
// RUN: not kvq-opt %s --split-input-file --kvq-build-gpu-kernels="uncapped=kvq_attend_nothing" 2>&1 | FileCheck %s --check-prefix=UNCAPPED
// RUN: not kvq-opt %s --split-input-file --kvq-build-gpu-kernels="wide-index=kvq_append_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1" 2>&1 | FileCheck %s --check-prefix=WIDE

// Kernels are built once per module: a second run (or a symbol of the
// same name) is an error, not a redefinition dump.
// expected-error @+1 {{kvq-build-gpu-kernels: the module already has a symbol @kvq_kernels; the kernels are built once per module}}
module attributes {gpu.container_module} {
  gpu.module @kvq_kernels {
  }
  func.func @step(%q: tensor<1x8x64xf16>, %c: !kvq.cache<1x2x256x64xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>) -> tensor<1x8x64xf16> {
    %o = kvq.attend %q, %c : tensor<1x8x64xf16>, !kvq.cache<1x2x256x64xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>> -> tensor<1x8x64xf16>
    return %o : tensor<1x8x64xf16>
  }
}

// -----

// Names in uncapped / wide-index must be attention kernels the pass builds
// (the first RUN has none, so this split builds).
// UNCAPPED: error: kvq-build-gpu-kernels: uncapped names 'kvq_attend_nothing', which is not an attention kernel of this module
// WIDE: error: kvq-build-gpu-kernels: wide-index names 'kvq_append_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1', which is not an attention kernel of this module
module {
  func.func @step(%q: tensor<1x8x64xf16>, %c: !kvq.cache<1x2x256x64xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>) -> tensor<1x8x64xf16> {
    %o = kvq.attend %q, %c : tensor<1x8x64xf16>, !kvq.cache<1x2x256x64xf16, keys = #kvq.scheme<bits = 4, group = 32, window = 32>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>> -> tensor<1x8x64xf16>
    return %o : tensor<1x8x64xf16>
  }
}
