//===- KVQToSCF.cpp - lower kvq ops to loops over cache buffers ------------===//
//
// Every cache becomes one memref<N x i8> (docs/storage-format.md) and every
// op becomes scf loops over memref.views of it. This lowering is the
// executable reference of kvq: clarity over speed.
//
//===----------------------------------------------------------------------===//
#include "kvq/Conversion/KVQToSCF/KVQToSCF.h"
#include "kvq/Conversion/Passes.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "../Common/CacheAccess.h"
#include "../Common/Numerics.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::kvq {
#define GEN_PASS_DEF_CONVERTKVQTOSCF
#include "kvq/Conversion/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

//===----------------------------------------------------------------------===//
// Views of a cache buffer
//===----------------------------------------------------------------------===//

/// Reads a tensor operand through a fully dynamic strided memref, which any
/// buffer one-shot bufferization produces can be cast to.
static Value readBuffer(IRB &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  auto memrefType =
      MemRefType::get(type.getShape(), type.getElementType(), layout);
  return bufferization::ToBufferOp::create(b, memrefType, tensor,
                                           /*read_only=*/true);
}

/// Allocates the buffer of a static tensor result.
static Value allocResult(IRB &b, Type tensorType) {
  auto type = cast<RankedTensorType>(tensorType);
  return memref::AllocOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()));
}

static Value resultTensor(IRB &b, Type tensorType, Value buffer) {
  return bufferization::ToTensorOp::create(b, tensorType, buffer,
                                           /*restrict=*/b.getUnitAttr(),
                                           /*writable=*/b.getUnitAttr());
}

/// A D x f32 scratch row on the stack, allocated at the top of the enclosing
/// allocation scope (the function) so that ops inside loops do not grow the
/// stack on every iteration.
static Value scratchRow(IRB &b, Operation *op, int64_t dim) {
  Operation *scope = op->getParentWithTrait<OpTrait::AutomaticAllocationScope>();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&scope->getRegion(0).front());
  return memref::AllocaOp::create(b, MemRefType::get({dim}, b.getF32Type()));
}

/// Fills `row` (D x f32) with token `token` of head `head`: the unquantized
/// data, the dequantized codes (token < quantized), or the window slot.
static void loadTokenRow(IRB &b, const TensorViews &v, int64_t dim,
                         Value head, Value token, Value quantized, Value row) {
  if (!v.scheme.isQuantized()) {
    forRange(b, 0, dim, [&](IRB &ib, Value d) {
      memref::StoreOp::create(ib, loadF32(ib, v.data, {head, token, d}), row,
                              d);
    });
    return;
  }
  Value isQuantized = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                            token, quantized);
  SchemeNumerics numerics(v.scheme);
  scf::IfOp::create(
      b, isQuantized,
      [&](OpBuilder &nested, Location loc) {
        IRB ib(loc, nested);
        Value srow = scaleRow(ib, v.scheme, token);
        forRange(ib, 0, dim, [&](IRB &lb, Value d) {
          Value code = extractCode(lb, v.scheme, v.codes, {head, token}, d);
          Value col = scaleColumn(lb, v.scheme, d);
          Value s = loadF32(lb, v.scales, {head, srow, col});
          Value z = v.zeros ? loadF32(lb, v.zeros, {head, srow, col}) : Value();
          memref::StoreOp::create(lb, numerics.decode(lb, code, s, z), row, d);
        });
        scf::YieldOp::create(ib);
      },
      [&](OpBuilder &nested, Location loc) {
        IRB ib(loc, nested);
        Value slot = arith::RemUIOp::create(
            ib, token, cIndex(ib, v.layout.windowSlots));
        forRange(ib, 0, dim, [&](IRB &lb, Value d) {
          memref::StoreOp::create(lb, loadF32(lb, v.window, {head, slot, d}),
                                  row, d);
        });
        scf::YieldOp::create(ib);
      });
}

//===----------------------------------------------------------------------===//
// Cache ops
//===----------------------------------------------------------------------===//

namespace {
template <typename Op>
struct KVQPattern : public OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
};

