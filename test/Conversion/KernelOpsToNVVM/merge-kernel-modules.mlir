// RUN: kvq-opt %s --split-input-file --verify-diagnostics --kvq-merge-kernel-modules | FileCheck %s

// The 64-bit module's kernels join the 32-bit one (whose data layout stays:
// the converted kernels carry their widths in their types), the launches
// follow them, and the emptied module is gone.
// CHECK-LABEL: func.func @host
// CHECK: gpu.launch_func @kvq_kernels::@narrow
// CHECK: gpu.launch_func @kvq_kernels::@wide
// CHECK-LABEL: gpu.module @kvq_kernels attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i32>}
// CHECK: llvm.func @narrow(%{{.*}}: i32)
// CHECK: llvm.func @wide(%{{.*}}: i64)
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @host(%n: i32, %w: i64) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kvq_kernels::@narrow blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%n : i32)
    gpu.launch_func @kvq_kernels_index64::@wide blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : i64)
    return
  }
  gpu.module @kvq_kernels attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i32>} {
    llvm.func @narrow(%a: i32) attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
  gpu.module @kvq_kernels_index64 attributes {kvq.merge_into = @kvq_kernels} {
    llvm.func @wide(%a: i64) attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// An external declaration both modules make is kept once.
// CHECK-LABEL: gpu.module @into
// CHECK-COUNT-1: llvm.func @helper(i32) -> i32
// CHECK: llvm.func @k2
// CHECK-NOT: llvm.func @helper
module attributes {gpu.container_module} {
  gpu.module @into {
    llvm.func @helper(i32) -> i32
    llvm.func @k1() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
  gpu.module @from attributes {kvq.merge_into = @into} {
    llvm.func @helper(i32) -> i32
    llvm.func @k2() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{kvq-merge-kernel-modules: kvq.merge_into of gpu.module @from does not name a gpu.module beside it}}
  gpu.module @from attributes {kvq.merge_into = @missing} {
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @into {
  }
  gpu.module @from attributes {kvq.merge_into = @into} {
    // expected-error @+1 {{kvq-merge-kernel-modules: 'gpu.func' in gpu.module @from is not LLVM/NVVM yet; modules of different index widths merge only after their conversion to NVVM}}
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @into {
    llvm.func @k() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
  gpu.module @from attributes {kvq.merge_into = @into} {
    // expected-error @+1 {{kvq-merge-kernel-modules: @k is defined in both gpu.module @from and gpu.module @into}}
    llvm.func @k() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}
