//===- RaiseAttention.cpp - tensor decode attention -> kvq cache ops ------===//
//
// Matching works on index maps rather than on op shapes. Every "view" on the
// way between a cache (or the queries) and a contraction -- collapse/expand
// shape, broadcast, transpose, copy-like generics, constant scaling -- is
// turned into an affine map from the view's indices to its source's indices,
// and maps are composed so that each contraction operand is described by a
// map from the contraction's loops to the cache's [batch, kv_head, token,
// channel] (or the queries' [batch, head, channel]). The attention semantics
// are then checked on those maps by evaluating them over the (small) loop
// domains involved: query head h must read KV head h / group, channels and
// tokens must line up, the reductions must be over channels (scores) and
// tokens (output). So GQA written as head expansion or as a query reshape,
// transposed keys and scaling on either side all match the same way.
//
//===----------------------------------------------------------------------===//
#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <functional>
#include <set>
#include <variant>

namespace mlir::kvq {
#define GEN_PASS_DEF_KVQRAISEATTENTION
#include "kvq/Dialect/KVQ/Transforms/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;

namespace {

/// Why a match failed, for the remark.
struct Failure {
  std::string why;
};
template <typename T> using Result = std::variant<T, Failure>;

Failure fail(const llvm::Twine &why) { return Failure{why.str()}; }

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

bool isReduction(utils::IteratorType it) {
  return it == utils::IteratorType::reduction;
}

SmallVector<int64_t> staticShape(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.hasStaticShape())
    return {};
  return SmallVector<int64_t>(t.getShape());
}

/// Strips integer casts (index_cast, ext, trunc).
Value stripCasts(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
            arith::ExtUIOp, arith::TruncIOp>(op))
      v = op->getOperand(0);
    else
      break;
  }
  return v;
}

/// A float constant: arith.constant scalar, or a block argument of a linalg
/// op bound to a splat constant tensor.
std::optional<double> constantFloat(Value v) {
  if (auto c = v.getDefiningOp<arith::ConstantOp>()) {
    if (auto f = dyn_cast<FloatAttr>(c.getValue()))
      return f.getValueAsDouble();
    if (auto d = dyn_cast<DenseFPElementsAttr>(c.getValue()))
      if (d.isSplat())
        return d.getSplatValue<APFloat>().convertToDouble();
    return std::nullopt;
  }
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(arg.getOwner()->getParentOp());
    if (!linalgOp || arg.getOwner() != linalgOp.getBlock())
      return std::nullopt;
    OpOperand *operand = linalgOp.getMatchingOpOperand(arg);
    if (!operand || linalgOp.isDpsInit(operand))
      return std::nullopt;
    return constantFloat(operand->get());
  }
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return constantFloat(ext.getIn());
  return std::nullopt;
}

/// True when `init` is zero-filled (linalg.fill of 0 or a zero constant).
bool isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    std::optional<double> v = constantFloat(fill.getInputs()[0]);
    return v && *v == 0.0;
  }
  std::optional<double> v = constantFloat(init);
  return v && *v == 0.0;
}

/// Evaluates `exprs` (over `numDims` loop dims with `ranges`) at every point of
/// the sub-domain spanned by the dims they use, calling `check` with the
/// values; false if any check fails or the domain is too large.
bool forAllPoints(unsigned numDims, ArrayRef<int64_t> ranges,
                  ArrayRef<AffineExpr> exprs,
                  function_ref<bool(ArrayRef<int64_t>)> check) {
  llvm::SmallBitVector used(numDims);
  for (AffineExpr e : exprs)
    e.walk([&](AffineExpr s) {
      if (auto d = dyn_cast<AffineDimExpr>(s))
        used.set(d.getPosition());
    });
  SmallVector<unsigned> dims;
  int64_t points = 1;
  for (unsigned d = 0; d < numDims; ++d)
    if (used[d]) {
      if (ranges[d] == ShapedType::kDynamic || ranges[d] <= 0)
        return false;
      dims.push_back(d);
      points *= ranges[d];
      if (points > (int64_t(1) << 22))
        return false;
    }
  if (exprs.empty())
    return true;
  AffineMap map = AffineMap::get(numDims, 0, exprs, exprs[0].getContext());
  SmallVector<int64_t> point(numDims, 0);
  for (int64_t i = 0; i < points; ++i) {
    int64_t rest = i;
    for (unsigned d : llvm::reverse(dims)) {
      point[d] = rest % ranges[d];
      rest /= ranges[d];
    }
    if (!check(map.compose(point)))
      return false;
  }
  return true;
}

/// True when `e` (over dims with `ranges`) takes each value 0..n-1 exactly
/// once over the dims it uses, and those dims are exactly `dims`.
bool isBijectionOnto(AffineExpr e, unsigned numDims, ArrayRef<int64_t> ranges,
                     const llvm::SmallBitVector &dims, int64_t n) {
  llvm::SmallBitVector used(numDims);
  e.walk([&](AffineExpr s) {
    if (auto d = dyn_cast<AffineDimExpr>(s))
      used.set(d.getPosition());
  });
  if (used != dims)
    return false;
  int64_t points = 1;
  for (unsigned d = 0; d < numDims; ++d)
    if (used[d])
      points *= ranges[d];
  if (points != n)
    return false;
  std::vector<bool> seen(n, false);
  return forAllPoints(numDims, ranges, {e}, [&](ArrayRef<int64_t> v) {
    if (v[0] < 0 || v[0] >= n || seen[v[0]])
      return false;
    seen[v[0]] = true;
    return true;
  });
}

//===----------------------------------------------------------------------===//
// Views: maps from a view's indices to its source's indices
//===----------------------------------------------------------------------===//

/// Scale-only elementwise body analysis: the yielded value as
/// `scale * chainArg` (and a mask select when allowed).
struct Elementwise {
  double scale = 1.0;
  int masks = 0;
  Value maskPosition; // the position the mask compares with (casts stripped)
};

