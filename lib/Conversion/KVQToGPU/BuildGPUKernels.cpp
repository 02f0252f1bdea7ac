//===- BuildGPUKernels.cpp - the kvq-build-gpu-kernels pass ----------------===//
#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"
#include "kvq/Conversion/Passes.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "SplitCombine.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::kvq {
#define GEN_PASS_DEF_BUILDGPUKERNELS
#include "kvq/Conversion/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;

namespace {
/// Bytes of a static-shape memref (sub-byte elements rounded up).
int64_t memrefBytes(MemRefType type) {
  return (type.getNumElements() * type.getElementTypeBitWidth() + 7) / 8;
}

struct BuildGPUKernelsPass
    : public mlir::kvq::impl::BuildGPUKernelsBase<BuildGPUKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(module.getContext());

    // Tokens per append, by cache type.
    llvm::DenseMap<Type, int64_t> appendTokens;
    module.walk([&](AppendOp op) {
      int64_t tokens = op.getKeys().getType().getDimSize(2);
      if (!ShapedType::isDynamic(tokens))
        appendTokens.try_emplace(op.getCache().getType(), tokens);
    });

    if (maxSplits > lowering::kMaxSplits) {
      module.emitError() << "kvq-build-gpu-kernels: max-splits = "
                         << int64_t(maxSplits) << " exceeds "
                         << lowering::kMaxSplits
                         << ", the most splits the attention kernels' merge "
                            "supports";
      return signalPassFailure();
    }
    if (tileTokens != 0 && tileTokens != 32 && tileTokens != 64) {
      module.emitError() << "kvq-build-gpu-kernels: tile-tokens = "
                         << int64_t(tileTokens)
                         << " is not a tensor-core tile (32 or 64; 0 chooses)";
      return signalPassFailure();
    }
    if (indexBitwidth != 0 && indexBitwidth != 32 && indexBitwidth != 64) {
      module.emitError() << "kvq-build-gpu-kernels: index-bitwidth = "
                         << unsigned(indexBitwidth)
                         << " is not 32, 64 or 0 (chosen from the buffers)";
      return signalPassFailure();
    }
    SmallVector<AttendOp> attends;
    module.walk([&](AttendOp op) { attends.push_back(op); });
    if (attends.empty()) {
      module.emitRemark() << "kvq-build-gpu-kernels: no kvq.attend, no kernels";
      return;
    }

    builder.setInsertionPointToEnd(module.getBody());
    auto gpuModule =
        gpu::GPUModuleOp::create(builder, module.getLoc(), "kvq_kernels");
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    builder.getUnitAttr());
    llvm::StringSet<> built;
    SmallVector<Attribute> descriptions;
    for (AttendOp op : attends) {
      CacheType cache = op.getCache().getType();
      int64_t tokens = appendTokens.lookup(cache);
      DecodeKernelConfig config =
          getDecodeKernelConfig(op, tokens ? tokens : 1, maxSplits);
      config.tileTokens = tileTokens;
      if (config.maxSplits <= 0) {
        int64_t tile = getAttendTileTokens(config);
        config.maxSplits = std::min<int64_t>(
            lowering::kMaxSplits, (cache.getCapacity() + tile - 1) / tile);
      }
      if (!built.insert(config.suffix).second)
        continue;
      config.uncapped =
          llvm::is_contained(uncapped, "kvq_attend" + config.suffix);
      DecodeKernels k = buildDecodeKernels(builder, gpuModule, config);
      auto kernel = [&](StringRef name, int64_t block,
                        ArrayRef<NamedAttribute> extra = {}) {
        SmallVector<NamedAttribute> attrs = {
            builder.getNamedAttr("name", builder.getStringAttr(name)),
            builder.getNamedAttr("block", builder.getI64IntegerAttr(block))};
        attrs.append(extra.begin(), extra.end());
        return builder.getDictionaryAttr(attrs);
      };
      descriptions.push_back(builder.getDictionaryAttr({
          builder.getNamedAttr("name",
                               builder.getStringAttr(config.suffix.substr(1))),
          builder.getNamedAttr("cache", TypeAttr::get(cache)),
          builder.getNamedAttr(
              "cache_bytes",
              builder.getI64IntegerAttr(getCacheLayout(cache).totalBytes)),
          builder.getNamedAttr("query_heads",
                               builder.getI64IntegerAttr(config.queryHeads)),
          builder.getNamedAttr("append_tokens",
                               builder.getI64IntegerAttr(config.appendTokens)),
          builder.getNamedAttr("max_splits",
                               builder.getI64IntegerAttr(config.maxSplits)),
          builder.getNamedAttr("scale", builder.getF32FloatAttr(config.scale)),
          builder.getNamedAttr("workspace_bytes",
                               builder.getI64IntegerAttr(k.workspaceBytes)),
          builder.getNamedAttr("arrivals_offset",
                               builder.getI64IntegerAttr(k.arrivalsOffset)),
          builder.getNamedAttr("append", kernel(k.append, k.appendBlock)),
          builder.getNamedAttr(
              "attend",
              kernel(k.attend, k.attendBlock,
                     {builder.getNamedAttr(
                          "tile", builder.getI64IntegerAttr(k.attendTile)),
                      builder.getNamedAttr(
                          "blocks_per_sm",
                          builder.getI64IntegerAttr(k.attendBlocksPerSM)),
                      builder.getNamedAttr(
                          "query_slices",
                          builder.getI64IntegerAttr(k.querySlices))})),
      }));
    }
    module->setAttr("kvq.kernels", builder.getArrayAttr(descriptions));
    setIndexBitwidth(gpuModule);
    if (kernelsOnly)
      for (Operation &op :
           llvm::make_early_inc_range(module.getBody()->getOperations()))
        if (&op != gpuModule.getOperation())
          op.erase();
  }

  /// Gives the kernels 32-bit index arithmetic (the gpu.module's data
  /// layout) where every buffer they take is under 2 GiB: each index value
  /// then counts bytes or elements of one buffer, or tokens of a cache, and
  /// stays below 2^31, where i32 and i64 arithmetic agree (the NVPTX GEPs
  /// sign-extend it).
  void setIndexBitwidth(gpu::GPUModuleOp gpuModule) {
    unsigned width = indexBitwidth;
    if (width == 0) {
      int64_t largest = 0;
      gpuModule.walk([&](gpu::GPUFuncOp func) {
        for (Type type : func.getArgumentTypes())
          if (auto memref = dyn_cast<MemRefType>(type))
            largest =
                std::max(largest, memref.hasStaticShape()
                                      ? memrefBytes(memref)
                                      : std::numeric_limits<int64_t>::max());
      });
      width = largest < (int64_t(1) << 31) ? 32 : 64;
    }
    if (width == 64)
      return;
    MLIRContext *context = gpuModule.getContext();
    auto entry = DataLayoutEntryAttr::get(
        IndexType::get(context),
        IntegerAttr::get(IntegerType::get(context, 32), 32));
    gpuModule->setAttr(DLTIDialect::kDataLayoutAttrName,
                       DataLayoutSpecAttr::get(context, {entry}));
  }
};
} // namespace
