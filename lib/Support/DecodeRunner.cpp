//===- DecodeRunner.cpp - run a decode-step module on the CPU -------------===//
#include "kvq/Support/DecodeRunner.h"

#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Import/ExternalWeights.h"
#include "kvq/Support/CpuJit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using ::kvq::DecodeRunner;

/// A 64-byte-aligned, zero-filled buffer.
struct DecodeRunner::Buffer {
  std::vector<uint64_t> storage;
  uint8_t *data = nullptr;
  size_t bytes = 0;
  explicit Buffer(size_t n) : storage(n / 8 + 16, 0), bytes(n) {
    uintptr_t p = reinterpret_cast<uintptr_t>(storage.data());
    data = reinterpret_cast<uint8_t *>((p + 63) / 64 * 64);
  }
  void zero() { std::memset(data, 0, bytes); }
};

DecodeRunner::~DecodeRunner() = default;

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

static llvm::Error err(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::unique_ptr<DecodeRunner>>
DecodeRunner::create(ModuleOp module, llvm::StringRef entry,
                     llvm::StringRef weightsDir, unsigned optLevel) {
  std::unique_ptr<DecodeRunner> r(new DecodeRunner());
  r->entry = entry.str();
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return err("the module has no func.func @" + entry);

  // Arguments: roles when the importer left them, else the convention
  // (token, position, caches...).
  FunctionType signature = func.getFunctionType();
  for (auto [i, type] : llvm::enumerate(signature.getInputs())) {
    StringRef role;
    if (auto attr = func.getArgAttrOfType<StringAttr>(i, "kvq.role"))
      role = attr.getValue();
    Arg a;
    if (auto cache = dyn_cast<mlir::kvq::CacheType>(type)) {
      a.kind = Arg::KVQCache;
      a.cacheBytes = mlir::kvq::getCacheLayout(cache).totalBytes;
      r->args.push_back(a);
      continue;
    }
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape())
      return err("argument " + llvm::Twine(i) + " of @" + entry +
                 " has type " + typeString(type) +
                 "; expected token, position and caches");
    a.tensor = tensor;
    bool scalarInt = tensor.getNumElements() == 1 &&
                     (tensor.getElementType().isInteger(64) ||
                      tensor.getElementType().isInteger(32));
    if (role == "token" || (role.empty() && i == 0)) {
      a.kind = Arg::Token;
    } else if (role == "position" || (role.empty() && i == 1)) {
      a.kind = Arg::Position;
    } else {
      a.kind = Arg::TensorCache;
      if (tensor.getRank() != 4 || !tensor.getElementType().isF32())
        return err("argument " + llvm::Twine(i) + " of @" + entry +
                   " has type " + typeString(type) +
                   "; tensor caches must be 4-D f32");
    }
    if ((a.kind == Arg::Token || a.kind == Arg::Position) && !scalarInt)
      return err("argument " + llvm::Twine(i) + " of @" + entry + " (" +
                 (a.kind == Arg::Token ? "token" : "position") +
                 ") must hold one i32 or i64, got " + typeString(type));
    r->args.push_back(a);
  }
  auto &args = r->args;
  int tokenArgs =
      llvm::count_if(args, [](const Arg &a) { return a.kind == Arg::Token; });
  int posArgs = llvm::count_if(
      args, [](const Arg &a) { return a.kind == Arg::Position; });
  if (tokenArgs != 1 || posArgs != 1)
    return err("@" + entry + " must take exactly one token and one position");
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].kind == Arg::TensorCache)
      r->tensorCacheArgs.push_back(i);
  auto &tensorCacheArgs = r->tensorCacheArgs;
  // Results: logits, the updated tensor caches in argument order, extras.
  if (signature.getNumResults() < 1 + tensorCacheArgs.size())
    return err("@" + entry + " returns " +
               llvm::Twine(signature.getNumResults()) +
               " results; expected the logits plus one per tensor cache (" +
               llvm::Twine(tensorCacheArgs.size()) + ")");
  auto logitsType = dyn_cast<RankedTensorType>(signature.getResult(0));
  if (!logitsType || !logitsType.hasStaticShape() ||
      !logitsType.getElementType().isF32() || logitsType.getRank() < 1)
    return err("result 0 of @" + entry + " must be static f32 logits, got " +
               typeString(signature.getResult(0)));
  r->logitsType = logitsType;
  r->vocabSize = logitsType.getShape().back();
  if (logitsType.getNumElements() != r->vocabSize)
    return err("result 0 of @" + entry +
               " must hold one row of logits (batch 1)");
  for (auto [k, a] : llvm::enumerate(tensorCacheArgs))
    if (signature.getResult(k + 1) != args[a].tensor)
      return err("result " + llvm::Twine(k + 1) + " of @" + entry +
                 " does not match tensor cache argument " + llvm::Twine(a));
  for (unsigned k = 1 + tensorCacheArgs.size(); k < signature.getNumResults();
       ++k) {
    auto t = dyn_cast<RankedTensorType>(signature.getResult(k));
    if (!t || !t.hasStaticShape() || !t.getElementType().isF32())
      return err("result " + llvm::Twine(k) + " of @" + entry +
                 " must be a static f32 tensor, got " +
                 typeString(signature.getResult(k)));
    r->extraTypes.push_back(t);
  }

  r->cacheCapacity = INT64_MAX;
  for (Type t : signature.getInputs()) {
    if (auto c = dyn_cast<mlir::kvq::CacheType>(t))
      r->cacheCapacity = std::min(r->cacheCapacity, c.getCapacity());
    else if (auto rt = dyn_cast<RankedTensorType>(t); rt && rt.getRank() == 4)
      r->cacheCapacity = std::min(r->cacheCapacity, rt.getDimSize(2));
  }

  // kvq.* attributes have no LLVM meaning: drop them before lowering.
  MLIRContext *context = module.getContext();
  auto withoutKVQ = [&](DictionaryAttr attrs) {
    NamedAttrList kept;
    if (attrs)
      for (NamedAttribute attr : attrs)
        if (!attr.getName().strref().starts_with("kvq."))
          kept.push_back(attr);
    return kept.getDictionary(context);
  };
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.setArgAttrs(i, withoutKVQ(func.getArgAttrDict(i)));
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    func.setResultAttrs(i, withoutKVQ(func.getResultAttrDict(i)));
  module->removeAttr("kvq.model");

  // External weights, lowering, JIT.
  auto weights = std::make_shared<::kvq::ExternalWeights>();
  if (llvm::Error e = weights->materialize(module, weightsDir))
    return std::move(e);
  auto engine = ::kvq::compileForCPU(module, entry, optLevel, weights->symbols);
  if (!engine)
    return engine.takeError();
  r->engine = std::move(*engine);
  r->weights = weights;

  // Buffers.
  r->inputs.resize(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    size_t bytes = a.kind == Arg::KVQCache
                       ? size_t(a.cacheBytes)
                       : size_t(a.tensor.getNumElements()) *
                             (a.tensor.getElementTypeBitWidth() / 8);
    r->inputs[i] = std::make_unique<Buffer>(bytes);
  }
  r->outputs.push_back(std::make_unique<Buffer>(size_t(r->vocabSize) * 4));
  for (size_t a : tensorCacheArgs)
    r->outputs.push_back(std::make_unique<Buffer>(r->inputs[a]->bytes));
  for (RankedTensorType t : r->extraTypes)
    r->outputs.push_back(std::make_unique<Buffer>(size_t(t.getNumElements()) * 4));
  return r;
}

