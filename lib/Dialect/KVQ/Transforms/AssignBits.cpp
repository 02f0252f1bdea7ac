//===- AssignBits.cpp - weight-geometry key/value bit allocation ----------===//
//
// kvq-assign-bits: finds the key/value projection weights of every cache,
// measures their norms, allocates key and value widths under a memory budget
// (kvq/Analysis/BitAllocation.h) and retypes the caches. docs/allocation.md
// explains every decision.
//
//===----------------------------------------------------------------------===//
#include "kvq/Analysis/BitAllocation.h"
#include "kvq/Support/FloatFormat.h"
#include "kvq/Analysis/SensitivityTable.h"
#include "kvq/Analysis/WeightNorms.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cmath>
#include <cstdio>
#include <tuple>
#include <deque>
#include <map>
#include <set>
#include <numeric>

namespace mlir::kvq {
#define GEN_PASS_DEF_KVQASSIGNBITS
#include "kvq/Dialect/KVQ/Transforms/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;
using llvm::formatv;
using ::kvq::formatG;

namespace {

/// Where a weight's numbers are: a row-major matrix view, and where it came
/// from (for the report).
struct WeightSource {
  ::kvq::MatrixView view;
  std::string origin;  ///< "dense constant", "external file:tensor", ...
  std::string failure; ///< why it cannot be read (empty: readable)
  bool ok() const { return failure.empty(); }
};

/// A 1-D gain vector (the key RMSNorm weight).
struct GainSource {
  std::vector<double> values;
  std::string origin, failure;
};

std::optional<::kvq::ElementType> elementTypeOf(Type t) {
  if (t.isF32())
    return ::kvq::ElementType::F32;
  if (t.isF16())
    return ::kvq::ElementType::F16;
  if (t.isBF16())
    return ::kvq::ElementType::BF16;
  return std::nullopt;
}

/// Resolves weight values to their bytes.
class WeightResolver {
public:
  WeightResolver(ModuleOp module, std::string baseDir)
      : module(module), baseDir(std::move(baseDir)) {}

  /// Resolves `v` as a 2-D [rows, cols] matrix.
  WeightSource resolveMatrix(Value v, int64_t rows, int64_t cols);
  /// Resolves `v` as a 1-D gain.
  GainSource resolveGain(Value v);

private:
  struct Raw {
    const char *data = nullptr;
    Type elementType;
    int64_t elements = 0;
    std::string origin, failure;
  };
  /// Follows views and casts back to the stored tensor; `transposed` flips
  /// for every 2-D [1, 0] transpose on the way.
  Raw resolveRaw(Value v, bool &transposed, SmallVector<int64_t> &srcShape);
  Raw fromAttr(Attribute attr, ShapedType type, StringRef what);
  Raw fromExternal(DictionaryAttr ext, ShapedType type, StringRef sym);

  ModuleOp module;
  std::string baseDir;
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> files;
  std::deque<std::vector<char>> owned;
};

} // namespace

WeightResolver::Raw WeightResolver::fromAttr(Attribute attr, ShapedType type,
                                             StringRef what) {
  Raw raw;
  raw.elementType = type.getElementType();
  raw.elements = type.getNumElements();
  unsigned size = raw.elementType.getIntOrFloatBitWidth() / 8;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    raw.origin = (what + " dense_resource<" + res.getRawHandle().getKey() + ">")
                     .str();
    if (!blob) {
      raw.failure = raw.origin + " has no data (elided or missing blob)";
      return raw;
    }
    ArrayRef<char> data = blob->getData();
    if (int64_t(data.size()) != raw.elements * size) {
      raw.failure = formatv("{0} holds {1} bytes, expected {2}", raw.origin,
                            data.size(), raw.elements * size);
      return raw;
    }
    raw.data = data.data();
    return raw;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    raw.origin = (what + " dense constant").str();
    if (!isa<FloatType>(raw.elementType)) {
      raw.failure = raw.origin + " is not floating point";
      return raw;
    }
    ArrayRef<char> data = dense.getRawData();
    if (dense.isSplat()) {
      owned.emplace_back();
      for (int64_t i = 0; i < raw.elements; ++i)
        owned.back().insert(owned.back().end(), data.begin(),
                            data.begin() + size);
      raw.data = owned.back().data();
    } else {
      raw.data = data.data();
    }
    return raw;
  }
  raw.failure = (what + " has an initial value kvq cannot read").str();
  return raw;
}

