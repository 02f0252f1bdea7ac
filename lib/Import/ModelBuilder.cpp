//===- ModelBuilder.cpp - emit a checkpoint's decode step as tensor IR ----===//
//
// The decode step, for batch 1 (B = 1), H query heads, KV key/value heads,
// head_dim D, cache capacity C:
//
//   func.func @decode_step(%tokens: tensor<1xi64>, %pos: tensor<i64>,
//       %k0: tensor<1xKVxCxDxf32>, %v0: ..., ...)
//       -> (tensor<1xVOCABxf32>, tensor<1xKVxCxDxf32>, ...)
//
// returns the logits of the next token and the caches with the new token's
// key and value written at %pos (tensor.insert_slice). Attention reads the
// whole cache masked to positions <= %pos, GQA by broadcasting every KV head
// over its group of query heads (linalg.broadcast + tensor.collapse_shape),
// softmax decomposed into max / exp / sum / div. Activations are f32; weights
// keep their checkpoint dtype and are extended to f32 where they are read.
//
//===----------------------------------------------------------------------===//
#include "kvq/Import/ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FileSystem.h"

#include <limits>

using namespace mlir;
using ::kvq::Checkpoint;
using ::kvq::ImportOptions;
using ::kvq::ModelConfig;
using ::kvq::TensorInfo;
using ::kvq::WeightDType;
using ::kvq::WeightStorage;
using utils::IteratorType;

int64_t kvq::importContext(const ModelConfig &config,
                           const ImportOptions &options) {
  if (options.context > 0)
    return options.context;
  int64_t c = std::min<int64_t>(config.maxSeqLen, 4096);
  if (config.slidingWindow > 0)
    c = std::min(c, config.slidingWindow);
  return c;
}

namespace {
class DecodeBuilder {
public:
  DecodeBuilder(MLIRContext &ctx, const Checkpoint &ckpt,
                const ImportOptions &options, ModuleOp module)
      : ctx(ctx), ckpt(ckpt), cfg(ckpt.config), options(options),
        module(module), b(UnknownLoc::get(&ctx), &ctx) {}

  llvm::Error build();

private:
  MLIRContext &ctx;
  const Checkpoint &ckpt;
  const ModelConfig &cfg;
  const ImportOptions &options;
  ModuleOp module;
  ImplicitLocOpBuilder b;
  bool external = false;
  int64_t capacity = 0;
  Operation *decodeFunc = nullptr;
  llvm::DenseMap<const TensorInfo *, Value> weightValues;
  Value posIndex, posF32, cosT, sinT;

  Type f32() { return b.getF32Type(); }
  RankedTensorType tt(ArrayRef<int64_t> shape, Type el) {
    return RankedTensorType::get(shape, el);
  }
  Type elementType(WeightDType d) {
    switch (d) {
    case WeightDType::F32:
      return b.getF32Type();
    case WeightDType::F16:
      return b.getF16Type();
    case WeightDType::BF16:
      return b.getBF16Type();
    }
    return {};
  }
  AffineMap map(unsigned dims, ArrayRef<unsigned> results) {
    SmallVector<AffineExpr> exprs;
    for (unsigned r : results)
      exprs.push_back(b.getAffineDimExpr(r));
    return AffineMap::get(dims, 0, exprs, &ctx);
  }
  AffineMap id(unsigned dims) { return b.getMultiDimIdentityMap(dims); }
  Value cstF(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(float(v)));
  }
  Value empty(ArrayRef<int64_t> shape, Type el) {
    return tensor::EmptyOp::create(b, shape, el);
  }
  Value filled(ArrayRef<int64_t> shape, double v) {
    return linalg::FillOp::create(b, ValueRange{cstF(v)},
                                  ValueRange{empty(shape, f32())})
        .getResult(0);
  }
  static SmallVector<int64_t> shapeOf(Value v) {
    return SmallVector<int64_t>(cast<RankedTensorType>(v.getType()).getShape());
  }
  /// A linalg.generic with one result.
  Value generic(ValueRange inputs, ArrayRef<AffineMap> maps, Value init,
                ArrayRef<IteratorType> iters,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    auto op = linalg::GenericOp::create(
        b, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iters,
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          linalg::YieldOp::create(nb, loc, body(nb, loc, args));
        });
    return op.getResult(0);
  }
  SmallVector<IteratorType> parallel(unsigned n) {
    return SmallVector<IteratorType>(n, IteratorType::parallel);
  }
  static Value toF32(OpBuilder &nb, Location loc, Value v) {
    if (v.getType().isF32())
      return v;
    return arith::ExtFOp::create(nb, loc, nb.getF32Type(), v);
  }

  Value weight(const TensorInfo *t);
  Value extendToF32(Value x);
  Value matvec(Value w, Value x);
  Value addBias(Value x, const TensorInfo *bias);
  Value add(Value x, Value y);
  Value rmsNorm(Value x, const TensorInfo *gain);
  Value rope(Value x);
  Value attention(int64_t layer, Value x, Value &kCache, Value &vCache);
};
} // namespace

