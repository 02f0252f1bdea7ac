//===- kvq-calibrate.cpp - measured key/value sensitivities per width -----===//
//
//   kvq-calibrate model.mlir -o table.json [--widths=2,3,4,8] [--per-head] \
//       (--stream=1,5,9,... | --streams=4 --length=32 --seed=7)
//
// The measurement of the `calibrated` allocation policy (docs/allocation.md).
// For every layer l (with --per-head: every KV head h of every layer l),
// tensor (keys, values) and width b, the decode step runs on the CPU
// (kvq-raise-attention, kvq-lower-to-cpu, JIT) with ONLY that tensor of that
// layer (or head) quantized at b and every other cache tensor at 16 bits
// (f16), teacher-forced on calibration token streams, and is compared with
// the all-16-bit run on the same tokens:
//
//   attention_mse  mean over streams, positions, query heads and channels of
//                  (o_l - o_l^16)^2, o_l the output of layer l's kvq.attend
//                  (softmax(q K^T s) V, before the O projection). Layers
//                  before l are unchanged, so this is exactly the error the
//                  quantized tensor causes in its own attention output. Per
//                  head the mean is still over all of layer l's query heads
//                  (only head h's group differs), so a layer's value is the
//                  sum of its heads'.
//   kl             mean over positions of KL(p^16 || p) of the next-token
//                  distributions (end-to-end sensitivity, through the O
//                  projection and every later layer).
//
// A single head is quantized by splitting its layer's cache into one cache
// per KV head (kvq-split-heads, as the allocation itself runs), every other
// head at 16 bits. Variants are independent and run on a thread pool
// (--jobs); each is deterministic, so the table does not depend on it.
//
// The JSON table feeds `kvq-assign-bits policy=calibrated sensitivity=FILE`.
//
//===----------------------------------------------------------------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"
#include "kvq/InitAll.h"
#include "kvq/Support/CpuJit.h"
#include "kvq/Support/DecodeRunner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <random>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("kvq-calibrate options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> outputFile("o",
                                       cl::desc("JSON table ('-': stdout)"),
                                       cl::init("-"), cl::cat(toolOptions));
static cl::opt<std::string> entry("entry", cl::desc("Decode-step function"),
                                  cl::init("decode_step"),
                                  cl::cat(toolOptions));
static cl::list<unsigned> widths("widths",
                                 cl::desc("Quantized widths to measure "
                                          "(kernel widths 2,3,4,8; 16 is the "
                                          "reference, error 0)"),
                                 cl::CommaSeparated, cl::cat(toolOptions));
static cl::list<std::string>
    streamList("stream",
               cl::desc("A calibration stream of token ids, comma separated "
                        "(repeatable); replaces the generated streams"),
               cl::cat(toolOptions));
static cl::opt<unsigned> numStreams("streams", cl::desc("Generated streams"),
                                    cl::init(4), cl::cat(toolOptions));
static cl::opt<unsigned> length("length",
                                cl::desc("Tokens per generated stream"),
                                cl::init(32), cl::cat(toolOptions));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Sampling seed of the generated "
                                       "streams (keep it apart from the "
                                       "evaluation's)"),
                              cl::init(1234), cl::cat(toolOptions));
static cl::opt<int64_t> startToken("start-token",
                                   cl::desc("First token of generated streams "
                                            "(BOS)"),
                                   cl::init(1), cl::cat(toolOptions));
static cl::opt<double> temperature("temperature",
                                   cl::desc("Sampling temperature of the "
                                            "generated streams"),
                                   cl::init(1.0), cl::cat(toolOptions));
