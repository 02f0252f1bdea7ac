//===- KVQOps.cpp - kvq operation verifiers --------------------------------===//
#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kvq;

#define GET_OP_CLASSES
#include "kvq/Dialect/KVQ/IR/KVQOps.cpp.inc"

/// Checks that `dim` of `type` equals `expected` (dynamic sizes pass).
static LogicalResult expectDim(Operation *op, StringRef what,
                               RankedTensorType type, unsigned dim,
                               StringRef dimName, int64_t expected) {
  int64_t size = type.getDimSize(dim);
  if (ShapedType::isDynamic(size) || size == expected)
    return success();
  return op->emitOpError() << what << " dimension " << dim << " (" << dimName
                           << ") is " << size << " but the cache has "
                           << expected;
}

//===----------------------------------------------------------------------===//
// BindProjectionsOp
//===----------------------------------------------------------------------===//

LogicalResult BindProjectionsOp::verify() {
  CacheType cache = getCache().getType();
  int64_t rows = cache.getKvHeads() * cache.getHeadDim();
  for (auto [name, value] : {std::pair<StringRef, Value>{"key", getKeyWeight()},
                             {"value", getValueWeight()}}) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() != 2)
      return emitOpError() << name << " weight must be a 2-D [kv_heads * "
                           << "head_dim, hidden] matrix, got rank "
                           << type.getRank();
    if (!type.isDynamicDim(0) && type.getDimSize(0) != rows)
      return emitOpError() << name << " weight has " << type.getDimSize(0)
                           << " rows but the cache needs kv_heads * head_dim = "
                           << rows;
  }
  if (Value gain = getKeyNormWeight()) {
    auto type = cast<RankedTensorType>(gain.getType());
    if (type.getRank() != 1 || (!type.isDynamicDim(0) &&
                                type.getDimSize(0) != cache.getHeadDim()))
      return emitOpError() << "key_norm weight must be [head_dim] = ["
                           << cache.getHeadDim() << "], got " << type;
  }
  if (int64_t layer = getLayerAttr().getInt(); layer < 0)
    return emitOpError() << "layer must be non-negative, got " << layer;
  return success();
}

//===----------------------------------------------------------------------===//
// AppendOp
//===----------------------------------------------------------------------===//

LogicalResult AppendOp::verify() {
  CacheType cache = getCache().getType();
  for (auto [name, value] : {std::pair<StringRef, Value>{"keys", getKeys()},
                             {"values", getValues()}}) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() != 4)
      return emitOpError() << name << " must be [batch, kv_heads, tokens, "
                           << "head_dim] (rank 4), got rank " << type.getRank();
    if (type.getElementType() != cache.getElementType())
      return emitOpError() << name << " element type " << type.getElementType()
                           << " differs from the cache element type "
                           << cache.getElementType();
    if (failed(expectDim(*this, name, type, 0, "batch", cache.getBatch())) ||
        failed(expectDim(*this, name, type, 1, "kv_heads",
                         cache.getKvHeads())) ||
        failed(expectDim(*this, name, type, 3, "head_dim",
                         cache.getHeadDim())))
      return failure();
  }
  auto kt = cast<RankedTensorType>(getKeys().getType());
  auto vt = cast<RankedTensorType>(getValues().getType());
  if (kt.getShape() != vt.getShape())
    return emitOpError() << "keys " << kt << " and values " << vt
                         << " must have the same shape";
  if (!kt.isDynamicDim(2) && kt.getDimSize(2) > cache.getCapacity())
    return emitOpError() << "appends " << kt.getDimSize(2)
                         << " tokens to a cache of capacity "
                         << cache.getCapacity();
  return success();
}

//===----------------------------------------------------------------------===//
// AttendOp
//===----------------------------------------------------------------------===//

float AttendOp::getScaleOrDefault() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToFloat();
  return 1.0f / std::sqrt(float(getCache().getType().getHeadDim()));
}

