//===- ReportFootprint.cpp - per-cache memory footprint report -------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::kvq {
#define GEN_PASS_DEF_KVQREPORTFOOTPRINT
#include "kvq/Dialect/KVQ/Transforms/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;

static llvm::json::Object describeTensor(const ::kvq::TensorLayout &t) {
  llvm::json::Object o;
  o["bits"] = t.scheme.bits;
  o["bits_per_element"] = t.bitsPerElement();
  if (t.scheme.quantized()) {
    o["codes_bytes"] = t.codesBytes;
    o["scales_bytes"] = t.scalesBytes;
    o["zeros_bytes"] = t.zerosBytes;
    o["window_bytes"] = t.windowBytes;
  } else {
    o["data_bytes"] = t.dataBytes;
  }
  return o;
}

/// The layer of a cache: its cache_create's attribute, else the layer of a
/// kvq.bind_projections on it.
static std::optional<int64_t> cacheLayer(Value cache) {
  if (auto create = cache.getDefiningOp<CacheCreateOp>())
    if (create.getLayer())
      return int64_t(*create.getLayer());
  for (Operation *user : cache.getUsers())
    if (auto bind = dyn_cast<BindProjectionsOp>(user))
      return bind.getLayerAttr().getInt();
  return std::nullopt;
}

namespace {
struct ReportFootprintPass
    : public mlir::kvq::impl::KVQReportFootprintBase<ReportFootprintPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::json::Array caches;
    int64_t total = 0, totalFp16 = 0;
    // Every cache the module creates, and every cache a function receives
    // (e.g. decode steps after kvq-raise-attention).
    auto describe = [&](Value cache, Operation *where) {
      CacheType type = cast<CacheType>(cache.getType());
      ::kvq::CacheLayout layout = getCacheLayout(type);
      // The same cache with both tensors unquantized, for comparison.
      ::kvq::CacheDesc fp16 = layout.desc;
      fp16.keys = fp16.values = ::kvq::SchemeDesc();
      int64_t fp16Bytes = ::kvq::CacheLayout::compute(fp16).totalBytes;
      total += layout.totalBytes;
      totalFp16 += fp16Bytes;

      std::optional<int64_t> layer = cacheLayer(cache);
      std::string name =
          layer ? llvm::formatv(" (layer {0})", *layer).str() : std::string();
      where->emitRemark() << "kvq cache" << name << ": " << layout.summary()
                          << llvm::formatv("; {0:f2}x smaller than fp16",
                                           double(fp16Bytes) /
                                               layout.totalBytes);
      llvm::json::Object entry;
      if (layer)
        entry["layer"] = *layer;
      entry["total_bytes"] = layout.totalBytes;
      entry["fp16_bytes"] = fp16Bytes;
      entry["bytes_per_token"] = layout.bytesPerToken();
      entry["keys"] = describeTensor(layout.keys);
      entry["values"] = describeTensor(layout.values);
      caches.push_back(std::move(entry));
    };
    module.walk([&](Operation *op) {
      if (auto create = dyn_cast<CacheCreateOp>(op))
        return describe(create.getCache(), op);
      if (auto func = dyn_cast<FunctionOpInterface>(op)) {
        if (func.isExternal())
          return;
        for (BlockArgument arg : func.getArguments())
          if (isa<CacheType>(arg.getType()))
            describe(arg, op);
      }
    });
    if (!caches.empty())
      module.emitRemark() << llvm::formatv(
          "kvq: {0} cache(s), {1} bytes in all ({2:f2}x smaller than fp16)",
          caches.size(), total, double(totalFp16) / total);
    if (emitJson.empty())
      return;

    llvm::json::Object report;
    report["caches"] = std::move(caches);
    report["total_bytes"] = total;
    report["fp16_bytes"] = totalFp16;
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> out =
        openOutputFile(emitJson, &error);
    if (!out) {
      module.emitError() << "kvq-report-footprint: cannot write '" << emitJson
                         << "': " << error;
      return signalPassFailure();
    }
    out->os() << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)))
              << "\n";
    out->keep();
  }
};
} // namespace
