//===- KVQAttrs.cpp - kvq scheme attribute ---------------------------------===//
#include "kvq/Dialect/KVQ/IR/KVQ.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kvq;

#include "kvq/Dialect/KVQ/IR/KVQEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "kvq/Dialect/KVQ/IR/KVQAttrs.cpp.inc"

void KVQDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "kvq/Dialect/KVQ/IR/KVQAttrs.cpp.inc"
      >();
}

unsigned SchemeAttr::getTokenGroup() const {
  if (!isQuantized())
    return 0;
  return getGranularity() == Granularity::PerChannel ? getGroup() : 1;
}

unsigned SchemeAttr::getChannelGroup() const {
  if (!isQuantized())
    return 0;
  return getGranularity() == Granularity::PerToken ? getGroup() : 1;
}

LogicalResult
SchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError, unsigned bits,
                   unsigned group, Granularity granularity, bool symmetric,
                   Type scaleType, Rotation rotation, unsigned window) {
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8 && bits != 16)
    return emitError() << "bits must be 2, 3, 4, 8 or 16 (unquantized), got "
                       << bits;
  if (!scaleType.isF16() && !scaleType.isBF16() && !scaleType.isF32())
    return emitError() << "scale_type must be f16, bf16 or f32, got "
                       << scaleType;
  if (bits == 16) {
    if (group != 0 || window != 0 || symmetric ||
        rotation != Rotation::None || granularity != Granularity::PerChannel ||
        !scaleType.isF16())
      return emitError() << "an unquantized (16-bit) scheme takes no group, "
                            "granularity, symmetric, scale_type, rotation or "
                            "window";
    return success();
  }
  if (group == 0)
    return emitError() << "a " << bits
                       << "-bit scheme needs a group size greater than 0";
  unsigned tokenGroup = granularity == Granularity::PerChannel ? group : 1;
  if (window % tokenGroup != 0)
    return emitError() << "window (" << window
                       << ") must be a multiple of the token group (" << group
                       << " tokens for per_channel groups)";
  return success();
}