LogicalResult AttendOp::verify() {
  CacheType cache = getCache().getType();
  auto qt = cast<RankedTensorType>(getQueries().getType());
  auto ot = cast<RankedTensorType>(getOutput().getType());
  if (qt.getRank() != 3)
    return emitOpError() << "queries must be [batch, q_heads, head_dim] "
                         << "(rank 3), got rank " << qt.getRank();
  if (failed(expectDim(*this, "queries", qt, 0, "batch", cache.getBatch())) ||
      failed(expectDim(*this, "queries", qt, 2, "head_dim",
                       cache.getHeadDim())))
    return failure();
  if (qt.isDynamicDim(1))
    return emitOpError() << "the number of query heads must be static";
  int64_t qHeads = qt.getDimSize(1);
  if (qHeads % cache.getKvHeads() != 0)
    return emitOpError() << "query heads (" << qHeads
                         << ") must be a multiple of the cache's KV heads ("
                         << cache.getKvHeads() << ")";
  if (ot.getShape() != qt.getShape())
    return emitOpError() << "output shape " << ot
                         << " must match the queries " << qt;
  if (Value lengths = getLengths()) {
    auto lt = cast<RankedTensorType>(lengths.getType());
    if (lt.getRank() != 1)
      return emitOpError() << "lengths must be tensor<" << cache.getBatch()
                           << "xi32>, got " << lt;
    if (failed(expectDim(*this, "lengths", lt, 0, "batch", cache.getBatch())))
      return failure();
  }
  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFiniteNonZero() || scale->isNegative())
      return emitOpError() << "scale must be finite and positive";
  return success();
}

//===----------------------------------------------------------------------===//
// StorageOp
//===----------------------------------------------------------------------===//

LogicalResult StorageOp::verify() {
  int64_t bytes = getCacheLayout(getCache().getType()).totalBytes;
  RankedTensorType type = getBytes().getType();
  if (type.getRank() != 1 || type.getDimSize(0) != bytes)
    return emitOpError() << "result must be tensor<" << bytes
                         << "xi8> (the cache's size in bytes), got " << type;
  return success();
}

//===----------------------------------------------------------------------===//
// Quantize / Dequantize
//===----------------------------------------------------------------------===//

/// Verifies a [tokens, channels] tile against a scheme and computes the shape
/// of its scales.
static LogicalResult verifyTile(Operation *op, SchemeAttr scheme,
                                RankedTensorType tile,
                                SmallVectorImpl<int64_t> &scaleShape) {
  if (!scheme.isQuantized())
    return op->emitOpError() << "scheme must be quantized (bits < 16)";
  if (scheme.getRotation() != Rotation::None)
    return op->emitOpError()
           << "scheme must not rotate: rotation belongs to caches";
  if (tile.getRank() != 2)
    return op->emitOpError() << "expects a [tokens, channels] tile, got rank "
                             << tile.getRank();
  if (!tile.hasStaticShape())
    return op->emitOpError() << "expects a static tile shape";
  int64_t tokens = tile.getDimSize(0), channels = tile.getDimSize(1);
  int64_t group = scheme.getGroup();
  if (scheme.getGranularity() == Granularity::PerChannel) {
    if (tokens % group != 0)
      return op->emitOpError() << "per_channel group (" << group
                               << ") must divide the tokens (" << tokens << ")";
    scaleShape.assign({tokens / group, channels});
  } else {
    if (channels % group != 0)
      return op->emitOpError() << "per_token group (" << group
                               << ") must divide the channels (" << channels
                               << ")";
    scaleShape.assign({tokens, channels / group});
  }
  return success();
}