/// Is `cond` a test of `t <= p` (returns true) or of `t > p` (false) where t
/// is linalg.index(tokDim)? Sets `position` to p.
std::optional<bool> maskPredicate(Value cond, int64_t tokDim, Value &position) {
  auto cmp = cond.getDefiningOp<arith::CmpIOp>();
  if (!cmp)
    return std::nullopt;
  auto isTok = [&](Value v) {
    auto index = stripCasts(v).getDefiningOp<linalg::IndexOp>();
    return index && int64_t(index.getDim()) == tokDim;
  };
  // p, or p + 1 (returns the p and whether it was +1).
  auto posOf = [&](Value v, bool &plusOne) -> Value {
    v = stripCasts(v);
    plusOne = false;
    if (auto add = v.getDefiningOp<arith::AddIOp>()) {
      for (int i = 0; i < 2; ++i) {
        auto c = add->getOperand(1 - i).getDefiningOp<arith::ConstantOp>();
        auto attr = c ? dyn_cast<IntegerAttr>(c.getValue()) : IntegerAttr();
        if (attr && attr.getInt() == 1) {
          plusOne = true;
          return stripCasts(add->getOperand(i));
        }
      }
    }
    return v;
  };
  using P = arith::CmpIPredicate;
  P pred = cmp.getPredicate();
  bool plusOne;
  if (isTok(cmp.getLhs())) {
    position = posOf(cmp.getRhs(), plusOne);
  } else if (isTok(cmp.getRhs())) {
    position = posOf(cmp.getLhs(), plusOne);
    // Swap operands: t ? p  <=>  p ?' t.
    switch (pred) {
    case P::slt: pred = P::sgt; break;
    case P::sle: pred = P::sge; break;
    case P::sgt: pred = P::slt; break;
    case P::sge: pred = P::sle; break;
    case P::ult: pred = P::ugt; break;
    case P::ule: pred = P::uge; break;
    case P::ugt: pred = P::ult; break;
    case P::uge: pred = P::ule; break;
    default: return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  // Now the comparison reads `t pred q` with q = p (+1 when plusOne).
  bool le = pred == P::sle || pred == P::ule;
  bool lt = pred == P::slt || pred == P::ult;
  bool gt = pred == P::sgt || pred == P::ugt;
  bool ge = pred == P::sge || pred == P::uge;
  if (!plusOne) {
    if (le)
      return true; // t <= p
    if (gt)
      return false; // t > p
  } else {
    if (lt)
      return true; // t < p + 1
    if (ge)
      return false; // t >= p + 1
  }
  return std::nullopt;
}

bool isLargeNegative(Value v) {
  std::optional<double> c = constantFloat(v);
  return c && *c <= -1e9;
}

/// Analyses the body of an elementwise generic whose chain input is
/// `chainArg`. Masks are allowed when tokDim >= 0.
Result<Elementwise> analyzeBody(Value v, BlockArgument chainArg,
                                int64_t tokDim) {
  Elementwise info;
  while (true) {
    if (v == chainArg)
      return info;
    Operation *op = v.getDefiningOp();
    if (!op)
      return fail("elementwise body reads a value other than the scores");
    if (auto mul = dyn_cast<arith::MulFOp>(op)) {
      if (std::optional<double> c = constantFloat(mul.getRhs())) {
        info.scale *= *c;
        v = mul.getLhs();
        continue;
      }
      if (std::optional<double> c = constantFloat(mul.getLhs())) {
        info.scale *= *c;
        v = mul.getRhs();
        continue;
      }
      return fail("multiplies the scores by a non-constant");
    }
    if (auto div = dyn_cast<arith::DivFOp>(op)) {
      if (std::optional<double> c = constantFloat(div.getRhs())) {
        info.scale /= *c;
        v = div.getLhs();
        continue;
      }
      return fail("divides the scores by a non-constant");
    }
    if (auto sel = dyn_cast<arith::SelectOp>(op)) {
      if (tokDim < 0)
        return fail("masks the queries");
      Value pos;
      std::optional<bool> valid =
          maskPredicate(sel.getCondition(), tokDim, pos);
      if (!valid)
        return fail("masks with a condition other than token <= position");
      Value kept = *valid ? sel.getTrueValue() : sel.getFalseValue();
      Value dropped = *valid ? sel.getFalseValue() : sel.getTrueValue();
      if (!isLargeNegative(dropped))
        return fail("masked scores are not set to -inf (or <= -1e9)");
      if (info.maskPosition && info.maskPosition != pos)
        return fail("two masks compare with different positions");
      info.maskPosition = pos;
      ++info.masks;
      v = kept;
      continue;
    }
    if (auto add = dyn_cast<arith::AddFOp>(op)) {
      // Additive mask: x + select(t <= p, 0, -inf).
      for (int i = 0; i < 2 && tokDim >= 0; ++i) {
        auto sel = add->getOperand(1 - i).getDefiningOp<arith::SelectOp>();
        if (!sel)
          continue;
        Value pos;
        std::optional<bool> valid =
            maskPredicate(sel.getCondition(), tokDim, pos);
        if (!valid)
          continue;
        Value kept = *valid ? sel.getTrueValue() : sel.getFalseValue();
        Value dropped = *valid ? sel.getFalseValue() : sel.getTrueValue();
        std::optional<double> zero = constantFloat(kept);
        if (!zero || *zero != 0.0 || !isLargeNegative(dropped))
          continue;
        info.maskPosition = pos;
        ++info.masks;
        v = add->getOperand(i);
        goto next;
      }
      return fail("adds a non-mask value to the scores");
    }
    return fail("applies '" + op->getName().getStringRef() +
                "' to the scores (only constant scaling and a causal mask "
                "are understood)");
  next:;
  }
}

/// An elementwise generic over the chain operand: all loops parallel, the
/// chain operand and the result indexed by the identity, other inputs
/// constants, the init not read.
Result<Elementwise> analyzeElementwise(linalg::GenericOp op,
                                       OpOperand *chainOperand,
                                       int64_t tokDim) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0)
    return fail("'" + op->getName().getStringRef() +
                "' between attention steps is not elementwise");
  if (!op.getMatchingIndexingMap(chainOperand).isIdentity() ||
      !op.getIndexingMapMatchingResult(op->getResult(0)).isIdentity())
    return fail("an elementwise step is not indexed by the identity");
  for (OpOperand *input : op.getDpsInputOperands())
    if (input != chainOperand && !constantFloat(input->get()))
      return fail("an elementwise step reads a non-constant tensor");
  Block *body = op.getBlock();
  if (!body->getArgument(op.getNumDpsInputs()).use_empty())
    return fail("an elementwise step reads its init");
  Value yielded = body->getTerminator()->getOperand(0);
  return analyzeBody(yielded, op.getMatchingBlockArgument(chainOperand),
                     tokDim);
}

/// A view step: result indices -> source indices, and a scale factor.
struct View {
  AffineMap map; // over the result's dims, results = source indices
  double scale = 1.0;
  Value source;
};

/// If `op` is a view of one tensor (or a constant scaling of one), returns it.
std::optional<View> asView(Operation *op) {
  MLIRContext *ctx = op->getContext();
  if (op->getNumResults() != 1)
    return std::nullopt;
  Value result = op->getResult(0);
  SmallVector<int64_t> resultShape = staticShape(result);
  if (resultShape.empty() && !isa<RankedTensorType>(result.getType()))
    return std::nullopt;
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    SmallVector<int64_t> src = staticShape(collapse.getSrc());
    if (src.empty() && collapse.getSrcType().getRank() != 0)
      return std::nullopt;
    SmallVector<AffineExpr> exprs(src.size());
    for (auto [r, group] : llvm::enumerate(collapse.getReassociationIndices())) {
      AffineExpr out = getAffineDimExpr(r, ctx);
      int64_t stride = 1;
      for (int64_t j = group.size() - 1; j >= 0; --j) {
        int64_t d = group[j];
        AffineExpr e = stride == 1 ? out : out.floorDiv(stride);
        if (j > 0)
          e = e % src[d];
        exprs[d] = e;
        stride *= src[d];
      }
    }
    return View{AffineMap::get(resultShape.size(), 0, exprs, ctx), 1.0,
                collapse.getSrc()};
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    if (!expand.getResultType().hasStaticShape())
      return std::nullopt;
    SmallVector<AffineExpr> exprs;
    for (ReassociationIndices group : expand.getReassociationIndices()) {
      AffineExpr e = getAffineConstantExpr(0, ctx);
      int64_t stride = 1;
      for (int64_t j = group.size() - 1; j >= 0; --j) {
        e = e + getAffineDimExpr(group[j], ctx) * stride;
        stride *= resultShape[group[j]];
      }
      exprs.push_back(e);
    }
    return View{AffineMap::get(resultShape.size(), 0, exprs, ctx), 1.0,
                expand.getSrc()};
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op)) {
    if (staticShape(cast.getSource()) != resultShape)
      return std::nullopt;
    return View{AffineMap::getMultiDimIdentityMap(resultShape.size(), ctx), 1.0,
                cast.getSource()};
  }
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInits() != 1 || linalgOp.getNumReductionLoops() != 0)
    return std::nullopt;
  AffineMap outMap = linalgOp.getIndexingMapMatchingResult(op->getResult(0));
  AffineMap inverse = inversePermutation(outMap);
  if (!inverse || !outMap.isPermutation())
    return std::nullopt;
  Block *body = linalgOp.getBlock();
  Value yielded = body->getTerminator()->getOperand(0);
  if (!body->getArgument(linalgOp.getNumDpsInputs()).use_empty())
    return std::nullopt;
  // Exactly one non-constant input; a pure copy or a constant scaling of it.
  OpOperand *chain = nullptr;
  for (OpOperand *input : linalgOp.getDpsInputOperands()) {
    if (constantFloat(input->get()) && linalgOp.getNumDpsInputs() > 1)
      continue;
    if (chain)
      return std::nullopt;
    chain = input;
  }
  if (!chain || !isa<RankedTensorType>(chain->get().getType()))
    return std::nullopt;
  double scale = 1.0;
  BlockArgument chainArg = linalgOp.getMatchingBlockArgument(chain);
  if (yielded != chainArg) {
    if (!isa<linalg::GenericOp>(op))
      return std::nullopt;
    Result<Elementwise> body = analyzeBody(yielded, chainArg, /*tokDim=*/-1);
    if (std::holds_alternative<Failure>(body))
      return std::nullopt;
    scale = std::get<Elementwise>(body).scale;
  }
  AffineMap inMap = linalgOp.getMatchingIndexingMap(chain);
  return View{inMap.compose(inverse), scale, chain->get()};
}