Value DecodeBuilder::weight(const TensorInfo *t) {
  auto it = weightValues.find(t);
  if (it != weightValues.end())
    return it->second;
  RankedTensorType type = tt(t->shape, elementType(t->dtype));
  Value v;
  if (external) {
    OpBuilder mb(&ctx);
    mb.setInsertionPoint(decodeFunc);
    std::string sym = t->name;
    uint64_t fileSize = 0;
    llvm::sys::fs::file_size(t->file, fileSize);
    NamedAttrList ext;
    ext.append("file", mb.getStringAttr(t->file));
    ext.append("tensor", mb.getStringAttr(t->name));
    ext.append("offset", mb.getI64IntegerAttr(int64_t(t->offset)));
    ext.append("bytes", mb.getI64IntegerAttr(int64_t(t->bytes)));
    ext.append("file_size", mb.getI64IntegerAttr(int64_t(fileSize)));
    auto global = ml_program::GlobalOp::create(
        mb, b.getLoc(), sym, type, /*is_mutable=*/false,
        ml_program::ExternAttr::get(&ctx, type), mb.getStringAttr("private"));
    global->setAttr("kvq.external", ext.getDictionary(&ctx));
    v = ml_program::GlobalLoadConstOp::create(
        b, type, FlatSymbolRefAttr::get(&ctx, global.getSymName()));
  } else {
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(t->data, t->bytes), alignof(uint64_t));
    auto attr = DenseResourceElementsAttr::get(type, t->name, std::move(blob));
    v = arith::ConstantOp::create(b, type, attr);
  }
  weightValues[t] = v;
  return v;
}

Value DecodeBuilder::extendToF32(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getElementType().isF32())
    return x;
  unsigned r = type.getRank();
  return generic({x}, {id(r), id(r)}, empty(type.getShape(), f32()),
                 parallel(r), [&](OpBuilder &nb, Location loc, ValueRange a) {
                   return toF32(nb, loc, a[0]);
                 });
}

Value DecodeBuilder::matvec(Value w, Value x) {
  int64_t out = shapeOf(w)[0];
  return linalg::MatvecOp::create(b, ValueRange{w, x},
                                  ValueRange{filled({out}, 0.0)})
      .getResult(0);
}

Value DecodeBuilder::addBias(Value x, const TensorInfo *bias) {
  if (!bias)
    return x;
  Value bv = weight(bias);
  return generic({x, bv}, {id(1), id(1), id(1)}, empty(shapeOf(x), f32()),
                 parallel(1), [&](OpBuilder &nb, Location loc, ValueRange a) {
                   return arith::AddFOp::create(nb, loc, a[0],
                                                toF32(nb, loc, a[1]));
                 });
}

Value DecodeBuilder::add(Value x, Value y) {
  unsigned r = shapeOf(x).size();
  return generic({x, y}, {id(r), id(r), id(r)}, empty(shapeOf(x), f32()),
                 parallel(r), [&](OpBuilder &nb, Location loc, ValueRange a) {
                   return arith::AddFOp::create(nb, loc, a[0], a[1]);
                 });
}

