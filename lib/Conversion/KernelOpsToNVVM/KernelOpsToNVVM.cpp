//===- KernelOpsToNVVM.cpp - kvq-convert-kernel-ops-to-nvvm ---------------===//
//
// Lowers the ops of kvq's kernels that upstream's gpu-lower-to-nvvm pipeline
// converts before convert-gpu-to-nvvm, or in a form NVPTX drops, at the index
// width of the gpu.module's data layout (upstream's passes use 64 bits).
//
//===----------------------------------------------------------------------===//
#include "kvq/Conversion/Passes.h"
#include "kvq/Dialect/KVQ/IR/KVQ.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::kvq {
#define GEN_PASS_DEF_CONVERTKERNELOPSTONVVM
#include "kvq/Conversion/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;

namespace {
/// Whether `op` prefetches data of gpu global memory for reading (the
/// prefetches the pass lowers).
bool isGlobalDataRead(memref::PrefetchOp op) {
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
      op.getMemRefType().getMemorySpace());
  return !op.getIsWrite() && op.getIsDataCache() && space &&
         space.getValue() == gpu::AddressSpace::Global;
}

/// A read prefetch of global memory into the data caches becomes
/// `prefetch.global.L2` of the element's address (the locality hint has no
/// PTX counterpart: L2 is the level a later dependent load can wait on
/// instead of DRAM).
struct GlobalPrefetchToNVVM : ConvertOpToLLVMPattern<memref::PrefetchOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(memref::PrefetchOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isGlobalDataRead(op))
      return rewriter.notifyMatchFailure(
          op, "not a data read of gpu global memory");
    Value address =
        getStridedElementPtr(rewriter, op.getLoc(), op.getMemRefType(),
                             adaptor.getMemref(), adaptor.getIndices());
    NVVM::PrefetchOp::create(
        rewriter, op.getLoc(),
        NVVM::PrefetchCacheLevelAttr::get(rewriter.getContext(),
                                          NVVM::PrefetchCacheLevel::L2),
        /*evictPriority=*/nullptr, address, /*predicate=*/Value());
    rewriter.eraseOp(op);
    return success();
  }
};

/// kvq.arrive becomes `atom.acq_rel.gpu.global.add.u32` of the element's
/// address, in inline PTX: NVPTX emits an `llvm.atomicrmw` as a relaxed
/// `atom` whatever its ordering. The `memory` clobber keeps LLVM from moving
/// loads and stores across it.
struct ArriveToNVVM : ConvertOpToLLVMPattern<kvq::ArriveOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(kvq::ArriveOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value address =
        getStridedElementPtr(rewriter, op.getLoc(), op.getCounter().getType(),
                             adaptor.getCounter(), adaptor.getIndices());
    auto atom = LLVM::InlineAsmOp::create(
        rewriter, op.getLoc(), rewriter.getI32Type(), ValueRange{address},
        "atom.acq_rel.gpu.global.add.u32 $0, [$1], 1;", "=r,l,~{memory}",
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
    rewriter.replaceOp(op, atom.getRes());
    return success();
  }
};

struct ConvertKernelOpsToNVVMPass
    : public mlir::kvq::impl::ConvertKernelOpsToNVVMBase<
          ConvertKernelOpsToNVVMPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    LowerToLLVMOptions options(context, DataLayout(cast<DataLayoutOpInterface>(
                                            module.getOperation())));
    LLVMTypeConverter converter(context, options);
    nvgpu::populateCommonGPUTypeAndAttributeConversions(converter);
    // Device-side async tokens only order the copies; they become a dummy
    // i32 that the conversion drops (as upstream's convert-nvgpu-to-nvvm).
    converter.addConversion([&](nvgpu::DeviceAsyncTokenType type) -> Type {
      return converter.convertType(IntegerType::get(type.getContext(), 32));
    });

    RewritePatternSet patterns(context);
    // arith first, as upstream's pipeline does: convert-gpu-to-nvvm would
    // otherwise call libdevice for some of them (minnumf: __nv_fminf).
    arith::populateCeilFloorDivExpandOpsPatterns(patterns);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    populateNVGPUToNVVMConversionPatterns(converter, patterns);
    patterns.add<GlobalPrefetchToNVVM, ArriveToNVVM>(converter);
    LLVMConversionTarget target(*context);
    target.addLegalDialect<memref::MemRefDialect, NVVM::NVVMDialect>();
    target.addIllegalDialect<arith::ArithDialect, nvgpu::NVGPUDialect>();
    target.addIllegalOp<kvq::ArriveOp>();
    target.addDynamicallyLegalOp<memref::PrefetchOp>(
        [](memref::PrefetchOp op) { return !isGlobalDataRead(op); });
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