/// One value on a backward chain of views: the map from a fixed "use" index
/// space to this value's indices, and the scale applied between them.
struct ChainPoint {
  Value value;
  AffineMap map;
  double scale;
  SmallVector<Operation *> ops; // views between the use and this value
};

/// Walks from `value` (indexed by `useMap`) back through views.
SmallVector<ChainPoint> chainBack(Value value, AffineMap useMap) {
  SmallVector<ChainPoint> points;
  ChainPoint p{value, useMap, 1.0, {}};
  points.push_back(p);
  while (Operation *op = p.value.getDefiningOp()) {
    std::optional<View> view = asView(op);
    if (!view)
      break;
    p.map = view->map.compose(p.map);
    p.map = simplifyAffineMap(p.map);
    p.scale *= view->scale;
    p.ops.push_back(op);
    p.value = view->source;
    points.push_back(p);
  }
  return points;
}

//===----------------------------------------------------------------------===//
// Caches
//===----------------------------------------------------------------------===//

/// A cache update: tensor.insert_slice of one token into a cache argument.
struct CacheUpdate {
  tensor::InsertSliceOp insert;
  BlockArgument arg;
  Value position; // casts stripped
  Value positionIndex;
  // Forward chain of views to the contraction.
  linalg::LinalgOp contraction;
  OpOperand *operand = nullptr;
  AffineMap cacheMap; // contraction loops -> cache [b, g, t, c]
  SmallVector<Operation *> views;
  bool valueLike = false;
  std::string why; // when not usable
};

/// Follows the uses of `u.insert` forward through views to one contraction.
void followCache(CacheUpdate &u) {
  Value v = u.insert.getResult();
  SmallVector<AffineMap> maps; // view maps, in order from the cache outwards
  while (true) {
    Operation *user = nullptr;
    for (Operation *op : v.getUsers()) {
      if (isa<func::ReturnOp>(op) && v == u.insert.getResult())
        continue;
      if (user && user != op) {
        u.why = "the cache is read by more than one op ('" +
                user->getName().getStringRef().str() + "' and '" +
                op->getName().getStringRef().str() + "')";
        return;
      }
      user = op;
    }
    if (!user) {
      u.why = "the updated cache is not read by an attention contraction";
      return;
    }
    auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
    if (linalgOp && linalgOp.getNumReductionLoops() > 0) {
      if (!linalg::isaContractionOpInterface(linalgOp) ||
          !linalgOp.hasPureTensorSemantics()) {
        u.why = "the cache is reduced by '" +
                user->getName().getStringRef().str() +
                "', which is not a multiply-accumulate contraction";
        return;
      }
      OpOperand *operand = nullptr;
      for (OpOperand &o : user->getOpOperands())
        if (o.get() == v)
          operand = &o;
      if (linalgOp.isDpsInit(operand)) {
        u.why = "the cache is the accumulator of a contraction";
        return;
      }
      u.contraction = linalgOp;
      u.operand = operand;
      AffineMap map = linalgOp.getMatchingIndexingMap(operand);
      for (AffineMap view : llvm::reverse(maps))
        map = simplifyAffineMap(view.compose(map));
      u.cacheMap = map;
      break;
    }
    std::optional<View> view = asView(user);
    if (!view || view->source != v || view->scale != 1.0) {
      u.why = "the cache is read by '" + user->getName().getStringRef().str() +
              "', which is neither a view (reshape, broadcast, transpose, "
              "copy) nor a contraction";
      return;
    }
    maps.push_back(view->map);
    u.views.push_back(user);
    v = user->getResult(0);
  }
  // The token index of the cache must be a loop of the contraction.
  AffineExpr tok = u.cacheMap.getResult(2);
  auto tokDim = dyn_cast<AffineDimExpr>(tok);
  if (!tokDim) {
    u.why = "the contraction does not index the cache's tokens by one loop";
    u.contraction = nullptr;
    return;
  }
  u.valueLike = isReduction(
      u.contraction.getIteratorTypesArray()[tokDim.getPosition()]);
}

//===----------------------------------------------------------------------===//
// The attention match
//===----------------------------------------------------------------------===//

struct Attention {
  CacheUpdate *key = nullptr, *value = nullptr;
  Value query;     // [B, H, D]
  double scale = 1;
  int64_t batch = 0, heads = 0, kvHeads = 0, capacity = 0, headDim = 0;
  Type elementType;
  // The output contraction and how its result maps onto [B, H, D].
  linalg::LinalgOp output;
  AffineMap outputToAttend; // output tensor indices -> [b, h, c]
  DenseSet<Operation *> ops; // everything the raised ops replace
  // Projections.
  Value keyWeight, valueWeight, keyNorm;
  std::string bindingNote;
};

/// Finds the score contraction behind the probabilities operand of the
/// output contraction: probabilities <- softmax <- scale/mask <- scores.
struct Softmax {
  linalg::LinalgOp scores;
  double scale = 1.0;
  int masks = 0;
  Value maskPosition;
  AffineMap probsMap; // output loops -> scores indices
  SmallVector<Operation *> ops;
};

bool reducesExactly(linalg::LinalgOp op, int64_t dim) {
  auto iters = op.getIteratorTypesArray();
  for (auto [i, it] : llvm::enumerate(iters))
    if (isReduction(it) != (int64_t(i) == dim))
      return false;
  return true;
}