/// RMSNorm over the last dimension: g * (x / sqrt(mean(x^2) + eps)).
Value DecodeBuilder::rmsNorm(Value x, const TensorInfo *gain) {
  SmallVector<int64_t> shape = shapeOf(x);
  unsigned r = shape.size();
  SmallVector<unsigned> outer;
  for (unsigned i = 0; i + 1 < r; ++i)
    outer.push_back(i);
  SmallVector<int64_t> outerShape(shape.begin(), shape.end() - 1);
  SmallVector<IteratorType> iters = parallel(r);
  iters.back() = IteratorType::reduction;
  Value ss = generic({x}, {id(r), map(r, outer)}, filled(outerShape, 0.0),
                     iters, [&](OpBuilder &nb, Location loc, ValueRange a) {
                       Value sq = arith::MulFOp::create(nb, loc, a[0], a[0]);
                       return arith::AddFOp::create(nb, loc, a[1], sq);
                     });
  Value g = weight(gain);
  float n = float(shape.back()), eps = float(cfg.rmsEps);
  return generic(
      {x, ss, g}, {id(r), map(r, outer), map(r, {r - 1}), id(r)},
      empty(shape, f32()), parallel(r),
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        auto c = [&](float v) {
          return arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(v));
        };
        Value mean = arith::DivFOp::create(nb, loc, a[1], c(n));
        Value root = math::SqrtOp::create(
            nb, loc, arith::AddFOp::create(nb, loc, mean, c(eps)));
        Value inv = arith::DivFOp::create(nb, loc, c(1.0f), root);
        Value xn = arith::MulFOp::create(nb, loc, a[0], inv);
        return arith::MulFOp::create(nb, loc, toF32(nb, loc, a[2]), xn);
      });
}

