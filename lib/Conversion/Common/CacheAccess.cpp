//===- CacheAccess.cpp - typed views of a cache buffer in IR ---------------===//
#include "CacheAccess.h"

#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

static Value viewAt(IRB &b, Value buffer, int64_t offset,
                    ArrayRef<int64_t> shape, Type elementType) {
  Attribute space = cast<MemRefType>(buffer.getType()).getMemorySpace();
  auto type = MemRefType::get(shape, elementType, MemRefLayoutAttrInterface(),
                              space);
  return memref::ViewOp::create(b, type, buffer, cIndex(b, offset),
                                ValueRange{});
}

Type lowering::storage16Type(CacheType type) {
  Builder b(type.getContext());
  return type.getElementType().isBF16() ? Type(b.getBF16Type())
                                        : Type(b.getF16Type());
}

static TensorViews makeTensorViews(IRB &b, CacheType type, Value buffer,
                                   SchemeAttr scheme,
                                   const ::kvq::TensorLayout &l) {
  TensorViews v;
  v.scheme = scheme;
  v.layout = l;
  int64_t heads = type.getBatch() * type.getKvHeads();
  int64_t dim = type.getHeadDim(), capacity = type.getCapacity();
  if (!scheme.isQuantized()) {
    v.data = viewAt(b, buffer, l.dataOffset, {heads, capacity, dim},
                    storage16Type(type));
    return v;
  }
  v.codes = viewAt(b, buffer, l.codesOffset, {heads, capacity, l.wordsPerToken},
                   b.getI32Type());
  v.scales = viewAt(b, buffer, l.scalesOffset,
                    {heads, l.scaleRows, l.scaleCols}, scheme.getScaleType());
  if (!scheme.getSymmetric())
    v.zeros = viewAt(b, buffer, l.zerosOffset,
                     {heads, l.scaleRows, l.scaleCols}, scheme.getScaleType());
  v.window = viewAt(b, buffer, l.windowOffset, {heads, l.windowSlots, dim},
                    type.getElementType());
  return v;
}

CacheViews lowering::makeCacheViews(IRB &b, CacheType type, Value buffer) {
  ::kvq::CacheLayout layout = getCacheLayout(type);
  CacheViews v;
  v.type = type;
  v.length = viewAt(b, buffer, ::kvq::CacheLayout::kLengthOffset, {1},
                    b.getI64Type());
  v.keys = makeTensorViews(b, type, buffer, type.getKeys(), layout.keys);
  v.values = makeTensorViews(b, type, buffer, type.getValues(), layout.values);
  return v;
}

Value lowering::loadLength(IRB &b, const CacheViews &v) {
  Value raw = memref::LoadOp::create(b, v.length, cIndex(b, 0));
  return arith::IndexCastOp::create(b, b.getIndexType(), raw);
}

Value lowering::quantizedCount(IRB &b, SchemeAttr scheme, Value length) {
  if (!scheme.isQuantized())
    return length;
  int64_t window = scheme.getWindow(), tokenGroup = scheme.getTokenGroup();
  Value few = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, length,
                                    cIndex(b, window + tokenGroup));
  Value past = arith::SubIOp::create(b, length, cIndex(b, window));
  Value groups = arith::DivUIOp::create(b, past, cIndex(b, tokenGroup));
  Value count = arith::MulIOp::create(b, groups, cIndex(b, tokenGroup));
  return arith::SelectOp::create(b, few, cIndex(b, 0), count);
}

Value lowering::scaleRow(IRB &b, SchemeAttr scheme, Value token) {
  if (scheme.getGranularity() == Granularity::PerChannel)
    return arith::DivUIOp::create(b, token, cIndex(b, scheme.getGroup()));
  return token;
}

/// The code of channel `channel` in a row of packed words.
Value lowering::extractCode(IRB &b, SchemeAttr scheme, Value words,
                         ValueRange rowIndices, Value channel) {
  int64_t perWord = scheme.getCodesPerWord();
  SmallVector<Value> idx(rowIndices);
  idx.push_back(arith::DivUIOp::create(b, channel, cIndex(b, perWord)));
  Value word = memref::LoadOp::create(b, words, idx);
  Value lane = arith::RemUIOp::create(b, channel, cIndex(b, perWord));
  Value shift = arith::MulIOp::create(
      b, arith::IndexCastOp::create(b, b.getI32Type(), lane),
      cI32(b, scheme.getBits()));
  Value shifted = arith::ShRUIOp::create(b, word, shift);
  return arith::AndIOp::create(b, shifted, cI32(b, scheme.getMaxCode()));
}

