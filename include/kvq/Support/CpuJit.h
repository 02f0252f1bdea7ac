//===- CpuJit.h - run kvq modules on the host CPU -----------------*- C++ -*-===//
//
// What kvq-run and kvq-generate share: reading a module file, lowering it
// with kvq-lower-to-cpu (results as out-parameters), JIT compilation with
// MLIR's ExecutionEngine, and calls through the C interface with memref
// descriptors.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_SUPPORT_CPUJIT_H
#define KVQ_SUPPORT_CPUJIT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <string>
#include <vector>

namespace kvq {

/// Parses the module in `path`; diagnostics go to the handler attached to
/// `sourceMgr`'s context. Returns null with `error` set on failure.
mlir::OwningOpRef<mlir::ModuleOp> parseModuleFile(llvm::StringRef path,
                                                  mlir::MLIRContext &context,
                                                  llvm::SourceMgr &sourceMgr,
                                                  std::string &error);

/// A module file and its entry function as the JIT tools read them, with
/// diagnostics printed against the file's source.
struct ModuleFile {
  explicit ModuleFile(mlir::MLIRContext &context)
      : diagnostics(sourceMgr, &context), context(context) {}
  /// Parses `path` and finds its func.func @`name`, which must have a body;
  /// false, with `error` set, if either fails.
  bool load(llvm::StringRef path, llvm::StringRef name, std::string &error);

  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics;
  mlir::MLIRContext &context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp entry;
};

/// Gives `entry` a C interface, lowers `module` for the CPU (unless it is
/// already in the LLVM dialect) with results returned through
/// out-parameters, and JIT-compiles it. `symbols` are extra host symbols the
/// code may call (e.g. mapped external weights); `memrefCopy` (strided
/// copies) is always provided.
llvm::Expected<std::unique_ptr<mlir::ExecutionEngine>>
compileForCPU(mlir::ModuleOp module, llvm::StringRef entry, unsigned optLevel,
              const llvm::StringMap<void *> &symbols = {});

/// A row-major ranked memref descriptor {allocated, aligned, offset, sizes,
/// strides} over `data`.
std::vector<int64_t> memrefDescriptor(void *data,
                                      llvm::ArrayRef<int64_t> shape);

/// Calls `_mlir_ciface_<entry>` with a pointer to each descriptor (the
/// arguments, then the out-parameters).
llvm::Error invokeWithDescriptors(mlir::ExecutionEngine &engine,
                                  llvm::StringRef entry,
                                  std::vector<std::vector<int64_t>> &descriptors);

} // namespace kvq

#endif // KVQ_SUPPORT_CPUJIT_H
