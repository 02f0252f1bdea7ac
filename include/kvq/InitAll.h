//===- InitAll.h - register everything kvq provides --------------*- C++ -*-===//
//
// The one header a host compiler includes to use kvq: it registers the kvq
// dialect, its passes and pipelines, and the upstream dialects, extensions and
// passes that kvq's pipelines produce or rely on.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_INITALL_H
#define KVQ_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kvq {

/// Registers the kvq dialect only.
void registerKVQDialect(mlir::DialectRegistry &registry);

/// Registers the kvq dialect plus every upstream dialect and dialect
/// extension kvq's pipelines use (func, arith, math, tensor, linalg, memref,
/// scf, vector, bufferization, gpu, nvvm, llvm, ...).
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers kvq's passes and pass pipelines (all prefixed `kvq-`).
void registerKVQPasses();

/// Registers kvq's passes plus the upstream passes its pipelines compose.
void registerAllPasses();

} // namespace kvq

#endif // KVQ_INITALL_H