struct CacheCreateLowering : public KVQPattern<CacheCreateOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(CacheCreateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    auto type = cast<MemRefType>(
        getTypeConverter()->convertType(op.getCache().getType()));
    Value buffer = memref::AllocOp::create(
        b, type, b.getI64IntegerAttr(::kvq::CacheLayout::kAlignment));
    Value zero = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
    linalg::FillOp::create(b, ValueRange{zero}, ValueRange{buffer});
    rewriter.replaceOp(op, buffer);
    return success();
  }
};

struct BindProjectionsLowering : public KVQPattern<BindProjectionsOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(BindProjectionsOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op); // analysis metadata only
    return success();
  }
};

struct LengthLowering : public KVQPattern<LengthOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(LengthOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    CacheViews v = makeCacheViews(b, op.getCache().getType(), adaptor.getCache());
    rewriter.replaceOp(op, loadLength(b, v));
    return success();
  }
};

struct StorageLowering : public KVQPattern<StorageOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(StorageOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    Value copy = allocResult(b, op.getType());
    memref::CopyOp::create(b, adaptor.getCache(), copy);
    rewriter.replaceOp(op, resultTensor(b, op.getType(), copy));
    return success();
  }
};

struct AppendLowering : public KVQPattern<AppendOp> {
  using KVQPattern::KVQPattern;

  LogicalResult
  matchAndRewrite(AppendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    CacheType type = op.getCache().getType();
    CacheViews v = makeCacheViews(b, type, adaptor.getCache());
    Value keys = readBuffer(b, op.getKeys());
    Value values = readBuffer(b, op.getValues());

    Value start = loadLength(b, v);
    Value count = memref::DimOp::create(b, keys, 2);
    Value end = arith::AddIOp::create(b, start, count);
    Value fits = arith::CmpIOp::create(b, arith::CmpIPredicate::ule, end,
                                       cIndex(b, type.getCapacity()));
    cf::AssertOp::create(
        b, fits,
        b.getStringAttr("kvq.append: cache capacity (" +
                        std::to_string(type.getCapacity()) +
                        " tokens) exceeded"));
    Value row = scratchRow(b, op, type.getHeadDim());
    appendTensor(b, type, v.keys, keys, start, count, row);
    appendTensor(b, type, v.values, values, start, count, row);
    memref::StoreOp::create(
        b, arith::IndexCastOp::create(b, b.getI64Type(), end), v.length,
        ValueRange{cIndex(b, 0)});
    rewriter.eraseOp(op);
    return success();
  }

private:
  /// Appends `count` tokens of `input` ([B, H, T, D]) to one tensor of the
  /// cache, token by token, flushing whole groups out of the window.
  static void appendTensor(IRB &b, CacheType type, const TensorViews &v,
                           Value input, Value start, Value count, Value row) {
    int64_t heads = type.getKvHeads(), dim = type.getHeadDim();
    SchemeAttr scheme = v.scheme;
    forRange(b, 0, type.getBatch(), [&](IRB &b1, Value seq) {
      forRange(b1, 0, heads, [&](IRB &b2, Value h) {
        Value head = arith::AddIOp::create(
            b2, arith::MulIOp::create(b2, seq, cIndex(b2, heads)), h);
        forRange(b2, cIndex(b2, 0), count, [&](IRB &b3, Value i) {
          Value token = arith::AddIOp::create(b3, start, i);
          forRange(b3, 0, dim, [&](IRB &lb, Value d) {
            memref::StoreOp::create(lb, loadF32(lb, input, {seq, h, i, d}),
                                    row, d);
          });
          if (scheme.getRotation() == Rotation::Hadamard)
            emitHadamard(b3, row, dim);
          if (!scheme.isQuantized()) {
            forRange(b3, 0, dim, [&](IRB &lb, Value d) {
              storeFromF32(lb, memref::LoadOp::create(lb, row, d), v.data,
                           {head, token, d});
            });
            return;
          }
          appendQuantized(b3, type, v, head, token, row);
        });
      });
    });
  }

