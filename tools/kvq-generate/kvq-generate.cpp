//===- kvq-generate.cpp - greedy generation with a decode-step module -----===//
//
//   kvq-generate model.mlir --prompt=1 --steps=64 [--key-bits=4 --value-bits=2
//       --group=32 --window=32 ...] [--logits-out=logits.npy] [--progress=on]
//   kvq-generate model.mlir --prompts=streams.npy --steps=0 --logits-out=l.npy
//   kvq-generate model.mlir --prompt=1 --steps=255 --temperature=1 --seed=7
//
// Runs a decode step as kvq-import emits it (or any function with the same
// signature, see docs/import.md) on the CPU: JIT-compiles it through
// kvq-lower-to-cpu, feeds the prompt tokens one position at a time, then
// generates greedily (argmax) or by sampling (--temperature, --seed),
// printing every generated token with its log-probability. KV caches are
// either the module's own tensor caches (full precision, double-buffered
// between steps) or, with --cache=kvq or any scheme option, `!kvq.cache`
// buffers after kvq-raise-attention with the chosen key/value schemes
// (optionally different per layer: --layer-key-bits, --layer-value-bits).
// --prompts runs many prompts (token streams) with one compilation, each
// from empty caches; --steps=0 only scores the prompt (teacher forcing).
//
//===----------------------------------------------------------------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"
#include "kvq/InitAll.h"
#include "kvq/Pipelines/Pipelines.h"
#include "kvq/Runtime/CacheLayout.h"
#include "kvq/Support/CpuJit.h"
#include "kvq/Support/DecodeRunner.h"
#include "kvq/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("kvq-generate options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> entry("entry", cl::desc("Decode-step function"),
                                  cl::init("decode_step"),
                                  cl::cat(toolOptions));
static cl::list<int64_t> prompt("prompt", cl::desc("Prompt token ids"),
                                cl::CommaSeparated, cl::ZeroOrMore,
                                cl::cat(toolOptions));
static cl::opt<std::string>
    promptsFile("prompts",
                cl::desc("Run every row of this .npy ([streams, tokens], i32 "
                         "or i64) as a prompt, each from empty caches, with "
                         "one compilation"),
                cl::init(""), cl::cat(toolOptions));
static cl::opt<int64_t> steps("steps",
                              cl::desc("Tokens to generate (0: only score the "
                                       "prompt)"),
                              cl::init(16), cl::cat(toolOptions));
static cl::opt<double>
    temperature("temperature",
                cl::desc("Sample from softmax(logits / T) (0: greedy argmax)"),
                cl::init(0.0), cl::cat(toolOptions));
static cl::opt<unsigned long long>
    seed("seed", cl::desc("Sampler seed; prompt s of --prompts uses seed + s"),
         cl::init(0), cl::cat(toolOptions));
static cl::opt<std::string>
    logitsOut("logits-out",
              cl::desc("Write the logits of every position to this .npy "
                       "([positions, vocab] f32; [streams, positions, vocab] "
                       "with --prompts)"),
              cl::init(""), cl::cat(toolOptions));
static cl::opt<std::string>
    tokensOut("tokens-out",
              cl::desc("Write prompt + generated tokens to this .npy "
                       "([streams, prompt + steps] i64)"),
              cl::init(""), cl::cat(toolOptions));
enum class CacheKind { Auto, Tensor, KVQ };
static cl::opt<CacheKind> cacheKind(
    "cache", cl::desc("KV cache to run with"),
    cl::values(clEnumValN(CacheKind::Auto, "auto",
                          "kvq if a scheme option is given or the module "
                          "already has !kvq.cache arguments, else tensor"),
               clEnumValN(CacheKind::Tensor, "tensor",
                          "the module's own full-precision tensor caches"),
               clEnumValN(CacheKind::KVQ, "kvq",
                          "!kvq.cache buffers (kvq-raise-attention)")),
    cl::init(CacheKind::Auto), cl::cat(toolOptions));
static cl::opt<unsigned> keyBits("key-bits", cl::desc("Key bits (2,3,4,8,16)"),
                                 cl::init(16), cl::cat(toolOptions));