/// For an all-parallel generic with identity output, the input operand that
/// is indexed by the identity and the others (broadcasts).
Result<Softmax> matchSoftmax(linalg::LinalgOp out, OpOperand *probsOperand) {
  Softmax sm;
  SmallVector<ChainPoint> chain =
      chainBack(probsOperand->get(), out.getMatchingIndexingMap(probsOperand));
  ChainPoint probs = chain.back();
  for (const ChainPoint &p : chain) {
    sm.ops.append(p.ops.begin(), p.ops.end());
    if (p.scale != 1.0)
      return fail("the probabilities are rescaled before the value "
                  "contraction");
  }
  sm.probsMap = probs.map;
  // The token dimension of the probabilities: where the output contraction's
  // reduction loop lands.
  int64_t tokLoop = -1;
  for (auto [i, it] : llvm::enumerate(out.getIteratorTypesArray()))
    if (isReduction(it))
      tokLoop = i;
  int64_t tokDim = -1;
  for (auto [j, e] : llvm::enumerate(probs.map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == tokLoop)
      tokDim = j;
  if (tokDim < 0)
    return fail("the probabilities are not indexed by the token loop of the "
                "value contraction");

  Value x; // the softmax input
  Operation *def = probs.value.getDefiningOp();
  if (auto softmax = dyn_cast_or_null<linalg::SoftmaxOp>(def)) {
    if (int64_t(softmax.getDimension()) != tokDim)
      return fail("linalg.softmax normalises a dimension other than tokens");
    sm.ops.push_back(def);
    x = softmax.getInput();
  } else {
    // probs = e / sum_t(e)  (or e * (1 / sum))
    auto norm = dyn_cast_or_null<linalg::GenericOp>(def);
    if (!norm || norm.getNumDpsInputs() != 2 || norm.getNumDpsInits() != 1 ||
        norm.getNumReductionLoops() != 0 ||
        !norm.getIndexingMapMatchingResult(norm->getResult(0)).isIdentity())
      return fail("the probabilities are not produced by a softmax (expected "
                  "linalg.softmax or exp / sum / divide)");
    sm.ops.push_back(def);
    Block *body = norm.getBlock();
    Value y = body->getTerminator()->getOperand(0);
    Value num, den;
    if (auto div = y.getDefiningOp<arith::DivFOp>()) {
      num = div.getLhs();
      den = div.getRhs();
    } else if (auto mul = y.getDefiningOp<arith::MulFOp>()) {
      for (int i = 0; i < 2; ++i) {
        auto recip = mul->getOperand(1 - i).getDefiningOp<arith::DivFOp>();
        std::optional<double> one =
            recip ? constantFloat(recip.getLhs()) : std::nullopt;
        if (one && *one == 1.0) {
          num = mul->getOperand(i);
          den = recip.getRhs();
        }
      }
    }
    auto numArg = dyn_cast_or_null<BlockArgument>(num);
    auto denArg = dyn_cast_or_null<BlockArgument>(den);
    if (!numArg || !denArg || numArg.getOwner() != body ||
        denArg.getOwner() != body || numArg == denArg ||
        numArg.getArgNumber() >= 2 || denArg.getArgNumber() >= 2)
      return fail("the softmax normalisation is not exp / sum");
    OpOperand *eOperand = norm.getDpsInputOperand(numArg.getArgNumber());
    OpOperand *sOperand = norm.getDpsInputOperand(denArg.getArgNumber());
    if (!norm.getMatchingIndexingMap(eOperand).isIdentity())
      return fail("the softmax numerator is not indexed by the identity");
    AffineMap sMap = norm.getMatchingIndexingMap(sOperand);
    if (sMap.isFunctionOfDim(tokDim))
      return fail("the softmax denominator varies along the tokens");
    // sum = reduce_t e
    auto sum = sOperand->get().getDefiningOp<linalg::GenericOp>();
    if (!sum || sum.getNumDpsInputs() != 1 || !reducesExactly(sum, tokDim) ||
        !isZeroInit(sum.getDpsInitOperand(0)->get()) ||
        sum.getDpsInputOperand(0)->get() != eOperand->get() ||
        !sum.getMatchingIndexingMap(sum.getDpsInputOperand(0)).isIdentity())
      return fail("the softmax denominator is not a sum over the tokens of "
                  "its numerator");
    {
      Block *sb = sum.getBlock();
      auto add = sb->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
      if (!add || !((add.getLhs() == sb->getArgument(0) &&
                     add.getRhs() == sb->getArgument(1)) ||
                    (add.getLhs() == sb->getArgument(1) &&
                     add.getRhs() == sb->getArgument(0))))
        return fail("the softmax denominator is not a sum");
    }
    sm.ops.push_back(sum);
    // e = exp(x - m) with m constant along tokens, or exp(x), possibly with
    // the subtraction as its own op.
    auto expOp = eOperand->get().getDefiningOp<linalg::GenericOp>();
    if (!expOp || expOp.getNumDpsInits() != 1 ||
        expOp.getNumReductionLoops() != 0 ||
        !expOp.getIndexingMapMatchingResult(expOp->getResult(0)).isIdentity())
      return fail("the softmax numerator is not an exponential");
    sm.ops.push_back(expOp);
    Block *eb = expOp.getBlock();
    auto exp = eb->getTerminator()->getOperand(0).getDefiningOp<math::ExpOp>();
    if (!exp)
      return fail("the softmax numerator is not an exponential");
    auto shifted = [&](linalg::GenericOp op, Value v) -> OpOperand * {
      // v is x (a block arg) or x - m; returns x's operand.
      Block *blk = op.getBlock();
      if (auto sub = v.getDefiningOp<arith::SubFOp>()) {
        auto xa = dyn_cast<BlockArgument>(sub.getLhs());
        auto ma = dyn_cast<BlockArgument>(sub.getRhs());
        if (!xa || !ma || xa.getOwner() != blk || ma.getOwner() != blk ||
            xa.getArgNumber() >= op.getNumDpsInputs() ||
            ma.getArgNumber() >= op.getNumDpsInputs())
          return nullptr;
        OpOperand *xo = op.getDpsInputOperand(xa.getArgNumber());
        OpOperand *mo = op.getDpsInputOperand(ma.getArgNumber());
        if (!op.getMatchingIndexingMap(xo).isIdentity() ||
            op.getMatchingIndexingMap(mo).isFunctionOfDim(tokDim))
          return nullptr;
        if (Operation *m = mo->get().getDefiningOp())
          sm.ops.push_back(m); // the row maximum (any per-row shift is exact)
        return xo;
      }
      auto xa = dyn_cast<BlockArgument>(v);
      if (!xa || xa.getOwner() != blk ||
          xa.getArgNumber() >= op.getNumDpsInputs())
        return nullptr;
      OpOperand *xo = op.getDpsInputOperand(xa.getArgNumber());
      if (!op.getMatchingIndexingMap(xo).isIdentity())
        return nullptr;
      return xo;
    };
    OpOperand *xOperand = shifted(expOp, exp.getOperand());
    if (!xOperand)
      return fail("the softmax exponential is not exp(x - rowmax) or exp(x)");
    x = xOperand->get();
    if (auto sub = x.getDefiningOp<linalg::GenericOp>()) {
      Value sy = sub.getBlock()->getTerminator()->getOperand(0);
      if (sub.getNumDpsInits() == 1 && sub.getNumReductionLoops() == 0 &&
          sy.getDefiningOp<arith::SubFOp>() &&
          sub.getIndexingMapMatchingResult(sub->getResult(0)).isIdentity()) {
        if (OpOperand *xo = shifted(sub, sy)) {
          sm.ops.push_back(sub);
          x = xo->get();
        }
      }
    }
  }
  // x <- scale / mask steps <- scores contraction.
  while (true) {
    Operation *op = x.getDefiningOp();
    auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
    if (linalgOp && linalgOp.getNumReductionLoops() > 0) {
      sm.scores = linalgOp;
      break;
    }
    auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
    if (!generic)
      return fail("the softmax input is produced by '" +
                  (op ? op->getName().getStringRef().str()
                      : std::string("a block argument")) +
                  "', not by scaling/masking a score contraction");
    OpOperand *chain = nullptr;
    for (OpOperand *input : generic.getDpsInputOperands())
      if (!constantFloat(input->get()))
        chain = chain ? nullptr : input;
    if (!chain)
      return fail("a step between scores and softmax reads several tensors");
    Result<Elementwise> step = analyzeElementwise(generic, chain, tokDim);
    if (auto *f = std::get_if<Failure>(&step))
      return *f;
    const Elementwise &e = std::get<Elementwise>(step);
    sm.scale *= e.scale;
    sm.masks += e.masks;
    if (e.maskPosition) {
      if (sm.maskPosition && sm.maskPosition != e.maskPosition)
        return fail("two masks compare with different positions");
      sm.maskPosition = e.maskPosition;
    }
    sm.ops.push_back(op);
    x = chain->get();
  }
  return sm;
}

/// Replaces the dims of `e` (over the loops of `op`) by the result dims of
/// `op`'s output map; nullopt when `e` uses a loop absent from the output.
std::optional<AffineExpr> inOutputSpace(AffineExpr e, AffineMap outMap) {
  SmallVector<AffineExpr> repl(outMap.getNumDims(), AffineExpr());
  for (auto [j, r] : llvm::enumerate(outMap.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(r))
      repl[d.getPosition()] = getAffineDimExpr(j, e.getContext());
  bool ok = true;
  e.walk([&](AffineExpr s) {
    if (auto d = dyn_cast<AffineDimExpr>(s))
      if (!repl[d.getPosition()])
        ok = false;
  });
  if (!ok)
    return std::nullopt;
  for (AffineExpr &r : repl)
    if (!r)
      r = getAffineConstantExpr(0, e.getContext());
  return simplifyAffineExpr(e.replaceDims(repl), outMap.getNumResults(), 0);
}

bool sameOnDomain(AffineExpr a, AffineExpr b, unsigned numDims,
                  ArrayRef<int64_t> ranges) {
  if (a == b)
    return true;
  return forAllPoints(numDims, ranges, {a, b},
                      [](ArrayRef<int64_t> v) { return v[0] == v[1]; });
}

/// Checks one (key, value) pair of cache updates and builds the match.
Result<Attention> matchAttention(CacheUpdate &key, CacheUpdate &value) {
  Attention a;
  a.key = &key;
  a.value = &value;
  SmallVector<int64_t> cache = staticShape(key.arg);
  a.batch = cache[0];
  a.kvHeads = cache[1];
  a.capacity = cache[2];
  a.headDim = cache[3];
  a.elementType = cast<RankedTensorType>(key.arg.getType()).getElementType();
  if (staticShape(value.arg) != cache ||
      cast<RankedTensorType>(value.arg.getType()).getElementType() !=
          a.elementType)
    return fail("the key and value caches differ in shape or element type");
  if (key.position != value.position)
    return fail("the key and value caches are written at different positions");

  // --- Output contraction: sum_t p[b, h, t] * V[b, g, t, c].
  linalg::LinalgOp out = value.contraction;
  a.output = out;
  if (!isZeroInit(out.getDpsInitOperand(0)->get()))
    return fail("the value contraction accumulates into a non-zero init");
  SmallVector<int64_t> outRanges = out.getStaticLoopRanges();
  unsigned outLoops = out.getNumLoops();
  AffineMap vmap = value.cacheMap;
  int64_t vTok = cast<AffineDimExpr>(vmap.getResult(2)).getPosition();
  if (!reducesExactly(out, vTok))
    return fail("the value contraction reduces over more than the tokens");
  OpOperand *probs = nullptr;
  for (OpOperand *input : out.getDpsInputOperands())
    if (input != value.operand)
      probs = input;
  Result<Softmax> smResult = matchSoftmax(out, probs);
  if (auto *f = std::get_if<Failure>(&smResult))
    return *f;
  Softmax &sm = std::get<Softmax>(smResult);
  if (sm.scores != key.contraction)
    return fail("the softmax is not over the scores of this key cache");

  // --- Score contraction: sum_c q[b, h, c] * K[b, g, t, c].
  linalg::LinalgOp scores = key.contraction;
  if (!isZeroInit(scores.getDpsInitOperand(0)->get()))
    return fail("the score contraction accumulates into a non-zero init");
  SmallVector<int64_t> sRanges = scores.getStaticLoopRanges();
  unsigned sLoops = scores.getNumLoops();
  AffineMap kmap = key.cacheMap;
  int64_t kTok = cast<AffineDimExpr>(kmap.getResult(2)).getPosition();
  // Reductions are exactly the channels, which run over 0..D-1.
  llvm::SmallBitVector reductions(sLoops);
  for (auto [i, it] : llvm::enumerate(scores.getIteratorTypesArray()))
    if (isReduction(it))
      reductions.set(i);
  if (!isBijectionOnto(kmap.getResult(3), sLoops, sRanges, reductions,
                       a.headDim))
    return fail("the score contraction does not reduce over the key channels "
                "(head_dim)");
  OpOperand *qOperand = nullptr;
  for (OpOperand *input : scores.getDpsInputOperands())
    if (input != key.operand)
      qOperand = input;
  // The queries: the view closest to the scores that is [B, H, D] and reads
  // like queries (head h <-> KV head h / group, same channels).
  SmallVector<ChainPoint> qChain =
      chainBack(qOperand->get(), scores.getMatchingIndexingMap(qOperand));
  // Of the views that read like queries, take the one farthest from the
  // contraction: constant scalings on the way fold into the attend scale.
  std::optional<ChainPoint> q;
  AffineExpr qHead;
  for (const ChainPoint &p : llvm::reverse(qChain)) {
    SmallVector<int64_t> shape = staticShape(p.value);
    if (shape.size() != 3 || shape[0] != a.batch || shape[2] != a.headDim ||
        shape[1] % a.kvHeads != 0)
      continue;
    int64_t group = shape[1] / a.kvHeads;
    AffineMap m = p.map;
    if (m.isFunctionOfDim(kTok))
      continue;
    if (!sameOnDomain(m.getResult(0), kmap.getResult(0), sLoops, sRanges) ||
        !sameOnDomain(m.getResult(2), kmap.getResult(3), sLoops, sRanges) ||
        !sameOnDomain(m.getResult(1).floorDiv(group), kmap.getResult(1), sLoops,
                      sRanges))
      continue;
    q = p;
    a.heads = shape[1];
    qHead = m.getResult(1);
    break;
  }
  if (!q)
    return fail("no [batch, heads, head_dim] queries whose head h reads KV "
                "head h / group feed the score contraction");
  a.query = q->value;
  int64_t group = a.heads / a.kvHeads;
  if (!isBijectionOnto(qHead, sLoops, sRanges,
                       [&] {
                         llvm::SmallBitVector used(sLoops);
                         qHead.walk([&](AffineExpr s) {
                           if (auto d = dyn_cast<AffineDimExpr>(s))
                             used.set(d.getPosition());
                         });
                         return used;
                       }(),
                       a.heads))
    return fail("the score contraction does not compute every query head "
                "exactly once");

  // Scores tensor: its indices in terms of (b, h, t).
  AffineMap sOut = scores.getIndexingMapMatchingResult(scores->getResult(0));
  if (!sOut.isProjectedPermutation())
    return fail("the score contraction's result is not indexed by its loops");
  std::optional<AffineExpr> sB = inOutputSpace(kmap.getResult(0), sOut);
  std::optional<AffineExpr> sH = inOutputSpace(qHead, sOut);
  std::optional<AffineExpr> sT = inOutputSpace(kmap.getResult(2), sOut);
  if (!sB || !sH || !sT)
    return fail("the scores do not keep batch, head and token");
  int64_t sTokDim = cast<AffineDimExpr>(*sT).getPosition();

  // The mask: exactly the written tokens.
  if (sm.masks == 0)
    return fail("the scores are not masked to the cache positions written so "
                "far (token <= position): attention would read unwritten "
                "cache slots");
  if (sm.maskPosition != key.position)
    return fail("the mask compares with a different position than the one "
                "the caches are written at");
  // The softmax's token dim must be the scores' token dim (checked through
  // the output contraction below via the probabilities map).

  // --- Output contraction consistency: p index -> (b, h, t) must agree
  // with the value cache's (b, g, t).
  AffineMap pmap = sm.probsMap; // out loops -> scores indices
  auto throughP = [&](AffineExpr e) {
    return simplifyAffineExpr(e.compose(pmap), outLoops, 0);
  };
  AffineExpr pB = throughP(*sB), pH = throughP(*sH), pT = throughP(*sT);
  if (!sameOnDomain(pT, vmap.getResult(2), outLoops, outRanges))
    return fail("probabilities and value cache disagree on the token");
  if (!sameOnDomain(pB, vmap.getResult(0), outLoops, outRanges) ||
      !sameOnDomain(pH.floorDiv(group), vmap.getResult(1), outLoops,
                    outRanges))
    return fail("query head h does not read value head h / group");
  llvm::SmallBitVector vChannelDims(outLoops);
  vmap.getResult(3).walk([&](AffineExpr s) {
    if (auto d = dyn_cast<AffineDimExpr>(s))
      vChannelDims.set(d.getPosition());
  });
  if (!isBijectionOnto(vmap.getResult(3), outLoops, outRanges, vChannelDims,
                       a.headDim))
    return fail("the value contraction does not produce every channel once");
  (void)sTokDim;

  // Result of the output contraction in terms of (b, h, c).
  AffineMap oOut = out.getIndexingMapMatchingResult(out->getResult(0));
  if (!oOut.isProjectedPermutation())
    return fail("the value contraction's result is not indexed by its loops");
  std::optional<AffineExpr> oB = inOutputSpace(pB, oOut);
  std::optional<AffineExpr> oH = inOutputSpace(pH, oOut);
  std::optional<AffineExpr> oC = inOutputSpace(vmap.getResult(3), oOut);
  if (!oB || !oH || !oC)
    return fail("the attention output does not keep batch, head and channel");
  a.outputToAttend =
      AffineMap::get(oOut.getNumResults(), 0, {*oB, *oH, *oC}, out.getContext());

  a.scale = q->scale * sm.scale;
  if (!(a.scale > 0) || !std::isfinite(a.scale))
    return fail("the attention scale is not positive and finite");

  // Everything the kvq ops replace must have no other users.
  a.ops.insert(key.insert);
  a.ops.insert(value.insert);
  for (Operation *op : key.views)
    a.ops.insert(op);
  for (Operation *op : value.views)
    a.ops.insert(op);
  a.ops.insert(scores);
  a.ops.insert(out);
  for (Operation *op : sm.ops)
    a.ops.insert(op);
  for (Operation *op : a.ops) {
    if (op == out.getOperation())
      continue;
    for (Operation *user : op->getUsers())
      if (!a.ops.contains(user) && !isa<func::ReturnOp>(user))
        return fail("an intermediate of the attention ('" +
                    op->getName().getStringRef() + "') is also used by '" +
                    user->getName().getStringRef() + "'");
  }
  return a;
}

//===----------------------------------------------------------------------===//
// Projections (for kvq.bind_projections)
//===----------------------------------------------------------------------===//

bool isWeight(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return isa<func::FuncOp>(arg.getOwner()->getParentOp());
  Operation *op = v.getDefiningOp();
  if (isa<arith::ConstantOp, ml_program::GlobalLoadConstOp>(op))
    return true;
  if (auto toTensor = dyn_cast<bufferization::ToTensorOp>(op))
    return toTensor.getBuffer().getDefiningOp<memref::GetGlobalOp>() != nullptr;
  return false;
}

/// Follows `start` back to the projection that produces it: the first
/// contraction reached with a 2-D weight operand. Also reports a [D] weight
/// read by an elementwise op fed by a reduction (a per-head RMSNorm gain).
struct Projection {
  Value weight; // as in the IR
  bool transposed = false;
  Value norm;
};

Projection findProjection(Value start, int64_t rows, int64_t headDim) {
  Projection p;
  SmallVector<Value> work = {start};
  DenseSet<Operation *> seen;
  SmallVector<Value> norms;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *op = v.getDefiningOp();
    if (!op || !seen.insert(op).second)
      continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (linalgOp && linalgOp.getNumReductionLoops() > 0 &&
        linalg::isaContractionOpInterface(linalgOp)) {
      for (OpOperand *input : linalgOp.getDpsInputOperands()) {
        SmallVector<int64_t> shape = staticShape(input->get());
        if (shape.size() != 2 || !isWeight(input->get()))
          continue;
        if (!p.weight) {
          p.weight = input->get();
          p.transposed = shape[0] != rows && shape[1] == rows;
        }
      }
      continue; // never past a projection
    }
    if (linalgOp && linalgOp.getNumReductionLoops() == 0) {
      // An RMSNorm over heads: out = f(x, reduce_d(g(x)), gain[d]) with x
      // [..., heads, D] and gain a [D] weight indexed by the channel loop.
      bool normOfInput = false;
      for (OpOperand *input : linalgOp.getDpsInputOperands()) {
        auto r = input->get().getDefiningOp<linalg::LinalgOp>();
        if (!r || r.getNumReductionLoops() != 1 || r.getNumDpsInputs() != 1)
          continue;
        Value reduced = r.getDpsInputOperand(0)->get();
        SmallVector<int64_t> shape = staticShape(reduced);
        if (shape.size() >= 2 && shape.back() == headDim &&
            llvm::any_of(linalgOp.getDpsInputOperands(), [&](OpOperand *o) {
              return o->get() == reduced;
            }))
          normOfInput = true;
      }
      for (OpOperand *input : linalgOp.getDpsInputOperands()) {
        SmallVector<int64_t> shape = staticShape(input->get());
        if (normOfInput && shape.size() == 1 && shape[0] == headDim &&
            isWeight(input->get()) && !llvm::is_contained(norms, input->get()))
          norms.push_back(input->get());
      }
    }
    for (Value operand : op->getOperands())
      if (isa<RankedTensorType>(operand.getType()) && !isWeight(operand))
        work.push_back(operand);
  }
  if (norms.size() == 1)
    p.norm = norms[0];
  return p;
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct RaiseAttentionPass
    : public mlir::kvq::impl::KVQRaiseAttentionBase<RaiseAttentionPass> {
  using Base::Base;

  FailureOr<SchemeAttr> scheme(Operation *anchor, StringRef which,
                               unsigned bits, unsigned group,
                               StringRef granularity, bool symmetric,
                               StringRef rotation, int64_t headDim);
  void runOnFunction(func::FuncOp func, SymbolTableCollection &symbols);
  std::set<std::string> clampNoted;
  void runOnOperation() override;
};
} // namespace

FailureOr<SchemeAttr>
RaiseAttentionPass::scheme(Operation *anchor, StringRef which, unsigned bits,
                           unsigned group, StringRef granularity,
                           bool symmetric, StringRef rotation,
                           int64_t headDim) {
  MLIRContext *ctx = &getContext();
  if (bits == 16) {
    if (rotation != "none")
      return anchor->emitError() << "kvq-raise-attention: " << which
                                 << ": rotation needs quantized keys",
             failure();
    return SchemeAttr::get(ctx, 16, 0, Granularity::PerChannel, false,
                           Float16Type::get(ctx), Rotation::None, 0);
  }
  std::optional<Granularity> g;
  if (granularity == "per_channel")
    g = Granularity::PerChannel;
  else if (granularity == "per_token")
    g = Granularity::PerToken;
  if (!g)
    return anchor->emitError() << "kvq-raise-attention: " << which
                               << "-granularity must be per_channel or "
                                  "per_token, got '"
                               << granularity << "'",
           failure();
  Type st;
  if (scaleType == "f16")
    st = Float16Type::get(ctx);
  else if (scaleType == "bf16")
    st = BFloat16Type::get(ctx);
  else if (scaleType == "f32")
    st = Float32Type::get(ctx);
  else
    return anchor->emitError() << "kvq-raise-attention: scale-type must be "
                                  "f16, bf16 or f32, got '"
                               << scaleType << "'",
           failure();
  std::optional<Rotation> r;
  if (rotation == "none")
    r = Rotation::None;
  else if (rotation == "hadamard")
    r = Rotation::Hadamard;
  if (!r)
    return anchor->emitError() << "kvq-raise-attention: key-rotation must be "
                                  "none or hadamard, got '"
                               << rotation << "'",
           failure();
  if (*g == Granularity::PerToken && group > headDim) {
    if (clampNoted.insert(which.str()).second)
      anchor->emitRemark() << "kvq-raise-attention: " << which << " group "
                           << group << " clamped to head_dim " << headDim;
    group = headDim;
  }
  auto emit = [&]() {
    return anchor->emitError() << "kvq-raise-attention: " << which << ": ";
  };
  SchemeAttr s = SchemeAttr::getChecked(emit, ctx, bits, group, *g, symmetric,
                                        st, *r, unsigned(window));
  if (!s)
    return failure();
  return s;
}

void RaiseAttentionPass::runOnFunction(func::FuncOp func,
                                       SymbolTableCollection &symbols) {
  if (func.isExternal())
    return;
  Block &entry = func.getBody().front();
  // Cache updates: one token inserted into a 4-D float argument.
  std::vector<CacheUpdate> updates;
  func.walk([&](tensor::InsertSliceOp insert) {
    auto arg = dyn_cast<BlockArgument>(insert.getDest());
    if (!arg || arg.getOwner() != &entry)
      return;
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type || type.getRank() != 4 || !type.hasStaticShape() ||
        !(type.getElementType().isF32() || type.getElementType().isF16() ||
          type.getElementType().isBF16()))
      return;
    CacheUpdate u;
    u.insert = insert;
    u.arg = arg;
    updates.push_back(u);
  });
  if (updates.empty())
    return;
  if (!func.getBody().hasOneBlock()) {
    func.emitRemark() << "kvq-raise-attention: not raised: @"
                      << func.getSymName()
                      << " has more than one block (only straight-line "
                         "decode steps are raised)";
    return;
  }

  for (CacheUpdate &u : updates) {
    tensor::InsertSliceOp insert = u.insert;
    auto shape = staticShape(u.arg);
    auto offsets = insert.getMixedOffsets();
    auto sizes = insert.getStaticSizes();
    SmallVector<int64_t> want = {shape[0], shape[1], 1, shape[3]};
    if (insert->getBlock() != &entry) {
      u.why = "the cache is written inside a nested region";
    } else if (!insert.hasUnitStride() ||
               ArrayRef<int64_t>(sizes) != ArrayRef<int64_t>(want)) {
      u.why = "the cache write is not one token of every KV head "
              "([batch, kv_heads, 1, head_dim] at [0, 0, position, 0]; caches "
              "must be laid out [batch, kv_heads, tokens, head_dim])";
    } else if (!isConstantIntValue(offsets[0], 0) ||
               !isConstantIntValue(offsets[1], 0) ||
               !isConstantIntValue(offsets[3], 0) ||
               !isa<Value>(offsets[2])) {
      u.why = "the cache write is not at [0, 0, position, 0] with a dynamic "
              "position";
    } else if (!u.arg.hasOneUse()) {
      u.why = "the cache argument is used by more than its update";
    } else {
      u.positionIndex = cast<Value>(offsets[2]);
      u.position = stripCasts(u.positionIndex);
      int returns = 0;
      for (OpOperand &use : insert->getUses())
        if (isa<func::ReturnOp>(use.getOwner()))
          ++returns;
      if (returns != 1)
        u.why = "the updated cache is not returned exactly once";
      else
        followCache(u);
    }
  }

  // Pair value-like updates with the key-like update whose scores feed them.
  std::vector<Attention> matches;
  DenseMap<CacheUpdate *, std::string> reasons;
  for (CacheUpdate &v : updates) {
    if (!v.why.empty() || !v.contraction || !v.valueLike)
      continue;
    CacheUpdate *key = nullptr;
    // The key is the update whose contraction produces the scores.
    OpOperand *probs = nullptr;
    for (OpOperand *input : v.contraction.getDpsInputOperands())
      if (input != v.operand)
        probs = input;
    Result<Softmax> sm = matchSoftmax(v.contraction, probs);
    if (auto *f = std::get_if<Failure>(&sm)) {
      reasons[&v] = f->why;
      continue;
    }
    for (CacheUpdate &k : updates)
      if (k.why.empty() && k.contraction && !k.valueLike &&
          k.contraction == std::get<Softmax>(sm).scores)
        key = &k;
    if (!key) {
      reasons[&v] = "the scores behind its softmax do not come from a "
                    "raisable key cache";
      continue;
    }
    Result<Attention> m = matchAttention(*key, v);
    if (auto *f = std::get_if<Failure>(&m)) {
      reasons[key] = f->why;
      reasons[&v] = "its key cache's attention was not recognised";
      continue;
    }
    matches.push_back(std::move(std::get<Attention>(m)));
  }
  DenseSet<CacheUpdate *> matched;
  for (Attention &a : matches) {
    matched.insert(a.key);
    matched.insert(a.value);
  }
  for (CacheUpdate &u : updates) {
    if (matched.contains(&u))
      continue;
    std::string why = !u.why.empty()          ? u.why
                      : reasons.count(&u)     ? reasons[&u]
                      : !u.contraction        ? std::string("no contraction reads it")
                      : u.valueLike ? std::string("no softmax feeds its contraction")
                                    : std::string("no value contraction uses its "
                                                  "scores");
    u.insert.emitRemark() << "kvq-raise-attention: cache argument #"
                          << u.arg.getArgNumber() << " not raised: " << why;
  }
  if (matches.empty())
    return;

  if (!SymbolTable::symbolKnownUseEmpty(func, getOperation())) {
    func.emitRemark() << "kvq-raise-attention: not raised: @"
                      << func.getSymName()
                      << " has callers, and raising changes its signature";
    return;
  }

  // Rewrite.
  MLIRContext *ctx = &getContext();
  auto returnOp = cast<func::ReturnOp>(entry.getTerminator());
  llvm::BitVector eraseArgs(func.getNumArguments());
  llvm::BitVector eraseResults(func.getNumResults());
  int64_t nextLayer = 0;
  llvm::sort(matches, [](const Attention &x, const Attention &y) {
    return x.key->arg.getArgNumber() < y.key->arg.getArgNumber();
  });
  SmallVector<std::pair<unsigned, Attention *>> inserts;
  for (Attention &a : matches) {
    int64_t layer = nextLayer++;
    if (auto attr = func.getArgAttrOfType<IntegerAttr>(a.key->arg.getArgNumber(),
                                                       "kvq.layer"))
      layer = attr.getInt();
    FailureOr<SchemeAttr> keys =
        scheme(func, "keys", keyBits, keyGroup, keyGranularity, keySymmetric,
               keyRotation, a.headDim);
    FailureOr<SchemeAttr> values =
        scheme(func, "values", valueBits, valueGroup, valueGranularity,
               valueSymmetric, "none", a.headDim);
    if (failed(keys) || failed(values))
      return signalPassFailure();
    auto emit = [&]() {
      return func.emitError() << "kvq-raise-attention: layer " << layer << ": ";
    };
    CacheType cacheType =
        CacheType::getChecked(emit, ctx, a.batch, a.kvHeads, a.capacity,
                              a.headDim, a.elementType, *keys, *values);
    if (!cacheType)
      return signalPassFailure();

    // The cache argument takes the key cache's place.
    unsigned kIndex = a.key->arg.getArgNumber();
    NamedAttrList attrs;
    attrs.append("kvq.role", StringAttr::get(ctx, "cache"));
    attrs.append("kvq.layer", IntegerAttr::get(IntegerType::get(ctx, 64), layer));
    if (failed(func.insertArgument(kIndex, cacheType,
                                   attrs.getDictionary(ctx), a.key->arg.getLoc())))
      return signalPassFailure();
    BlockArgument cache = entry.getArgument(kIndex);

    OpBuilder b(a.output);
    Location loc = a.output.getLoc();
    int64_t rows = a.kvHeads * a.headDim;
    auto weightFor = [&](Value start) -> std::pair<Value, Value> {
      Projection p = findProjection(start, rows, a.headDim);
      if (!p.weight)
        return {};
      Value w = p.weight;
      if (p.transposed) {
        auto t = cast<RankedTensorType>(w.getType());
        Value init = tensor::EmptyOp::create(
            b, loc, ArrayRef<int64_t>{t.getDimSize(1), t.getDimSize(0)},
            t.getElementType());
        w = linalg::TransposeOp::create(b, loc, w, init,
                                        ArrayRef<int64_t>{1, 0})
                .getResult()[0];
      }
      return {w, p.norm};
    };
    auto [wk, kNorm] = weightFor(a.key->insert.getSource());
    auto [wv, vNormUnused] = weightFor(a.value->insert.getSource());
    (void)vNormUnused;
    if (wk && wv &&
        cast<RankedTensorType>(wk.getType()).getDimSize(0) == rows &&
        cast<RankedTensorType>(wv.getType()).getDimSize(0) == rows &&
        cast<RankedTensorType>(wk.getType()).getDimSize(1) ==
            cast<RankedTensorType>(wv.getType()).getDimSize(1)) {
      BindProjectionsOp::create(b, loc, cache, b.getI64IntegerAttr(layer), wk,
                                wv, kNorm);
    } else {
      a.output->emitRemark()
          << "kvq-raise-attention: layer " << layer
          << ": no [kv_heads * head_dim, hidden] key and value projection "
             "weights found; kvq.bind_projections omitted";
    }
    if (checkPosition) {
      Value length = LengthOp::create(b, loc, b.getIndexType(), cache);
      Value pos = a.key->positionIndex;
      if (!pos.getType().isIndex())
        pos = arith::IndexCastOp::create(b, loc, b.getIndexType(), pos);
      Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                       length, pos);
      cf::AssertOp::create(b, loc, ok,
                           "kvq: decode position differs from the number of "
                           "tokens in the KV cache (positions must be 0, 1, "
                           "2, ... for one cache)");
    }
    auto token = [&](Value src) -> Value {
      auto want = RankedTensorType::get({a.batch, a.kvHeads, 1, a.headDim},
                                        a.elementType);
      if (src.getType() == want)
        return src;
      auto srcType = cast<RankedTensorType>(src.getType());
      std::optional<SmallVector<ReassociationIndices>> reassoc =
          getReassociationIndicesForReshape(srcType, want);
      if (reassoc && srcType.getRank() < want.getRank())
        return tensor::ExpandShapeOp::create(b, loc, want, src, *reassoc);
      Value shape = arith::ConstantOp::create(
          b, loc,
          DenseIntElementsAttr::get(RankedTensorType::get({4}, b.getI64Type()),
                                    ArrayRef<int64_t>{a.batch, a.kvHeads, 1,
                                                      a.headDim}));
      return tensor::ReshapeOp::create(b, loc, want, src, shape);
    };
    AppendOp::create(b, loc, token(a.key->insert.getSource()),
                     token(a.value->insert.getSource()), cache);
    auto qType = cast<RankedTensorType>(a.query.getType());
    Value attended = AttendOp::create(b, loc, qType, a.query, cache,
                                      /*lengths=*/Value(),
                                      b.getF32FloatAttr(float(a.scale)));
    // Back to the layout of the output contraction's result.
    Value result = a.output->getResult(0);
    auto resultType = cast<RankedTensorType>(result.getType());
    Value replacement;
    AffineMap idMap = AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx);
    // A row-major split of [B, H, D] (GQA by reshape) is an expand_shape.
    std::optional<SmallVector<ReassociationIndices>> split;
    if (resultType.getRank() > qType.getRank() &&
        resultType.getElementType() == qType.getElementType())
      split = getReassociationIndicesForReshape(qType, resultType);
    if (split) {
      auto expand = tensor::ExpandShapeOp::create(b, loc, resultType, attended,
                                                  *split);
      std::optional<View> view = asView(expand);
      if (view && simplifyAffineMap(view->map) ==
                      simplifyAffineMap(a.outputToAttend))
        replacement = expand;
      else
        expand->erase();
    }
    if (replacement) {
    } else if (resultType == qType && a.outputToAttend == idMap) {
      replacement = attended;
    } else {
      Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                           resultType.getElementType());
      replacement =
          linalg::GenericOp::create(
              b, loc, TypeRange{resultType}, ValueRange{attended},
              ValueRange{init}, ArrayRef<AffineMap>{a.outputToAttend, idMap},
              SmallVector<utils::IteratorType>(resultType.getRank(),
                                               utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value v = args[0];
                if (v.getType() != resultType.getElementType())
                  v = arith::ExtFOp::create(nb, l, resultType.getElementType(), v);
                linalg::YieldOp::create(nb, l, v);
              })
              .getResult(0);
    }
    result.replaceAllUsesWith(replacement);

    for (OpOperand &use : returnOp->getOpOperands())
      if (use.get() == a.key->insert.getResult() ||
          use.get() == a.value->insert.getResult())
        eraseResults.set(use.getOperandNumber());
  }
  // Old cache arguments (shifted by the inserted ones).
  eraseArgs.resize(func.getNumArguments());
  for (Attention &a : matches) {
    eraseArgs.set(a.key->arg.getArgNumber());
    eraseArgs.set(a.value->arg.getArgNumber());
  }
  SmallVector<Value> keep;
  for (OpOperand &use : returnOp->getOpOperands())
    if (!eraseResults.test(use.getOperandNumber()))
      keep.push_back(use.get());
  returnOp->setOperands(keep);
  // Dead attention ops go first so that the old arguments lose their uses.
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> ops;
    for (Operation &op : entry)
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (isOpTriviallyDead(op)) {
        op->erase();
        changed = true;
      }
  }
  for (Attention &a : matches)
    if (!a.key->arg.use_empty() || !a.value->arg.use_empty()) {
      func.emitError() << "kvq-raise-attention: internal error: old cache "
                          "arguments still in use";
      return signalPassFailure();
    }
  if (failed(func.eraseArguments(eraseArgs)) ||
      failed(func.eraseResults(eraseResults)))
    return signalPassFailure();
}

void RaiseAttentionPass::runOnOperation() {
  SymbolTableCollection symbols;
  SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
  for (func::FuncOp func : funcs)
    runOnFunction(func, symbols);
}
