//===- kvq-gpu-aot.cpp - compile a module's decode kernels for a GPU ---===//
//
//   kvq-gpu-aot model.mlir -o out/ [--chip=sm_90] [--features=+ptx80]
//                                  [--max-splits=N] [--tile-tokens=N]
//                                  [--sm-count=N] [--allow-spills]
//
// Builds the fused decode kernels of every kvq.attend configuration in the
// module (kvq-build-gpu-kernels), lowers them to NVVM and PTX, assembles a
// cubin with ptxas when it is available, and writes what a serving stack
// needs to run them with no MLIR present (docs/gpu.md):
//   out/kernels.mlir   the kernels in the gpu dialect (readable)
//   out/kernels.ptx    PTX
//   out/kernels.cubin  the binary (only with ptxas; ptxas.log has its
//                      register and spill report)
//   out/manifest.json  configurations, cache layouts and kernel signatures
// No kernel it writes spills to local memory where that can be helped: an
// attention kernel that ptxas spills under its register cap is rebuilt
// without it (kvq-build-gpu-kernels' `uncapped`), its manifest entry
// recording the fewer blocks per SM that leaves, and spills that remain are
// warnings. --allow-spills keeps the capped kernels and lists their spills.
//
//===----------------------------------------------------------------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/InitAll.h"
#include "kvq/Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("kvq-gpu-aot options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> outDir("o", cl::desc("Output directory"),
                                   cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> chip("chip", cl::desc("GPU architecture"),
                                 cl::init("sm_90"), cl::cat(toolOptions));
static cl::opt<std::string> features("features", cl::desc("PTX features"),
                                     cl::init("+ptx80"), cl::cat(toolOptions));
static cl::opt<int64_t> maxSplits("max-splits",
                                  cl::desc("Largest split-K count (0: auto)"),
                                  cl::init(0), cl::cat(toolOptions));
static cl::opt<int64_t> tileTokens(
    "tile-tokens",
    cl::desc("Tokens per tensor-core tile, 32 or 64 (0: chosen from the "
             "shape)"),
    cl::init(0), cl::cat(toolOptions));
static cl::opt<unsigned> indexBitwidth(
    "index-bitwidth",
    cl::desc("Width of every kernel's index arithmetic, 32 or 64 (0: per "
             "configuration, 32 when its buffers are under 2 GiB and "
             "head_dim <= 128)"),
    cl::init(0), cl::cat(toolOptions));
static cl::opt<int64_t>
    smCount("sm-count",
            cl::desc("SMs of the target GPU the shape-dependent kernel choices "
                     "assume (132: H100 SXM, H200)"),
            cl::init(132), cl::cat(toolOptions));
static cl::opt<bool> allowSpills(
    "allow-spills",
    cl::desc("Keep attention kernels that ptxas spills under their register "
             "cap instead of rebuilding them without it (more blocks per SM; "
             "docs/performance.md has both measured)"),
    cl::init(false), cl::cat(toolOptions));
static cl::list<std::string> uncappedNames(
    "uncapped",
    cl::desc("Attention kernels (by name) to build without their register "
             "cap whether or not ptxas spills them, e.g. to time them "
             "against the capped build"),
    cl::CommaSeparated, cl::cat(toolOptions));
// The rebuild was opt-in under this name until v3.28; scripts may pass it.
static cl::opt<bool> noSpills("no-spills",
                              cl::desc("The default (kept for old scripts)"),
                              cl::init(false), cl::Hidden,
                              cl::cat(toolOptions));
static cl::opt<std::string> ptxasPath(
    "ptxas", cl::desc("ptxas to assemble the cubin with (default: PATH, then "
                      "/usr/local/cuda/bin)"),
    cl::init(""), cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kvq-gpu-aot: error: " << message << "\n";
  return 1;
}

static bool writeFile(StringRef path, StringRef contents) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out) {
    llvm::errs() << "kvq-gpu-aot: error: cannot write '" << path << "': "
                 << error << "\n";
    return false;
  }
  out->os() << contents;
  out->keep();
  return true;
}

static std::string print(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os);
  return s;
}