  static void appendQuantized(IRB &b, CacheType type, const TensorViews &v,
                              Value head, Value token, Value row) {
    int64_t dim = type.getHeadDim(), slots = v.layout.windowSlots;
    SchemeAttr scheme = v.scheme;
    Value slot = arith::RemUIOp::create(b, token, cIndex(b, slots));
    forRange(b, 0, dim, [&](IRB &lb, Value d) {
      storeFromF32(lb, memref::LoadOp::create(lb, row, d), v.window,
                   {head, slot, d});
    });
    // A whole token group is due when the quantized count grows.
    Value before = quantizedCount(b, scheme, token);
    Value after = quantizedCount(
        b, scheme, arith::AddIOp::create(b, token, cIndex(b, 1)));
    Value due =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, after, before);
    ifThen(b, due, [&](IRB &ib) {
      Value first = before;
      int64_t perWord = scheme.getCodesPerWord();
      auto tokenOf = [&](IRB &lb, Value k) {
        return arith::AddIOp::create(lb, first, k);
      };
      auto load = [&](IRB &lb, Value k, Value channel) {
        Value s = arith::RemUIOp::create(lb, tokenOf(lb, k), cIndex(lb, slots));
        return loadF32(lb, v.window, {head, s, channel});
      };
      auto storeScale = [&](IRB &lb, Value r, Value c, Value s, Value z) {
        memref::StoreOp::create(lb, s, v.scales, {head, r, c});
        if (z)
          memref::StoreOp::create(lb, z, v.zeros, {head, r, c});
      };
      auto loadScale = [&](IRB &lb, Value r,
                           Value c) -> std::pair<Value, Value> {
        Value s = loadF32(lb, v.scales, {head, r, c});
        Value z = v.zeros ? loadF32(lb, v.zeros, {head, r, c}) : Value();
        return {s, z};
      };
      // Channels arrive in order, so the first code of a word resets it.
      auto storeCode = [&](IRB &lb, Value k, Value channel, Value code) {
        Value t = tokenOf(lb, k);
        Value w = arith::DivUIOp::create(lb, channel, cIndex(lb, perWord));
        Value lane = arith::RemUIOp::create(lb, channel, cIndex(lb, perWord));
        Value old = memref::LoadOp::create(lb, v.codes, {head, t, w});
        Value fresh = arith::CmpIOp::create(lb, arith::CmpIPredicate::eq, lane,
                                            cIndex(lb, 0));
        old = arith::SelectOp::create(lb, fresh, cI32(lb, 0), old);
        Value shift = arith::MulIOp::create(
            lb, arith::IndexCastOp::create(lb, lb.getI32Type(), lane),
            cI32(lb, scheme.getBits()));
        Value word = arith::OrIOp::create(
            lb, old, arith::ShLIOp::create(lb, code, shift));
        memref::StoreOp::create(lb, word, v.codes, {head, t, w});
      };
      emitQuantizeGroup(ib, scheme, dim, scaleRow(ib, scheme, first),
                        {load, storeScale, loadScale, storeCode});
    });
  }
};

struct AttendLowering : public KVQPattern<AttendOp> {
  using KVQPattern::KVQPattern;

