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

/// One configuration's description (for kvq.kernels), kernels and index
/// width.
struct BuiltConfig {
  NamedAttrList description;
  SmallVector<gpu::GPUFuncOp, 2> funcs;
  unsigned width = 64;
};

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
    if (smCount < 1 || smCount > 1024) {
      module.emitError() << "kvq-build-gpu-kernels: sm-count = "
                         << int64_t(smCount)
                         << " is not a GPU's SM count (1 to 1024)";
      return signalPassFailure();
    }
    SmallVector<AttendOp> attends;
    module.walk([&](AttendOp op) { attends.push_back(op); });
    if (attends.empty()) {
      module.emitRemark() << "kvq-build-gpu-kernels: no kvq.attend, no kernels";
      return;
    }

    for (StringRef name : {"kvq_kernels", "kvq_kernels_index64"})
      if (module.lookupSymbol(name)) {
        module.emitError() << "kvq-build-gpu-kernels: the module already has "
                              "a symbol @"
                           << name << "; the kernels are built once per module";
        return signalPassFailure();
      }

    builder.setInsertionPointToEnd(module.getBody());
    auto gpuModule =
        gpu::GPUModuleOp::create(builder, module.getLoc(), "kvq_kernels");
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    builder.getUnitAttr());
    llvm::StringSet<> built;
    SmallVector<BuiltConfig> configs;
    for (AttendOp op : attends) {
      CacheType cache = op.getCache().getType();
      int64_t tokens = appendTokens.lookup(cache);
      DecodeKernelConfig config =
          getDecodeKernelConfig(op, tokens ? tokens : 1, maxSplits);
      config.tileTokens = tileTokens;
      config.smCount = smCount;
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
      BuiltConfig &b = configs.emplace_back();
      for (StringRef name : {StringRef(k.append), StringRef(k.attend)})
        b.funcs.push_back(gpuModule.lookupSymbol<gpu::GPUFuncOp>(name));
      b.width = chooseIndexBitwidth(config, b.funcs);
      b.description = NamedAttrList(ArrayRef<NamedAttribute>({
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
          builder.getNamedAttr("index_bitwidth",
                               builder.getI64IntegerAttr(b.width)),
      }));
    }
    // A kernel name in `uncapped` or `wide-index` that nothing was built
    // under is a mistake, not a request to ignore.
    for (auto [option, names] :
         {std::pair<StringRef, ArrayRef<std::string>>{"uncapped", uncapped},
          {"wide-index", wideIndex}})
      for (const std::string &name : names)
        if (!gpuModule.lookupSymbol(name) ||
            !StringRef(name).starts_with("kvq_attend")) {
          module.emitError()
              << "kvq-build-gpu-kernels: " << option << " names '" << name
              << "', which is not an attention kernel of this "
                 "module";
          return signalPassFailure();
        }
    placeByIndexBitwidth(builder, gpuModule, configs);
    SmallVector<Attribute> descriptions;
    for (BuiltConfig &b : configs)
      descriptions.push_back(b.description.getDictionary(module.getContext()));
    module->setAttr("kvq.kernels", builder.getArrayAttr(descriptions));
    if (kernelsOnly)
      for (Operation &op :
           llvm::make_early_inc_range(module.getBody()->getOperations()))
        if (!isa<gpu::GPUModuleOp>(op))
          op.erase();
  }

  /// The index width of one configuration's kernels: 32 bits where every
  /// buffer they take is under 2 GiB (each index value then counts bytes or
  /// elements of one buffer, or tokens of a cache, and stays below 2^31,
  /// where i32 and i64 arithmetic agree; the NVPTX GEPs sign-extend it),
  /// except at head_dim 256, whose 64-token kernels measured 4.5% slower at
  /// 32 bits and whose 32-token kernels spill there (docs/performance.md,
  /// v3.22); `index-bitwidth` forces one width, `wide-index` 64 bits for
  /// the kernels it names.
  unsigned chooseIndexBitwidth(const DecodeKernelConfig &config,
                               ArrayRef<gpu::GPUFuncOp> funcs) {
    if (indexBitwidth != 0)
      return indexBitwidth;
    if (llvm::is_contained(wideIndex, "kvq_attend" + config.suffix) ||
        config.cache.getHeadDim() > 128)
      return 64;
    int64_t largest = 0;
    for (gpu::GPUFuncOp func : funcs)
      for (Type type : func.getArgumentTypes())
        if (auto memref = dyn_cast<MemRefType>(type))
          largest =
              std::max(largest, memref.hasStaticShape()
                                    ? memrefBytes(memref)
                                    : std::numeric_limits<int64_t>::max());
    return largest < (int64_t(1) << 31) ? 32 : 64;
  }

  /// Index width is a property of a gpu.module's data layout, so the
  /// kernels go to one module per width: @kvq_kernels holds the 32-bit ones
  /// (or all of them when none is), @kvq_kernels_index64 the 64-bit ones
  /// beside 32-bit ones, marked to be merged into @kvq_kernels once both are
  /// NVVM (kvq-merge-kernel-modules), so that they still make one binary.
  void placeByIndexBitwidth(OpBuilder &builder, gpu::GPUModuleOp kernels,
                            MutableArrayRef<BuiltConfig> configs) {
    MLIRContext *context = kernels.getContext();
    bool any32 = llvm::any_of(configs, [](auto &b) { return b.width == 32; });
    bool any64 = llvm::any_of(configs, [](auto &b) { return b.width == 64; });
    gpu::GPUModuleOp wide = kernels;
    if (any32 && any64) {
      builder.setInsertionPointAfter(kernels);
      wide = gpu::GPUModuleOp::create(builder, kernels.getLoc(),
                                      "kvq_kernels_index64");
      wide->setAttr(kMergeIntoAttrName, FlatSymbolRefAttr::get(kernels));
    }
    for (BuiltConfig &b : configs) {
      gpu::GPUModuleOp home = b.width == 32 ? kernels : wide;
      b.description.append("module", builder.getStringAttr(home.getName()));
      if (home != kernels)
        for (gpu::GPUFuncOp func : b.funcs)
          func->moveBefore(home.getBody(), home.getBody()->end());
    }
    if (!any32)
      return;
    auto entry = DataLayoutEntryAttr::get(
        IndexType::get(context),
        IntegerAttr::get(IntegerType::get(context, 32), 32));
    kernels->setAttr(DLTIDialect::kDataLayoutAttrName,
                     DataLayoutSpecAttr::get(context, {entry}));
  }
};
} // namespace
