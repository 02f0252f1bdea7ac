//===- CacheLayout.cpp - storage layout of a !kvq.cache type ---------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

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
