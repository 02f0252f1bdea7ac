//===- ModelBuilder.h - emit the decode step of a checkpoint -----*- C++ -*-===//
//
// Builds one MLIR module holding the decode step of a Llama-family model the
// way a tensor-level frontend emits it: func/linalg/tensor/arith/math on
// tensors, with the KV caches threaded through as tensors. docs/import.md
// describes the function's signature and the IR of every layer.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_IMPORT_MODELBUILDER_H
#define KVQ_IMPORT_MODELBUILDER_H

#include "kvq/Import/Checkpoint.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace kvq {

enum class WeightStorage {
  /// Inline below `inlineLimitBytes` of weights, external above.
  Auto,
  /// `arith.constant dense_resource<...>` blobs in the module.
  Inline,
  /// `ml_program.global` declarations with `#ml_program.extern` and a
  /// `kvq.external` dictionary naming the file, tensor, byte offset and size;
  /// runners map them from the checkpoint when they run the module.
  External,
};

struct ImportOptions {
  WeightStorage weights = WeightStorage::Auto;
  uint64_t inlineLimitBytes = 64ull << 20;
  /// KV-cache capacity in tokens; 0 picks min(model context, sliding window,
  /// 4096).
  int64_t context = 0;
  std::string functionName = "decode_step";
};

/// Builds the module; errors name the checkpoint.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildDecodeModule(mlir::MLIRContext &context, const Checkpoint &checkpoint,
                  const ImportOptions &options);

/// The cache capacity `options` yields for `config` (see ImportOptions).
int64_t importContext(const ModelConfig &config, const ImportOptions &options);

} // namespace kvq

#endif // KVQ_IMPORT_MODELBUILDER_H
