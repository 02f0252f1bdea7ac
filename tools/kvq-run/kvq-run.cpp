//===- kvq-run.cpp - JIT-run a function of a kvq module on the CPU ---------===//
//
//   kvq-run module.mlir [--entry=main] [--input=x.npy]... [--output=y.npy]...
//
// Lowers the module with kvq-lower-to-cpu (unless it is already in the LLVM
// dialect), JIT-compiles it with MLIR's ExecutionEngine, calls the entry
// function with the .npy inputs as its tensor arguments (in order), and
// writes its tensor results to the --output files (in order) or prints them.
//
//===----------------------------------------------------------------------===//
#include "kvq/InitAll.h"
#include "kvq/Support/CpuJit.h"
#include "kvq/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("kvq-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> entry("entry", cl::desc("Function to call"),
                                  cl::init("main"), cl::cat(toolOptions));
static cl::list<std::string> inputs("input",
                                    cl::desc("An .npy file per argument, in order"), cl::cat(toolOptions));
static cl::list<std::string>
    outputs("output", cl::desc("An .npy file per result, in order (default: "
                               "print the results)"), cl::cat(toolOptions));
static cl::opt<bool> allowNonFinite(
    "allow-nonfinite",
    cl::desc("Accept NaN and infinite input values (default: reject them; "
             "docs/storage-format.md says what quantization does with them)"),
    cl::init(false), cl::cat(toolOptions));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(2), cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kvq-run: error: " << message << "\n";
  return 1;
}

/// The .npy dtype that carries `type`, if any.
static std::optional<kvq::NpyDType> dtypeFor(Type type) {
  if (type.isF16())
    return kvq::NpyDType::F16;
  if (type.isBF16()) // NumPy has no bfloat16: the raw bits as u16
    return kvq::NpyDType::U16;
  if (type.isF32())
    return kvq::NpyDType::F32;
  if (type.isF64())
    return kvq::NpyDType::F64;
  if (type.isInteger(8))
    return kvq::NpyDType::I8;
  if (type.isInteger(16))
    return kvq::NpyDType::I16;
  if (type.isInteger(32))
    return kvq::NpyDType::I32;
  if (type.isInteger(64))
    return kvq::NpyDType::I64;
  return std::nullopt;
}

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// True when no 16-bit float of `a` has an all-ones exponent (`exponent`
/// masks it): neither infinite nor NaN.
static bool allFinite16(const kvq::NpyArray &a, uint16_t exponent) {
  for (int64_t i = 0, n = a.numElements(); i < n; ++i) {
    uint16_t bits;
    std::memcpy(&bits, a.data.data() + 2 * i, 2);
    if ((bits & exponent) == exponent)
      return false;
  }
  return true;
}

/// True when every element is finite (f16 and bf16, whose bits u16 arrays
/// carry, checked on their bit patterns).
static bool allFinite(const kvq::NpyArray &a) {
  int64_t n = a.numElements();
  switch (a.type) {
  case kvq::NpyDType::U16:
    return allFinite16(a, 0x7f80);
  case kvq::NpyDType::F16:
    return allFinite16(a, 0x7c00);
  case kvq::NpyDType::F32:
    for (int64_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, a.data.data() + 4 * i, 4);
      if (!std::isfinite(v))
        return false;
    }
    return true;
  case kvq::NpyDType::F64:
    for (int64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, a.data.data() + 8 * i, 8);
      if (!std::isfinite(v))
        return false;
    }
    return true;
  default:
    return true;
  }
}

