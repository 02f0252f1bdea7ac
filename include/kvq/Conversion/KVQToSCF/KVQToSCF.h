//===- KVQToSCF.h - lower kvq ops to loops -----------------------*- C++ -*-===//
#ifndef KVQ_CONVERSION_KVQTOSCF_KVQTOSCF_H
#define KVQ_CONVERSION_KVQTOSCF_KVQTOSCF_H

namespace mlir {
class RewritePatternSet;
class TypeConverter;
} // namespace mlir

namespace mlir::kvq {

/// Converts !kvq.cache to memref<N x i8>, N its size in bytes.
void populateKVQToSCFTypeConversion(TypeConverter &converter);

/// Patterns lowering every kvq op to scf/arith/math/memref loops.
void populateKVQToSCFPatterns(TypeConverter &converter,
                              RewritePatternSet &patterns);

} // namespace mlir::kvq

#endif // KVQ_CONVERSION_KVQTOSCF_KVQTOSCF_H