  LogicalResult
  matchAndRewrite(AttendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    CacheType type = op.getCache().getType();
    CacheViews v = makeCacheViews(b, type, adaptor.getCache());
    Value queries = readBuffer(b, op.getQueries());
    Value lengths = op.getLengths() ? readBuffer(b, op.getLengths()) : Value();
    Value out = allocResult(b, op.getType());

    int64_t dim = type.getHeadDim(), kvHeads = type.getKvHeads();
    int64_t qHeads = op.getQueries().getType().getDimSize(1);
    int64_t perKvHead = qHeads / kvHeads;
    Value length = loadLength(b, v);
    Value keyQuantized = quantizedCount(b, v.keys.scheme, length);
    Value valueQuantized = quantizedCount(b, v.values.scheme, length);
    Value scale = cF32(b, op.getScaleOrDefault());
    bool rotate = v.keys.scheme.getRotation() == Rotation::Hadamard;

    Value q = scratchRow(b, op, dim), k = scratchRow(b, op, dim),
          val = scratchRow(b, op, dim), acc = scratchRow(b, op, dim);
    {
      forRange(b, 0, type.getBatch(), [&](IRB &b1, Value seq) {
        Value n = length;
        if (lengths) {
          Value given = memref::LoadOp::create(b1, lengths, seq);
          given = arith::MaxSIOp::create(b1, given, cI32(b1, 0));
          given = arith::IndexCastOp::create(b1, b1.getIndexType(), given);
          n = arith::MinUIOp::create(b1, given, length);
        }
        forRange(b1, 0, qHeads, [&](IRB &b2, Value hq) {
          Value g = arith::DivUIOp::create(b2, hq, cIndex(b2, perKvHead));
          Value head = arith::AddIOp::create(
              b2, arith::MulIOp::create(b2, seq, cIndex(b2, kvHeads)), g);
          forRange(b2, 0, dim, [&](IRB &lb, Value d) {
            memref::StoreOp::create(lb, loadF32(lb, queries, {seq, hq, d}), q,
                                    d);
            memref::StoreOp::create(lb, cF32(lb, 0.0), acc, d);
          });
          if (rotate)
            emitHadamard(b2, q, dim);
          // Online softmax over the tokens: running max m and sum l.
          SmallVector<Value> ml = forRangeCarry(
              b2, cIndex(b2, 0), n, {cF32(b2, -INFINITY), cF32(b2, 0.0)},
              [&](IRB &tb, Value t, ValueRange carried) {
                loadTokenRow(tb, v.keys, dim, head, t, keyQuantized, k);
                Value dot = forRangeCarry(
                    tb, cIndex(tb, 0), cIndex(tb, dim), {cF32(tb, 0.0)},
                    [&](IRB &db, Value d, ValueRange sum) {
                      Value prod = arith::MulFOp::create(
                          db, memref::LoadOp::create(db, q, d),
                          memref::LoadOp::create(db, k, d));
                      return SmallVector<Value>{
                          arith::AddFOp::create(db, sum[0], prod)};
                    })[0];
                Value score = arith::MulFOp::create(tb, dot, scale);
                Value m = arith::MaxNumFOp::create(tb, carried[0], score);
                Value correction = math::ExpOp::create(
                    tb, arith::SubFOp::create(tb, carried[0], m));
                Value p =
                    math::ExpOp::create(tb, arith::SubFOp::create(tb, score, m));
                Value l = arith::AddFOp::create(
                    tb, arith::MulFOp::create(tb, carried[1], correction), p);
                loadTokenRow(tb, v.values, dim, head, t, valueQuantized, val);
                forRange(tb, 0, dim, [&](IRB &db, Value d) {
                  Value a = arith::MulFOp::create(
                      db, memref::LoadOp::create(db, acc, d), correction);
                  Value pv = arith::MulFOp::create(
                      db, p, memref::LoadOp::create(db, val, d));
                  memref::StoreOp::create(db, arith::AddFOp::create(db, a, pv),
                                          acc, d);
                });
                return SmallVector<Value>{m, l};
              });
          Value empty = arith::CmpFOp::create(b2, arith::CmpFPredicate::OEQ,
                                              ml[1], cF32(b2, 0.0));
          forRange(b2, 0, dim, [&](IRB &db, Value d) {
            Value o = arith::DivFOp::create(
                db, memref::LoadOp::create(db, acc, d), ml[1]);
            o = arith::SelectOp::create(db, empty, cF32(db, 0.0), o);
            storeFromF32(db, o, out, {seq, hq, d});
          });
        });
      });
    }
    rewriter.replaceOp(op, resultTensor(b, op.getType(), out));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Standalone numerics ops
//===----------------------------------------------------------------------===//

struct QuantizeLowering : public KVQPattern<QuantizeOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    SchemeAttr scheme = op.getScheme();
    Value input = readBuffer(b, op.getInput());
    Value codes = allocResult(b, op.getCodes().getType());
    Value scales = allocResult(b, op.getScales().getType());
    Value zeros = op.getZeros() ? allocResult(b, op.getZeros().getType())
                                : Value();
    auto shape = op.getInput().getType().getShape();
    int64_t tokens = shape[0], channels = shape[1];
    int64_t tokenGroup = scheme.getTokenGroup();

    forRange(b, 0, tokens / tokenGroup, [&](IRB &gb, Value g) {
      Value first = arith::MulIOp::create(gb, g, cIndex(gb, tokenGroup));
      auto tokenOf = [&](IRB &lb, Value k) {
        return arith::AddIOp::create(lb, first, k);
      };
      auto load = [&](IRB &lb, Value k, Value c) {
        return loadF32(lb, input, {tokenOf(lb, k), c});
      };
      auto storeScale = [&](IRB &lb, Value r, Value c, Value s, Value z) {
        memref::StoreOp::create(lb, s, scales, {r, c});
        if (z)
          memref::StoreOp::create(lb, z, zeros, {r, c});
      };
      auto loadScale = [&](IRB &lb, Value r,
                           Value c) -> std::pair<Value, Value> {
        return {loadF32(lb, scales, {r, c}),
                zeros ? loadF32(lb, zeros, {r, c}) : Value()};
      };
      auto storeCode = [&](IRB &lb, Value k, Value c, Value code) {
        Value narrow = arith::TruncIOp::create(lb, lb.getI8Type(), code);
        memref::StoreOp::create(lb, narrow, codes, {tokenOf(lb, k), c});
      };
      emitQuantizeGroup(gb, scheme, channels, g,
                        {load, storeScale, loadScale, storeCode});
    });
    SmallVector<Value> results = {
        resultTensor(b, op.getCodes().getType(), codes),
        resultTensor(b, op.getScales().getType(), scales)};
    if (zeros)
      results.push_back(resultTensor(b, op.getZeros().getType(), zeros));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DequantizeLowering : public KVQPattern<DequantizeOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    SchemeAttr scheme = op.getScheme();
    SchemeNumerics numerics(scheme);
    Value codes = readBuffer(b, op.getCodes());
    Value scales = readBuffer(b, op.getScales());
    Value zeros = op.getZeros() ? readBuffer(b, op.getZeros()) : Value();
    Value out = allocResult(b, op.getType());
    auto shape = op.getType().getShape();
    forRange(b, 0, shape[0], [&](IRB &tb, Value t) {
      Value row = scaleRow(tb, scheme, t);
      forRange(tb, 0, shape[1], [&](IRB &cb, Value c) {
        Value code = arith::ExtUIOp::create(
            cb, cb.getI32Type(), memref::LoadOp::create(cb, codes, {t, c}));
        Value col = scaleColumn(cb, scheme, c);
        Value s = loadF32(cb, scales, {row, col});
        Value z = zeros ? loadF32(cb, zeros, {row, col}) : Value();
        storeFromF32(cb, numerics.decode(cb, code, s, z), out, {t, c});
      });
    });
    rewriter.replaceOp(op, resultTensor(b, op.getType(), out));
    return success();
  }
};

