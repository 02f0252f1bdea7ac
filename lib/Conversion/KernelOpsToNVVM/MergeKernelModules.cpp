//===- MergeKernelModules.cpp - the kvq-merge-kernel-modules pass --------===//
//
// Kernels of different index widths live in different gpu.modules until
// they are NVVM; this folds them back into one module, hence one binary.
//
//===----------------------------------------------------------------------===//
#include "kvq/Conversion/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::kvq {
#define GEN_PASS_DEF_MERGEKERNELMODULES
#include "kvq/Conversion/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;

namespace {
/// Whether everything in `module` has been converted to LLVM/NVVM.
LogicalResult checkConverted(gpu::GPUModuleOp module) {
  for (Operation &op : module.getBody()->getOperations()) {
    StringRef dialect = op.getDialect() ? op.getDialect()->getNamespace() : "";
    if (dialect != LLVM::LLVMDialect::getDialectNamespace() &&
        dialect != NVVM::NVVMDialect::getDialectNamespace())
      return op.emitError()
             << "kvq-merge-kernel-modules: '" << op.getName()
             << "' in gpu.module @" << module.getName()
             << " is not LLVM/NVVM yet; modules of different index widths "
                "merge only after their conversion to NVVM";
  }
  return success();
}

/// Two external declarations of the same thing.
bool sameDeclaration(Operation *a, Operation *b) {
  auto fa = dyn_cast<LLVM::LLVMFuncOp>(a), fb = dyn_cast<LLVM::LLVMFuncOp>(b);
  if (fa && fb)
    return fa.isExternal() && fb.isExternal() &&
           fa.getFunctionType() == fb.getFunctionType();
  auto ga = dyn_cast<LLVM::GlobalOp>(a), gb = dyn_cast<LLVM::GlobalOp>(b);
  return ga && gb && ga.getInitializerRegion().empty() &&
         gb.getInitializerRegion().empty() && !ga.getValue() &&
         !gb.getValue() && ga.getGlobalType() == gb.getGlobalType() &&
         ga.getAddrSpace() == gb.getAddrSpace() &&
         ga.getLinkage() == gb.getLinkage();
}

LogicalResult merge(ModuleOp top, gpu::GPUModuleOp from) {
  auto targetRef = from->getAttrOfType<FlatSymbolRefAttr>(kMergeIntoAttrName);
  auto into = targetRef ? dyn_cast_or_null<gpu::GPUModuleOp>(
                              SymbolTable::lookupSymbolIn(top, targetRef))
                        : gpu::GPUModuleOp();
  if (!into)
    return from.emitError()
           << "kvq-merge-kernel-modules: " << kMergeIntoAttrName
           << " of gpu.module @" << from.getName()
           << " does not name a gpu.module beside it";
  if (failed(checkConverted(from)) || failed(checkConverted(into)))
    return failure();

  SymbolTable target(into);
  for (Operation &op :
       llvm::make_early_inc_range(from.getBody()->getOperations())) {
    auto name = op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (Operation *existing = name ? target.lookup(name) : nullptr) {
      if (!sameDeclaration(existing, &op))
        return op.emitError()
               << "kvq-merge-kernel-modules: @" << name.getValue()
               << " is defined in both gpu.module @" << from.getName()
               << " and gpu.module @" << into.getName();
      op.erase();
      continue;
    }
    op.moveBefore(into.getBody(), into.getBody()->end());
  }
  // @from::@kernel -> @into::@kernel in the host's launches.
  if (failed(SymbolTable::replaceAllSymbolUses(from, into.getNameAttr(), top)))
    return from.emitError() << "kvq-merge-kernel-modules: cannot retarget "
                               "the uses of gpu.module @"
                            << from.getName();
  from.erase();
  return success();
}

struct MergeKernelModulesPass
    : public mlir::kvq::impl::MergeKernelModulesBase<MergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    SmallVector<gpu::GPUModuleOp> marked;
    for (auto module : top.getOps<gpu::GPUModuleOp>())
      if (module->hasAttr(kMergeIntoAttrName))
        marked.push_back(module);
    for (gpu::GPUModuleOp module : marked)
      if (failed(merge(top, module)))
        return signalPassFailure();
  }
};
} // namespace
