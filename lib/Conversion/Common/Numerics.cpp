//===- Numerics.cpp - IR emitters for kvq quantization numerics ------------===//
#include "Numerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

Value lowering::cIndex(IRB &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}
Value lowering::cF32(IRB &b, double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
}
Value lowering::cI32(IRB &b, int64_t v) {
  return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
}

void lowering::forRange(IRB &b, Value lb, Value ub,
                        function_ref<void(IRB &, Value)> body) {
  scf::ForOp::create(b, lb, ub, cIndex(b, 1), ValueRange{},
                     [&](OpBuilder &nested, Location loc, Value iv,
                         ValueRange) {
                       IRB ib(loc, nested);
                       body(ib, iv);
                       scf::YieldOp::create(ib);
                     });
}

void lowering::forRange(IRB &b, int64_t lb, int64_t ub,
                        function_ref<void(IRB &, Value)> body) {
  forRange(b, cIndex(b, lb), cIndex(b, ub), body);
}

SmallVector<Value> lowering::forRangeCarry(
    IRB &b, Value lb, Value ub, ValueRange inits,
    function_ref<SmallVector<Value>(IRB &, Value, ValueRange)> body,
    int64_t step) {
  auto loop = scf::ForOp::create(
      b, lb, ub, cIndex(b, step), inits,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange args) {
        IRB ib(loc, nested);
        scf::YieldOp::create(ib, body(ib, iv, args));
      });
  return SmallVector<Value>(loop.getResults());
}

void lowering::ifThen(IRB &b, Value cond,
                      function_ref<void(IRB &)> then) {
  scf::IfOp::create(b, cond, [&](OpBuilder &nested, Location loc) {
    IRB ib(loc, nested);
    then(ib);
    scf::YieldOp::create(ib);
  });
}

SmallVector<Value>
lowering::ifElse(IRB &b, Value cond, TypeRange types,
                 function_ref<SmallVector<Value>(IRB &)> then,
                 function_ref<SmallVector<Value>(IRB &)> otherwise) {
  auto op = scf::IfOp::create(b, types, cond, /*withElseRegion=*/true);
  auto fill = [&](Region &region,
                  function_ref<SmallVector<Value>(IRB &)> body) {
    // Without results the builder has put an empty scf.yield there already.
    Block &block = region.front();
    if (!block.empty()) {
      IRB ib(b.getLoc(), b.getContext());
      ib.setInsertionPoint(&block.back());
      body(ib);
      return;
    }
    IRB ib = IRB::atBlockBegin(b.getLoc(), &block);
    scf::YieldOp::create(ib, body(ib));
  };
  fill(op.getThenRegion(), then);
  fill(op.getElseRegion(), otherwise);
  return SmallVector<Value>(op.getResults());
}

Value lowering::toF32(IRB &b, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

Value lowering::fromF32(IRB &b, Value v, Type type) {
  if (type.isF32())
    return v;
  return arith::TruncFOp::create(b, type, v);
}

Value lowering::loadF32(IRB &b, Value memref, ValueRange indices) {
  return toF32(b, memref::LoadOp::create(b, memref, indices));
}

void lowering::storeFromF32(IRB &b, Value v, Value memref,
                            ValueRange indices) {
  Type type = cast<MemRefType>(memref.getType()).getElementType();
  memref::StoreOp::create(b, fromF32(b, v, type), memref, indices);
}

Value lowering::absF(IRB &b, Value x) {
  // Clear the sign bit: exact for zeros, infinities and NaNs alike.
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), x);
  bits = arith::AndIOp::create(b, bits, cI32(b, 0x7fffffff));
  return arith::BitcastOp::create(b, b.getF32Type(), bits);
}

Value lowering::roundEven(IRB &b, Value x) {
  // Adding and subtracting 2^23 rounds |x| < 2^23 to an integer under the
  // default (nearest-even) rounding; larger magnitudes are integers already.
  // Plain arith (no libm, no libdevice), exact on every target.
  Value magic = cF32(b, 8388608.0);
  Value ax = absF(b, x);
  Value r = arith::SubFOp::create(b, arith::AddFOp::create(b, ax, magic), magic);
  Value small =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, ax, magic);
  r = arith::SelectOp::create(b, small, r, ax);
  Value negative =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, x, cF32(b, 0.0));
  return arith::SelectOp::create(b, negative, arith::NegFOp::create(b, r), r);
}

