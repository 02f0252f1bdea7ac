//===- CacheLayout.cpp - storage layout of a !kvq.cache type ---------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include <numeric>

using namespace mlir;
using namespace mlir::kvq;

::kvq::SchemeDesc mlir::kvq::getSchemeDesc(SchemeAttr scheme) {
  ::kvq::SchemeDesc d;
  d.bits = scheme.getBits();
  d.group = scheme.getGroup();
  d.granularity = scheme.getGranularity() == Granularity::PerChannel
                      ? ::kvq::Granularity::PerChannel
                      : ::kvq::Granularity::PerToken;
  d.symmetric = scheme.getSymmetric();
  d.scaleBytes = scheme.getScaleType().getIntOrFloatBitWidth() / 8;
  d.hadamard = scheme.getRotation() == Rotation::Hadamard;
  d.window = scheme.getWindow();
  return d;
}

::kvq::CacheDesc mlir::kvq::getCacheDesc(CacheType type) {
  ::kvq::CacheDesc d;
  d.batch = type.getBatch();
  d.kvHeads = type.getKvHeads();
  d.capacity = type.getCapacity();
  d.headDim = type.getHeadDim();
  d.elementBytes = type.getElementType().getIntOrFloatBitWidth() / 8;
  d.keys = getSchemeDesc(type.getKeys());
  d.values = getSchemeDesc(type.getValues());
  return d;
}

SchemeAttr mlir::kvq::allocatedScheme(CacheType type, bool key, unsigned bits,
                                      unsigned group) {
  MLIRContext *ctx = type.getContext();
  if (bits >= 16)
    return SchemeAttr::get(ctx, 16, 0, Granularity::PerChannel, false,
                           Float16Type::get(ctx), Rotation::None, 0);
  SchemeAttr old = key ? type.getKeys() : type.getValues();
  if (old.isQuantized()) {
    if (!group)
      group = old.getGroup();
    return SchemeAttr::get(ctx, bits, group, old.getGranularity(),
                           old.getSymmetric(), old.getScaleType(),
                           old.getRotation(), old.getWindow());
  }
  if (key)
    return SchemeAttr::get(
        ctx, bits,
        group ? group : unsigned(std::gcd<int64_t>(32, type.getCapacity())),
        Granularity::PerChannel, false, Float16Type::get(ctx), Rotation::None,
        0);
  return SchemeAttr::get(
      ctx, bits,
      group ? group : unsigned(std::gcd<int64_t>(32, type.getHeadDim())),
      Granularity::PerToken, false, Float16Type::get(ctx), Rotation::None, 0);
}
