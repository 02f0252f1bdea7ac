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

/// Registers the pipelines above with the global pass registry.
void registerKVQPipelines();

} // namespace kvq

#endif // KVQ_PIPELINES_PIPELINES_H
