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

/// The scheme kvq-assign-bits (and kvq-calibrate) give `type`'s keys
/// (`key`) or values at `bits`: 16 is unquantized f16; a quantized scheme
/// keeps its group (unless `group` != 0), granularity, symmetry, scale type,
/// rotation and window; a 16-bit scheme that becomes quantized gets keys
/// per_channel with group gcd(32, capacity), values per_token with group
/// gcd(32, head_dim), f16 asymmetric scales, no window (docs/allocation.md).
SchemeAttr allocatedScheme(CacheType type, bool key, unsigned bits,
                           unsigned group = 0);

} // namespace mlir::kvq

#endif // KVQ_DIALECT_KVQ_IR_CACHELAYOUT_H