static llvm::json::Object schemeJson(const ::kvq::TensorLayout &t) {
  const ::kvq::SchemeDesc &s = t.scheme;
  llvm::json::Object o{{"bits", s.bits}};
  if (!s.quantized()) {
    o["data_offset"] = t.dataOffset;
    o["data_bytes"] = t.dataBytes;
    return o;
  }
  o["group"] = s.group;
  o["granularity"] =
      s.granularity == ::kvq::Granularity::PerChannel ? "per_channel"
                                                      : "per_token";
  o["symmetric"] = s.symmetric;
  o["scale_bytes"] = s.scaleBytes;
  o["rotation"] = s.hadamard ? "hadamard" : "none";
  o["window"] = s.window;
  o["words_per_token"] = t.wordsPerToken;
  o["codes_offset"] = t.codesOffset;
  o["scales_offset"] = t.scalesOffset;
  o["zeros_offset"] = t.zerosOffset;
  o["scale_rows"] = t.scaleRows;
  o["scale_cols"] = t.scaleCols;
  o["window_offset"] = t.windowOffset;
  o["window_slots"] = t.windowSlots;
  return o;
}

/// An entry function that `ptxas -v` reports spilling to local memory.
struct Spill {
  std::string entry;
  int64_t bytes = 0, registers = 0;
};

