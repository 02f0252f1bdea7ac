//===- SplitHeads.cpp - one cache per KV head for per-head widths ---------===//
//
// kvq-assign-bits granularity=head records per-KV-head widths as attributes
// (a cache type has one scheme per tensor). This pass replaces such a cache
// argument by one single-head cache per KV head with that head's widths, and
// rewrites append/attend/length per head, so the allocation runs through the
// ordinary lowerings.
//
//===----------------------------------------------------------------------===//
#include "kvq/Analysis/BitAllocation.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <numeric>

namespace mlir::kvq {
#define GEN_PASS_DEF_KVQSPLITHEADS
#include "kvq/Dialect/KVQ/Transforms/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;

/// The scheme of one head: the cache's scheme with `bits` (the defaults of
/// kvq-assign-bits when the cache's scheme is unquantized).
static SchemeAttr headScheme(CacheType type, bool key, unsigned bits) {
  MLIRContext *ctx = type.getContext();
  if (bits >= 16)
    return SchemeAttr::get(ctx, 16, 0, Granularity::PerChannel, false,
                           Float16Type::get(ctx), Rotation::None, 0);
  SchemeAttr old = key ? type.getKeys() : type.getValues();
  if (old.isQuantized())
    return SchemeAttr::get(ctx, bits, old.getGroup(), old.getGranularity(),
                           old.getSymmetric(), old.getScaleType(),
                           old.getRotation(), old.getWindow());
  if (key)
    return SchemeAttr::get(ctx, bits,
                           unsigned(std::gcd<int64_t>(32, type.getCapacity())),
                           Granularity::PerChannel, false,
                           Float16Type::get(ctx), Rotation::None, 0);
  return SchemeAttr::get(ctx, bits,
                         unsigned(std::gcd<int64_t>(32, type.getHeadDim())),
                         Granularity::PerToken, false, Float16Type::get(ctx),
                         Rotation::None, 0);
}

/// The widths of attribute `name`, or the scheme's own width for every head
/// when the attribute is absent.
static FailureOr<SmallVector<unsigned>> headWidths(func::FuncOp func,
                                                   unsigned arg, StringRef name,
                                                   int64_t heads,
                                                   SchemeAttr scheme) {
  auto attr = func.getArgAttrOfType<ArrayAttr>(arg, name);
  if (!attr)
    return SmallVector<unsigned>(heads, scheme.getBits());
  SmallVector<unsigned> widths;
  for (Attribute a : attr) {
    auto f = dyn_cast<FloatAttr>(a);
    if (!f)
      return func.emitError() << "kvq-split-heads: " << name << " of argument "
                              << arg << " must be an array of floats",
             failure();
    widths.push_back(::kvq::roundToKernelWidth(f.getValueAsDouble()));
  }
  if (int64_t(widths.size()) != heads)
    return func.emitError() << "kvq-split-heads: " << name << " of argument "
                            << arg << " has " << widths.size()
                            << " widths for " << heads << " KV heads",
           failure();
  return widths;
}

/// Splits cache argument `index` of `func`; returns the number of arguments
/// that replaced it.
static FailureOr<unsigned> splitArgument(func::FuncOp func, unsigned index) {
  MLIRContext *ctx = func.getContext();
  BlockArgument old = func.getArgument(index);
  auto type = cast<CacheType>(old.getType());
  int64_t heads = type.getKvHeads();
  auto kb = headWidths(func, index, "kvq.key_head_bits", heads,
                       type.getKeys());
  auto vb = headWidths(func, index, "kvq.value_head_bits", heads,
                       type.getValues());
  if (failed(kb) || failed(vb))
    return failure();

  // New arguments after the old one.
  IntegerAttr layer = func.getArgAttrOfType<IntegerAttr>(index, "kvq.layer");
  SmallVector<BlockArgument> caches;
  for (int64_t h = 0; h < heads; ++h) {
    auto emit = [&]() {
      return func.emitError() << "kvq-split-heads: argument " << index
                              << ", KV head " << h << ": ";
    };
    CacheType t = CacheType::getChecked(
        emit, ctx, type.getBatch(), int64_t(1), type.getCapacity(),
        type.getHeadDim(),
        type.getElementType(), headScheme(type, true, (*kb)[h]),
        headScheme(type, false, (*vb)[h]));
    if (!t)
      return failure();
    NamedAttrList attrs;
    attrs.append("kvq.role", StringAttr::get(ctx, "cache"));
    if (layer)
      attrs.append("kvq.layer", layer);
    attrs.append("kvq.kv_head",
                 IntegerAttr::get(IntegerType::get(ctx, 64), h));
    unsigned at = index + 1 + unsigned(h);
    if (failed(func.insertArgument(at, t, attrs.getDictionary(ctx),
                                   old.getLoc())))
      return failure();
    caches.push_back(func.getArgument(at));
  }

  for (Operation *user : llvm::make_early_inc_range(old.getUsers())) {
    OpBuilder b(user);
    Location loc = user->getLoc();
    if (isa<BindProjectionsOp>(user)) {
      user->erase();
    } else if (auto length = dyn_cast<LengthOp>(user)) {
      length.getCacheMutable().assign(caches[0]);
    } else if (auto append = dyn_cast<AppendOp>(user)) {
      auto slice = [&](Value v, int64_t h) -> Value {
        auto t = cast<RankedTensorType>(v.getType());
        SmallVector<int64_t> shape(t.getShape());
        shape[1] = 1;
        SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)),
            sizes, strides(4, b.getIndexAttr(1));
        offsets[1] = b.getIndexAttr(h);
        for (int64_t s : shape)
          sizes.push_back(b.getIndexAttr(s));
        return tensor::ExtractSliceOp::create(
            b, loc, RankedTensorType::get(shape, t.getElementType()), v,
            offsets, sizes, strides);
      };
      for (int64_t h = 0; h < heads; ++h)
        AppendOp::create(b, loc, slice(append.getKeys(), h),
                         slice(append.getValues(), h), caches[h]);
      append.erase();
    } else if (auto attend = dyn_cast<AttendOp>(user)) {
      auto qType = cast<RankedTensorType>(attend.getQueries().getType());
      auto outType = cast<RankedTensorType>(attend.getOutput().getType());
      int64_t qHeads = qType.getDimSize(1);
      int64_t group = qHeads / heads;
      float scale = attend.getScaleOrDefault();
      Value result = tensor::EmptyOp::create(b, loc, outType.getShape(),
                                             outType.getElementType());
      for (int64_t h = 0; h < heads; ++h) {
        SmallVector<int64_t> qShape(qType.getShape()), oShape(outType.getShape());
        qShape[1] = group;
        oShape[1] = group;
        SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes,
            strides(3, b.getIndexAttr(1));
        offsets[1] = b.getIndexAttr(h * group);
        for (int64_t s : qShape)
          sizes.push_back(b.getIndexAttr(s));
        Value q = tensor::ExtractSliceOp::create(
            b, loc, RankedTensorType::get(qShape, qType.getElementType()),
            attend.getQueries(), offsets, sizes, strides);
        Value o = AttendOp::create(
            b, loc, RankedTensorType::get(oShape, outType.getElementType()), q,
            caches[h], attend.getLengths(), b.getF32FloatAttr(scale));
        SmallVector<OpFoldResult> oSizes;
        for (int64_t s : oShape)
          oSizes.push_back(b.getIndexAttr(s));
        result = tensor::InsertSliceOp::create(b, loc, o, result, offsets,
                                               oSizes, strides);
      }
      attend.getOutput().replaceAllUsesWith(result);
      attend.erase();
    } else {
      return user->emitError()
                 << "kvq-split-heads: cannot split a cache used by '"
                 << user->getName() << "'",
             failure();
    }
  }
  if (failed(func.eraseArgument(index)))
    return failure();
  return unsigned(heads);
}

namespace {
struct SplitHeadsPass
    : public mlir::kvq::impl::KVQSplitHeadsBase<SplitHeadsPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (unsigned i = 0; i < func.getNumArguments();) {
        bool marked =
            isa<CacheType>(func.getArgument(i).getType()) &&
            (func.getArgAttr(i, "kvq.key_head_bits") ||
             func.getArgAttr(i, "kvq.value_head_bits"));
        if (!marked) {
          ++i;
          continue;
        }
        FailureOr<unsigned> added = splitArgument(func, i);
        if (failed(added))
          return signalPassFailure();
        i += *added;
      }
    }
  }
};
} // namespace