WeightResolver::Raw WeightResolver::fromExternal(DictionaryAttr ext,
                                                 ShapedType type,
                                                 StringRef sym) {
  Raw raw;
  raw.elementType = type.getElementType();
  raw.elements = type.getNumElements();
  auto file = ext.getAs<StringAttr>("file");
  auto tensor = ext.getAs<StringAttr>("tensor");
  auto offset = ext.getAs<IntegerAttr>("offset");
  auto bytes = ext.getAs<IntegerAttr>("bytes");
  auto fileSize = ext.getAs<IntegerAttr>("file_size");
  if (!file || !offset || !bytes) {
    raw.failure = ("global @" + sym +
                   ": kvq.external needs file, offset and bytes")
                      .str();
    return raw;
  }
  SmallString<256> path(file.getValue());
  if (!llvm::sys::path::is_absolute(path) && !baseDir.empty()) {
    path = baseDir;
    llvm::sys::path::append(path, file.getValue());
  }
  raw.origin = formatv("external {0}:{1}", path,
                       tensor ? tensor.getValue() : StringRef(sym))
                   .str();
  auto it = files.find(path);
  if (it == files.end()) {
    // Large files are mapped (pages are read as the norms touch them).
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false,
                                              /*IsVolatile=*/false);
    if (!buffer) {
      raw.failure = formatv("cannot open {0}: {1}", path,
                            buffer.getError().message());
      return raw;
    }
    it = files.try_emplace(path, std::move(*buffer)).first;
  }
  StringRef data = it->second->getBuffer();
  unsigned size = raw.elementType.getIntOrFloatBitWidth() / 8;
  if (fileSize && uint64_t(fileSize.getInt()) != data.size()) {
    raw.failure = formatv("{0} is {1} bytes but the module expects {2} "
                          "(stale reference?)",
                          path, data.size(), fileSize.getInt());
    return raw;
  }
  if (bytes.getInt() != raw.elements * size || offset.getInt() < 0 ||
      uint64_t(offset.getInt() + bytes.getInt()) > data.size()) {
    raw.failure = formatv("{0}: tensor bytes [{1}, +{2}) do not fit the file "
                          "({3} bytes) or the type ({4} bytes)",
                          raw.origin, offset.getInt(), bytes.getInt(),
                          data.size(), raw.elements * size);
    return raw;
  }
  raw.data = data.data() + offset.getInt();
  return raw;
}

WeightResolver::Raw WeightResolver::resolveRaw(Value v, bool &transposed,
                                               SmallVector<int64_t> &srcShape) {
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      Raw raw;
      raw.failure = formatv("a block argument (#{0}): its values are not "
                            "known at compile time",
                            arg.getArgNumber());
      return raw;
    }
    Operation *op = v.getDefiningOp();
    auto type = cast<ShapedType>(v.getType());
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      srcShape.assign(type.getShape().begin(), type.getShape().end());
      return fromAttr(c.getValue(), type, "");
    }
    if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op)) {
      auto global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
          op, load.getGlobalAttr());
      Raw raw;
      if (!global) {
        raw.failure = "ml_program.global_load_const of an unknown global";
        return raw;
      }
      srcShape.assign(type.getShape().begin(), type.getShape().end());
      StringRef sym = global.getSymName();
      std::optional<Attribute> value = global.getValue();
      if (value && !isa<ml_program::ExternAttr>(*value))
        return fromAttr(*value, type, ("global @" + sym).str());
      if (auto ext = global->getAttrOfType<DictionaryAttr>("kvq.external"))
        return fromExternal(ext, type, sym);
      raw.failure = ("global @" + sym +
                     " is external without a kvq.external reference")
                        .str();
      return raw;
    }
    if (auto toTensor = dyn_cast<bufferization::ToTensorOp>(op)) {
      if (auto get = toTensor.getBuffer().getDefiningOp<memref::GetGlobalOp>()) {
        auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
            op, get.getNameAttr());
        srcShape.assign(type.getShape().begin(), type.getShape().end());
        if (global && global.getInitialValue())
          return fromAttr(*global.getInitialValue(), type,
                          ("memref.global @" + global.getSymName()).str());
        if (global)
          if (auto ext = global->getAttrOfType<DictionaryAttr>("kvq.external"))
            return fromExternal(ext, type, global.getSymName());
      }
    }
    if (auto t = dyn_cast<linalg::TransposeOp>(op)) {
      if (t.getPermutation().size() == 2 && t.getPermutation()[0] == 1) {
        transposed = !transposed;
        v = t.getInput();
        continue;
      }
    }
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp,
            tensor::ReshapeOp, arith::ExtFOp, arith::TruncFOp>(op)) {
      // Data-preserving views (row-major order is unchanged) and exact or
      // rounding conversions: the stored tensor is what is measured.
      if (transposed) {
        Raw raw;
        raw.failure = ("a '" + op->getName().getStringRef() +
                       "' between the weight and a transpose")
                          .str();
        return raw;
      }
      v = op->getOperand(0);
      continue;
    }
    Raw raw;
    raw.failure = ("produced by '" + op->getName().getStringRef() +
                   "', which kvq-assign-bits does not read through")
                      .str();
    return raw;
  }
}

WeightSource WeightResolver::resolveMatrix(Value v, int64_t rows,
                                           int64_t cols) {
  WeightSource src;
  bool transposed = false;
  SmallVector<int64_t> srcShape;
  Raw raw = resolveRaw(v, transposed, srcShape);
  src.origin = raw.origin;
  if (!raw.failure.empty()) {
    src.failure = raw.failure;
    return src;
  }
  std::optional<::kvq::ElementType> et = elementTypeOf(raw.elementType);
  if (!et) {
    src.failure = "weights must be f32, f16 or bf16";
    return src;
  }
  if (raw.elements != rows * cols) {
    src.failure = formatv("{0} elements, expected {1} x {2}", raw.elements,
                          rows, cols);
    return src;
  }
  src.view.type = *et;
  src.view.rows = rows;
  src.view.cols = cols;
  if (!transposed) {
    src.view.data = raw.data;
    return src;
  }
  // Stored as [cols, rows]: materialise the [rows, cols] matrix in f32.
  owned.emplace_back(size_t(rows * cols) * sizeof(float));
  float *out = reinterpret_cast<float *>(owned.back().data());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[r * cols + c] = ::kvq::loadAsFloat(raw.data, *et, c * rows + r);
  src.view.data = out;
  src.view.type = ::kvq::ElementType::F32;
  src.origin += " (transposed)";
  return src;
}

