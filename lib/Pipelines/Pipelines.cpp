//===- Pipelines.cpp - kvq-lower-to-cpu and kvq-lower-to-nvvm ---------------===//
#include "kvq/Conversion/Passes.h"
#include "kvq/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// One-shot bufferization of whole functions with identity-layout memrefs at
/// their boundaries (what the JIT and the GPU host calling conventions need).
static void addFunctionBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
}

/// linalg to loops and memref views to plain address arithmetic.
static void addLoopsAndViewExpansion(OpPassManager &pm) {
  pm.addPass(createConvertLinalgToLoopsPass());
  // expand-strided-metadata creates affine.apply for dynamic offsets:
  // lower-affine must run after it.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
}

void ::kvq::buildLowerToCPUPipeline(OpPassManager &pm,
                                    const LowerToCPUOptions &options) {
  pm.addPass(mlir::kvq::createConvertKVQToSCF());
  pm.addPass(createCanonicalizerPass());

  addFunctionBufferization(pm);
  if (options.resultsToOutParams) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.modifyPublicFunctions = true;
    outParams.hoistStaticAllocs = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  // Function results that alias arguments are cloned by the deallocation
  // passes: lower the clones to alloc + copy.
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());

  addLoopsAndViewExpansion(pm);
  // bf16 conversions as integer arithmetic: no soft-float runtime needed.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void ::kvq::buildLowerToNVVMPipeline(OpPassManager &pm,
                                     const LowerToNVVMOptions &options) {
  mlir::kvq::BuildGPUKernelsOptions build;
  build.maxSplits = options.maxSplits;
  build.tileTokens = options.tileTokens;
  build.indexBitwidth = options.indexBitwidth;
  build.smCount = options.smCount;
  build.uncapped.assign(options.uncapped.begin(), options.uncapped.end());
  build.kernelsOnly = options.kernelsOnly;
  pm.addPass(mlir::kvq::createBuildGPUKernels(build));
  if (!options.kernelsOnly) {
    pm.addPass(mlir::kvq::createConvertKVQToGPULaunches());
    pm.addPass(createCanonicalizerPass());
    addFunctionBufferization(pm);
    addLoopsAndViewExpansion(pm);
    // gpu-to-llvm lowers memory operations in their async form only.
    pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  }
  buildLowerGPUToNVVMPipeline(pm, options);
}

void ::kvq::buildLowerGPUToNVVMPipeline(OpPassManager &pm,
                                        const LowerToNVVMOptions &options) {
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // The gpu modules go to NVVM first and on their own: upstream's pipeline
  // converts arith and nvgpu ops module-wide at 64 bits before its
  // convert-gpu-to-nvvm, whereas a kernel module's data layout may make
  // index 32 bits wide (kvq-build-gpu-kernels), which every conversion of
  // its ops must then share.
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertVectorToSCFPass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(mlir::kvq::createConvertKernelOpsToNVVM());
  kernels.addPass(createStripDebugInfoPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = true; // index width: the data layout's
  kernels.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // Kernels of both widths make one binary again.
  pm.addPass(mlir::kvq::createMergeKernelModules());
  // The rest (host code, serialization) as upstream lowers it; on the
  // converted kernels its gpu-module passes find nothing left to do.
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = options.features;
  nvvm.cubinFormat = options.format;
  nvvm.kernelUseBarePtrCallConv = true;
  nvvm.optLevel = 3;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

void ::kvq::registerKVQPipelines() {
  PassPipelineRegistration<::kvq::LowerToNVVMOptions>(
      "kvq-lower-to-nvvm",
      "Build the fused GPU decode kernels of the module's caches and lower "
      "them through NVVM to PTX or a cubin (docs/gpu.md)",
      ::kvq::buildLowerToNVVMPipeline);
  PassPipelineRegistration<::kvq::LowerToCPUOptions>(
      "kvq-lower-to-cpu",
      "Lower kvq ops and everything around them to the LLVM dialect for the "
      "host CPU (the executable reference)",
      ::kvq::buildLowerToCPUPipeline);
}