Value lowering::expF(IRB &b, Value x) {
  // exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n ln2 (Cody-Waite,
  // two-part ln2), exp(r) by its degree-7 Taylor polynomial on |r| <= ln2/2
  // (truncation error < 1e-8), 2^n by building the exponent bits. Inputs
  // below -87.3 (including -inf) give 0, above 88.7 give +inf.
  Type i32 = b.getI32Type();
  Value n = roundEven(b, arith::MulFOp::create(b, x, cF32(b, 1.4426950408889634)));
  Value r = arith::SubFOp::create(
      b, x, arith::MulFOp::create(b, n, cF32(b, 0.693145751953125)));
  r = arith::SubFOp::create(
      b, r, arith::MulFOp::create(b, n, cF32(b, 1.428606765330187e-06)));
  static const double coefficients[] = {1.0 / 5040, 1.0 / 720, 1.0 / 120,
                                        1.0 / 24,   1.0 / 6,   0.5,
                                        1.0,        1.0};
  Value p = cF32(b, coefficients[0]);
  for (double c : ArrayRef<double>(coefficients).drop_front())
    p = arith::AddFOp::create(b, arith::MulFOp::create(b, p, r), cF32(b, c));
  // 2^n for n in [-126, 127]; out-of-range inputs are handled below.
  Value clamped = arith::MinimumFOp::create(
      b, arith::MaximumFOp::create(b, n, cF32(b, -126.0)), cF32(b, 127.0));
  Value bits = arith::ShLIOp::create(
      b, arith::AddIOp::create(b, arith::FPToSIOp::create(b, i32, clamped),
                               cI32(b, 127)),
      cI32(b, 23));
  Value pow2 = arith::BitcastOp::create(b, b.getF32Type(), bits);
  Value result = arith::MulFOp::create(b, p, pow2);
  Value tiny =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, x, cF32(b, -87.3));
  Value huge =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, cF32(b, 88.7));
  result = arith::SelectOp::create(b, tiny, cF32(b, 0.0), result);
  return arith::SelectOp::create(b, huge, cF32(b, INFINITY), result);
}

//===----------------------------------------------------------------------===//
// SchemeNumerics
//===----------------------------------------------------------------------===//

SmallVector<Value> SchemeNumerics::initial(IRB &b) const {
  if (scheme.getSymmetric())
    return {cF32(b, 0.0)};
  return {cF32(b, INFINITY), cF32(b, -INFINITY)};
}

SmallVector<Value> SchemeNumerics::accumulate(IRB &b, ValueRange state,
                                              Value x) const {
  if (scheme.getSymmetric())
    return combine(b, state, {absF(b, x)});
  return combine(b, state, {x, x});
}

SmallVector<Value> SchemeNumerics::combine(IRB &b, ValueRange x,
                                           ValueRange y) const {
  // minnumf/maxnumf ignore NaNs: a group's scale comes from its numbers.
  if (scheme.getSymmetric())
    return {arith::MaxNumFOp::create(b, x[0], y[0])};
  return {arith::MinNumFOp::create(b, x[0], y[0]),
          arith::MaxNumFOp::create(b, x[1], y[1])};
}

SmallVector<Value>
SchemeNumerics::reduce(IRB &b, Value count,
                       function_ref<Value(IRB &, Value)> load) const {
  return forRangeCarry(b, cIndex(b, 0), count, initial(b),
                       [&](IRB &ib, Value i, ValueRange acc) {
                         return accumulate(ib, acc, load(ib, i));
                       });
}

Value SchemeNumerics::toScaleType(IRB &b, Value v) const {
  Type type = scheme.getScaleType();
  if (type.isF32())
    return v;
  const llvm::fltSemantics &sem = cast<FloatType>(type).getFloatSemantics();
  double largest = llvm::APFloat::getLargest(sem).convertToDouble();
  v = arith::MinNumFOp::create(b, v, cF32(b, largest));
  v = arith::MaxNumFOp::create(b, v, cF32(b, -largest));
  return arith::TruncFOp::create(b, type, v);
}

std::pair<Value, Value>
SchemeNumerics::scaleAndZero(IRB &b, ValueRange reduced) const {
  unsigned bits = scheme.getBits();
  if (scheme.getSymmetric()) {
    double levels = double((1u << (bits - 1)) - 1);
    Value s = arith::DivFOp::create(b, reduced[0], cF32(b, levels));
    return {toScaleType(b, s), Value()};
  }
  Value range = arith::SubFOp::create(b, reduced[1], reduced[0]);
  Value s = arith::DivFOp::create(b, range, cF32(b, double(scheme.getMaxCode())));
  return {toScaleType(b, s), toScaleType(b, reduced[0])};
}