GainSource WeightResolver::resolveGain(Value v) {
  GainSource g;
  bool transposed = false;
  SmallVector<int64_t> shape;
  Raw raw = resolveRaw(v, transposed, shape);
  g.origin = raw.origin;
  g.failure = raw.failure;
  if (!g.failure.empty())
    return g;
  std::optional<::kvq::ElementType> et = elementTypeOf(raw.elementType);
  if (!et) {
    g.failure = "the gain must be f32, f16 or bf16";
    return g;
  }
  for (int64_t i = 0; i < raw.elements; ++i)
    g.values.push_back(::kvq::loadAsFloat(raw.data, *et, i));
  return g;
}

//===----------------------------------------------------------------------===//
// Following appended keys/values back to their projection
//===----------------------------------------------------------------------===//

namespace {
struct Traced {
  Value weight;   ///< the 2-D weight operand of the projection
  Value gain;     ///< a [head_dim] gain of an RMSNorm on the path
  std::string why; ///< when no weight was found
};
} // namespace

static bool isStoredWeight(Value v) {
  while (true) {
    if (isa<BlockArgument>(v))
      return isa_and_nonnull<func::FuncOp>(
          cast<BlockArgument>(v).getOwner()->getParentOp());
    Operation *op = v.getDefiningOp();
    if (isa<arith::ConstantOp, ml_program::GlobalLoadConstOp,
            bufferization::ToTensorOp>(op))
      return true;
    if (isa<linalg::TransposeOp, tensor::CollapseShapeOp,
            tensor::ExpandShapeOp, tensor::CastOp, tensor::ReshapeOp,
            arith::ExtFOp, arith::TruncFOp>(op)) {
      v = isa<linalg::TransposeOp>(op)
              ? cast<linalg::TransposeOp>(op).getInput()
              : op->getOperand(0);
      continue;
    }
    return false;
  }
}

/// Breadth-first over the producers of `start` (tensor operands only), up to
/// the first contraction with a 2-D stored weight operand. An elementwise op
/// on the way that reads a [head_dim] stored weight, on a path that also
/// contains a reduction (the mean of squares), is an RMSNorm gain.
static Traced traceProjection(Value start, int64_t rows, int64_t headDim) {
  Traced t;
  SmallVector<Value> work = {start};
  llvm::DenseSet<Operation *> seen;
  SmallVector<Value> gains;
  bool sawReduction = false;
  while (!work.empty()) {
    Value v = work.front();
    work.erase(work.begin());
    Operation *op = v.getDefiningOp();
    if (!op || !seen.insert(op).second)
      continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (linalgOp && linalgOp.getNumReductionLoops() > 0) {
      bool projection = false;
      for (OpOperand *in : linalgOp.getDpsInputOperands()) {
        auto type = dyn_cast<RankedTensorType>(in->get().getType());
        if (!type || type.getRank() != 2 || !isStoredWeight(in->get()))
          continue;
        if (type.getDimSize(0) != rows && type.getDimSize(1) != rows)
          continue;
        if (!t.weight)
          t.weight = in->get();
        projection = true;
      }
      if (projection)
        continue; // never past a projection
      sawReduction = true;
    }
    if (isa<linalg::ReduceOp>(op))
      sawReduction = true;
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type)
        continue;
      if (type.getRank() == 1 && type.getDimSize(0) == headDim &&
          isStoredWeight(operand) &&
          !isa<BlockArgument>(operand)) {
        if (!llvm::is_contained(gains, operand))
          gains.push_back(operand);
        continue;
      }
      if (!isStoredWeight(operand))
        work.push_back(operand);
    }
  }
  if (!t.weight)
    t.why = "no projection (a contraction with a stored [kv_heads*head_dim, "
            "hidden] weight) found on the path";
  if (sawReduction && gains.size() == 1)
    t.gain = gains[0];
  return t;
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

struct CacheEntry {
  Value cache;
  Operation *anchor = nullptr; ///< cache_create, or the function
  CacheType type;
  int64_t layer = -1;
  size_t order = 0; ///< position in the module (ties between equal layers)
  int64_t hidden = 0;
  // Weights.
  WeightSource key, value;
  GainSource gain;
  bool hasGain = false;
  std::string missing; ///< why the norms are a fallback (empty: measured)
  // Norms (of the chosen kind): raw W_K, effective key, W_V; whole and per
  // head.
  double keyRaw = 0, keyNorm = 0, valueNorm = 0;
  std::vector<double> keyRawHeads, keyHeads, valueHeads;
  // Allocation.
  double keyBits = 0, valueBits = 0;
  std::vector<double> keyHeadBits, valueHeadBits;
  /// Its tensors in the allocation problem (layer and head granularity).
  size_t firstTensor = 0, numTensors = 0;
  CacheType newType;
};

