// kvq-lower-to-nvvm: kernels -> NVVM -> PTX (default) or a cubin; host code
// -> LLVM with gpu.launch_func and mgpu* runtime calls.
// RUN: kvq-opt %s --kvq-lower-to-nvvm | FileCheck %s --check-prefix=HOST
// RUN: kvq-opt %s --kvq-lower-to-nvvm=kernels-only | FileCheck %s
// RUN: kvq-opt %s --kvq-lower-to-nvvm="chip=sm_90 features=+ptx80 max-splits=4 kernels-only" | FileCheck %s --check-prefix=SPLITS
// RUN: not kvq-opt %s --kvq-lower-to-nvvm="max-splits=257" 2>&1 | FileCheck %s --check-prefix=TOOMANY
// RUN: kvq-opt %s --kvq-lower-to-nvvm=kernels-only | FileCheck %s --check-prefix=NARROW
// RUN: kvq-opt %s --kvq-lower-to-nvvm="kernels-only index-bitwidth=64" | FileCheck %s --check-prefix=WIDE

// The kernels' index arithmetic is 32 bits wide by default (a small cache:
// divisions by constants as mul.hi.u32); index-bitwidth=64 keeps 64 bits.
// NARROW: mul.hi.u32
// NARROW-NOT: mul.hi.u64
// WIDE: mul.hi.u64
// The attention kernel carries its register cap (168 at head_dim <= 128);
// `uncapped` names kernels to build without it, as kvq-gpu-aot does for
// those ptxas spilled (this pipeline reads no ptxas report); a name that
// is not a kernel of the module is an error.
// RUN: kvq-opt %s --kvq-lower-to-nvvm=kernels-only | FileCheck %s --check-prefix=CAPPED
// RUN: kvq-opt %s --kvq-lower-to-nvvm="kernels-only uncapped=kvq_attend_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1" | FileCheck %s --check-prefix=UNCAPPED
// RUN: not kvq-opt %s --kvq-lower-to-nvvm="uncapped=kvq_attend_other" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// CAPPED: .entry kvq_attend_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1({{[^{]*}}.maxntid 32, 1, 1\0A.maxnreg 168\0A{
// UNCAPPED: .entry kvq_attend_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1({{[^{]*}}.maxntid 32, 1, 1\0A.maxnreg 255\0A{
// UNKNOWN: error: kvq-build-gpu-kernels: uncapped names 'kvq_attend_other', which is not an attention kernel of this module
// RUN: %if ptxas %{ kvq-opt %s --kvq-lower-to-nvvm="format=bin" | FileCheck %s --check-prefix=CUBIN %}

!cache = !kvq.cache<1x2x256x64xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

// Host: the cache argument is a device pointer; new tokens and queries are
// copied to the device, the kernels launched (the attention kernel after
// its arrival counts are zeroed; it merges its splits itself), the output
// copied back.
// HOST-LABEL: llvm.func @step(
// HOST: llvm.call @mgpuMemAlloc
// HOST: llvm.call @mgpuMemcpy
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @kvq_kernels::@kvq_append_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1
// HOST: llvm.call @mgpuMemset32
// HOST: llvm.call @kvqDeviceSMCount()
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @kvq_kernels::@kvq_attend_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1
// HOST-NOT: gpu.launch_func
// HOST: llvm.call @mgpuMemFree
// HOST: gpu.binary @kvq_kernels

// kernels-only: the kernel library alone; the binary embeds PTX with the
// two entry points.
// CHECK-NOT: func.func
// CHECK: gpu.binary @kvq_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK-SAME: assembly = "
// CHECK-SAME: .visible .entry kvq_append_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1(
// CHECK-SAME: .visible .entry kvq_attend_b1h2q8c256d64_f16_k4c32w32_v2t32w32_t1(
// CHECK-NOT: .entry

// The workspace holds max-splits partial states, 4 x 2 KV heads x 288 f32
// (4 query heads x (64 + 4), rounded up to 128-byte lines), then the
// arrival counts, 2 x (1 + 1) i32.
// SPLITS: arrivals_offset = 9216 : i64
// SPLITS: max_splits = 4 : i64
// SPLITS-SAME: workspace_bytes = 9232 : i64

// The two-level merge serves at most 8 x 32 splits.
// TOOMANY: error: kvq-build-gpu-kernels: max-splits = 257 exceeds 256, the most splits the attention kernels' merge supports

// CUBIN: gpu.binary @kvq_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CUBIN-SAME: bin = "\7FELF
func.func @step(%q: tensor<1x8x64xf16>, %k: tensor<1x2x1x64xf16>,
                %v: tensor<1x2x1x64xf16>, %c: !cache) -> tensor<1x8x64xf16> {
  kvq.append %k, %v into %c : tensor<1x2x1x64xf16>, tensor<1x2x1x64xf16> into !cache
  %o = kvq.attend %q, %c : tensor<1x8x64xf16>, !cache -> tensor<1x8x64xf16>
  return %o : tensor<1x8x64xf16>
}