static cl::opt<unsigned> keyGroup("key-group",
                                  cl::desc("Key group of quantized schemes (0: "
                                           "as kvq-assign-bits)"),
                                  cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned> valueGroup("value-group",
                                    cl::desc("Value group of quantized schemes "
                                             "(0: as kvq-assign-bits)"),
                                    cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(2), cl::cat(toolOptions));
static cl::opt<bool> perHead("per-head",
                             cl::desc("Measure every KV head of every layer "
                                      "(rows with a 'head': the calibrated "
                                      "policy's granularity=head)"),
                             cl::init(false), cl::cat(toolOptions));
static cl::opt<unsigned> jobs("jobs",
                              cl::desc("Variants compiled and run at once "
                                       "(0: all cores)"),
                              cl::init(0), cl::cat(toolOptions));
static cl::opt<bool> verbose("v", cl::desc("Progress on stderr"),
                             cl::init(false), cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kvq-calibrate: error: " << message << "\n";
  return 1;
}

namespace {
struct Layer {
  int64_t layer;
  unsigned arg;                // the !kvq.cache argument
  mlir::kvq::CacheType type;   // its type with 16-bit keys and values
  /// Its type in the input: the template of the quantized schemes (group,
  /// granularity, window, ... as kvq-assign-bits keeps them).
  mlir::kvq::CacheType templ;
  unsigned result;             // its attention output among the extras
  int64_t outElements = 0;
};

/// Per stream and position: logits and every layer's attention output.
struct Trace {
  std::vector<std::vector<float>> logits;              // [pos][vocab]
  std::vector<std::vector<std::vector<float>>> attn;   // [layer][pos][elems]
};
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "kvq-calibrate: measured per-layer (or per-KV-head) key/value "
      "sensitivity per width\n");

  std::vector<unsigned> ws(widths.begin(), widths.end());
  if (ws.empty())
    ws = {2, 3, 4, 8};
  std::sort(ws.begin(), ws.end());
  ws.erase(std::unique(ws.begin(), ws.end()), ws.end());
  ws.erase(std::remove(ws.begin(), ws.end(), 16u), ws.end());
  for (unsigned w : ws)
    if (w != 2 && w != 3 && w != 4 && w != 8)
      return fail("--widths: " + llvm::Twine(w) +
                  " is not a kernel width (2, 3, 4, 8, 16)");

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
  std::string weightsDir = llvm::sys::path::parent_path(inputFile).str();

  // Tensor caches (kvq-import): raise them to !kvq.cache with 16-bit keys
  // and values. Existing !kvq.cache arguments are the templates of the
  // quantized schemes (as in kvq-assign-bits).
  bool hasTensorCaches = llvm::any_of(func.getArgumentTypes(), [](Type t) {
    auto r = dyn_cast<RankedTensorType>(t);
    return r && r.getRank() == 4;
  });
  if (hasTensorCaches) {
    mlir::kvq::KVQRaiseAttentionOptions raise;
    raise.keyBits = 16;
    raise.valueBits = 16;
    PassManager pm(&context);
    pm.addPass(mlir::kvq::createKVQRaiseAttention(raise));
    if (failed(pm.run(*module)))
      return fail("kvq-raise-attention failed on '" + inputFile + "'");
    func = module->lookupSymbol<func::FuncOp>(entry);
    for (Type t : func.getArgumentTypes())
      if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() == 4)
        return fail("kvq-raise-attention left tensor caches in @" + entry);
  }

  // The caches, their layers, and their attention outputs (returned as
  // extra results).
  std::vector<Layer> layers;
  std::map<unsigned, size_t> byArg;
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<mlir::kvq::CacheType>(arg.getType());
    if (!type)
      continue;
    Layer l;
    l.arg = arg.getArgNumber();
    l.templ = type;
    l.layer = int64_t(layers.size());
    if (auto a = func.getArgAttrOfType<IntegerAttr>(l.arg, "kvq.layer"))
      l.layer = a.getInt();
    for (Operation *user : arg.getUsers())
      if (auto b = dyn_cast<mlir::kvq::BindProjectionsOp>(user))
        l.layer = b.getLayer();
    l.type = mlir::kvq::CacheType::get(
        &context, type.getBatch(), type.getKvHeads(), type.getCapacity(),
        type.getHeadDim(), type.getElementType(),
        mlir::kvq::allocatedScheme(type, true, 16),
        mlir::kvq::allocatedScheme(type, false, 16));
    byArg[l.arg] = layers.size();
    layers.push_back(l);
  }
  if (layers.empty())
    return fail("@" + entry + " has no KV caches");
  std::vector<Value> outs(layers.size());
  WalkResult walk = func.walk([&](mlir::kvq::AttendOp op) {
    auto arg = dyn_cast<BlockArgument>(op.getCache());
    if (!arg || !byArg.count(arg.getArgNumber()) ||
        outs[byArg[arg.getArgNumber()]])
      return WalkResult::interrupt();
    outs[byArg[arg.getArgNumber()]] = op.getOutput();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted() || llvm::any_of(outs, [](Value v) { return !v; }))
    return fail("@" + entry + ": every cache argument must be attended "
                "exactly once (kvq.attend) in the function body");
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  unsigned firstExtra = ret.getNumOperands();
  for (auto [i, v] : llvm::enumerate(outs)) {
    if (!cast<ShapedType>(v.getType()).getElementType().isF32())
      return fail("layer attention outputs must be f32");
    layers[i].result = i;
    layers[i].outElements = cast<ShapedType>(v.getType()).getNumElements();
    ret->insertOperands(ret.getNumOperands(), v);
  }
  (void)firstExtra;
  // Every cache at 16 bits: the reference.
  for (Layer &l : layers)
    func.getArgument(l.arg).setType(l.type);
  func.setType(FunctionType::get(&context, func.getBody().getArgumentTypes(),
                                 ret.getOperandTypes()));

  // Runs a variant on every stream (generating them first when asked).
  std::vector<std::vector<int64_t>> streams;
  for (const std::string &s : streamList) {
    std::vector<int64_t> ids;
    for (llvm::StringRef t : llvm::split(s, ',')) {
      int64_t v;
      if (t.trim().getAsInteger(10, v))
        return fail("--stream: '" + t + "' is not a token id");
      ids.push_back(v);
    }
    if (ids.empty())
      return fail("--stream: empty stream");
    streams.push_back(ids);
  }
  bool generate = streams.empty();
  if (generate && (numStreams < 1 || length < 1))
    return fail("--streams and --length must be at least 1");

  auto start = std::chrono::steady_clock::now();
  // The variant of `layer` (-1: the reference) with `bits` keys or values,
  // of KV head `head` only when >= 0.
  auto compile = [&](int64_t layer, int64_t head, bool key, unsigned bits)
      -> llvm::Expected<std::unique_ptr<::kvq::DecodeRunner>> {
    OwningOpRef<ModuleOp> copy = module->clone();
    if (layer >= 0) {
      auto f = copy->lookupSymbol<func::FuncOp>(entry);
      const Layer &l = *llvm::find_if(
          layers, [&](const Layer &x) { return x.layer == layer; });
      mlir::kvq::SchemeAttr ks =
          key ? mlir::kvq::allocatedScheme(l.templ, true, bits, keyGroup)
              : l.type.getKeys();
      mlir::kvq::SchemeAttr vs =
          key ? l.type.getValues()
              : mlir::kvq::allocatedScheme(l.templ, false, bits, valueGroup);
      auto emitErr = [&]() { return mlir::emitError(f.getLoc()); };
      if (failed(mlir::kvq::CacheType::verifyInvariants(
              emitErr, l.type.getBatch(), l.type.getKvHeads(),
              l.type.getCapacity(), l.type.getHeadDim(),
              l.type.getElementType(), ks, vs)))
        return llvm::createStringError("invalid quantized scheme");
      auto t = mlir::kvq::CacheType::get(
          &context, l.type.getBatch(), l.type.getKvHeads(),
          l.type.getCapacity(), l.type.getHeadDim(), l.type.getElementType(),
          ks, vs);
      f.getArgument(l.arg).setType(t);
      SmallVector<Type> inputs(f.getArgumentTypes());
      inputs[l.arg] = t;
      f.setType(FunctionType::get(&context, inputs, f.getResultTypes()));
      if (head >= 0) {
        // Only `head` at `bits`: kvq-split-heads gives every KV head its
        // own cache, the others unquantized.
        Builder b(&context);
        SmallVector<double> kb(l.type.getKvHeads(), 16.0),
            vb(l.type.getKvHeads(), 16.0);
        (key ? kb : vb)[head] = bits;
        f.setArgAttr(l.arg, "kvq.key_head_bits", b.getF64ArrayAttr(kb));
        f.setArgAttr(l.arg, "kvq.value_head_bits", b.getF64ArrayAttr(vb));
        PassManager pm(&context);
        pm.addPass(mlir::kvq::createKVQSplitHeads());
        if (failed(pm.run(*copy)))
          return llvm::createStringError("kvq-split-heads failed");
      }
    }
    return ::kvq::DecodeRunner::create(*copy, entry, weightsDir, optLevel);
  };
  auto run = [&](::kvq::DecodeRunner &r, Trace *trace,
                 std::vector<std::vector<int64_t>> &ss, bool gen,
                 const std::vector<Trace> *ref, std::vector<double> *attnErr,
                 double *kl) -> llvm::Error {
    std::mt19937_64 rng(seed);
    int64_t vocab = r.vocab();
    double klSum = 0, attnSum = 0;
    int64_t count = 0;
    size_t n = gen ? numStreams : ss.size();
    for (size_t s = 0; s < n; ++s) {
      if (gen)
        ss.push_back({startToken});
      size_t len = gen ? length : ss[s].size();
      if (int64_t(len) > r.capacity())
        return llvm::createStringError(llvm::formatv(
            "stream {0} has {1} tokens but the KV cache holds {2}", s, len,
            r.capacity()));
      r.reset();
      for (size_t pos = 0; pos < len; ++pos) {
        int64_t tok = ss[s][pos];
        if (tok < 0 || tok >= vocab)
          return llvm::createStringError(llvm::formatv(
              "token {0} is outside the vocabulary (0..{1})", tok, vocab - 1));
        if (llvm::Error e = r.step(tok, int64_t(pos)))
          return e;
        const float *lg = r.logits();
        if (trace) {
          trace->logits.emplace_back(lg, lg + vocab);
          trace->attn.resize(layers.size());
          for (size_t l = 0; l < layers.size(); ++l) {
            const float *o = r.extraResult(layers[l].result);
            trace->attn[l].emplace_back(o, o + layers[l].outElements);
          }
        }
        if (gen && pos + 1 < len) {
          // Sample the next token (a portable inverse-CDF draw).
          double mx = -INFINITY;
          for (int64_t v = 0; v < vocab; ++v)
            mx = std::max(mx, double(lg[v]));
          std::vector<double> p(vocab);
          double sum = 0;
          for (int64_t v = 0; v < vocab; ++v)
            sum += p[v] = std::exp((double(lg[v]) - mx) / temperature);
          double u = double(rng() >> 11) * 0x1.0p-53 * sum, acc = 0;
          int64_t next = vocab - 1;
          for (int64_t v = 0; v < vocab; ++v)
            if ((acc += p[v]) > u) {
              next = v;
              break;
            }
          ss[s].push_back(next);
        }
        if (ref) {
          const Trace &t = (*ref)[s];
          const std::vector<float> &rl = t.logits[pos];
          auto lse = [&](auto get) {
            double mx = -INFINITY, sum = 0;
            for (int64_t v = 0; v < vocab; ++v)
              mx = std::max(mx, double(get(v)));
            for (int64_t v = 0; v < vocab; ++v)
              sum += std::exp(double(get(v)) - mx);
            return mx + std::log(sum);
          };
          double lr = lse([&](int64_t v) { return rl[v]; });
          double lq = lse([&](int64_t v) { return lg[v]; });
          double k = 0;
          for (int64_t v = 0; v < vocab; ++v) {
            double a = double(rl[v]) - lr, b = double(lg[v]) - lq;
            k += std::exp(a) * (a - b);
          }
          klSum += std::max(k, 0.0);
          for (size_t l = 0; l < layers.size(); ++l) {
            const float *o = r.extraResult(layers[l].result);
            const std::vector<float> &ro = t.attn[l][pos];
            double e = 0;
            for (int64_t i = 0; i < layers[l].outElements; ++i)
              e += (double(o[i]) - ro[i]) * (double(o[i]) - ro[i]);
            (*attnErr)[l] += e / double(layers[l].outElements);
          }
          ++count;
        }
      }
    }
    if (ref) {
      *kl = klSum / double(count);
      for (double &e : *attnErr)
        e /= double(count);
    }
    (void)attnSum;
    return llvm::Error::success();
  };

  // The reference.
  auto refRunner = compile(-1, -1, true, 16);
  if (!refRunner)
    return fail("compiling '" + inputFile +
                "' failed: " + llvm::toString(refRunner.takeError()));
  std::vector<Trace> ref(generate ? numStreams : streams.size());
  {
    std::vector<std::vector<int64_t>> ss = streams;
    if (generate)
      ss.clear();
    // One trace per stream: run stream by stream.
    Trace all;
    if (llvm::Error e = run(**refRunner, &all, ss, generate, nullptr, nullptr,
                            nullptr))
      return fail(llvm::toString(std::move(e)));
    streams = ss;
    size_t at = 0;
    for (size_t s = 0; s < streams.size(); ++s) {
      size_t len = streams[s].size();
      ref[s].logits.assign(all.logits.begin() + at,
                           all.logits.begin() + at + len);
      ref[s].attn.resize(layers.size());
      for (size_t l = 0; l < layers.size(); ++l)
        ref[s].attn[l].assign(all.attn[l].begin() + at,
                              all.attn[l].begin() + at + len);
      at += len;
    }
  }
  refRunner->reset();

  // Every (layer[, head], tensor, width): independent variants, each
  // compiled and run on its own (one compilation each dominates the cost),
  // so they run on a thread pool. The reference compiled every dialect the
  // pipeline needs; load the rest too so no thread loads one concurrently.
  struct Variant {
    size_t li;
    int64_t head;
    bool key;
    unsigned bits;
    double mse = 0, kl = 0;
    std::string error;
  };
  std::vector<Variant> variants;
  for (size_t li = 0; li < layers.size(); ++li)
    for (int64_t h = 0; h < (perHead ? layers[li].type.getKvHeads() : 1); ++h)
      for (bool key : {true, false})
        for (unsigned w : ws)
          variants.push_back(Variant{li, perHead ? h : -1, key, w, 0, 0, ""});
  context.loadAllAvailableDialects();
  std::mutex progress;
  auto measure = [&](Variant &v) {
    const Layer &l = layers[v.li];
    auto runner = compile(l.layer, v.head, v.key, v.bits);
    if (!runner) {
      v.error = "compiling '" + inputFile +
                "' failed: " + llvm::toString(runner.takeError());
      return;
    }
    std::vector<double> attnErr(layers.size(), 0.0);
    std::vector<std::vector<int64_t>> ss = streams;
    if (llvm::Error e = run(**runner, nullptr, ss, false, &ref, &attnErr, &v.kl))
      v.error = llvm::toString(std::move(e));
    v.mse = attnErr[v.li];
    if (verbose) {
      std::lock_guard<std::mutex> lock(progress);
      llvm::errs() << llvm::formatv(
          "kvq-calibrate: layer {0}{1} {2} {3} bits: attention mse {4:e4}, "
          "kl {5:e4} ({6:f1} s)\n",
          l.layer, v.head >= 0 ? llvm::formatv(" head {0}", v.head).str() : "",
          v.key ? "keys" : "values", v.bits, v.mse, v.kl,
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
              .count());
    }
  };
  {
    llvm::DefaultThreadPool pool(llvm::hardware_concurrency(jobs));
    for (Variant &v : variants)
      pool.async([&measure, &v] { measure(v); });
    pool.wait();
  }
  for (const Variant &v : variants)
    if (!v.error.empty())
      return fail(v.error);

  llvm::json::Array layerRows;
  auto it = variants.begin();
  for (const Layer &l : layers) {
    size_t li = &l - layers.data();
    double ms = 0;
    int64_t cnt = 0;
    for (const Trace &t : ref)
      for (const std::vector<float> &o : t.attn[li]) {
        for (float x : o)
          ms += double(x) * x;
        cnt += int64_t(o.size());
      }
    for (int64_t h = 0; h < (perHead ? l.type.getKvHeads() : 1); ++h) {
      llvm::json::Object row;
      row["layer"] = l.layer;
      if (perHead)
        row["head"] = h;
      row["attention_ms"] = ms / double(cnt);
      for (bool key : {true, false}) {
        llvm::json::Array mse, kls;
        for (size_t j = 0; j < ws.size(); ++j, ++it) {
          mse.push_back(it->mse);
          kls.push_back(it->kl);
        }
        mse.push_back(0.0); // 16 bits: the reference itself
        kls.push_back(0.0);
        llvm::json::Object t;
        t["attention_mse"] = std::move(mse);
        t["kl"] = std::move(kls);
        row[key ? "key" : "value"] = std::move(t);
      }
      layerRows.push_back(std::move(row));
    }
  }

  llvm::json::Object out;
  out["tool"] = "kvq-calibrate";
  out["model"] = std::string(inputFile);
  out["entry"] = std::string(entry);
  out["granularity"] = perHead ? "head" : "layer";
  llvm::json::Array wj;
  for (unsigned w : ws)
    wj.push_back(w);
  wj.push_back(16);
  out["widths"] = std::move(wj);
  out["metrics"] = llvm::json::Array{"attention_mse", "kl"};
  llvm::json::Object sj;
  sj["generated"] = generate;
  if (generate) {
    sj["seed"] = int64_t(seed);
    sj["start_token"] = int64_t(startToken);
    sj["temperature"] = double(temperature);
  }
  llvm::json::Array tj;
  int64_t positions = 0;
  for (const auto &s : streams) {
    llvm::json::Array a;
    for (int64_t t : s)
      a.push_back(t);
    positions += int64_t(s.size());
    tj.push_back(std::move(a));
  }
  sj["positions"] = positions;
  sj["tokens"] = std::move(tj);
  out["streams"] = std::move(sj);
  out["layers"] = std::move(layerRows);

  std::unique_ptr<llvm::ToolOutputFile> file =
      openOutputFile(outputFile, &error);
  if (!file)
    return fail("cannot write '" + outputFile + "': " + error);
  file->os() << llvm::formatv("{0:2}", llvm::json::Value(std::move(out)))
             << "\n";
  file->keep();
  return 0;
}
