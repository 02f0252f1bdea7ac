//===- ReportFootprint.cpp - per-cache memory footprint report -------------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Dialect/KVQ/Transforms/Passes.h"

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

namespace {
struct ReportFootprintPass
    : public mlir::kvq::impl::KVQReportFootprintBase<ReportFootprintPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::json::Array caches;
    int64_t total = 0, totalFp16 = 0;
    module.walk([&](CacheCreateOp op) {
      CacheType type = op.getCache().getType();
      ::kvq::CacheLayout layout = getCacheLayout(type);
      // The same cache with both tensors unquantized, for comparison.
      ::kvq::CacheDesc fp16 = layout.desc;
      fp16.keys = fp16.values = ::kvq::SchemeDesc();
      int64_t fp16Bytes = ::kvq::CacheLayout::compute(fp16).totalBytes;
      total += layout.totalBytes;
      totalFp16 += fp16Bytes;

      std::string layer =
          op.getLayer() ? llvm::formatv(" (layer {0})", *op.getLayer()).str()
                        : std::string();
      op.emitRemark() << "kvq cache" << layer << ": " << layout.summary()
                      << llvm::formatv("; {0:f2}x smaller than fp16",
                                       double(fp16Bytes) / layout.totalBytes);
      llvm::json::Object entry;
      if (op.getLayer())
        entry["layer"] = *op.getLayer();
      entry["total_bytes"] = layout.totalBytes;
      entry["fp16_bytes"] = fp16Bytes;
      entry["bytes_per_token"] = layout.bytesPerToken();
      entry["keys"] = describeTensor(layout.keys);
      entry["values"] = describeTensor(layout.values);
      caches.push_back(std::move(entry));
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