Value SchemeNumerics::encode(IRB &b, Value x, Value s, Value z) const {
  Value zeroScale =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, s, cF32(b, 0.0));
  if (scheme.getSymmetric()) {
    int64_t mid = int64_t(1) << (scheme.getBits() - 1);
    Value r = roundEven(b, arith::DivFOp::create(b, x, s));
    r = arith::MaxNumFOp::create(b, r, cF32(b, double(1 - mid)));
    r = arith::MinNumFOp::create(b, r, cF32(b, double(mid - 1)));
    Value code = arith::AddIOp::create(
        b, arith::FPToSIOp::create(b, b.getI32Type(), r), cI32(b, mid));
    return arith::SelectOp::create(b, zeroScale, cI32(b, mid), code);
  }
  Value q = arith::DivFOp::create(b, arith::SubFOp::create(b, x, z), s);
  Value r = roundEven(b, q);
  r = arith::MaxNumFOp::create(b, r, cF32(b, 0.0));
  r = arith::MinNumFOp::create(b, r, cF32(b, double(scheme.getMaxCode())));
  Value code = arith::FPToSIOp::create(b, b.getI32Type(), r);
  return arith::SelectOp::create(b, zeroScale, cI32(b, 0), code);
}

Value SchemeNumerics::decode(IRB &b, Value code, Value s, Value z) const {
  if (scheme.getSymmetric()) {
    int64_t mid = int64_t(1) << (scheme.getBits() - 1);
    Value centred = arith::SubIOp::create(b, code, cI32(b, mid));
    return arith::MulFOp::create(
        b, arith::SIToFPOp::create(b, b.getF32Type(), centred), s);
  }
  Value c = arith::SIToFPOp::create(b, b.getF32Type(), code);
  return arith::AddFOp::create(b, arith::MulFOp::create(b, c, s), z);
}

//===----------------------------------------------------------------------===//
// Hadamard rotation and group quantization
//===----------------------------------------------------------------------===//

void lowering::emitHadamard(IRB &b, Value row, int64_t dim) {
  for (int64_t h = 1; h < dim; h *= 2) {
    // Butterflies (j, j + h) for j in blocks of 2h: one loop over dim / 2
    // pairs, pair p -> j = (p / h) * 2h + p % h.
    forRange(b, 0, dim / 2, [&](IRB &ib, Value p) {
      Value hv = cIndex(ib, h);
      Value block = arith::DivUIOp::create(ib, p, hv);
      Value j = arith::AddIOp::create(
          ib, arith::MulIOp::create(ib, block, cIndex(ib, 2 * h)),
          arith::RemUIOp::create(ib, p, hv));
      Value k = arith::AddIOp::create(ib, j, hv);
      Value a = memref::LoadOp::create(ib, row, j);
      Value c = memref::LoadOp::create(ib, row, k);
      memref::StoreOp::create(ib, arith::AddFOp::create(ib, a, c), row, j);
      memref::StoreOp::create(ib, arith::SubFOp::create(ib, a, c), row, k);
    });
  }
  Value norm = cF32(b, 1.0 / std::sqrt(double(dim)));
  forRange(b, 0, dim, [&](IRB &ib, Value i) {
    Value x = memref::LoadOp::create(ib, row, i);
    memref::StoreOp::create(ib, arith::MulFOp::create(ib, x, norm), row, i);
  });
}

Value lowering::scaleColumn(IRB &b, SchemeAttr scheme, Value channel) {
  if (scheme.getGranularity() == Granularity::PerChannel)
    return channel;
  return arith::DivUIOp::create(b, channel, cIndex(b, scheme.getGroup()));
}

void lowering::emitQuantizeGroup(IRB &b, SchemeAttr scheme,
                                 int64_t channels, Value scaleRow,
                                 const GroupAccess &access) {
  SchemeNumerics numerics(scheme);
  int64_t group = scheme.getGroup();
  Value zero = cIndex(b, 0);
  bool perChannel = scheme.getGranularity() == Granularity::PerChannel;
  int64_t tokens = perChannel ? group : 1;

  // 1. Scales: per_channel reduces each channel over the group's tokens;
  //    per_token reduces each run of `group` channels of the one token.
  int64_t columns = perChannel ? channels : channels / group;
  forRange(b, 0, columns, [&](IRB &ib, Value col) {
    SmallVector<Value> reduced = numerics.reduce(
        ib, cIndex(ib, group), [&](IRB &lb, Value i) {
          if (perChannel)
            return access.load(lb, i, col);
          Value channel = arith::AddIOp::create(
              lb, arith::MulIOp::create(lb, col, cIndex(lb, group)), i);
          return access.load(lb, zero, channel);
        });
    auto [s, z] = numerics.scaleAndZero(ib, reduced);
    access.storeScale(ib, scaleRow, col, s, z);
  });

  // 2. Codes, from the stored (rounded) scales.
  forRange(b, 0, tokens, [&](IRB &ib, Value token) {
    forRange(ib, 0, channels, [&](IRB &cb, Value channel) {
      auto [s, z] =
          access.loadScale(cb, scaleRow, scaleColumn(cb, scheme, channel));
      Value code = numerics.encode(cb, access.load(cb, token, channel), s, z);
      access.storeCode(cb, token, channel, code);
    });
  });
}