/// RoPE on [1, heads, D] at the current position.
Value DecodeBuilder::rope(Value x) {
  SmallVector<int64_t> shape = shapeOf(x);
  int64_t heads = shape[1], d = shape[2], half = d / 2;
  bool interleaved = cfg.ropeStyle == ::kvq::RopeStyle::Interleaved;
  SmallVector<int64_t> split = interleaved
                                   ? SmallVector<int64_t>{1, heads, half, 2}
                                   : SmallVector<int64_t>{1, heads, 2, half};
  SmallVector<ReassociationIndices> reassoc = {{0}, {1}, {2, 3}};
  Value x4 = tensor::ExpandShapeOp::create(b, tt(split, f32()), x, reassoc);
  auto offsets = [&](int64_t which) -> SmallVector<OpFoldResult> {
    return interleaved ? SmallVector<OpFoldResult>{b.getIndexAttr(0),
                                                   b.getIndexAttr(0),
                                                   b.getIndexAttr(0),
                                                   b.getIndexAttr(which)}
                       : SmallVector<OpFoldResult>{b.getIndexAttr(0),
                                                   b.getIndexAttr(0),
                                                   b.getIndexAttr(which),
                                                   b.getIndexAttr(0)};
  };
  SmallVector<OpFoldResult> sizes =
      interleaved ? SmallVector<OpFoldResult>{b.getIndexAttr(1),
                                              b.getIndexAttr(heads),
                                              b.getIndexAttr(half),
                                              b.getIndexAttr(1)}
                  : SmallVector<OpFoldResult>{b.getIndexAttr(1),
                                              b.getIndexAttr(heads),
                                              b.getIndexAttr(1),
                                              b.getIndexAttr(half)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  RankedTensorType halfType = tt({1, heads, half}, f32());
  Value xr = tensor::ExtractSliceOp::create(b, halfType, x4, offsets(0), sizes,
                                            strides);
  Value xi = tensor::ExtractSliceOp::create(b, halfType, x4, offsets(1), sizes,
                                            strides);
  auto rot = linalg::GenericOp::create(
      b, TypeRange{halfType, halfType}, ValueRange{xr, xi, cosT, sinT},
      ValueRange{empty({1, heads, half}, f32()), empty({1, heads, half}, f32())},
      ArrayRef<AffineMap>{id(3), id(3), map(3, {2}), map(3, {2}), id(3), id(3)},
      parallel(3), [&](OpBuilder &nb, Location loc, ValueRange a) {
        Value rc = arith::MulFOp::create(nb, loc, a[0], a[2]);
        Value is = arith::MulFOp::create(nb, loc, a[1], a[3]);
        Value rs = arith::MulFOp::create(nb, loc, a[0], a[3]);
        Value ic = arith::MulFOp::create(nb, loc, a[1], a[2]);
        linalg::YieldOp::create(
            nb, loc,
            ValueRange{arith::SubFOp::create(nb, loc, rc, is),
                       arith::AddFOp::create(nb, loc, rs, ic)});
      });
  Value out = empty(split, f32());
  out = tensor::InsertSliceOp::create(b, rot.getResult(0), out, offsets(0),
                                      sizes, strides);
  out = tensor::InsertSliceOp::create(b, rot.getResult(1), out, offsets(1),
                                      sizes, strides);
  return tensor::CollapseShapeOp::create(b, tt(shape, f32()), out, reassoc);
}

Value DecodeBuilder::attention(int64_t layer, Value xn, Value &kCache,
                               Value &vCache) {
  const ::kvq::LayerWeights &lw = ckpt.weights.layers[layer];
  int64_t H = cfg.numHeads, KV = cfg.numKVHeads, D = cfg.headDim;
  int64_t rep = H / KV, C = capacity;
  Value q = addBias(matvec(weight(lw.wq), xn), lw.bq);
  Value k = addBias(matvec(weight(lw.wk), xn), lw.bk);
  Value v = addBias(matvec(weight(lw.wv), xn), lw.bv);
  SmallVector<ReassociationIndices> all3 = {{0, 1, 2}};
  Value q3 = tensor::ExpandShapeOp::create(b, tt({1, H, D}, f32()), q, all3);
  Value k3 = tensor::ExpandShapeOp::create(b, tt({1, KV, D}, f32()), k, all3);
  Value v3 = tensor::ExpandShapeOp::create(b, tt({1, KV, D}, f32()), v, all3);
  if (cfg.qkNorm) {
    q3 = rmsNorm(q3, lw.qNorm);
    k3 = rmsNorm(k3, lw.kNorm);
  }
  q3 = rope(q3);
  k3 = rope(k3);

  // Write the new token into the caches at %pos.
  SmallVector<ReassociationIndices> token = {{0}, {1, 2}, {3}};
  Value k4 = tensor::ExpandShapeOp::create(b, tt({1, KV, 1, D}, f32()), k3, token);
  Value v4 = tensor::ExpandShapeOp::create(b, tt({1, KV, 1, D}, f32()), v3, token);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       posIndex, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(KV),
                                     b.getIndexAttr(1), b.getIndexAttr(D)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  kCache = tensor::InsertSliceOp::create(b, k4, kCache, offsets, sizes, strides);
  vCache = tensor::InsertSliceOp::create(b, v4, vCache, offsets, sizes, strides);

  // GQA: every KV head serves `rep` query heads.
  auto expand = [&](Value cache) -> Value {
    if (rep == 1)
      return cache;
    Value bcast = linalg::BroadcastOp::create(
                      b, cache, empty({1, KV, rep, C, D}, f32()),
                      ArrayRef<int64_t>{2})
                      .getResult()[0];
    return tensor::CollapseShapeOp::create(
        b, tt({1, H, C, D}, f32()), bcast,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  };
  Value keys = expand(kCache), values = expand(vCache);

  // scores[b, h, t] = sum_d q[b, h, d] * k[b, h, t, d]
  SmallVector<IteratorType> red4 = parallel(4);
  red4[3] = IteratorType::reduction;
  Value scores = generic(
      {q3, keys}, {map(4, {0, 1, 3}), id(4), map(4, {0, 1, 2})},
      filled({1, H, C}, 0.0), red4,
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        return arith::AddFOp::create(
            nb, loc, a[2], arith::MulFOp::create(nb, loc, a[0], a[1]));
      });
  // Scale, and mask the cache slots after %pos.
  float scale = 1.0f / std::sqrt(float(D));
  Value pos = posIndex;
  Value masked = generic(
      {scores}, {id(3), id(3)}, empty({1, H, C}, f32()), parallel(3),
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        Value t = linalg::IndexOp::create(nb, loc, 2);
        Value valid = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ule,
                                            t, pos);
        Value scaled = arith::MulFOp::create(
            nb, loc, a[0],
            arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(scale)));
        Value ninf = arith::ConstantOp::create(
            nb, loc,
            nb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
        return arith::SelectOp::create(nb, loc, valid, scaled, ninf);
      });
  // Softmax over t.
  SmallVector<IteratorType> red3 = parallel(3);
  red3[2] = IteratorType::reduction;
  Value mx = generic({masked}, {id(3), map(3, {0, 1})},
                     filled({1, H}, -std::numeric_limits<double>::infinity()),
                     red3, [&](OpBuilder &nb, Location loc, ValueRange a) {
                       return arith::MaximumFOp::create(nb, loc, a[1], a[0]);
                     });
  Value ex = generic({masked, mx}, {id(3), map(3, {0, 1}), id(3)},
                     empty({1, H, C}, f32()), parallel(3),
                     [&](OpBuilder &nb, Location loc, ValueRange a) {
                       return math::ExpOp::create(
                           nb, loc, arith::SubFOp::create(nb, loc, a[0], a[1]));
                     });
  Value sum = generic({ex}, {id(3), map(3, {0, 1})}, filled({1, H}, 0.0), red3,
                      [&](OpBuilder &nb, Location loc, ValueRange a) {
                        return arith::AddFOp::create(nb, loc, a[1], a[0]);
                      });
  Value probs = generic({ex, sum}, {id(3), map(3, {0, 1}), id(3)},
                        empty({1, H, C}, f32()), parallel(3),
                        [&](OpBuilder &nb, Location loc, ValueRange a) {
                          return arith::DivFOp::create(nb, loc, a[0], a[1]);
                        });
  // out[b, h, d] = sum_t p[b, h, t] * v[b, h, t, d]   (iteration b, h, d, t)
  Value out = generic(
      {probs, values}, {map(4, {0, 1, 3}), map(4, {0, 1, 3, 2}), map(4, {0, 1, 2})},
      filled({1, H, D}, 0.0), red4,
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        return arith::AddFOp::create(
            nb, loc, a[2], arith::MulFOp::create(nb, loc, a[0], a[1]));
      });
  Value flat = tensor::CollapseShapeOp::create(b, tt({H * D}, f32()), out, all3);
  return matvec(weight(lw.wo), flat);
}

