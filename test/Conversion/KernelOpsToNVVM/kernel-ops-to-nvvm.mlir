// RUN: kvq-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(kvq-convert-kernel-ops-to-nvvm))' | FileCheck %s

// A module whose data layout makes index 32 bits wide: index arithmetic,
// memref descriptors and element addresses are i32 (the GEP widens them).
// CHECK-LABEL: gpu.module @narrow
gpu.module @narrow attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i32>} {
  // CHECK-LABEL: gpu.func @prefetch_row
  // CHECK: %[[DESC:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<4x256xf16, #gpu.address_space<global>> to !llvm.struct<(ptr<1>, ptr<1>, i32, array<2 x i32>, array<2 x i32>)>
  // CHECK: %[[ROW:.*]] = builtin.unrealized_conversion_cast %{{.*}} : index to i32
  // CHECK: %[[COL:.*]] = llvm.add %[[ROW]], %{{.*}} : i32
  // CHECK: %[[BASE:.*]] = llvm.extractvalue %[[DESC]][1]
  // CHECK: %[[AT:.*]] = llvm.mul %[[ROW]], %{{.*}} : i32
  // CHECK: %[[EL:.*]] = llvm.add %[[AT]], %[[COL]] : i32
  // CHECK: %[[PTR:.*]] = llvm.getelementptr %[[BASE]][%[[EL]]] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f16
  // CHECK: nvvm.prefetch level = L2, %[[PTR]] : !llvm.ptr<1>
  // Writes, instruction-cache and shared-memory prefetches are left alone.
  // CHECK: memref.prefetch %{{.*}}, write
  // CHECK: memref.prefetch %{{.*}}, read, locality<3>, instr
  // CHECK: memref.prefetch %{{.*}} : memref<64xf16, #gpu.address_space<workgroup>>
  // CHECK-NOT: nvvm.prefetch
  gpu.func @prefetch_row(%m: memref<4x256xf16, #gpu.address_space<global>>,
                         %s: memref<64xf16, #gpu.address_space<workgroup>>,
                         %i: index) kernel {
    %c1 = arith.constant 1 : index
    %j = arith.addi %i, %c1 : index
    memref.prefetch %m[%i, %j], read, locality<3>, data : memref<4x256xf16, #gpu.address_space<global>>
    memref.prefetch %m[%i, %j], write, locality<3>, data : memref<4x256xf16, #gpu.address_space<global>>
    memref.prefetch %m[%i, %j], read, locality<3>, instr : memref<4x256xf16, #gpu.address_space<global>>
    memref.prefetch %s[%j], read, locality<3>, data : memref<64xf16, #gpu.address_space<workgroup>>
    gpu.return
  }

  // cp.async of 16 bytes, L1 bypassed, at i32 offsets on both sides; the
  // group commit and wait.
  // CHECK-LABEL: gpu.func @stage
  // CHECK: %[[DST:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
  // CHECK: %[[SRC:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, i8
  // CHECK: %[[GLOBAL:.*]] = llvm.addrspacecast %[[SRC]] : !llvm.ptr<1> to !llvm.ptr<1>
  // CHECK: nvvm.cp.async.shared.global %[[DST]], %[[GLOBAL]], 16, cache = cg
  // CHECK: nvvm.cp.async.commit.group
  // CHECK: nvvm.cp.async.wait.group 0
  gpu.func @stage(%g: memref<4096xi8, #gpu.address_space<global>>,
                  %s: memref<512xi8, #gpu.address_space<workgroup>>,
                  %i: index, %j: index) kernel {
    %t = nvgpu.device_async_copy %g[%i], %s[%j], 16 {bypassL1} : memref<4096xi8, #gpu.address_space<global>> to memref<512xi8, #gpu.address_space<workgroup>>
    %group = nvgpu.device_async_create_group %t
    nvgpu.device_async_wait %group {numGroups = 0 : i32}
    gpu.return
  }

  // The split merge's count: one acquire-release atomic of the element's
  // address in inline PTX (no llvm.atomicrmw, which NVPTX emits relaxed),
  // with a memory clobber.
  // CHECK-LABEL: gpu.func @arrive
  // CHECK: %[[CPTR:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, i32
  // CHECK: %[[BEFORE:.*]] = llvm.inline_asm has_side_effects "atom.acq_rel.gpu.global.add.u32 $0, [$1], 1;", "=r,l,~{memory}" %[[CPTR]] : (!llvm.ptr<1>) -> i32
  // CHECK-NOT: llvm.atomicrmw
  // CHECK-NOT: kvq.arrive
  gpu.func @arrive(%counts: memref<8x17xi32, #gpu.address_space<global>>,
                   %out: memref<1xi32, #gpu.address_space<global>>,
                   %row: index, %slot: index) kernel {
    %c0 = arith.constant 0 : index
    %before = kvq.arrive %counts[%row, %slot] : memref<8x17xi32, #gpu.address_space<global>>
    memref.store %before, %out[%c0] : memref<1xi32, #gpu.address_space<global>>
    gpu.return
  }
}

// -----

// No data layout: index is 64 bits, as upstream's passes assume.
// CHECK-LABEL: gpu.module @wide
// CHECK: llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, f16
// CHECK: nvvm.prefetch level = L2
gpu.module @wide {
  gpu.func @prefetch(%m: memref<256xf16, #gpu.address_space<global>>, %i: index) kernel {
    memref.prefetch %m[%i], read, locality<3>, data : memref<256xf16, #gpu.address_space<global>>
    gpu.return
  }
}