static LogicalResult verifyScalesAndZeros(Operation *op, SchemeAttr scheme,
                                          ArrayRef<int64_t> scaleShape,
                                          Type scales, Type zeros) {
  auto st = cast<RankedTensorType>(scales);
  if (st.getShape() != scaleShape ||
      st.getElementType() != scheme.getScaleType())
    return op->emitOpError()
           << "scales must be "
           << RankedTensorType::get(scaleShape, scheme.getScaleType())
           << ", got " << st;
  if (scheme.getSymmetric() && zeros)
    return op->emitOpError() << "a symmetric scheme has no zero points";
  if (!scheme.getSymmetric() && !zeros)
    return op->emitOpError() << "an asymmetric scheme needs zero points";
  if (zeros && zeros != scales)
    return op->emitOpError() << "zero points must have the type of the "
                             << "scales (" << st << "), got " << zeros;
  return success();
}

LogicalResult QuantizeOp::verify() {
  SmallVector<int64_t> scaleShape;
  auto in = cast<RankedTensorType>(getInput().getType());
  if (failed(verifyTile(*this, getScheme(), in, scaleShape)))
    return failure();
  if (getCodes().getType().getShape() != in.getShape())
    return emitOpError() << "codes must have the input's shape";
  return verifyScalesAndZeros(*this, getScheme(), scaleShape,
                              getScales().getType(),
                              getZeros() ? getZeros().getType() : Type());
}

LogicalResult DequantizeOp::verify() {
  SmallVector<int64_t> scaleShape;
  auto out = cast<RankedTensorType>(getOutput().getType());
  if (failed(verifyTile(*this, getScheme(), out, scaleShape)))
    return failure();
  if (getCodes().getType().getShape() != out.getShape())
    return emitOpError() << "codes must have the output's shape";
  return verifyScalesAndZeros(*this, getScheme(), scaleShape,
                              getScales().getType(),
                              getZeros() ? getZeros().getType() : Type());
}

//===----------------------------------------------------------------------===//
// Pack / Unpack
//===----------------------------------------------------------------------===//

static LogicalResult verifyPacking(Operation *op, int64_t bits,
                                   RankedTensorType codes,
                                   RankedTensorType words) {
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
    return op->emitOpError() << "bits must be 2, 3, 4 or 8, got " << bits;
  if (codes.getRank() != words.getRank() || codes.getRank() == 0)
    return op->emitOpError() << "codes and words must have the same non-zero "
                             << "rank";
  unsigned last = codes.getRank() - 1;
  for (unsigned i = 0; i < last; ++i)
    if (codes.getDimSize(i) != words.getDimSize(i))
      return op->emitOpError() << "codes and words differ in dimension " << i;
  if (codes.isDynamicDim(last) || words.isDynamicDim(last))
    return success();
  int64_t perWord = 32 / bits;
  int64_t expected = (codes.getDimSize(last) + perWord - 1) / perWord;
  if (words.getDimSize(last) != expected)
    return op->emitOpError()
           << codes.getDimSize(last) << " codes of " << bits
           << " bits pack into " << expected << " words (" << perWord
           << " per word), not " << words.getDimSize(last);
  return success();
}

LogicalResult PackOp::verify() {
  return verifyPacking(*this, getBits(), getCodes().getType(),
                       getWords().getType());
}

LogicalResult UnpackOp::verify() {
  return verifyPacking(*this, getBits(), getCodes().getType(),
                       getWords().getType());
}

//===----------------------------------------------------------------------===//
// ArriveOp
//===----------------------------------------------------------------------===//

LogicalResult ArriveOp::verify() {
  MemRefType type = getCounter().getType();
  if (static_cast<int64_t>(getIndices().size()) != type.getRank())
    return emitOpError() << "takes " << type.getRank()
                         << " indices for its rank-" << type.getRank()
                         << " counter, not " << getIndices().size();
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
  if (!space || space.getValue() != gpu::AddressSpace::Global)
    return emitOpError() << "counter must be in GPU global memory "
                            "(#gpu.address_space<global>): the count is "
                            "shared by the blocks of a launch";
  return success();
}