llvm::Error DecodeBuilder::build() {
  capacity = ::kvq::importContext(cfg, options);
  if (capacity <= 0 || capacity > (int64_t(1) << 24))
    return ::kvq::detail::fileError(ckpt.path, "bad context length " +
                                                   llvm::Twine(capacity));
  uint64_t weightBytes = 0;
  for (auto &kv : ckpt.tensors)
    weightBytes += kv.second.bytes;
  external = options.weights == WeightStorage::External ||
             (options.weights == WeightStorage::Auto &&
              weightBytes > options.inlineLimitBytes);

  int64_t V = cfg.vocabSize, KV = cfg.numKVHeads, D = cfg.headDim;
  RankedTensorType cacheType = tt({1, KV, capacity, D}, f32());
  SmallVector<Type> inputs = {tt({1}, b.getI64Type()), tt({}, b.getI64Type())};
  SmallVector<Type> results = {tt({1, V}, f32())};
  for (int64_t l = 0; l < cfg.numLayers; ++l)
    for (int i = 0; i < 2; ++i) {
      inputs.push_back(cacheType);
      results.push_back(cacheType);
    }

  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, options.functionName,
                                   b.getFunctionType(inputs, results));
  decodeFunc = func;
  auto role = [&](StringRef r, std::optional<int64_t> layer = {}) {
    NamedAttrList attrs;
    attrs.append("kvq.role", b.getStringAttr(r));
    if (layer)
      attrs.append("kvq.layer", b.getI64IntegerAttr(*layer));
    return attrs.getDictionary(&ctx);
  };
  func.setArgAttrs(0, role("token"));
  func.setArgAttrs(1, role("position"));
  func.setResultAttrs(0, role("logits"));
  for (int64_t l = 0; l < cfg.numLayers; ++l) {
    func.setArgAttrs(2 + 2 * l, role("key_cache", l));
    func.setArgAttrs(3 + 2 * l, role("value_cache", l));
    func.setResultAttrs(1 + 2 * l, role("key_cache", l));
    func.setResultAttrs(2 + 2 * l, role("value_cache", l));
  }
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  // Token and position, checked against the vocabulary and the capacity.
  Value c0 = arith::ConstantIndexOp::create(b, 0);
  Value tok = tensor::ExtractOp::create(b, entry->getArgument(0), ValueRange{c0});
  Value tokIndex = arith::IndexCastOp::create(b, b.getIndexType(), tok);
  Value tokOk = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, tokIndex,
                                      arith::ConstantIndexOp::create(b, V));
  cf::AssertOp::create(b, tokOk, "kvq: token id out of range of the vocabulary");
  Value pos = tensor::ExtractOp::create(b, entry->getArgument(1), ValueRange{});
  posIndex = arith::IndexCastOp::create(b, b.getIndexType(), pos);
  Value posOk = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, posIndex,
                                      arith::ConstantIndexOp::create(b, capacity));
  cf::AssertOp::create(b, posOk, "kvq: position out of range of the KV cache");
  posF32 = arith::SIToFPOp::create(b, f32(), pos);

  // RoPE angles of this position, shared by all layers.
  SmallVector<float> invFreq(cfg.ropeInvFreq.begin(), cfg.ropeInvFreq.end());
  Value freqs = arith::ConstantOp::create(
      b, DenseElementsAttr::get(tt({D / 2}, f32()), ArrayRef<float>(invFreq)));
  auto angles = linalg::GenericOp::create(
      b, TypeRange{tt({D / 2}, f32()), tt({D / 2}, f32())}, ValueRange{freqs},
      ValueRange{empty({D / 2}, f32()), empty({D / 2}, f32())},
      ArrayRef<AffineMap>{id(1), id(1), id(1)}, parallel(1),
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        Value angle = arith::MulFOp::create(nb, loc, posF32, a[0]);
        linalg::YieldOp::create(nb, loc,
                                ValueRange{math::CosOp::create(nb, loc, angle),
                                           math::SinOp::create(nb, loc, angle)});
      });
  cosT = angles.getResult(0);
  sinT = angles.getResult(1);

  // Embedding row.
  const TensorInfo *emb = ckpt.weights.embedding;
  Value table = weight(emb);
  Type embType = elementType(emb->dtype);
  Value row = tensor::ExtractSliceOp::create(
      b, tt({cfg.dim}, embType), table,
      ArrayRef<OpFoldResult>{tokIndex, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(cfg.dim)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  Value x = extendToF32(row);

  SmallVector<Value> caches(entry->getArguments().begin() + 2,
                            entry->getArguments().end());
  for (int64_t l = 0; l < cfg.numLayers; ++l) {
    const ::kvq::LayerWeights &lw = ckpt.weights.layers[l];
    b.setLoc(NameLoc::get(b.getStringAttr("layer" + std::to_string(l))));
    Value attn = attention(l, rmsNorm(x, lw.attnNorm), caches[2 * l],
                           caches[2 * l + 1]);
    x = add(x, attn);
    Value xn = rmsNorm(x, lw.ffnNorm);
    Value gate = matvec(weight(lw.w1), xn);
    Value up = matvec(weight(lw.w3), xn);
    Value hidden = generic(
        {gate, up}, {id(1), id(1), id(1)}, empty({cfg.hiddenDim}, f32()),
        parallel(1), [&](OpBuilder &nb, Location loc, ValueRange a) {
          // silu(g) * u = g / (1 + exp(-g)) * u
          Value one = arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(1));
          Value e = math::ExpOp::create(nb, loc,
                                        arith::NegFOp::create(nb, loc, a[0]));
          Value silu = arith::DivFOp::create(
              nb, loc, a[0], arith::AddFOp::create(nb, loc, one, e));
          return arith::MulFOp::create(nb, loc, silu, a[1]);
        });
    x = add(x, matvec(weight(lw.w2), hidden));
  }
  b.setLoc(UnknownLoc::get(&ctx));
  Value logits = matvec(weight(ckpt.weights.classifier),
                        rmsNorm(x, ckpt.weights.finalNorm));
  Value logits2 = tensor::ExpandShapeOp::create(
      b, tt({1, V}, f32()), logits, SmallVector<ReassociationIndices>{{0, 1}});
  SmallVector<Value> rets = {logits2};
  rets.append(caches.begin(), caches.end());
  func::ReturnOp::create(b, rets);

  // What the model is, for tools and readers.
  NamedAttrList info;
  info.append("architecture", b.getStringAttr(cfg.architecture));
  info.append("source", b.getStringAttr(ckpt.path));
  info.append("format", b.getStringAttr(checkpointFormatName(ckpt.format)));
  info.append("vocab_size", b.getI64IntegerAttr(V));
  info.append("num_layers", b.getI64IntegerAttr(cfg.numLayers));
  info.append("num_heads", b.getI64IntegerAttr(cfg.numHeads));
  info.append("num_kv_heads", b.getI64IntegerAttr(KV));
  info.append("head_dim", b.getI64IntegerAttr(D));
  info.append("context", b.getI64IntegerAttr(capacity));
  info.append("weights", b.getStringAttr(external ? "external" : "inline"));
  module->setAttr("kvq.model", info.getDictionary(&ctx));
  return llvm::Error::success();
}

llvm::Expected<OwningOpRef<ModuleOp>>
kvq::buildDecodeModule(MLIRContext &context, const Checkpoint &checkpoint,
                       const ImportOptions &options) {
  context.loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                      func::FuncDialect, linalg::LinalgDialect,
                      math::MathDialect, ml_program::MLProgramDialect,
                      tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  DecodeBuilder builder(context, checkpoint, options, *module);
  if (llvm::Error e = builder.build())
    return std::move(e);
  if (failed(verify(*module)))
    return detail::fileError(checkpoint.path,
                             "internal error: the emitted module does not "
                             "verify");
  return std::move(module);
}