/// The spilling entries of a `ptxas -v` log.
static std::vector<Spill> readSpills(StringRef logPath) {
  std::vector<Spill> spills;
  auto buffer = llvm::MemoryBuffer::getFile(logPath);
  if (!buffer)
    return spills;
  Spill current;
  auto number = [](StringRef line, StringRef after, StringRef before) {
    int64_t n = 0;
    size_t at = line.find(before);
    if (at == StringRef::npos)
      return int64_t(0);
    StringRef head = line.substr(0, at);
    head = head.substr(head.find(after) + after.size()).trim();
    (void)head.substr(head.rfind(' ') + 1).getAsInteger(10, n);
    return n;
  };
  SmallVector<StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n');
  for (StringRef line : lines) {
    StringRef marker = "Compiling entry function '";
    if (size_t at = line.find(marker); at != StringRef::npos) {
      current = {line.substr(at + marker.size()).split('\'').first.str()};
    } else if (line.contains(" bytes spill stores")) {
      current.bytes = number(line, ",", " bytes spill stores");
    } else if (line.contains("Used ") && line.contains(" registers")) {
      current.registers = number(line, "Used ", " registers");
      if (current.bytes > 0 && !current.entry.empty())
        spills.push_back(current);
    }
  }
  return spills;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "kvq-gpu-aot: compile decode kernels for a GPU\n");
  ::kvq::registerAllPasses();
  DialectRegistry registry;
  ::kvq::registerAllDialects(registry);
  MLIRContext context(registry);
  // One line per error: a failing pass would otherwise print the whole module.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  if (allowSpills && noSpills)
    return fail("--allow-spills and --no-spills contradict each other");
  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file)
    return fail("cannot open '" + inputFile + "': " + error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return fail("cannot create '" + outDir + "': " + ec.message());
  auto path = [&](StringRef name) {
    llvm::SmallString<256> p(outDir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  };

  std::string ptxas = ptxasPath;
  if (ptxas.empty()) {
    if (auto found = llvm::sys::findProgramByName("ptxas"))
      ptxas = *found;
    else if (auto cuda = llvm::sys::findProgramByName("ptxas", {"/usr/local/cuda/bin"}))
      ptxas = *cuda;
  }
  if (!ptxasPath.empty() && !llvm::sys::fs::can_execute(ptxasPath))
    return fail("cannot run ptxas '" + ptxasPath + "'");
  if (ptxas.empty())
    llvm::errs() << "kvq-gpu-aot: note: ptxas not found: wrote PTX only (the "
                    "driver can JIT it; install the CUDA toolkit for a cubin)\n";

  // Builds the kernels (those named in `uncapped` without their register
  // cap), lowers them to PTX and assembles the cubin when ptxas is here.
  OwningOpRef<ModuleOp> module;
  ArrayAttr configs;
  std::string ptx;
  std::string log = path("ptxas.log");
  auto compile = [&](ArrayRef<std::string> uncapped) -> int {
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return fail("cannot parse '" + inputFile + "'");
    // 1. Kernels in the gpu dialect.
    PassManager build(&context, ModuleOp::getOperationName());
    std::string buildPipeline =
        "kvq-build-gpu-kernels{kernels-only=true max-splits=" +
        std::to_string(maxSplits) +
        " tile-tokens=" + std::to_string(tileTokens) +
        " index-bitwidth=" + std::to_string(indexBitwidth) +
        " sm-count=" + std::to_string(smCount) +
        (uncapped.empty() ? "" : " uncapped=" + llvm::join(uncapped, ",")) +
        "}";
    if (failed(parsePassPipeline(buildPipeline, build)) ||
        failed(build.run(*module)))
      return fail("building the kernels of '" + inputFile + "' failed");
    configs = (*module)->getAttrOfType<ArrayAttr>("kvq.kernels");
    if (!configs || configs.empty())
      return fail("'" + inputFile + "' has no kvq.attend: nothing to compile");
    if (!writeFile(path("kernels.mlir"), print(*module)))
      return 1;

    // 2. PTX through NVVM.
    ::kvq::LowerToNVVMOptions lower;
    lower.chip = chip;
    lower.features = features;
    lower.format = "isa";
    PassManager pm(&context, ModuleOp::getOperationName());
    ::kvq::buildLowerGPUToNVVMPipeline(pm, lower);
    if (failed(pm.run(*module)))
      return fail("lowering the kernels to PTX failed");
    ptx.clear();
    module->walk([&](gpu::BinaryOp binary) {
      for (Attribute object : binary.getObjects())
        ptx = cast<gpu::ObjectAttr>(object).getObject().str();
    });
    if (ptx.empty())
      return fail("no PTX was produced");
    if (!writeFile(path("kernels.ptx"), ptx))
      return 1;

    // 3. cubin, when ptxas is here.
    if (ptxas.empty())
      return 0;
    std::string ptxFile = path("kernels.ptx"), cubin = path("kernels.cubin");
    llvm::SmallVector<StringRef> args = {ptxas, "-arch", chip, "-O3", "-v",
                                         ptxFile, "-o", cubin};
    std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                            StringRef(log)};
    std::string message;
    int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0,
                                       0, &message);
    if (rc != 0)
      return fail("ptxas failed (" + llvm::Twine(rc) + "): see '" + log + "' " +
                  message);
    return 0;
  };

  // Attention kernels that ptxas spilled are rebuilt without their register
  // cap (at fewer blocks per SM, which their manifest entry records, so the
  // split heuristic sizes its wave for them). Since v3.28 this is the
  // default: it removes the last spill of the surveyed configurations
  // (8x32k K4V2 g64) and measured 1.1-1.6% faster there; on the kernels that
  // spilled in v3.26 it measured from 26% slower to 7% faster, mostly
  // through the split count (docs/performance.md, v3.26 and v3.28).
  std::vector<std::string> asked(uncappedNames.begin(), uncappedNames.end());
  if (int rc = compile(asked))
    return rc;
  bool haveCubin = !ptxas.empty();
  std::vector<Spill> spills;
  if (haveCubin)
    spills = readSpills(log);
  if (!allowSpills) {
    // The attention kernels spilled under a register target below 255 (a
    // kernel with no .maxnreg gets one from ptxas itself, which can spill
    // well below 255 registers too).
    std::vector<std::string> uncapped = asked;
    for (const Spill &spill : spills)
      if (StringRef(spill.entry).starts_with("kvq_attend") &&
          spill.registers < 255)
        uncapped.push_back(spill.entry);
    if (uncapped.size() > asked.size()) {
      ArrayRef<std::string> spilled =
          ArrayRef(uncapped).drop_front(asked.size());
      llvm::errs() << "kvq-gpu-aot: note: rebuilding " << spilled.size()
                   << " attention kernel(s) without the register cap (ptxas "
                      "spilled under it): "
                   << llvm::join(spilled, ", ") << "\n";
      if (int rc = compile(uncapped))
        return rc;
      spills = readSpills(log);
    }
    for (const Spill &spill : spills)
      llvm::errs() << "kvq-gpu-aot: warning: '" << spill.entry << "' spills "
                   << spill.bytes << " bytes to local memory at "
                   << spill.registers << " registers (see '" << log << "')\n";
  } else if (!spills.empty()) {
    llvm::errs() << "kvq-gpu-aot: note: " << spills.size()
                 << " kernel(s) spill to local memory (see '" << log
                 << "'); kept by --allow-spills\n";
  }

  // 4. Manifest.
  llvm::json::Array entries;
  for (Attribute a : configs) {
    auto d = cast<DictionaryAttr>(a);
    auto cache = cast<mlir::kvq::CacheType>(d.getAs<TypeAttr>("cache").getValue());
    ::kvq::CacheLayout layout = mlir::kvq::getCacheLayout(cache);
    auto kernel = [&](StringRef key) {
      auto k = d.getAs<DictionaryAttr>(key);
      llvm::json::Object o{{"name", k.getAs<StringAttr>("name").getValue()},
                           {"block", k.getAs<IntegerAttr>("block").getInt()}};
      for (StringRef extra : {"tile", "blocks_per_sm", "query_slices"})
        if (auto v = k.getAs<IntegerAttr>(extra))
          o[extra] = v.getInt();
      return o;
    };
    std::string elt;
    llvm::raw_string_ostream(elt) << cache.getElementType();
    std::string typeText;
    llvm::raw_string_ostream(typeText) << cache;
    auto integer = [&](StringRef key) {
      return d.getAs<IntegerAttr>(key).getInt();
    };
    entries.push_back(llvm::json::Object{
        {"name", d.getAs<StringAttr>("name").getValue()},
        {"cache_type", typeText},
        {"batch", cache.getBatch()},
        {"kv_heads", cache.getKvHeads()},
        {"query_heads", integer("query_heads")},
        {"capacity", cache.getCapacity()},
        {"head_dim", cache.getHeadDim()},
        {"element_type", elt},
        {"element_bytes", cache.getElementType().getIntOrFloatBitWidth() / 8},
        {"cache_bytes", layout.totalBytes},
        {"append_tokens", integer("append_tokens")},
        {"max_splits", integer("max_splits")},
        {"index_bitwidth", integer("index_bitwidth")},
        {"workspace_bytes", integer("workspace_bytes")},
        {"arrivals_offset", integer("arrivals_offset")},
        {"scale", d.getAs<FloatAttr>("scale").getValueAsDouble()},
        {"keys", schemeJson(layout.keys)},
        {"values", schemeJson(layout.values)},
        {"append", kernel("append")},
        {"attend", kernel("attend")},
    });
  }
  llvm::json::Object manifest{
      {"format", "kvq-gpu-aot/3"},
      {"chip", chip},
      {"sm_count", int64_t(smCount)},
      {"ptx", "kernels.ptx"},
      {"cubin", haveCubin ? llvm::json::Value("kernels.cubin")
                          : llvm::json::Value(nullptr)},
      {"signatures",
       llvm::json::Object{
           {"append", "(cache*, keys[B,H,T,D]*, values[B,H,T,D]*, i64 start); "
                      "grid (B*H, 2), block append.block"},
           {"attend", "(cache*, queries[B,Hq,D]*, lengths[B] i32*, i32 "
                      "use_lengths, workspace f32*, workspace + "
                      "arrivals_offset i32*, out[B,Hq,D]*); grid (splits, "
                      "B*H*attend.query_slices), block attend.block; the "
                      "arrival counts start zeroed and each launch leaves "
                      "them zeroed"}}},
      {"configs", std::move(entries)}};
  std::string text;
  llvm::raw_string_ostream(text)
      << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  if (!writeFile(path("manifest.json"), text))
    return 1;
  llvm::outs() << "kvq-gpu-aot: " << configs.size() << " configuration(s) -> "
               << outDir << (haveCubin ? " (PTX + cubin)" : " (PTX only)")
               << "\n";
  return 0;
}
