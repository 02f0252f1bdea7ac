//===- CpuJit.cpp - run kvq modules on the host CPU ------------------------===//
#include "kvq/Support/CpuJit.h"

#include "kvq/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;

OwningOpRef<ModuleOp> kvq::parseModuleFile(llvm::StringRef path,
                                           MLIRContext &context,
                                           llvm::SourceMgr &sourceMgr,
                                           std::string &error) {
  std::string why;
  auto file = openInputFile(path, &why);
  if (!file) {
    error = ("cannot open module '" + path + "': " + why).str();
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    error = ("cannot parse module '" + path + "'").str();
  return module;
}

bool kvq::ModuleFile::load(llvm::StringRef path, llvm::StringRef name,
                           std::string &error) {
  module = parseModuleFile(path, context, sourceMgr, error);
  if (!module)
    return false;
  entry = module->lookupSymbol<func::FuncOp>(name);
  if (!entry || entry.isExternal()) {
    error = ("module '" + path + "' has no func.func @" + name).str();
    return false;
  }
  return true;
}

llvm::Expected<std::unique_ptr<ExecutionEngine>>
kvq::compileForCPU(ModuleOp module, llvm::StringRef entry, unsigned optLevel,
                   const llvm::StringMap<void *> &symbols) {
  MLIRContext *context = module.getContext();
  if (auto func = module.lookupSymbol<func::FuncOp>(entry))
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(context));
  bool lowered = true;
  module->walk([&](Operation *op) {
    if (!isa<ModuleOp>(op) && op->getDialect() &&
        op->getDialect()->getNamespace() != "llvm")
      lowered = false;
  });
  if (!lowered) {
    PassManager pm(context);
    LowerToCPUOptions options;
    options.resultsToOutParams = true;
    buildLowerToCPUPipeline(pm, options);
    if (failed(pm.run(module)))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "lowering to the CPU failed");
  }
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto optimize = makeOptimizingTransformer(optLevel, 0, nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  auto engine = ExecutionEngine::create(module, engineOptions);
  if (!engine)
    return engine.takeError();
  (*engine)->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    // Strided memref.copy lowers to a call of the runner utils' memrefCopy.
    map[interner("memrefCopy")] = {
        llvm::orc::ExecutorAddr::fromPtr(&memrefCopy),
        llvm::JITSymbolFlags::Exported};
    for (const auto &kv : symbols)
      map[interner(kv.first())] = {llvm::orc::ExecutorAddr::fromPtr(kv.second),
                                   llvm::JITSymbolFlags::Exported};
    return map;
  });
  return std::move(*engine);
}

std::vector<int64_t> kvq::memrefDescriptor(void *data,
                                           llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> d = {reinterpret_cast<int64_t>(data),
                            reinterpret_cast<int64_t>(data), 0};
  d.insert(d.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}

llvm::Error
kvq::invokeWithDescriptors(ExecutionEngine &engine, llvm::StringRef entry,
                           std::vector<std::vector<int64_t>> &descriptors) {
  std::vector<void *> pointers, args;
  for (auto &d : descriptors)
    pointers.push_back(d.data());
  for (void *&p : pointers)
    args.push_back(&p);
  return engine.invokePacked(("_mlir_ciface_" + entry).str(), args);
}
