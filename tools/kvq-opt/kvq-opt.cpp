//===- kvq-opt.cpp - the kvq optimizer driver ------------------------------===//
//
// mlir-opt with kvq: parses model IR, runs kvq and upstream passes and
// pipelines on it, prints the result.
//
//===----------------------------------------------------------------------===//
#include "kvq/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  kvq::registerAllPasses();
  mlir::DialectRegistry registry;
  kvq::registerAllDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "kvq optimizer driver: quantized KV caches for LLMs\n",
      registry));
}
