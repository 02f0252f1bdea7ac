//===- kvq-import.cpp - checkpoint -> decode-step MLIR ---------------------===//
//
//   kvq-import <checkpoint> [--config config.json] [--format=...] -o out.mlir
//              [--weights=auto|inline|external] [--context=N]
//
// Reads a llama2.c .bin, safetensors (+ config.json) or GGUF checkpoint and
// writes one MLIR module with the model's decode step (docs/import.md).
// Every loading problem is one "kvq-import: error: <file>: <problem>" line
// and exit status 1.
//
//===----------------------------------------------------------------------===//
#include "kvq/Import/Checkpoint.h"
#include "kvq/Import/ModelBuilder.h"
#include "kvq/InitAll.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("kvq-import options");

static cl::opt<std::string>
    inputPath(cl::Positional, cl::desc("<checkpoint file or directory>"),
              cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> outputPath("o", cl::desc("Output .mlir file"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    configPath("config",
               cl::desc("Hugging Face config.json for a safetensors "
                        "checkpoint (default: config.json beside it)"),
               cl::init(""), cl::cat(toolOptions));
static cl::opt<kvq::CheckpointFormat> format(
    "format", cl::desc("Checkpoint format (default: detected from the file)"),
    cl::values(clEnumValN(kvq::CheckpointFormat::Auto, "auto", "detect"),
               clEnumValN(kvq::CheckpointFormat::Llama2C, "llama2c",
                          "llama2.c .bin (legacy or version 1)"),
               clEnumValN(kvq::CheckpointFormat::SafeTensors, "safetensors",
                          "safetensors + config.json"),
               clEnumValN(kvq::CheckpointFormat::GGUF, "gguf", "GGUF v2/v3")),
    cl::init(kvq::CheckpointFormat::Auto), cl::cat(toolOptions));
static cl::opt<kvq::WeightStorage> weights(
    "weights", cl::desc("Where the weights go"),
    cl::values(clEnumValN(kvq::WeightStorage::Auto, "auto",
                          "inline up to --inline-limit-mb, else external"),
               clEnumValN(kvq::WeightStorage::Inline, "inline",
                          "dense_resource blobs in the module"),
               clEnumValN(kvq::WeightStorage::External, "external",
                          "references into the checkpoint, mapped at run "
                          "time")),
    cl::init(kvq::WeightStorage::Auto), cl::cat(toolOptions));
static cl::opt<unsigned> inlineLimit(
    "inline-limit-mb",
    cl::desc("Largest total weight size inlined by --weights=auto (MiB)"),
    cl::init(64), cl::cat(toolOptions));
static cl::opt<int64_t> context(
    "context",
    cl::desc("KV-cache capacity in tokens (default: min(the model's context, "
             "its sliding window, 4096))"),
    cl::init(0), cl::cat(toolOptions));
static cl::opt<std::string>
    functionName("function", cl::desc("Name of the decode function"),
                 cl::init("decode_step"), cl::cat(toolOptions));
static cl::opt<bool> verbose("v", cl::desc("Describe the model on stderr"),
                             cl::init(false), cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kvq-import: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv, "kvq-import: checkpoint -> decode-step MLIR module\n");

  kvq::OpenOptions open;
  open.format = format;
  open.configPath = configPath;
  auto checkpoint = kvq::openCheckpoint(inputPath, open);
  if (!checkpoint)
    return fail(llvm::toString(checkpoint.takeError()));
  const kvq::ModelConfig &c = (*checkpoint)->config;
  if (context < 0)
    return fail("--context must be positive");

  kvq::ImportOptions options;
  options.weights = weights;
  options.inlineLimitBytes = uint64_t(inlineLimit) << 20;
  options.context = context;
  options.functionName = functionName;
  if (verbose)
    llvm::errs() << "kvq-import: " << inputPath << ": "
                 << kvq::checkpointFormatName((*checkpoint)->format) << " "
                 << c.architecture << ", dim " << c.dim << ", hidden "
                 << c.hiddenDim << ", " << c.numLayers << " layers, "
                 << c.numHeads << " q heads, " << c.numKVHeads
                 << " kv heads, head_dim " << c.headDim << ", vocab "
                 << c.vocabSize << ", context "
                 << kvq::importContext(c, options)
                 << (c.tiedEmbeddings ? ", tied embeddings" : "")
                 << (c.qkNorm ? ", q/k norms" : "")
                 << (c.qkvBias ? ", q/k/v biases" : "") << "\n";

  DialectRegistry registry;
  kvq::registerAllDialects(registry);
  MLIRContext ctx(registry);
  auto module = kvq::buildDecodeModule(ctx, **checkpoint, options);
  if (!module)
    return fail(llvm::toString(module.takeError()));

  std::string error;
  auto output = openOutputFile(outputPath, &error);
  if (!output)
    return fail("cannot write '" + outputPath + "': " + error);
  (*module)->print(output->os());
  output->os() << "\n";
  if (output->os().has_error())
    return fail("cannot write '" + outputPath + "'");
  output->keep();
  return 0;
}
