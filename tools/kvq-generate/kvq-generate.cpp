//===- kvq-generate.cpp - greedy generation with a decode-step module -----===//
//
//   kvq-generate model.mlir --prompt=1 --steps=64 [--key-bits=4 --value-bits=2
//       --group=32 --window=32 ...] [--logits-out=logits.npy] [--progress=on]
//
// Runs a decode step as kvq-import emits it (or any function with the same
// signature, see docs/import.md) on the CPU: JIT-compiles it through
// kvq-lower-to-cpu, feeds the prompt tokens one position at a time, then
// generates greedily (argmax), printing every generated token with its
// log-probability. KV caches are either the module's own tensor caches
// (full precision, double-buffered between steps) or, with --cache=kvq or any
// scheme option, `!kvq.cache` buffers after kvq-raise-attention with the
// chosen key/value schemes.
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
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required);
static cl::opt<std::string> entry("entry", cl::desc("Decode-step function"),
                                  cl::init("decode_step"));
static cl::list<int64_t> prompt("prompt", cl::desc("Prompt token ids"),
                                cl::CommaSeparated, cl::OneOrMore);
static cl::opt<int64_t> steps("steps", cl::desc("Tokens to generate"),
                              cl::init(16));
static cl::opt<std::string>
    logitsOut("logits-out",
              cl::desc("Write the logits of every position to this .npy "
                       "([positions, vocab] f32)"),
              cl::init(""));
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
    cl::init(CacheKind::Auto));
static cl::opt<unsigned> keyBits("key-bits", cl::desc("Key bits (2,3,4,8,16)"),
                                 cl::init(16));
static cl::opt<unsigned> valueBits("value-bits",
                                   cl::desc("Value bits (2,3,4,8,16)"),
                                   cl::init(16));
static cl::opt<unsigned> group("group",
                               cl::desc("Quantization group for keys and "
                                        "values (value group clamped to "
                                        "head_dim)"),
                               cl::init(32));
static cl::opt<unsigned> keyGroup("key-group", cl::desc("Key group (overrides --group)"),
                                  cl::init(0));
static cl::opt<unsigned> valueGroup("value-group",
                                    cl::desc("Value group (overrides --group)"),
                                    cl::init(0));
static cl::opt<unsigned> window("window",
                                cl::desc("Full-precision window in tokens"),
                                cl::init(0));
static cl::opt<std::string> keyGranularity("key-granularity",
                                           cl::init("per_channel"),
                                           cl::desc("per_channel or per_token"));
static cl::opt<std::string> valueGranularity("value-granularity",
                                             cl::init("per_token"),
                                             cl::desc("per_channel or per_token"));
static cl::opt<bool> symmetric("symmetric",
                               cl::desc("Symmetric quantization (keys and "
                                        "values)"),
                               cl::init(false));
static cl::opt<std::string> scaleType("scale-type", cl::init("f16"),
                                      cl::desc("f16, bf16 or f32"));
static cl::opt<std::string> keyRotation("key-rotation", cl::init("none"),
                                        cl::desc("none or hadamard"));
enum class Progress { Auto, On, Off };
static cl::opt<Progress> progress(
    "progress", cl::desc("Progress on stderr"),
    cl::values(clEnumValN(Progress::Auto, "auto",
                          "when stderr is a terminal and the run is long"),
               clEnumValN(Progress::On, "on", "always"),
               clEnumValN(Progress::Off, "off", "never")),
    cl::init(Progress::Auto));