void DecodeRunner::reset() {
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].kind == Arg::TensorCache || args[i].kind == Arg::KVQCache)
      inputs[i]->zero();
}

llvm::Error DecodeRunner::step(int64_t token, int64_t pos) {
  auto setInt = [](Buffer &b, Type el, int64_t v) {
    if (el.isInteger(64)) {
      std::memcpy(b.data, &v, 8);
    } else {
      int32_t w = int32_t(v);
      std::memcpy(b.data, &w, 4);
    }
  };
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (a.kind == Arg::Token)
      setInt(*inputs[i], a.tensor.getElementType(), token);
    if (a.kind == Arg::Position)
      setInt(*inputs[i], a.tensor.getElementType(), pos);
    if (a.kind == Arg::KVQCache)
      descriptors.push_back(::kvq::memrefDescriptor(inputs[i]->data, {a.cacheBytes}));
    else
      descriptors.push_back(
          ::kvq::memrefDescriptor(inputs[i]->data, a.tensor.getShape()));
  }
  descriptors.push_back(
      ::kvq::memrefDescriptor(outputs[0]->data, logitsType.getShape()));
  for (auto [k, a] : llvm::enumerate(tensorCacheArgs))
    descriptors.push_back(
        ::kvq::memrefDescriptor(outputs[k + 1]->data, args[a].tensor.getShape()));
  for (auto [k, t] : llvm::enumerate(extraTypes))
    descriptors.push_back(::kvq::memrefDescriptor(
        outputs[1 + tensorCacheArgs.size() + k]->data, t.getShape()));
  if (llvm::Error e = ::kvq::invokeWithDescriptors(*engine, entry, descriptors))
    return e;
  // The updated tensor caches are the next step's inputs.
  for (auto [k, a] : llvm::enumerate(tensorCacheArgs))
    std::swap(inputs[a], outputs[k + 1]);
  return llvm::Error::success();
}

const float *DecodeRunner::logits() const {
  return reinterpret_cast<const float *>(outputs[0]->data);
}

const float *DecodeRunner::extraResult(size_t i) const {
  return reinterpret_cast<const float *>(
      outputs[1 + tensorCacheArgs.size() + i]->data);
}
