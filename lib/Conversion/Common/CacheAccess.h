//===- CacheAccess.h - typed views of a cache buffer in IR --------*- C++ -*-===//
//
// Emitters that view one cache buffer (memref<N x i8>) as the typed segments
// of docs/storage-format.md. Shared by the CPU and GPU lowerings, which
// therefore agree on the layout by construction.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_COMMON_CACHEACCESS_H
#define KVQ_LIB_CONVERSION_COMMON_CACHEACCESS_H

#include "Numerics.h"

#include "kvq/Runtime/CacheLayout.h"

namespace mlir::kvq::lowering {

/// Typed views of one tensor (keys or values) of a cache buffer.
struct TensorViews {
  SchemeAttr scheme;
  ::kvq::TensorLayout layout;
  Value codes;  // [B*H][C][words] i32
  Value scales; // [B*H][rows][cols] scale type
  Value zeros;  // same, or null when symmetric
  Value window; // [B*H][slots][D] element type
  Value data;   // [B*H][C][D] f16/bf16, unquantized schemes only
};

/// Typed views of a whole cache buffer.
struct CacheViews {
  CacheType type;
  Value length; // memref<1xi64>, the header's token count
  TensorViews keys, values;
};

/// Views `buffer` (a 1-D i8 memref in any memory space) as the segments of a
/// cache of `type`; views keep the buffer's memory space.
CacheViews makeCacheViews(IRB &b, CacheType type, Value buffer);

/// The header's token count as an index.
Value loadLength(IRB &b, const CacheViews &v);

/// Number of quantized tokens among `length` cached ones: a function of the
/// length alone (storage format, "The full-precision window").
Value quantizedCount(IRB &b, SchemeAttr scheme, Value length);

/// The code (i32) of channel `channel` in a row of packed words.
Value extractCode(IRB &b, SchemeAttr scheme, Value words,
                  ValueRange rowIndices, Value channel);

/// The scale row of `token`: token / group (per_channel) or token.
Value scaleRow(IRB &b, SchemeAttr scheme, Value token);

/// Element type of unquantized (16-bit) storage for a cache of `type`.
Type storage16Type(CacheType type);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_COMMON_CACHEACCESS_H
