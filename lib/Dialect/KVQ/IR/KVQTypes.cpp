//===- KVQTypes.cpp - kvq cache type ---------------------------------------===//
#include "kvq/Dialect/KVQ/IR/KVQ.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::kvq;

#define GET_TYPEDEF_CLASSES
#include "kvq/Dialect/KVQ/IR/KVQTypes.cpp.inc"

void KVQDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "kvq/Dialect/KVQ/IR/KVQTypes.cpp.inc"
      >();
}

// !kvq.cache<BxHxCxD, elem, keys = #scheme, values = #scheme>
Type CacheType::parse(AsmParser &parser) {
  SmallVector<int64_t, 4> dims;
  Type elementType;
  SchemeAttr keys, values;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false) ||
      parser.parseType(elementType) || parser.parseComma() ||
      parser.parseKeyword("keys") || parser.parseEqual() ||
      parser.parseAttribute(keys) || parser.parseComma() ||
      parser.parseKeyword("values") || parser.parseEqual() ||
      parser.parseAttribute(values) || parser.parseGreater())
    return {};
  if (dims.size() != 4) {
    parser.emitError(loc) << "expected 4 dimensions (batch x kv_heads x "
                             "capacity x head_dim), got "
                          << dims.size();
    return {};
  }
  return parser.getChecked<CacheType>(loc, parser.getContext(), dims[0],
                                      dims[1], dims[2], dims[3], elementType,
                                      keys, values);
}

void CacheType::print(AsmPrinter &printer) const {
  printer << "<" << getBatch() << "x" << getKvHeads() << "x" << getCapacity()
          << "x" << getHeadDim() << "x" << getElementType()
          << ", keys = " << getKeys() << ", values = " << getValues() << ">";
}

static LogicalResult verifyScheme(function_ref<InFlightDiagnostic()> emitError,
                                  StringRef which, SchemeAttr scheme,
                                  int64_t capacity, int64_t headDim) {
  if (!scheme.isQuantized())
    return success();
  unsigned group = scheme.getGroup();
  if (scheme.getGranularity() == Granularity::PerChannel) {
    if (capacity % group != 0)
      return emitError() << which << ": per_channel group (" << group
                         << " tokens) must divide the capacity (" << capacity
                         << ")";
  } else if (headDim % group != 0) {
    return emitError() << which << ": per_token group (" << group
                       << " channels) must divide head_dim (" << headDim
                       << ")";
  }
  int64_t slots = scheme.getWindow() + scheme.getTokenGroup();
  if (slots > capacity)
    return emitError() << which << ": window plus one token group (" << slots
                       << " tokens) exceeds the capacity (" << capacity << ")";
  return success();
}

LogicalResult CacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t batch, int64_t kvHeads,
                                int64_t capacity, int64_t headDim,
                                Type elementType, SchemeAttr keys,
                                SchemeAttr values) {
  if (batch <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0)
    return emitError() << "cache dimensions must be positive, got " << batch
                       << "x" << kvHeads << "x" << capacity << "x" << headDim;
  if (!elementType.isF16() && !elementType.isBF16() && !elementType.isF32())
    return emitError() << "cache element type must be f16, bf16 or f32, got "
                       << elementType;
  if (values.getRotation() != Rotation::None)
    return emitError() << "values: rotation applies to keys only";
  if (keys.getRotation() == Rotation::Hadamard &&
      !llvm::isPowerOf2_64(headDim))
    return emitError() << "keys: hadamard rotation needs a power-of-two "
                          "head_dim, got "
                       << headDim;
  if (failed(verifyScheme(emitError, "keys", keys, capacity, headDim)) ||
      failed(verifyScheme(emitError, "values", values, capacity, headDim)))
    return failure();
  return success();
}