static cl::opt<bool> quiet("quiet",
                           cl::desc("Print only the generated token ids"),
                           cl::init(false));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(2));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kvq-generate: error: " << message << "\n";
  return 1;
}

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
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
                     keyRotation.getNumOccurrences();
  if (steps < 1)
    return fail("--steps must be at least 1");
  if (cacheKind == CacheKind::Tensor && schemeGiven)
    return fail("cache scheme options need --cache=kvq (or auto)");

  DialectRegistry registry;
  ::kvq::registerAllDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  std::string error;
  OwningOpRef<ModuleOp> module =
      ::kvq::parseModuleFile(inputFile, context, sourceMgr, error);
  if (!module)
    return fail(error);
  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return fail("module '" + inputFile + "' has no func.func @" + entry);

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
    raise.window = window;
    PassManager pm(&context);
    pm.addPass(mlir::kvq::createKVQRaiseAttention(raise));
    if (failed(pm.run(*module)))
      return fail("kvq-raise-attention failed on '" + inputFile + "'");
    func = module->lookupSymbol<func::FuncOp>(entry);
    for (Type t : func.getArgumentTypes())
      if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() == 4)
        return fail("kvq-raise-attention left tensor caches in @" + entry +
                    " (see the remarks above); cannot run with --cache=kvq");
  } else if (kind == CacheKind::KVQ && hasKVQCaches && schemeGiven) {
    llvm::errs() << "kvq-generate: note: @" << entry
                 << " already has !kvq.cache arguments; scheme options are "
                    "ignored\n";
  }

  // Checks, lowering, JIT and buffers.
  auto runner = ::kvq::DecodeRunner::create(
      *module, entry, llvm::sys::path::parent_path(inputFile), optLevel);
  if (!runner)
    return fail(llvm::toString(runner.takeError()));
  int64_t vocab = (*runner)->vocab();

  int64_t positions = int64_t(prompt.size()) - 1 + steps;
  int64_t capacity = (*runner)->capacity();
  if (positions > capacity)
    return fail("the prompt (" + llvm::Twine(prompt.size()) + " tokens) and " +
                llvm::Twine(steps) + " steps need " + llvm::Twine(positions) +
                " positions but the KV cache holds " + llvm::Twine(capacity) +
                " (import with a larger --context)");
  for (int64_t t : prompt)
    if (t < 0 || t >= vocab)
      return fail("prompt token " + llvm::Twine(t) + " is outside the "
                  "vocabulary (0.." + llvm::Twine(vocab - 1) + ")");

  bool showProgress = progress == Progress::On ||
                      (progress == Progress::Auto && llvm::errs().is_displayed() &&
                       positions >= 32);
  ::kvq::NpyArray allLogits;
  allLogits.type = ::kvq::NpyDType::F32;
  allLogits.shape = {positions, vocab};
  allLogits.data.resize(size_t(positions * vocab) * 4);

  if (!quiet) {
    llvm::outs() << "prompt:";
    for (int64_t t : prompt)
      llvm::outs() << " " << t;
    llvm::outs() << "\n";
  }
  std::vector<int64_t> generated;
  int64_t token = prompt[0];
  auto start = std::chrono::steady_clock::now();
  auto lastProgress = start - std::chrono::seconds(1);
  for (int64_t pos = 0; pos < positions; ++pos) {
    if (pos < int64_t(prompt.size()))
      token = prompt[pos];
    if (llvm::Error err = (*runner)->step(token, pos))
      return fail("calling @" + entry + " at position " + llvm::Twine(pos) +
                  " failed: " + llvm::toString(std::move(err)));
    const float *logits = (*runner)->logits();
    std::memcpy(allLogits.data.data() + size_t(pos * vocab) * 4, logits,
                size_t(vocab) * 4);
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
    double logprob = double(logits[best]) - max - std::log(sum);
    if (pos + 1 >= int64_t(prompt.size())) {
      generated.push_back(best);
      token = best;
      if (!quiet)
        llvm::outs() << "step " << generated.size() - 1 << ": pos " << pos
                     << " token " << best << " logprob "
                     << llvm::format("%.6f", logprob) << "\n";
    }
    auto now = std::chrono::steady_clock::now();
    if (showProgress &&
        (pos + 1 == positions ||
         std::chrono::duration<double>(now - lastProgress).count() > 0.1)) {
      lastProgress = now;
      double seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      llvm::errs() << "\rkvq-generate: position " << pos + 1 << "/" << positions
                   << " (" << llvm::format("%.1f", (pos + 1) / seconds)
                   << " tok/s)";
      llvm::errs().flush();
    }
  }
  if (showProgress)
    llvm::errs() << "\n";
  if (quiet) {
    for (auto [i, t] : llvm::enumerate(generated))
      llvm::outs() << (i ? " " : "") << t;
    llvm::outs() << "\n";
  } else {
    llvm::outs() << "generated:";
    for (int64_t t : generated)
      llvm::outs() << " " << t;
    llvm::outs() << "\n";
  }
  if (!logitsOut.empty())
    if (llvm::Error err = ::kvq::writeNpy(logitsOut, allLogits))
      return fail(llvm::toString(std::move(err)));
  return 0;
}
