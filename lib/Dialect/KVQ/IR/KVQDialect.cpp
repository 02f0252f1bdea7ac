//===- KVQDialect.cpp - kvq dialect registration ---------------------------===//
#include "kvq/Dialect/KVQ/IR/KVQ.h"

using namespace mlir;
using namespace mlir::kvq;

#include "kvq/Dialect/KVQ/IR/KVQDialect.cpp.inc"

namespace {
/// Gives schemes short, meaningful aliases (#k4_g32_pc_w128 ...) so that cache
/// types stay readable in printed IR.
struct KVQOpAsmInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;
  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    auto scheme = dyn_cast<SchemeAttr>(attr);
    if (!scheme)
      return AliasResult::NoAlias;
    os << "b" << scheme.getBits();
    if (scheme.isQuantized()) {
      os << "_g" << scheme.getGroup()
         << (scheme.getGranularity() == Granularity::PerChannel ? "_pc" : "_pt");
      if (scheme.getSymmetric())
        os << "_sym";
      if (scheme.getRotation() == Rotation::Hadamard)
        os << "_rot";
      if (scheme.getWindow())
        os << "_w" << scheme.getWindow();
    }
    return AliasResult::FinalAlias;
  }
};
} // namespace

void KVQDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "kvq/Dialect/KVQ/IR/KVQOps.cpp.inc"
      >();
  addInterfaces<KVQOpAsmInterface>();
}
