//===- DecodeRunner.h - run a decode-step module on the CPU -------*- C++ -*-===//
//
// What kvq-generate and kvq-calibrate share: a decode step as kvq-import
// emits it (token, position, KV caches as 4-D f32 tensors or !kvq.cache
// buffers; results: the logits, the updated tensor caches, then optionally
// extra static f32 tensors), checked, lowered and JIT-compiled once
// (CpuJit), with its buffers, called one position at a time.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_SUPPORT_DECODERUNNER_H
#define KVQ_SUPPORT_DECODERUNNER_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace kvq {

class DecodeRunner {
public:
  /// Checks the signature of `entry` in `module`, drops its kvq.* argument,
  /// result and module attributes (they have no LLVM meaning), maps external
  /// weights (relative paths against `weightsDir`), lowers and JIT-compiles
  /// it, and allocates zeroed buffers. Modifies `module`. Errors name
  /// `@entry`; the caller prefixes its tool name.
  static llvm::Expected<std::unique_ptr<DecodeRunner>>
  create(mlir::ModuleOp module, llvm::StringRef entry,
         llvm::StringRef weightsDir, unsigned optLevel);
  ~DecodeRunner();

  int64_t vocab() const { return vocabSize; }
  /// Positions the smallest cache holds.
  int64_t capacity() const { return cacheCapacity; }
  /// Empties every cache (zeroes its buffer).
  void reset();
  /// Runs one position; the updated tensor caches become the next inputs.
  llvm::Error step(int64_t token, int64_t pos);
  /// The logits of the last step (vocab() floats).
  const float *logits() const;
  /// Results after the logits and the updated tensor caches (e.g.
  /// per-layer attention outputs kvq-calibrate adds), as of the last step.
  size_t numExtraResults() const { return extraTypes.size(); }
  const float *extraResult(size_t i) const;
  int64_t extraResultSize(size_t i) const {
    return extraTypes[i].getNumElements();
  }

  struct Buffer;
  struct Arg {
    enum Kind { Token, Position, TensorCache, KVQCache } kind;
    mlir::RankedTensorType tensor; // Token/Position/TensorCache
    int64_t cacheBytes = 0;        // KVQCache
  };

private:
  DecodeRunner() = default;
  std::string entry;
  std::vector<Arg> args;
  std::vector<size_t> tensorCacheArgs;
  mlir::RankedTensorType logitsType;
  std::vector<mlir::RankedTensorType> extraTypes;
  int64_t vocabSize = 0, cacheCapacity = 0;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::shared_ptr<void> weights; // ExternalWeights (mappings)
  std::vector<std::unique_ptr<Buffer>> inputs, outputs;
};

} // namespace kvq

#endif // KVQ_SUPPORT_DECODERUNNER_H
