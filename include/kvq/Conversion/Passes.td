//===- Passes.td - kvq conversion passes --------------------*- tablegen -*-===//
#ifndef KVQ_CONVERSION_PASSES_TD
#define KVQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKVQToSCF : Pass<"kvq-convert-to-scf", "ModuleOp"> {
  let summary = "Lower kvq ops to loops over views of one byte buffer per cache";
  let description = [{
    The CPU lowering of the kvq dialect, and the executable definition of its
    numerics. Every `!kvq.cache` becomes one `memref<N x i8>` laid out as in
    docs/storage-format.md; each op becomes scf loops with arith/math
    arithmetic over `memref.view`s of that buffer:

    - `kvq.cache_create`: a 64-byte-aligned, zero-filled allocation;
    - `kvq.append`: per head and token, the (optionally Hadamard-rotated) key
      or value enters the full-precision window ring; whenever a whole token
      group is due, it is quantized (min-max or symmetric scales, round to
      nearest even, clamp) and packed into 32-bit words. Appending past the
      capacity fails a `cf.assert`;
    - `kvq.attend`: grouped-query decode attention with an online softmax in
      f32, dequantizing codes or reading the window token by token;
    - `kvq.length`, `kvq.storage`: the header's token count, a copy of the
      bytes; `kvq.bind_projections` is erased;
    - `kvq.quantize`, `kvq.dequantize`, `kvq.pack`, `kvq.unpack`: the same
      numerics on standalone tensors.

    Tensor operands are read through `bufferization.to_buffer` and results
    produced with `bufferization.to_tensor`, so the output is ready for
    one-shot bufferization; `kvq-lower-to-cpu` runs the whole way to LLVM.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def BuildGPUKernels : Pass<"kvq-build-gpu-kernels", "ModuleOp"> {
  let summary = "Generate the fused GPU decode kernels of every attended cache";
  let description = [{
    For every distinct `kvq.attend` configuration in the module (cache type,
    number of query heads, softmax scale) builds two kernels into
    `gpu.module @kvq_kernels` (docs/gpu.md):

    - `kvq_append_<config>`: appends the `T` new tokens of a `kvq.append`
      (T from the first append to a cache of that type, else 1) with the
      CPU reference's arithmetic, so GPU and CPU storage are bit-identical;
    - `kvq_attend_<config>`: split-K flash-decoding attention over the packed
      cache, one block per (split, sequence x KV head) serving all query
      heads of the group; for packed per-channel keys and per-token values
      its tiles run on tensor cores (`nvvm.mma.sync`: int8 for the scores,
      int8 or f16 for the values) for up to 4 query heads per block, and
      larger groups (8 query heads per KV head) are served by several
      blocks per KV head, each taking a slice of 2-4 of its query heads
      (`query_slices` in the description). Where two stages fit, the
      tensor-core tiles copy what the next tile reads besides its key words
      (value codes, scales and zeros, the key scale rows) into shared
      memory with `nvgpu.device_async_copy` (cp.async) while the current
      one is computed. The tiles hold 64 tokens, or 32 where that makes
      the longest split shorter at full capacity (small batch x context:
      a few short tiles per split instead of one or two long ones);
      `tile-tokens` forces either. Tokens still in the full-precision
      window follow the tiles in 32-token steps: on tensor cores of the
      cache's element type where it is f16 or bf16 and every token of the
      step has key and value in the window, else on CUDA cores; where
      splits are short, their window rows are prefetched into L2 and the
      steps are spread over the last splits.
      The blocks that finish last merge the splits' partial states (groups
      of 8 splits, then the groups, counted with atomics in the workspace),
      so a decode step is one launch.

    Kernels take bare pointers to global memory (static shapes) and carry
    `known_block_size` (launch bounds). The module gets a `kvq.kernels`
    attribute describing each configuration and its kernels (names, block
    sizes, workspace bytes, largest split count), which `kvq-gpu-aot` turns
    into a manifest. With `kernels-only`, host functions are removed so that
    the module holds nothing but the kernel library.

    Index width is chosen per configuration: 32 bits where every buffer its
    kernels take is smaller than 2 GiB and head_dim is at most 128 (at 256
    the 64-bit kernels measured faster and spill less), so that their
    address and loop arithmetic lowers to 32-bit integer instructions; else
    64. It is a property of a gpu.module's data layout (`dlti.dl_spec`), so
    where both widths occur the 64-bit kernels go to `gpu.module
    @kvq_kernels_index64`, marked `kvq.merge_into = @kvq_kernels` for
    `kvq-merge-kernel-modules` to fold into one binary after conversion to
    NVVM. `index-bitwidth` forces one width for all; `wide-index` 64 bits
    for the attention kernels it names (and their append kernels).

    The shape-dependent choices above (tile size, window prefetch and
    spreading, and the 8-per-SM wave of short splits) follow from the split
    count a launch will pick, one wave of blocks on `sm-count` SMs (132, an
    H100 SXM or H200, by default). Kernels built for another count run
    correctly on any GPU; only those choices may then be the slower ones.
  }];
  let options = [
    Option<"maxSplits", "max-splits", "int64_t", /*default=*/"0",
           "Largest split-K count the workspace is sized for, at most 256 (0: "
           "min(256, ceil(capacity / tile)); tile: 32 or 64 tokens for the "
           "packed attention kernel on tensor cores (tile-tokens), 32 on "
           "CUDA cores, 128 for the generic one)">,
    Option<"tileTokens", "tile-tokens", "int64_t", /*default=*/"0",
           "Tokens per tensor-core tile, 32 or 64 (0: the one whose longest "
           "split at full capacity is shorter, see docs/gpu.md)">,
    Option<"kernelsOnly", "kernels-only", "bool", /*default=*/"false",
           "Drop everything but the generated gpu.module">,
    ListOption<"uncapped", "uncapped", "std::string",
               "Attention kernels (by name) to build without their register "
               "cap, at fewer blocks per SM: those ptxas spilled under it "
               "(kvq-gpu-aot passes them when it rebuilds)">,
    Option<"indexBitwidth", "index-bitwidth", "unsigned", /*default=*/"0",
           "Width of every kernel's index arithmetic: 32, 64, or 0 to choose "
           "per configuration (32 when its buffers are smaller than 2 GiB "
           "and head_dim <= 128, else 64)">,
    ListOption<"wideIndex", "wide-index", "std::string",
               "Attention kernels (by name) whose configuration gets 64-bit "
               "index arithmetic where 32 would be chosen (built into "
               "@kvq_kernels_index64 beside 32-bit kernels)">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "SMs of the target GPU (132: H100 SXM, H200). The choices made "
           "from the split count a launch will pick (tile size, window "
           "prefetch and spreading, blocks per SM of short splits) assume "
           "one wave on this many; launchers count the GPU's own SMs">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::DLTIDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def ConvertKernelOpsToNVVM
    : Pass<"kvq-convert-kernel-ops-to-nvvm", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lower a gpu.module's arith, cp.async and L2 prefetch ops to "
                "LLVM/NVVM at the index width of its data layout";
  let description = [{
    Runs on each `gpu.module` right before upstream's `convert-gpu-to-nvvm`
    (in `kvq-lower-to-nvvm` and `kvq-gpu-aot`) and lowers what upstream's
    `gpu-lower-to-nvvm-pipeline` converts module-wide before it, or in a form
    NVPTX drops:

    - `arith` ops, as `convert-arith-to-llvm` (left to `convert-gpu-to-nvvm`,
      some would become libdevice calls, e.g. `minnumf`);
    - `nvgpu.device_async_copy`, `device_async_create_group` and
      `device_async_wait` (cp.async), with upstream's NVGPU patterns;
    - `memref.prefetch` of global memory (a read into the data caches), to
      `prefetch.global.L2` of the element's address (upstream lowers it to
      `llvm.prefetch`, which the NVPTX backend drops);
    - `kvq.arrive`, to `atom.acq_rel.gpu.global.add.u32` of the element's
      address (an `llvm.atomicrmw`, whatever its ordering, becomes a
      relaxed `atom` in the NVPTX backend).

    Index values and memref descriptors must have one width throughout a
    module: this pass takes it from the module's data layout
    (`dlti.dl_spec`, which `kvq-build-gpu-kernels` sets to 32 bits where
    every buffer is under 2 GiB), as `convert-gpu-to-nvvm` does, where
    upstream's `convert-arith-to-llvm` and `convert-nvgpu-to-nvvm` use 64.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect"
  ];
}

def MergeKernelModules : Pass<"kvq-merge-kernel-modules", "ModuleOp"> {
  let summary = "Fold gpu.modules marked kvq.merge_into into their target "
                "once both are NVVM";
  let description = [{
    A gpu.module's data layout sets one index width for all of its kernels,
    so `kvq-build-gpu-kernels` puts kernels of different widths in separate
    modules and marks the 64-bit one with `kvq.merge_into = @target`. Once
    every gpu.module has been converted to the LLVM/NVVM dialects (the
    width is then explicit in every type), this pass moves the marked
    module's symbols into the target, retargets the `gpu.launch_func`s that
    named them and erases the emptied module, so the kernels serialize to
    one binary (one PTX file, one cubin).

    A marked module whose target is missing, either module still holding
    operations outside the LLVM and NVVM dialects, or a symbol defined in
    both modules (identical external declarations are shared) is an error.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def ConvertKVQToGPULaunches
    : Pass<"kvq-convert-to-gpu-launches", "ModuleOp"> {
  let summary = "Rewrite host-side kvq ops into device buffers, copies and "
                "launches of the generated kernels";
  let description = [{
    Runs after `kvq-build-gpu-kernels` (which provides `gpu.module
    @kvq_kernels`) and turns host code into GPU host code that upstream's
    `gpu-to-llvm` lowers to calls of the `mgpu*` runtime functions, which
    kvq's runtime (`libkvq_runtime.so`) implements on the CUDA driver API:

    - `!kvq.cache` becomes a device buffer `memref<N x i8>`;
      `kvq.cache_create` is a `gpu.alloc` and a `gpu.memset` to zero;
    - `kvq.append` copies the new keys/values to the device, reads the
      cached length from the header (a `gpu.memcpy` of 8 bytes), checks the
      capacity (`cf.assert`) and launches `kvq_append_<config>`;
    - `kvq.attend` copies queries (and lengths) to the device, chooses the
      split-K count from the SM count (`kvqDeviceSMCount()` in the runtime)
      and the cached length, allocates the workspace (partial states and
      zeroed arrival counts), launches `kvq_attend_<config>` and copies the
      output back;
    - `kvq.length` and `kvq.storage` copy the header or the whole buffer back;
      `kvq.bind_projections` is erased.

    Each launch names the gpu.module its configuration's kernels were built
    into (`module` in `kvq.kernels`: `@kvq_kernels`, or
    `@kvq_kernels_index64` for 64-bit kernels beside 32-bit ones, which
    `kvq-merge-kernel-modules` later retargets).

    `kvq.quantize`, `kvq.dequantize`, `kvq.pack` and `kvq.unpack` stay on the
    host (the CPU lowering's patterns). Every operation is synchronous.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect", "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // KVQ_CONVERSION_PASSES_TD
