// A host compiler embedding kvq: registers everything through kvq/InitAll.h,
// parses IR with a kvq cache, and runs a kvq pass through its own PassManager.
#include "kvq/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

static const char *kModule = R"mlir(
func.func @layer0() {
  %c = kvq.cache_create {layer = 0 : i64} : !kvq.cache<1x8x4096x128xf16,
      keys = #kvq.scheme<bits = 4, group = 128, window = 128>,
      values = #kvq.scheme<bits = 2, group = 128, granularity = per_token, window = 128>>
  return
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  kvq::registerAllDialects(registry);
  kvq::registerAllPasses();
  mlir::MLIRContext context(registry);
  // Forward kvq's remarks the way a host compiler would surface them.
  mlir::ScopedDiagnosticHandler remarks(&context, [](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Remark)
      llvm::errs() << "remark: " << diag.str() << "\n";
    return mlir::success(diag.getSeverity() == mlir::DiagnosticSeverity::Remark);
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::parsePassPipeline("kvq-report-footprint", pm)) ||
      mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