/// Emits nested loops over all but the last dimension of `shape`.
static void forEachRow(IRB &b, ArrayRef<int64_t> shape, Value source,
                       function_ref<void(IRB &, ValueRange)> body,
                       SmallVector<Value> prefix = {}) {
  if (prefix.size() + 1 == shape.size())
    return body(b, prefix);
  unsigned dim = prefix.size();
  forRange(b, cIndex(b, 0), memref::DimOp::create(b, source, dim),
           [&](IRB &ib, Value iv) {
             SmallVector<Value> next = prefix;
             next.push_back(iv);
             forEachRow(ib, shape, source, body, next);
           });
}

struct PackLowering : public KVQPattern<PackOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(PackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    int64_t bits = op.getBits(), perWord = 32 / bits;
    Value codes = readBuffer(b, op.getCodes());
    Value words = allocResult(b, op.getType());
    auto shape = op.getCodes().getType().getShape();
    unsigned last = shape.size() - 1;
    Value n = memref::DimOp::create(b, codes, last);
    Value nWords = memref::DimOp::create(b, words, last);
    Value mask = cI32(b, (1 << bits) - 1);
    forEachRow(b, shape, codes, [&](IRB &rb, ValueRange row) {
      forRange(rb, cIndex(rb, 0), nWords, [&](IRB &wb, Value w) {
        Value word = cI32(wb, 0);
        Value base = arith::MulIOp::create(wb, w, cIndex(wb, perWord));
        for (int64_t lane = 0; lane < perWord; ++lane) {
          Value j = arith::AddIOp::create(wb, base, cIndex(wb, lane));
          Value inRange =
              arith::CmpIOp::create(wb, arith::CmpIPredicate::ult, j, n);
          Value safe = arith::MinUIOp::create(
              wb, j, arith::SubIOp::create(wb, n, cIndex(wb, 1)));
          SmallVector<Value> idx(row);
          idx.push_back(safe);
          Value code = arith::ExtUIOp::create(
              wb, wb.getI32Type(), memref::LoadOp::create(wb, codes, idx));
          code = arith::AndIOp::create(wb, code, mask);
          code = arith::SelectOp::create(wb, inRange, code, cI32(wb, 0));
          word = arith::OrIOp::create(
              wb, word, arith::ShLIOp::create(wb, code, cI32(wb, lane * bits)));
        }
        SmallVector<Value> idx(row);
        idx.push_back(w);
        memref::StoreOp::create(wb, word, words, idx);
      });
    });
    rewriter.replaceOp(op, resultTensor(b, op.getType(), words));
    return success();
  }
};

