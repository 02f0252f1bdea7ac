//===- ExternalWeights.h - map external weights for execution ----*- C++ -*-===//
//
// kvq-import can leave weights in the checkpoint: an
//
//   ml_program.global private @name(#ml_program.extern : tensor<...>)
//       {kvq.external = {file, tensor, offset, bytes, file_size}}
//
// per tensor, read with ml_program.global_load_const. Before a module with
// such globals can be lowered and run, `materializeExternalWeights` maps the
// files (mmap: pages are read when first touched), checks every reference
// against the file, and rewrites each global into an external
// `memref.global` (no initializer) read through
// `bufferization.to_tensor(memref.get_global)`, whose JIT symbol is the
// address inside the mapping (`symbols`). Weights are never copied, except a
// tensor whose offset is misaligned for its element type.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_IMPORT_EXTERNALWEIGHTS_H
#define KVQ_IMPORT_EXTERNALWEIGHTS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <vector>

namespace kvq {

class ExternalWeights {
public:
  /// Rewrites the module as above. Relative file names are resolved against
  /// `baseDir` (the module's directory). Errors name the file and tensor.
  llvm::Error materialize(mlir::ModuleOp module, llvm::StringRef baseDir);

  /// JIT symbol name -> address of the tensor data.
  llvm::StringMap<void *> symbols;
  /// Number of weights materialised and their total bytes.
  size_t count = 0;
  uint64_t bytes = 0;

private:
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> files;
  std::vector<std::unique_ptr<uint64_t[]>> copies;
};

} // namespace kvq

#endif // KVQ_IMPORT_EXTERNALWEIGHTS_H
