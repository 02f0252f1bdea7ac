//===- InitAll.cpp - register everything kvq provides ----------------------===//
#include "kvq/InitAll.h"

#include "kvq/Conversion/Passes.h"
#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"
#include "kvq/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void kvq::registerKVQDialect(mlir::DialectRegistry &registry) {
  registry.insert<mlir::kvq::KVQDialect>();
}

void kvq::registerAllDialects(mlir::DialectRegistry &registry) {
  registerKVQDialect(registry);
  // kvq pipelines lower through many upstream dialects (tensor/linalg on the
  // way in; scf, memref, vector, gpu, nvvm, llvm on the way out): register the
  // complete upstream set, as mlir-opt does, so that any frontend IR parses.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary and the JIT translate modules to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
}

void kvq::registerKVQPasses() {
  mlir::kvq::registerKVQPasses();
  mlir::kvq::registerKVQConversionPasses();
  registerKVQPipelines();
}

void kvq::registerAllPasses() {
  registerKVQPasses();
  mlir::registerAllPasses();
}