struct UnpackLowering : public KVQPattern<UnpackOp> {
  using KVQPattern::KVQPattern;
  LogicalResult
  matchAndRewrite(UnpackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    int64_t bits = op.getBits(), perWord = 32 / bits;
    Value words = readBuffer(b, op.getWords());
    Value codes = allocResult(b, op.getType());
    auto shape = op.getType().getShape();
    unsigned last = shape.size() - 1;
    Value n = memref::DimOp::create(b, codes, last);
    forEachRow(b, shape, codes, [&](IRB &rb, ValueRange row) {
      forRange(rb, cIndex(rb, 0), n, [&](IRB &cb, Value j) {
        SmallVector<Value> idx(row);
        idx.push_back(arith::DivUIOp::create(cb, j, cIndex(cb, perWord)));
        Value word = memref::LoadOp::create(cb, words, idx);
        Value lane = arith::RemUIOp::create(cb, j, cIndex(cb, perWord));
        Value shift = arith::MulIOp::create(
            cb, arith::IndexCastOp::create(cb, cb.getI32Type(), lane),
            cI32(cb, bits));
        Value code = arith::AndIOp::create(
            cb, arith::ShRUIOp::create(cb, word, shift),
            cI32(cb, (1 << bits) - 1));
        SmallVector<Value> out(row);
        out.push_back(j);
        memref::StoreOp::create(
            cb, arith::TruncIOp::create(cb, cb.getI8Type(), code), codes, out);
      });
    });
    rewriter.replaceOp(op, resultTensor(b, op.getType(), codes));
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

void mlir::kvq::populateKVQToSCFTypeConversion(TypeConverter &converter) {
  converter.addConversion([](Type type) { return type; });
  converter.addConversion([](CacheType type) -> Type {
    int64_t bytes = getCacheLayout(type).totalBytes;
    return MemRefType::get({bytes}, IntegerType::get(type.getContext(), 8));
  });
}

void mlir::kvq::populateKVQToSCFPatterns(TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<CacheCreateLowering, BindProjectionsLowering, LengthLowering,
               StorageLowering, AppendLowering, AttendLowering,
               QuantizeLowering, DequantizeLowering, PackLowering,
               UnpackLowering>(converter, patterns.getContext());
}

namespace {
struct ConvertKVQToSCFPass
    : public mlir::kvq::impl::ConvertKVQToSCFBase<ConvertKVQToSCFPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    TypeConverter converter;
    populateKVQToSCFTypeConversion(converter);

    ConversionTarget target(*context);
    target.addIllegalDialect<KVQDialect>();
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });

    RewritePatternSet patterns(context);
    populateKVQToSCFPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