static void printArray(const kvq::NpyArray &a, unsigned index) {
  llvm::outs() << "result " << index << ": " << kvq::npyDescr(a.type) << " "
               << a.shapeString();
  int64_t n = a.numElements();
  if (n > 256) {
    llvm::outs() << " (" << n << " elements; use --output to save)\n";
    return;
  }
  llvm::outs() << "\n ";
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t *p = a.data.data() + i * kvq::npyElementSize(a.type);
    switch (a.type) {
    case kvq::NpyDType::F32: {
      float v;
      std::memcpy(&v, p, 4);
      llvm::outs() << " " << llvm::format("%.6g", v);
      break;
    }
    case kvq::NpyDType::F64: {
      double v;
      std::memcpy(&v, p, 8);
      llvm::outs() << " " << llvm::format("%.9g", v);
      break;
    }
    case kvq::NpyDType::I8:
      llvm::outs() << " " << int(int8_t(*p));
      break;
    case kvq::NpyDType::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      llvm::outs() << " " << v;
      break;
    }
    case kvq::NpyDType::I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      llvm::outs() << " " << v;
      break;
    }
    default: {
      uint64_t v = 0;
      std::memcpy(&v, p, kvq::npyElementSize(a.type));
      llvm::outs() << " 0x" << llvm::utohexstr(v);
    }
    }
  }
  llvm::outs() << "\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "kvq-run: JIT-run a kvq module on the CPU\n");

  DialectRegistry registry;
  kvq::registerAllDialects(registry);
  MLIRContext context(registry);
  kvq::ModuleFile input(context);
  std::string error;
  if (!input.load(inputFile, entry, error))
    return fail(error);
  OwningOpRef<ModuleOp> &module = input.module;
  func::FuncOp func = input.entry;
  FunctionType signature = func.getFunctionType();
  if (inputs.size() != signature.getNumInputs())
    return fail("@" + entry + " takes " + llvm::Twine(signature.getNumInputs()) +
                " argument(s) but " + llvm::Twine(inputs.size()) +
                " --input file(s) were given");
  if (!outputs.empty() && outputs.size() != signature.getNumResults())
    return fail("@" + entry + " returns " +
                llvm::Twine(signature.getNumResults()) + " result(s) but " +
                llvm::Twine(outputs.size()) + " --output file(s) were given");
  for (const std::string &out : outputs)
    for (const std::string &in : inputs)
      if (llvm::sys::fs::equivalent(in, out))
        return fail("output '" + out + "' would overwrite input '" + in + "'");

  // Inputs: each .npy must match its tensor argument.
  std::vector<kvq::NpyArray> arrays;
  for (auto [i, type] : llvm::enumerate(signature.getInputs())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return fail("argument " + llvm::Twine(i) + " of @" + entry + " has type " +
                  typeString(type) +
                  "; kvq-run passes ranked tensors only (create caches inside "
                  "the function)");
    std::optional<kvq::NpyDType> dtype = dtypeFor(tensor.getElementType());
    if (!dtype)
      return fail("argument " + llvm::Twine(i) + " element type " +
                  typeString(tensor.getElementType()) +
                  " has no .npy equivalent (convert inside the function)");
    auto array = kvq::readNpy(inputs[i]);
    if (!array)
      return fail("input " + llvm::Twine(i) + ": " +
                  llvm::toString(array.takeError()));
    bool u8ForI8 = *dtype == kvq::NpyDType::I8 && array->type == kvq::NpyDType::U8;
    if (array->type != *dtype && !u8ForI8)
      return fail("input " + llvm::Twine(i) + " '" + inputs[i] + "' has dtype " +
                  kvq::npyDescr(array->type) + " but argument " +
                  llvm::Twine(i) + " is " + typeString(type) + " (dtype " +
                  kvq::npyDescr(*dtype) + ")");
    bool shapeOk = int64_t(array->shape.size()) == tensor.getRank();
    for (int64_t d = 0; shapeOk && d < tensor.getRank(); ++d)
      shapeOk = tensor.isDynamicDim(d) ||
                tensor.getDimSize(d) == array->shape[d];
    if (!shapeOk)
      return fail("input " + llvm::Twine(i) + " '" + inputs[i] + "' has shape " +
                  array->shapeString() + " but argument " + llvm::Twine(i) +
                  " is " + typeString(type));
    if (!allowNonFinite && !allFinite(*array))
      return fail("input " + llvm::Twine(i) + " '" + inputs[i] +
                  "' contains NaN or infinite values (pass --allow-nonfinite "
                  "to run anyway)");
    arrays.push_back(std::move(*array));
  }
  std::vector<kvq::NpyArray> results;
  for (auto [i, type] : llvm::enumerate(signature.getResults())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::optional<kvq::NpyDType> dtype =
        tensor ? dtypeFor(tensor.getElementType()) : std::nullopt;
    if (!tensor || !tensor.hasStaticShape() || !dtype)
      return fail("result " + llvm::Twine(i) + " of @" + entry + " has type " +
                  typeString(type) +
                  "; kvq-run returns statically shaped tensors of f16, bf16 "
                  "(as u16 bits), f32, f64 or integers");
    kvq::NpyArray out;
    out.type = *dtype;
    out.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    out.data.assign(out.numElements() * kvq::npyElementSize(*dtype), 0);
    results.push_back(std::move(out));
  }

  // Lower (unless already lowered), JIT and call.
  auto engine = kvq::compileForCPU(*module, entry, optLevel);
  if (!engine)
    return fail("compiling '" + inputFile +
                "' failed: " + llvm::toString(engine.takeError()));
  std::vector<std::vector<int64_t>> descriptors;
  for (kvq::NpyArray &a : arrays)
    descriptors.push_back(kvq::memrefDescriptor(a.data.data(), a.shape));
  for (kvq::NpyArray &r : results)
    descriptors.push_back(kvq::memrefDescriptor(r.data.data(), r.shape));
  if (llvm::Error err =
          kvq::invokeWithDescriptors(**engine, entry, descriptors))
    return fail("calling @" + entry + " failed: " + llvm::toString(std::move(err)));

  for (auto [i, r] : llvm::enumerate(results)) {
    if (outputs.empty()) {
      printArray(r, i);
      continue;
    }
    if (llvm::Error err = kvq::writeNpy(outputs[i], r))
      return fail("output " + llvm::Twine(i) + ": " + llvm::toString(std::move(err)));
  }
  return 0;
}