struct AssignBitsPass
    : public mlir::kvq::impl::KVQAssignBitsBase<AssignBitsPass> {
  using Base::Base;
  void runOnOperation() override;
  LogicalResult measure(ModuleOp module, std::vector<CacheEntry> &caches,
                        ::kvq::NormKind kind);
  SchemeAttr schemeFor(CacheType type, bool key, unsigned bits);
  /// [rows, hidden] copies of weights stored transposed.
  std::vector<std::shared_ptr<std::vector<float>>> transposedCopies;
};

} // namespace

SchemeAttr AssignBitsPass::schemeFor(CacheType type, bool key, unsigned bits) {
  return allocatedScheme(type, key, bits, key ? keyGroup : valueGroup);
}


static std::string baseDirOf(ModuleOp module) {
  Location loc = module.getLoc();
  if (auto fl = dyn_cast<FileLineColLoc>(loc))
    return llvm::sys::path::parent_path(fl.getFilename().getValue()).str();
  for (Operation &op : module.getBody()->getOperations())
    if (auto fl = dyn_cast<FileLineColLoc>(op.getLoc()))
      return llvm::sys::path::parent_path(fl.getFilename().getValue()).str();
  return "";
}

LogicalResult AssignBitsPass::measure(ModuleOp module,
                                      std::vector<CacheEntry> &caches,
                                      ::kvq::NormKind kind) {
  WeightResolver resolver(module, weightsDir.empty() ? baseDirOf(module)
                                                     : std::string(weightsDir));
  std::vector<::kvq::MatrixView> views;
  std::vector<std::pair<size_t, bool>> owner; // cache index, is key
  for (size_t i = 0; i < caches.size(); ++i) {
    CacheEntry &c = caches[i];
    int64_t rows = c.type.getKvHeads() * c.type.getHeadDim();
    Value wk, wv, gain;
    BindProjectionsOp bind;
    for (Operation *user : c.cache.getUsers())
      if (auto b = dyn_cast<BindProjectionsOp>(user))
        bind = b;
    if (bind) {
      wk = bind.getKeyWeight();
      wv = bind.getValueWeight();
      gain = bind.getKeyNormWeight();
    } else {
      AppendOp append;
      for (Operation *user : c.cache.getUsers())
        if (auto a = dyn_cast<AppendOp>(user))
          append = a;
      if (!append) {
        c.missing = "no kvq.bind_projections and no kvq.append to trace";
        continue;
      }
      Traced tk = traceProjection(append.getKeys(), rows, c.type.getHeadDim());
      Traced tv =
          traceProjection(append.getValues(), rows, c.type.getHeadDim());
      if (!tk.weight || !tv.weight) {
        c.missing = (tk.weight ? "values: " + tv.why : "keys: " + tk.why);
        continue;
      }
      wk = tk.weight;
      wv = tv.weight;
      gain = tk.gain;
    }
    auto kt = cast<RankedTensorType>(wk.getType());
    auto vt = cast<RankedTensorType>(wv.getType());
    // [rows, hidden], or [hidden, rows] when traced to a transposed matmul
    // operand.
    auto hiddenOf = [&](RankedTensorType t) {
      return t.getDimSize(0) == rows ? t.getDimSize(1) : t.getDimSize(0);
    };
    c.hidden = hiddenOf(kt);
    bool kTrans = kt.getDimSize(0) != rows;
    bool vTrans = vt.getDimSize(0) != rows;
    Value kSrc = wk, vSrc = wv;
    OpBuilder b(module.getContext());
    auto resolve = [&](Value w, bool trans, int64_t hidden) {
      if (!trans)
        return resolver.resolveMatrix(w, rows, hidden);
      // A [hidden, rows] operand: read it as its transpose.
      WeightSource s = resolver.resolveMatrix(w, hidden, rows);
      if (!s.ok())
        return s;
      auto *buf = new std::vector<float>(size_t(rows * hidden));
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t h = 0; h < hidden; ++h)
          (*buf)[r * hidden + h] =
              ::kvq::loadAsFloat(s.view.data, s.view.type, h * rows + r);
      transposedCopies.emplace_back(buf);
      s.view.data = buf->data();
      s.view.type = ::kvq::ElementType::F32;
      s.view.rows = rows;
      s.view.cols = hidden;
      s.origin += " (transposed)";
      return s;
    };
    c.key = resolve(kSrc, kTrans, c.hidden);
    c.value = resolve(vSrc, vTrans, hiddenOf(vt));
    if (!c.key.ok() || !c.value.ok()) {
      c.missing = !c.key.ok() ? "key weight: " + c.key.failure
                              : "value weight: " + c.value.failure;
      continue;
    }
    if (gain) {
      c.gain = resolver.resolveGain(gain);
      if (!c.gain.failure.empty()) {
        c.missing = "key RMSNorm gain: " + c.gain.failure;
        continue;
      }
      c.hasGain = true;
    }
    c.key.view.headRows = c.value.view.headRows = c.type.getHeadDim();
    views.push_back(c.key.view);
    owner.push_back({i, true});
    views.push_back(c.value.view);
    owner.push_back({i, false});
  }

  ::kvq::NormOptions opts;
  opts.frobenius = kind == ::kvq::NormKind::Frobenius;
  opts.spectral = kind == ::kvq::NormKind::Spectral;
  // Per-head spectral norms cost as much again as the whole-layer ones:
  // computed only when the allocation is per head (Frobenius per head is
  // free).
  opts.perHead = opts.frobenius || granularity == "head";
  std::vector<::kvq::MatrixNorms> norms =
      ::kvq::computeNormsParallel(views, opts, threads);
  for (size_t j = 0; j < norms.size(); ++j) {
    CacheEntry &c = caches[owner[j].first];
    const ::kvq::MatrixNorms &n = norms[j];
    double whole = opts.frobenius ? n.frobenius : n.spectral.value;
    std::vector<double> heads;
    if (opts.frobenius)
      heads = n.headFrobenius;
    else
      for (const ::kvq::SpectralInfo &s : n.headSpectral)
        heads.push_back(s.value);
    if (opts.spectral) {
      bool conv = n.spectral.converged;
      for (const ::kvq::SpectralInfo &s : n.headSpectral)
        conv &= s.converged;
      if (!conv)
        mlir::emitWarning(c.cache.getLoc())
            << "kvq-assign-bits: layer " << c.layer
            << ": the spectral norm did not converge in "
            << n.spectral.iterations << " Lanczos steps (relative bound "
            << n.spectral.bound << "); using the last estimate";
    }
    if (owner[j].second) {
      c.keyRaw = whole;
      c.keyRawHeads = heads;
    } else {
      c.valueNorm = whole;
      c.valueHeads = heads;
    }
  }
  // The effective key operator (docs/allocation.md): without a key RMSNorm,
  // W_K; with gain g, diag(g) on the unit-RMS normalised head.
  for (CacheEntry &c : caches) {
    if (!c.missing.empty())
      continue;
    if (!c.hasGain) {
      c.keyNorm = c.keyRaw;
      c.keyHeads = c.keyRawHeads;
      continue;
    }
    int64_t heads = c.type.getKvHeads(), d = c.type.getHeadDim();
    if (int64_t(c.gain.values.size()) != d) {
      c.missing = formatv("key RMSNorm gain has {0} elements, head_dim is {1}",
                          c.gain.values.size(), d);
      continue;
    }
    double sq = 0, mx = 0;
    for (double g : c.gain.values) {
      sq += g * g;
      mx = std::max(mx, std::fabs(g));
    }
    double head, whole;
    if (kind == ::kvq::NormKind::Frobenius) {
      head = std::sqrt(sq);
      whole = std::sqrt(double(heads) * sq);
    } else {
      head = std::sqrt(double(d) / double(c.hidden)) * mx;
      whole = std::sqrt(double(heads * d) / double(c.hidden)) * mx;
    }
    c.keyNorm = whole;
    c.keyHeads.assign(heads, head);
  }
  return success();
}

void AssignBitsPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &msg) {
    module.emitError() << "kvq-assign-bits: " << msg;
    signalPassFailure();
  };
  std::optional<::kvq::Policy> pol = ::kvq::parsePolicy(policy);
  if (!pol)
    return fail("unknown policy '" + policy +
                "' (uniform, fixed, greedy, optimal, calibrated)");
  if (*pol == ::kvq::Policy::Calibrated && sensitivity.empty())
    return fail("the calibrated policy needs sensitivity=FILE, the measured "
                "per-width errors kvq-calibrate writes (docs/allocation.md)");
  if (sensitivityMetric != "attention_mse" && sensitivityMetric != "kl")
    return fail("unknown sensitivity-metric '" + sensitivityMetric +
                "' (attention_mse, kl)");
  std::optional<::kvq::Accounting> acc = ::kvq::parseAccounting(accounting);
  if (!acc)
    return fail("unknown accounting '" + accounting + "' (stored, paper)");
  std::optional<::kvq::NormKind> kind = ::kvq::parseNormKind(normKind);
  if (!kind)
    return fail("unknown norm '" + normKind + "' (frobenius, spectral)");
  if (granularity != "model" && granularity != "layer" &&
      granularity != "head")
    return fail("unknown granularity '" + granularity +
                "' (model, layer, head)");
  bool perHead = granularity == "head";

  // The caches, in layer order.
  std::vector<CacheEntry> caches;
  module.walk([&](CacheCreateOp op) {
    CacheEntry c;
    c.cache = op.getCache();
    c.anchor = op;
    c.type = op.getCache().getType();
    if (op.getLayer())
      c.layer = *op.getLayer();
    caches.push_back(std::move(c));
  });
  module.walk([&](func::FuncOp func) {
    if (func.isExternal())
      return;
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<CacheType>(arg.getType());
      if (!type)
        continue;
      CacheEntry c;
      c.cache = arg;
      c.anchor = func;
      c.type = type;
      if (auto l = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(),
                                                      "kvq.layer"))
        c.layer = l.getInt();
      caches.push_back(std::move(c));
    }
  });
  if (caches.empty()) {
    module.emitRemark() << "kvq-assign-bits: no caches";
    return;
  }
  for (CacheEntry &c : caches)
    for (Operation *user : c.cache.getUsers())
      if (auto b = dyn_cast<BindProjectionsOp>(user))
        if (c.layer < 0)
          c.layer = b.getLayer();
  int64_t next = 0;
  for (CacheEntry &c : caches)
    next = std::max(next, c.layer + 1);
  for (CacheEntry &c : caches)
    if (c.layer < 0)
      c.layer = next++;
  for (size_t i = 0; i < caches.size(); ++i)
    caches[i].order = i;
  std::sort(caches.begin(), caches.end(),
            [](const CacheEntry &a, const CacheEntry &b) {
              return std::tie(a.layer, a.order) < std::tie(b.layer, b.order);
            });

  // Norms: from a profile, or measured.
  if (!profile.empty()) {
    if (perHead)
      return fail("a norm profile holds whole-layer norms; granularity=head "
                  "needs weights");
    llvm::Expected<::kvq::NormProfile> prof = ::kvq::readNormProfile(profile);
    if (!prof)
      return fail(llvm::toString(prof.takeError()));
    for (CacheEntry &c : caches) {
      if (c.layer >= int64_t(prof->keys.size()))
        return fail(formatv("layer {0} is not in the profile '{1}' ({2} "
                            "layers)",
                            c.layer, profile, prof->keys.size()));
      c.keyRaw = c.keyNorm = prof->keys[c.layer];
      c.valueNorm = prof->values[c.layer];
      c.key.origin = c.value.origin = "profile " + profile;
    }
  } else if (failed(measure(module, caches, *kind))) {
    return signalPassFailure();
  }

  // Fallback for caches whose weights could not be read.
  double kSum = 0, vSum = 0;
  int found = 0;
  for (CacheEntry &c : caches)
    if (c.missing.empty()) {
      kSum += c.keyNorm;
      vSum += c.valueNorm;
      ++found;
    }
  for (CacheEntry &c : caches) {
    if (c.missing.empty())
      continue;
    if (requireWeights) {
      mlir::emitError(c.cache.getLoc())
          << "kvq-assign-bits: layer " << c.layer
          << ": cannot read the projection weights: " << c.missing;
      return signalPassFailure();
    }
    c.keyNorm = c.keyRaw = found ? kSum / found : 1.0;
    c.valueNorm = found ? vSum / found : 1.0;
    int64_t h = c.type.getKvHeads();
    c.keyHeads.assign(h, c.keyNorm / std::sqrt(double(h)));
    c.valueHeads.assign(h, c.valueNorm / std::sqrt(double(h)));
    mlir::emitRemark(c.cache.getLoc())
        << "kvq-assign-bits: layer " << c.layer
        << ": cannot read the projection weights (" << c.missing
        << "); falling back to "
        << (found ? "the mean key and value norms of the layers that were "
                    "read"
                  : "key norm = value norm = 1 (no layer was read)");
  }

  // The allocation problem.
  ::kvq::AllocProblem p;
  p.accounting = *acc;
  p.budget = budget;
  p.fixedKeyBits = fixedKeyBits;
  p.fixedValueBits = fixedValueBits;
  if (!candidates.empty())
    p.candidates.assign(candidates.begin(), candidates.end());
  auto overhead = [&](const CacheEntry &c, bool key) {
    return ::kvq::schemeOverheadBits(getSchemeDesc(schemeFor(c.type, key, 4)));
  };
  auto elems = [](const CacheEntry &c) {
    return double(c.type.getKvHeads() * c.type.getHeadDim());
  };
  if (granularity == "model") {
    for (bool key : {true, false}) {
      ::kvq::AllocTensor t;
      t.isKey = key;
      t.name = key ? "K" : "V";
      t.elements = 0;
      double ob = 0;
      for (const CacheEntry &c : caches) {
        double n = key ? c.keyNorm : c.valueNorm;
        t.coeff += n * n;
        t.elements += elems(c);
        ob += elems(c) * overhead(c, key);
      }
      t.overheadBits = ob / t.elements;
      p.tensors.push_back(t);
    }
  } else {
    for (const CacheEntry &c : caches) {
      int64_t heads = perHead ? c.type.getKvHeads() : 1;
      for (int64_t h = 0; h < heads; ++h)
        for (bool key : {true, false}) {
          ::kvq::AllocTensor t;
          t.isKey = key;
          t.layer = c.layer;
          t.head = perHead ? h : -1;
          t.name = perHead ? formatv("{0}{1}.h{2}", key ? "K" : "V", c.layer, h)
                                 .str()
                           : formatv("{0}{1}", key ? "K" : "V", c.layer).str();
          double n = perHead ? (key ? c.keyHeads[h] : c.valueHeads[h])
                             : (key ? c.keyNorm : c.valueNorm);
          t.coeff = n * n;
          t.elements = elems(c) / double(heads);
          t.overheadBits = overhead(c, key);
          p.tensors.push_back(t);
        }
    }
  }
  // Measured errors: table[i][j] is tensor i's error at candidate j.
  std::vector<std::vector<double>> measured;
  if (!sensitivity.empty()) {
    auto table = ::kvq::readSensitivityTable(sensitivity, sensitivityMetric);
    if (!table)
      return fail(llvm::toString(table.takeError()));
    auto errors = table->errorsFor(p);
    if (!errors)
      return fail(llvm::toString(errors.takeError()));
    measured = std::move(*errors);
  }
  llvm::Expected<::kvq::AllocResult> res =
      *pol == ::kvq::Policy::Calibrated ? ::kvq::allocateOptimal(p, measured)
                                        : ::kvq::allocate(p, *pol);
  if (!res)
    return fail(llvm::toString(res.takeError()));
  if (*pol == ::kvq::Policy::Calibrated)
    res->policy = ::kvq::Policy::Calibrated;
  // The measured error of any allocation (policies other than calibrated
  // report it next to their modeled error).
  std::optional<double> measuredError;
  if (!measured.empty()) {
    double e = 0;
    for (size_t i = 0; i < p.tensors.size(); ++i)
      for (size_t j = 0; j < p.candidates.size(); ++j)
        if (p.candidates[j] == res->bits[i])
          e += measured[i][j];
    measuredError = e;
  }

  // Distribute the widths back to the caches.
  size_t idx = 0;
  for (CacheEntry &c : caches) {
    if (granularity == "model") {
      c.keyBits = res->bits[0];
      c.valueBits = res->bits[1];
      continue;
    }
    int64_t heads = perHead ? c.type.getKvHeads() : 1;
    c.firstTensor = idx;
    c.numTensors = size_t(2 * heads);
    for (int64_t h = 0; h < heads; ++h) {
      c.keyHeadBits.push_back(res->bits[idx++]);
      c.valueHeadBits.push_back(res->bits[idx++]);
    }
    c.keyBits = c.keyHeadBits[0];
    c.valueBits = c.valueHeadBits[0];
  }

  // Record the decision.
  std::set<double> rounded;
  for (CacheEntry &c : caches) {
    if (!::kvq::isKernelWidth(c.keyBits))
      rounded.insert(c.keyBits);
    if (!::kvq::isKernelWidth(c.valueBits))
      rounded.insert(c.valueBits);
  }
  if (!rounded.empty() && !perHead) {
    std::string list;
    for (double r : rounded)
      list += formatv("{0}{1} -> {2}", list.empty() ? "" : ", ", formatG(r),
                      ::kvq::roundToKernelWidth(r))
                  .str();
    module.emitWarning()
        << "kvq-assign-bits: the kernels implement widths 2, 3, 4, 8 and 16 "
           "only; rounding the allocated widths down (up to 2 below 2): "
        << list;
  }
  Builder b(module.getContext());
  for (CacheEntry &c : caches) {
    if (perHead) {
      Operation *at = c.anchor;
      SmallVector<double> kb(c.keyHeadBits.begin(), c.keyHeadBits.end()),
          vb(c.valueHeadBits.begin(), c.valueHeadBits.end());
      if (auto create = dyn_cast<CacheCreateOp>(at)) {
        create->setAttr("kvq.key_head_bits", b.getF64ArrayAttr(kb));
        create->setAttr("kvq.value_head_bits", b.getF64ArrayAttr(vb));
      } else {
        auto func = cast<func::FuncOp>(at);
        unsigned n = cast<BlockArgument>(c.cache).getArgNumber();
        func.setArgAttr(n, "kvq.key_head_bits", b.getF64ArrayAttr(kb));
        func.setArgAttr(n, "kvq.value_head_bits", b.getF64ArrayAttr(vb));
      }
      c.newType = c.type;
      continue;
    }
    SchemeAttr ks =
        schemeFor(c.type, true, ::kvq::roundToKernelWidth(c.keyBits));
    SchemeAttr vs =
        schemeFor(c.type, false, ::kvq::roundToKernelWidth(c.valueBits));
    auto emitErr = [&]() { return mlir::emitError(c.cache.getLoc()); };
    if (failed(CacheType::verifyInvariants(
            emitErr, c.type.getBatch(), c.type.getKvHeads(),
            c.type.getCapacity(), c.type.getHeadDim(),
            c.type.getElementType(), ks, vs)))
      return signalPassFailure();
    c.newType = CacheType::get(module.getContext(), c.type.getBatch(),
                               c.type.getKvHeads(), c.type.getCapacity(),
                               c.type.getHeadDim(), c.type.getElementType(),
                               ks, vs);
    c.cache.setType(c.newType);
    if (auto func = dyn_cast<func::FuncOp>(c.anchor)) {
      SmallVector<Type> inputs(func.getArgumentTypes());
      inputs[cast<BlockArgument>(c.cache).getArgNumber()] = c.newType;
      func.setType(FunctionType::get(module.getContext(), inputs,
                                     func.getResultTypes()));
    }
    // A cache returned from its function changes the result type too.
    for (OpOperand &use : c.cache.getUses())
      if (auto ret = dyn_cast<func::ReturnOp>(use.getOwner())) {
        auto func = ret->getParentOfType<func::FuncOp>();
        SmallVector<Type> results(func.getResultTypes());
        results[use.getOperandNumber()] = c.newType;
        func.setType(FunctionType::get(module.getContext(),
                                       func.getArgumentTypes(), results));
      }
  }

  // The report: a table, and JSON.
  std::string table;
  llvm::raw_string_ostream os(table);
  os << formatv("kvq-assign-bits: policy {0}, {1} norm, {2} granularity, "
                "{3} accounting, budget {4} bits/element\n",
                policy, normKind, granularity, accounting, formatG(budget));
  os << "layer  key norm  (W_K)     value norm  K/V    K bits  V bits  "
        "modeled error  bytes\n";
  llvm::json::Array layers;
  int64_t totalBytes = 0, totalFp16 = 0;
  for (CacheEntry &c : caches) {
    ::kvq::CacheLayout layout = getCacheLayout(c.newType);
    ::kvq::CacheDesc fp16 = layout.desc;
    fp16.keys = fp16.values = ::kvq::SchemeDesc();
    int64_t fp16Bytes = ::kvq::CacheLayout::compute(fp16).totalBytes;
    totalBytes += layout.totalBytes;
    totalFp16 += fp16Bytes;
    double err = 0;
    if (*pol == ::kvq::Policy::Calibrated) {
      // The measured errors at the chosen widths.
      for (size_t i = 0; i < c.numTensors; ++i)
        err += res->tensorErrors[c.firstTensor + i];
    } else if (perHead) {
      for (size_t h = 0; h < c.keyHeadBits.size(); ++h)
        err += ::kvq::modeledError(c.keyHeads[h] * c.keyHeads[h],
                                   c.keyHeadBits[h]) +
               ::kvq::modeledError(c.valueHeads[h] * c.valueHeads[h],
                                   c.valueHeadBits[h]);
    } else {
      err = ::kvq::modeledError(c.keyNorm * c.keyNorm, c.keyBits) +
            ::kvq::modeledError(c.valueNorm * c.valueNorm, c.valueBits);
    }
    double ratio = c.valueNorm > 0 ? c.keyNorm / c.valueNorm : 0;
    std::string kraw = c.hasGain ? formatv("({0:f4})", c.keyRaw).str()
                                 : std::string("");
    std::string kb = perHead ? std::string("per-head")
                             : formatG(c.keyBits);
    std::string vb = perHead ? std::string("per-head")
                             : formatG(c.valueBits);
    os << formatv("{0,5}  {1,8:f4}  {2,-9} {3,10:f4}  {4,5:f3}  {5,6}  {6,6}  "
                  "{7,13:e4}  {8}{9}\n",
                  c.layer, c.keyNorm, kraw, c.valueNorm, ratio, kb, vb, err,
                  layout.totalBytes, c.missing.empty() ? "" : "  (fallback)");
    llvm::json::Object o;
    o["layer"] = c.layer;
    auto arr = [](ArrayRef<double> v) {
      llvm::json::Array a;
      for (double x : v)
        a.push_back(x);
      return a;
    };
    llvm::json::Object k, v;
    k["norm"] = c.keyNorm;
    k["weight_norm"] = c.keyRaw;
    k["head_norms"] = arr(c.keyHeads);
    k["weight_head_norms"] = arr(c.keyRawHeads);
    k["operator"] = c.hasGain ? "diag(k_norm gain) on the RMS-normalised head"
                              : "W_K";
    k["source"] = c.key.origin;
    k["bits"] = c.keyBits;
    k["head_bits"] = arr(c.keyHeadBits);
    k["scheme_bits"] = getSchemeDesc(c.newType.getKeys()).bits;
    k["stored_bits_per_element"] = layout.keys.bitsPerElement();
    v["norm"] = c.valueNorm;
    v["head_norms"] = arr(c.valueHeads);
    v["operator"] = "W_V";
    v["source"] = c.value.origin;
    v["bits"] = c.valueBits;
    v["head_bits"] = arr(c.valueHeadBits);
    v["scheme_bits"] = getSchemeDesc(c.newType.getValues()).bits;
    v["stored_bits_per_element"] = layout.values.bitsPerElement();
    o["key"] = std::move(k);
    o["value"] = std::move(v);
    o["ratio"] = ratio;
    o["modeled_error"] = err;
    o["bytes"] = layout.totalBytes;
    o["fp16_bytes"] = fp16Bytes;
    if (!c.missing.empty())
      o["fallback"] = c.missing;
    layers.push_back(std::move(o));
  }
  os << formatv("average {0:f4} bits/element of a budget of {1} ({2} "
                "accounting); slack {3:f4} bits per token (smallest step "
                "{4:f4}); modeled error {5:e6}; {6} bytes (fp16: {7} bytes)",
                res->averageBits, formatG(budget), accounting, res->slackBits,
                res->minStep, res->error, totalBytes, totalFp16);
  if (measuredError)
    os << formatv("; measured error ({0}, {1}) {2:e6}", sensitivityMetric,
                  sensitivity, *measuredError);
  for (const std::string &n : res->notes)
    os << "\nnote: " << n;
  module.emitRemark() << table;

  if (emitJson.empty())
    return;
  llvm::json::Object report;
  report["policy"] = std::string(policy);
  report["norm"] = std::string(normKind);
  report["granularity"] = std::string(granularity);
  report["layers"] = std::move(layers);
  report["total_bytes"] = totalBytes;
  report["fp16_bytes"] = totalFp16;
  report["allocation"] = ::kvq::resultToJSON(p, *res);
  if (measuredError) {
    llvm::json::Object m;
    m["file"] = std::string(sensitivity);
    m["metric"] = std::string(sensitivityMetric);
    m["error"] = *measuredError;
    llvm::json::Array rows;
    for (size_t i = 0; i < p.tensors.size(); ++i) {
      llvm::json::Object r;
      r["name"] = p.tensors[i].name;
      llvm::json::Array e;
      for (double x : measured[i])
        e.push_back(x);
      r["errors"] = std::move(e);
      rows.push_back(std::move(r));
    }
    m["table"] = std::move(rows);
    report["measured"] = std::move(m);
  }
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(emitJson, &error);
  if (!out)
    return fail("cannot write '" + emitJson + "': " + error);
  out->os() << formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
  out->keep();
}
