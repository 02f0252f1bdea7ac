//===- MmaOps.cpp - tensor-core and packed-half builders ------------------===//
//
// See MmaOps.h.
//
//===----------------------------------------------------------------------===//
#include "MmaOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::kvq;

namespace mlir::kvq::lowering {

Value shrU(IRB &b, Value x, int64_t s) {
  return s ? arith::ShRUIOp::create(b, x, cI32(b, s)).getResult() : x;
}
Value andI(IRB &b, Value x, uint32_t m) {
  return m == 0xFFFFFFFFu ? x
                          : arith::AndIOp::create(b, x, cU32(b, m)).getResult();
}
Value maxF(IRB &b, Value x, Value y) {
  return arith::MaximumFOp::create(b, x, y);
}
Value prmt(IRB &b, Value lo, Value hi, uint32_t selector) {
  return NVVM::PermuteOp::create(b, b.getI32Type(), lo, hi, cU32(b, selector),
                                 NVVM::PermuteMode::DEFAULT);
}

/// D += A x B on tensor cores (mma.sync, row x col): the four values of
/// this lane's D fragment, of the accumulator type of `c`.
SmallVector<Value> mmaSync(IRB &b, ArrayRef<Value> a, ArrayRef<Value> bb,
                           ArrayRef<Value> c, ArrayRef<int64_t> shape,
                           NVVM::MMATypes typeA, NVVM::MMATypes typeB) {
  Type acc = c.front().getType();
  auto result =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {acc, acc, acc, acc});
  std::optional<NVVM::MMAIntOverflow> overflow;
  if (acc.isInteger(32))
    overflow = NVVM::MMAIntOverflow::wrapped;
  Value d =
      NVVM::MmaOp::create(b, result, a, bb, c, shape, std::nullopt, overflow,
                          std::array<NVVM::MMATypes, 2>{typeA, typeB},
                          std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                         NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, d, i));
  return out;
}

/// D += A x B on int8 tensor cores (m16n8k32, u8 x s8 or u8, s32).
SmallVector<Value> mma(IRB &b, ArrayRef<Value> a, ArrayRef<Value> bb,
                       ArrayRef<Value> c, bool unsignedB) {
  return mmaSync(b, a, bb, c, {16, 8, 32}, NVVM::MMATypes::u8,
                 unsignedB ? NVVM::MMATypes::u8 : NVVM::MMATypes::s8);
}

/// D += A x B on f16 tensor cores (m16n8k16, f32 accumulation).
SmallVector<Value> mmaF16(IRB &b, ArrayRef<Value> a, ArrayRef<Value> bb,
                          ArrayRef<Value> c) {
  return mmaSync(b, a, bb, c, {16, 8, 16}, NVVM::MMATypes::f16,
                 NVVM::MMATypes::f16);
}

VectorType half2Type(IRB &b) { return VectorType::get({2}, b.getF16Type()); }
// (arith.bitcast keeps shapes; llvm.bitcast reinterprets i32 <-> 2 x f16.)
Value asHalf2(IRB &b, Value i32) {
  return LLVM::BitcastOp::create(b, half2Type(b), i32);
}
Value asI32(IRB &b, Value half2) {
  return LLVM::BitcastOp::create(b, b.getI32Type(), half2);
}
/// (x, y) as an f16 pair.
Value half2Of(IRB &b, Value x, Value y) {
  auto toHalf = [&](Value v) -> Value {
    return v.getType().isF16()
               ? v
               : arith::TruncFOp::create(b, b.getF16Type(), toF32(b, v))
                     .getResult();
  };
  return vector::FromElementsOp::create(b, half2Type(b),
                                        ValueRange{toHalf(x), toHalf(y)});
}

Value reduceOver(IRB &b, Value v, bool isMax, int32_t low, int32_t high) {
  return warpReduce(
      b, v,
      [isMax](IRB &x, Value p, Value q) -> Value {
        return isMax ? maxF(x, p, q)
                     : arith::AddFOp::create(x, p, q).getResult();
      },
      low, high);
}

void rescaleHalfValueOutputs(IRB &b, MutableArrayRef<Value> acc, Value corr,
                             Value q32) {
  Value q32x2 = arith::MulIOp::create(b, q32, cI32(b, 2));
  Value corrA = shuffleFrom(b, corr, q32x2);
  Value corrB =
      shuffleFrom(b, corr, arith::AddIOp::create(b, q32x2, cI32(b, 1)));
  for (size_t i = 0; i < acc.size(); ++i)
    acc[i] = mulF(b, acc[i], i % 2 ? corrB : corrA);
}

SmallVector<Value> halfValueProbabilities(IRB &b, Value p0, Value p1,
                                          Value src0, Value src1,
                                          Value gValid) {
  Value pairs = asI32(b, half2Of(b, p0, p1));
  Value zero = cI32(b, 0);
  Value b0 = select(b, gValid, shuffleFrom(b, pairs, src0), zero);
  Value b1 = select(b, gValid, shuffleFrom(b, pairs, src1), zero);
  return {asHalf2(b, b0), asHalf2(b, b1)};
}

MmaLanes mmaLanes(IRB &b, Value lane, int64_t R) {
  MmaLanes l;
  l.g = arith::ShRUIOp::create(b, lane, cIndex(b, 2));
  l.q = arith::AndIOp::create(b, lane, cIndex(b, 3));
  l.g32 = toI32(b, l.g);
  l.q32 = toI32(b, l.q);
  l.odd = arith::CmpIOp::create(b, arith::CmpIPredicate::ne,
                                arith::AndIOp::create(b, l.g, cIndex(b, 1)),
                                cIndex(b, 0));
  l.bHead = arith::ShRUIOp::create(b, l.g, cIndex(b, 1));
  l.bHeadValid = lt(b, l.bHead, cIndex(b, R));
  l.cHeadValid = lt(b, l.q, cIndex(b, R));
  return l;
}

} // namespace mlir::kvq::lowering
