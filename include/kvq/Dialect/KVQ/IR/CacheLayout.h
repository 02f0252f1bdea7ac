//===- CacheLayout.h - storage layout of a !kvq.cache type -------*- C++ -*-===//
#ifndef KVQ_DIALECT_KVQ_IR_CACHELAYOUT_H
#define KVQ_DIALECT_KVQ_IR_CACHELAYOUT_H

#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Runtime/CacheLayout.h"

namespace mlir::kvq {

/// The plain-data description of a scheme attribute.
::kvq::SchemeDesc getSchemeDesc(SchemeAttr scheme);
/// The plain-data description of a cache type.
::kvq::CacheDesc getCacheDesc(CacheType type);
/// The byte layout of a cache type's buffer.
inline ::kvq::CacheLayout getCacheLayout(CacheType type) {
  return ::kvq::CacheLayout::compute(getCacheDesc(type));
}

} // namespace mlir::kvq

#endif // KVQ_DIALECT_KVQ_IR_CACHELAYOUT_H
