//===- Pipelines.h - kvq pass pipelines ---------------------------*- C++ -*-===//
//
// Pipeline builders a host compiler can call on its own OpPassManager; each is
// also registered in kvq-opt under its `kvq-` name.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_PIPELINES_PIPELINES_H
#define KVQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kvq {

struct LowerToCPUOptions : public mlir::PassPipelineOptions<LowerToCPUOptions> {
  Option<bool> resultsToOutParams{
      *this, "results-to-out-params",
      llvm::cl::desc("Return function results through caller-allocated "
                     "out-parameters (what kvq-run's JIT calling uses)"),
      llvm::cl::init(false)};
};

/// kvq-lower-to-cpu: kvq ops -> scf/arith/math/memref loops
/// (kvq-convert-to-scf) -> one-shot bufferization with buffer deallocation ->
/// the LLVM dialect, ready for mlir-translate or the ExecutionEngine.
void buildLowerToCPUPipeline(mlir::OpPassManager &pm,
                             const LowerToCPUOptions &options);

struct LowerToNVVMOptions
    : public mlir::PassPipelineOptions<LowerToNVVMOptions> {
  Option<std::string> chip{*this, "chip", llvm::cl::desc("GPU architecture"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{*this, "features",
                               llvm::cl::desc("PTX features"),
                               llvm::cl::init("+ptx80")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Binary format: isa (PTX), bin (cubin, needs ptxas) or "
                     "fatbin"),
      llvm::cl::init("isa")};
  Option<int64_t> maxSplits{*this, "max-splits",
                            llvm::cl::desc("Largest split-K count (0: auto)"),
                            llvm::cl::init(0)};
  Option<int64_t> tileTokens{
      *this, "tile-tokens",
      llvm::cl::desc("Tokens per tensor-core tile, 32 or 64 (0: chosen from "
                     "the shape)"),
      llvm::cl::init(0)};
  Option<unsigned> indexBitwidth{
      *this, "index-bitwidth",
      llvm::cl::desc("Width of every kernel's index arithmetic, 32 or 64 "
                     "(0: per configuration, 32 when its buffers are under "
                     "2 GiB and head_dim <= 128)"),
      llvm::cl::init(0)};
  Option<int64_t> smCount{
      *this, "sm-count",
      llvm::cl::desc("SMs of the target GPU the shape-dependent kernel "
                     "choices assume (132: H100 SXM, H200)"),
      llvm::cl::init(132)};
  ListOption<std::string> uncapped{
      *this, "uncapped",
      llvm::cl::desc("Attention kernels (by name) to build without their "
                     "register cap: those kvq-gpu-aot reports rebuilding "
                     "(ptxas spilled them under it; this pipeline reads no "
                     "ptxas report)")};
  Option<bool> kernelsOnly{
      *this, "kernels-only",
      llvm::cl::desc("Compile the kernel library only (drop host code)"),
      llvm::cl::init(false)};
};

/// kvq-lower-to-nvvm: builds the fused decode kernels of every kvq.attend
/// configuration (kvq-build-gpu-kernels), rewrites host-side kvq ops into
/// device buffers, copies and launches (kvq-convert-to-gpu-launches),
/// bufferizes the host code, and lowers everything through NVVM: the
/// kernels to a gpu.binary (PTX or a cubin for `chip`), the host to LLVM
/// calling the mgpu* functions of kvq's runtime.
void buildLowerToNVVMPipeline(mlir::OpPassManager &pm,
                              const LowerToNVVMOptions &options);

/// The lowering half of kvq-lower-to-nvvm, for a module whose kernels
/// kvq-build-gpu-kernels has built: each gpu.module through NVVM at the
/// index width of its data layout (kvq-convert-kernel-ops-to-nvvm, then
/// upstream's convert-gpu-to-nvvm), then upstream's gpu-lower-to-nvvm
/// pipeline for the host code and the gpu.binary (`format`).
void buildLowerGPUToNVVMPipeline(mlir::OpPassManager &pm,
                                 const LowerToNVVMOptions &options);
/// Registers the pipelines above with the global pass registry.
void registerKVQPipelines();

} // namespace kvq

#endif // KVQ_PIPELINES_PIPELINES_H