static cl::opt<unsigned> valueBits("value-bits",
                                   cl::desc("Value bits (2,3,4,8,16)"),
                                   cl::init(16), cl::cat(toolOptions));
static cl::opt<unsigned> group("group",
                               cl::desc("Quantization group for keys and "
                                        "values (value group clamped to "
                                        "head_dim)"),
                               cl::init(32), cl::cat(toolOptions));
static cl::opt<unsigned> keyGroup("key-group",
                                  cl::desc("Key group (overrides --group)"),
                                  cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned> valueGroup("value-group",
                                    cl::desc("Value group (overrides --group)"),
                                    cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned> window("window",
                                cl::desc("Full-precision window in tokens"),
                                cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned>
    keyWindow("key-window",
              cl::desc("Full-precision window of the keys (overrides "
                       "--window; a multiple of the key token group)"),
              cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned>
    valueWindow("value-window",
                cl::desc("Full-precision window of the values (overrides "
                         "--window)"),
                cl::init(0), cl::cat(toolOptions));
static cl::opt<std::string> keyGranularity("key-granularity",
                                           cl::init("per_channel"),
                                           cl::desc("per_channel or per_token"),
                                           cl::cat(toolOptions));
static cl::opt<std::string>
    valueGranularity("value-granularity", cl::init("per_token"),
                     cl::desc("per_channel or per_token"),
                     cl::cat(toolOptions));
static cl::opt<bool> symmetric("symmetric",
                               cl::desc("Symmetric quantization (keys and "
                                        "values)"),
                               cl::init(false), cl::cat(toolOptions));
static cl::opt<std::string> scaleType("scale-type", cl::init("f16"),
                                      cl::desc("f16, bf16 or f32"),
                                      cl::cat(toolOptions));
static cl::opt<std::string> keyRotation("key-rotation", cl::init("none"),
                                        cl::desc("none or hadamard"),
                                        cl::cat(toolOptions));
static cl::list<unsigned>
    layerKeyBits("layer-key-bits",
                 cl::desc("Key bits of each layer (one per layer, in layer "
                          "order; overrides --key-bits)"),
                 cl::CommaSeparated, cl::cat(toolOptions));
static cl::list<unsigned>
    layerValueBits("layer-value-bits",
                   cl::desc("Value bits of each layer (one per layer, in "
                            "layer order; overrides --value-bits)"),
                   cl::CommaSeparated, cl::cat(toolOptions));
static cl::opt<std::string>
    emitModule("emit-module",
               cl::desc("Write the module as it runs (after raising and "
                        "retyping the caches, before lowering) to this file"),
               cl::init(""), cl::cat(toolOptions));
enum class Progress { Auto, On, Off };
static cl::opt<Progress> progress(
    "progress", cl::desc("Progress on stderr"),
    cl::values(clEnumValN(Progress::Auto, "auto",
                          "when stderr is a terminal and the run is long"),
               clEnumValN(Progress::On, "on", "always"),
               clEnumValN(Progress::Off, "off", "never")),
    cl::init(Progress::Auto), cl::cat(toolOptions));
static cl::opt<bool> quiet("quiet",
                           cl::desc("Print only the generated token ids"),
                           cl::init(false), cl::cat(toolOptions));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(2), cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kvq-generate: error: " << message << "\n";
  return 1;
}

/// The scheme kvq-raise-attention builds from the command line's options for
/// `bits` (per-layer widths reuse every other option). Rotation applies to
/// quantized keys only; a per_token group larger than head_dim is clamped
/// to head_dim, as the pass does.
static mlir::kvq::SchemeAttr
schemeFor(MLIRContext *ctx, bool isKey, unsigned bits, int64_t headDim,
          llvm::function_ref<InFlightDiagnostic()> emit) {
  using namespace mlir::kvq;
  if (bits == 16)
    return SchemeAttr::get(ctx, 16, 0, Granularity::PerChannel, false,
                           Float16Type::get(ctx), Rotation::None, 0);
  unsigned g = isKey ? (keyGroup ? keyGroup : group)
                     : (valueGroup ? valueGroup : group);
  Granularity gran = (isKey ? keyGranularity : valueGranularity) == "per_token"
                         ? Granularity::PerToken
                         : Granularity::PerChannel;
  if (gran == Granularity::PerToken && g > headDim)
    g = unsigned(headDim);
  Type st = scaleType == "bf16"  ? Type(BFloat16Type::get(ctx))
            : scaleType == "f32" ? Type(Float32Type::get(ctx))
                                 : Type(Float16Type::get(ctx));
  Rotation r = isKey && keyRotation == "hadamard" ? Rotation::Hadamard
                                                  : Rotation::None;
  unsigned w = window;
  if (isKey && keyWindow.getNumOccurrences())
    w = keyWindow;
  if (!isKey && valueWindow.getNumOccurrences())
    w = valueWindow;
  return SchemeAttr::getChecked(emit, ctx, bits, g, gran, bool(symmetric), st,
                                r, w);
}

/// Retypes every !kvq.cache argument of `func` with the key and value widths
/// of its layer (`kvq.layer`, else argument order) and the key and value
/// windows.
static LogicalResult applyLayerBits(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  std::vector<unsigned> cacheArgs;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (isa<mlir::kvq::CacheType>(func.getArgument(i).getType()))
      cacheArgs.push_back(i);
  size_t n = cacheArgs.size();
  for (cl::list<unsigned> *list :
       {std::addressof(layerKeyBits), std::addressof(layerValueBits)})
    if (!list->empty() && list->size() != n)
      return fail("--" + list->ArgStr + " gives " +
                  llvm::Twine(list->size()) + " widths but @" + entry +
                  " has " + llvm::Twine(n) + " layer caches"),
             failure();
  for (auto [order, i] : llvm::enumerate(cacheArgs)) {
    int64_t layer = int64_t(order);
    if (auto attr = func.getArgAttrOfType<IntegerAttr>(i, "kvq.layer"))
      layer = attr.getInt();
    if (layer < 0 || layer >= int64_t(n))
      return fail("cache argument " + llvm::Twine(i) + " has layer " +
                  llvm::Twine(layer) + ", outside 0.." + llvm::Twine(n - 1)),
             failure();
    auto type = cast<mlir::kvq::CacheType>(func.getArgument(i).getType());
    unsigned kb = layerKeyBits.empty() ? unsigned(keyBits) : layerKeyBits[layer];
    unsigned vb =
        layerValueBits.empty() ? unsigned(valueBits) : layerValueBits[layer];
    auto emit = [&]() {
      return func.emitError() << "layer " << layer << ": ";
    };
    auto keys = schemeFor(ctx, true, kb, type.getHeadDim(), emit);
    auto values = schemeFor(ctx, false, vb, type.getHeadDim(), emit);
    if (!keys || !values)
      return failure();
    auto retyped = mlir::kvq::CacheType::getChecked(
        emit, ctx, type.getBatch(), type.getKvHeads(), type.getCapacity(),
        type.getHeadDim(), type.getElementType(), keys, values);
    if (!retyped)
      return failure();
    func.getArgument(i).setType(retyped);
  }
  SmallVector<Type> inputs(func.getBody().getArgumentTypes());
  func.setType(FunctionType::get(ctx, inputs, func.getResultTypes()));
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv, "kvq-generate: greedy generation with a decode-step module\n");

  bool schemeGiven = keyBits.getNumOccurrences() ||
                     valueBits.getNumOccurrences() ||
                     group.getNumOccurrences() || keyGroup.getNumOccurrences() ||
                     valueGroup.getNumOccurrences() ||
                     window.getNumOccurrences() ||
                     keyGranularity.getNumOccurrences() ||
                     valueGranularity.getNumOccurrences() ||
                     symmetric.getNumOccurrences() ||
                     scaleType.getNumOccurrences() ||
                     keyRotation.getNumOccurrences() ||
                     layerKeyBits.getNumOccurrences() ||
                     layerValueBits.getNumOccurrences() ||
                     keyWindow.getNumOccurrences() ||
                     valueWindow.getNumOccurrences();
  // Schemes that differ per layer or between keys' and values' windows:
  // raise with the common options, then retype every cache.
  bool retype = !layerKeyBits.empty() || !layerValueBits.empty() ||
                keyWindow.getNumOccurrences() || valueWindow.getNumOccurrences();
  if (steps < 0)
    return fail("--steps must not be negative");
  if (!(temperature >= 0) || !std::isfinite(temperature))
    return fail("--temperature must be a finite number >= 0");
  // The prompts: --prompt, or the rows of --prompts.
  std::vector<std::vector<int64_t>> prompts;
  if (prompt.empty() == promptsFile.empty())
    return fail("give either --prompt or --prompts");
  if (!prompt.empty()) {
    prompts.emplace_back(prompt.begin(), prompt.end());
  } else {
    auto array = ::kvq::readNpy(promptsFile);
    if (!array)
      return fail(llvm::toString(array.takeError()));
    if (array->shape.size() != 2 || array->shape[0] < 1 ||
        array->shape[1] < 1 ||
        !(array->type == ::kvq::NpyDType::I64 ||
          array->type == ::kvq::NpyDType::I32))
      return fail(promptsFile + ": expected a non-empty [streams, tokens] "
                                "i32 or i64 array, got " +
                  array->shapeString());
    int64_t rows = array->shape[0], cols = array->shape[1];
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> row(cols);
      for (int64_t c = 0; c < cols; ++c) {
        size_t at = size_t(r * cols + c);
        if (array->type == ::kvq::NpyDType::I64) {
          std::memcpy(&row[c], array->data.data() + at * 8, 8);
        } else {
          int32_t w;
          std::memcpy(&w, array->data.data() + at * 4, 4);
          row[c] = w;
        }
      }
      prompts.push_back(std::move(row));
    }
  }
  int64_t promptLength = int64_t(prompts[0].size());
  if (steps == 0 && promptLength < 2)
    return fail("--steps=0 scores the prompt and needs at least 2 prompt "
                "tokens");
  if (cacheKind == CacheKind::Tensor && schemeGiven)
    return fail("cache scheme options need --cache=kvq (or auto)");

  DialectRegistry registry;
  ::kvq::registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  ::kvq::ModuleFile input(context);
  std::string error;
  if (!input.load(inputFile, entry, error))
    return fail(error);
  OwningOpRef<ModuleOp> &module = input.module;
  func::FuncOp func = input.entry;

  bool hasKVQCaches = llvm::any_of(func.getArgumentTypes(), [](Type t) {
    return isa<mlir::kvq::CacheType>(t);
  });
  bool hasTensorCaches = llvm::any_of(func.getArgumentTypes(), [](Type t) {
    auto r = dyn_cast<RankedTensorType>(t);
    return r && r.getRank() == 4;
  });
  CacheKind kind = cacheKind;
  if (kind == CacheKind::Auto)
    kind = (schemeGiven || hasKVQCaches) ? CacheKind::KVQ : CacheKind::Tensor;
  if (kind == CacheKind::Tensor && hasKVQCaches)
    return fail("@" + entry + " already uses !kvq.cache arguments; it has no "
                "tensor caches to run with");
  if (kind == CacheKind::KVQ && hasTensorCaches) {
    if (hasKVQCaches && schemeGiven)
      return fail("@" + entry + " mixes tensor and !kvq.cache caches");
    mlir::kvq::KVQRaiseAttentionOptions raise;
    raise.keyBits = keyBits;
    raise.valueBits = valueBits;
    raise.keyGroup = keyGroup ? keyGroup : group;
    raise.valueGroup = valueGroup ? valueGroup : group;
    raise.keyGranularity = keyGranularity;
    raise.valueGranularity = valueGranularity;
    raise.keySymmetric = symmetric;
    raise.valueSymmetric = symmetric;
    raise.scaleType = scaleType;
    raise.keyRotation = keyRotation;
    // Per-layer widths retype the caches below, layer by layer (rotation
    // then applies to each layer's quantized keys).
    if (retype && keyBits == 16)
      raise.keyRotation = "none";
    raise.window = retype ? 0 : unsigned(window);
    PassManager pm(&context);
    pm.addPass(mlir::kvq::createKVQRaiseAttention(raise));
    if (failed(pm.run(*module)))
      return fail("kvq-raise-attention failed on '" + inputFile + "'");
    func = module->lookupSymbol<func::FuncOp>(entry);
    for (Type t : func.getArgumentTypes())
      if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() == 4)
        return fail("kvq-raise-attention left tensor caches in @" + entry +
                    " (see the remarks above); cannot run with --cache=kvq");
    if (retype && failed(applyLayerBits(func)))
      return 1;
  } else if (kind == CacheKind::KVQ && hasKVQCaches && schemeGiven) {
    llvm::errs() << "kvq-generate: note: @" << entry
                 << " already has !kvq.cache arguments; scheme options are "
                    "ignored\n";
  }
  // Per-KV-head widths (kvq-assign-bits granularity=head) become one cache
  // per KV head.
  if (llvm::any_of(llvm::seq<unsigned>(0, func.getNumArguments()),
                   [&](unsigned i) {
                     return func.getArgAttr(i, "kvq.key_head_bits") ||
                            func.getArgAttr(i, "kvq.value_head_bits");
                   })) {
    PassManager pm(&context);
    pm.addPass(mlir::kvq::createKVQSplitHeads());
    if (failed(pm.run(*module)))
      return fail("kvq-split-heads failed on '" + inputFile + "'");
    func = module->lookupSymbol<func::FuncOp>(entry);
  }

  if (!emitModule.empty()) {
    std::string error;
    auto out = openOutputFile(emitModule, &error);
    if (!out)
      return fail("cannot write '" + emitModule + "': " + error);
    module->print(out->os());
    out->keep();
  }

  // Checks, lowering, JIT and buffers.
  auto runner = ::kvq::DecodeRunner::create(
      *module, entry, llvm::sys::path::parent_path(inputFile), optLevel);
  if (!runner)
    return fail(llvm::toString(runner.takeError()));
  int64_t vocab = (*runner)->vocab();

  int64_t positions = promptLength - 1 + steps;
  int64_t capacity = (*runner)->capacity();
  if (positions > capacity)
    return fail("the prompt (" + llvm::Twine(promptLength) + " tokens) and " +
                llvm::Twine(steps) + " steps need " + llvm::Twine(positions) +
                " positions but the KV cache holds " + llvm::Twine(capacity) +
                " (import with a larger --context)");
  for (const auto &p : prompts)
    for (int64_t t : p)
      if (t < 0 || t >= vocab)
        return fail("prompt token " + llvm::Twine(t) + " is outside the "
                    "vocabulary (0.." + llvm::Twine(vocab - 1) + ")");

  int64_t streams = int64_t(prompts.size());
  int64_t totalPositions = streams * positions;
  bool showProgress = progress == Progress::On ||
                      (progress == Progress::Auto && llvm::errs().is_displayed() &&
                       totalPositions >= 32);
  ::kvq::NpyArray allLogits;
  allLogits.type = ::kvq::NpyDType::F32;
  allLogits.shape = {positions, vocab};
  if (!promptsFile.empty())
    allLogits.shape.insert(allLogits.shape.begin(), streams);
  if (!logitsOut.empty())
    allLogits.data.resize(size_t(totalPositions * vocab) * 4);
  ::kvq::NpyArray allTokens;
  allTokens.type = ::kvq::NpyDType::I64;
  allTokens.shape = {streams, promptLength + steps};
  allTokens.data.resize(size_t(streams * (promptLength + steps)) * 8);

  // Sampling: a 64-bit Mersenne Twister (its output sequence is fixed by the
  // C++ standard) turned into a uniform double in [0, 1) with 53 bits, and
  // inverse-CDF sampling of softmax(logits / T) in double precision, so a
  // seed gives the same tokens on every platform.
  std::vector<double> sampleWeights(vocab);
  auto sample = [&](const float *logits, std::mt19937_64 &rng) -> int64_t {
    double max = -INFINITY;
    for (int64_t v = 0; v < vocab; ++v)
      max = std::max(max, double(logits[v]));
    double sum = 0;
    for (int64_t v = 0; v < vocab; ++v)
      sum += sampleWeights[v] = std::exp((double(logits[v]) - max) / temperature);
    double u = double(rng() >> 11) * 0x1.0p-53 * sum;
    double cumulative = 0;
    for (int64_t v = 0; v < vocab; ++v) {
      cumulative += sampleWeights[v];
      if (u < cumulative)
        return v;
    }
    return vocab - 1;
  };

  auto start = std::chrono::steady_clock::now();
  auto lastProgress = start - std::chrono::seconds(1);
  int64_t done = 0;
  for (int64_t s = 0; s < streams; ++s) {
    const std::vector<int64_t> &p = prompts[s];
    // Empty caches: zero-filled buffers (a kvq cache's header holds its
    // length, 0).
    (*runner)->reset();
    std::mt19937_64 rng(seed + uint64_t(s));
    if (!quiet) {
      if (streams > 1)
        llvm::outs() << "stream " << s << "\n";
      llvm::outs() << "prompt:";
      for (int64_t t : p)
        llvm::outs() << " " << t;
      llvm::outs() << "\n";
    }
    std::vector<int64_t> generated;
    double promptNll = 0;
    int64_t token = p[0];
    for (int64_t pos = 0; pos < positions; ++pos) {
      if (pos < promptLength)
        token = p[pos];
      if (llvm::Error err = (*runner)->step(token, pos))
        return fail("calling @" + entry + " at position " + llvm::Twine(pos) +
                    " failed: " + llvm::toString(std::move(err)));
      const float *logits = (*runner)->logits();
      if (!logitsOut.empty())
        std::memcpy(allLogits.data.data() +
                        size_t((s * positions + pos) * vocab) * 4,
                    logits, size_t(vocab) * 4);
      int64_t best = 0;
      double max = -INFINITY;
      for (int64_t v = 0; v < vocab; ++v) {
        if (!std::isfinite(logits[v]))
          return fail("non-finite logit for token " + llvm::Twine(v) +
                      " at position " + llvm::Twine(pos));
        if (logits[v] > max) {
          max = logits[v];
          best = v;
        }
      }
      double sum = 0;
      for (int64_t v = 0; v < vocab; ++v)
        sum += std::exp(double(logits[v]) - max);
      auto logprob = [&](int64_t t) {
        return double(logits[t]) - max - std::log(sum);
      };
      if (pos + 1 < promptLength) {
        promptNll -= logprob(p[pos + 1]);
      } else {
        int64_t next = temperature > 0 ? sample(logits, rng) : best;
        generated.push_back(next);
        token = next;
        if (!quiet)
          llvm::outs() << "step " << generated.size() - 1 << ": pos " << pos
                       << " token " << next << " logprob "
                       << llvm::format("%.6f", logprob(next)) << "\n";
      }
      ++done;
      auto now = std::chrono::steady_clock::now();
      if (showProgress &&
          (done == totalPositions ||
           std::chrono::duration<double>(now - lastProgress).count() > 0.1)) {
        lastProgress = now;
        double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
        llvm::errs() << "\rkvq-generate: position " << done << "/"
                     << totalPositions << " ("
                     << llvm::format("%.1f", done / seconds) << " tok/s)";
        llvm::errs().flush();
      }
    }
    int64_t *row = reinterpret_cast<int64_t *>(allTokens.data.data()) +
                   s * (promptLength + steps);
    std::copy(p.begin(), p.end(), row);
    std::copy(generated.begin(), generated.end(), row + promptLength);
    if (quiet) {
      for (auto [i, t] : llvm::enumerate(generated))
        llvm::outs() << (i ? " " : "") << t;
      llvm::outs() << "\n";
    } else {
      llvm::outs() << "generated:";
      for (int64_t t : generated)
        llvm::outs() << " " << t;
      llvm::outs() << "\n";
      if (promptLength > 1)
        llvm::outs() << "prompt nll: "
                     << llvm::format("%.6f", promptNll / (promptLength - 1))
                     << " per token over " << promptLength - 1
                     << " tokens (perplexity "
                     << llvm::format("%.4f",
                                     std::exp(promptNll / (promptLength - 1)))
                     << ")\n";
    }
  }
  if (showProgress)
    llvm::errs() << "\n";
  if (!logitsOut.empty())
    if (llvm::Error err = ::kvq::writeNpy(logitsOut, allLogits))
      return fail(llvm::toString(std::move(err)));
  if (!tokensOut.empty())
    if (llvm::Error err = ::kvq::writeNpy(tokensOut, allTokens))
      return fail(llvm::toString(std::move(err)));
  return 0;
}
