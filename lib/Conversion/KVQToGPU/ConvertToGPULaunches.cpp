//===- ConvertToGPULaunches.cpp - host-side kvq ops to GPU launches --------===//
//
// Host code keeps the cache in device memory and drives the kernels that
// kvq-build-gpu-kernels generated. Everything here is synchronous gpu dialect
// host IR; gpu-to-llvm turns it into mgpu* calls of kvq's runtime.
//
//===----------------------------------------------------------------------===//
#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"
#include "kvq/Conversion/KVQToSCF/KVQToSCF.h"
#include "kvq/Conversion/Passes.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"
#include "kvq/Runtime/Splits.h"

#include "../Common/Numerics.h"
#include "SplitCombine.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::kvq {
#define GEN_PASS_DEF_CONVERTKVQTOGPULAUNCHES
#include "kvq/Conversion/Passes.h.inc"
} // namespace mlir::kvq

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

namespace {

constexpr StringLiteral kSMCountFn = "kvqDeviceSMCount";

/// Copies a host tensor operand into a new device buffer.
Value toDevice(IRB &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  Value host = bufferization::ToBufferOp::create(b, memrefType, tensor,
                                                 /*read_only=*/true);
  Value device = gpu::AllocOp::create(b, memrefType, /*asyncToken=*/Type(),
                                      ValueRange{}, ValueRange{}, ValueRange{})
                     .getMemref();
  gpu::MemcpyOp::create(b, TypeRange{}, ValueRange{}, device, host);
  return device;
}

Value deviceAlloc(IRB &b, MemRefType type) {
  return gpu::AllocOp::create(b, type, Type(), ValueRange{}, ValueRange{},
                              ValueRange{})
      .getMemref();
}

void deviceFree(IRB &b, Value buffer) {
  gpu::DeallocOp::create(b, TypeRange{}, ValueRange{}, buffer);
}

/// Copies a device buffer back into a new host tensor of `tensorType`.
Value toHost(IRB &b, Value device, Type tensorType) {
  auto type = cast<RankedTensorType>(tensorType);
  Value host = memref::AllocOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()));
  gpu::MemcpyOp::create(b, TypeRange{}, ValueRange{}, host, device);
  return bufferization::ToTensorOp::create(b, tensorType, host,
                                           b.getUnitAttr(), b.getUnitAttr());
}

/// The cached token count, read from the device header.
Value readLength(IRB &b, Value cache) {
  auto i64x1 = MemRefType::get({1}, b.getI64Type());
  Value header =
      memref::ViewOp::create(b, i64x1, cache, cIndex(b, 0), ValueRange{});
  Value host = memref::AllocaOp::create(b, i64x1);
  gpu::MemcpyOp::create(b, TypeRange{}, ValueRange{}, host, header);
  return memref::LoadOp::create(b, host, cIndex(b, 0));
}

void launch(IRB &b, StringRef module, StringRef kernel,
            std::array<Value, 3> grid, int64_t block, ValueRange args) {
  gpu::KernelDim3 gridDim{grid[0], grid[1], grid[2]};
  gpu::KernelDim3 blockDim{cIndex(b, block), cIndex(b, 1), cIndex(b, 1)};
  auto ref = SymbolRefAttr::get(
      b.getContext(), module, {FlatSymbolRefAttr::get(b.getContext(), kernel)});
  gpu::LaunchFuncOp::create(b, ref, gridDim, blockDim, Value(), args);
}

/// Kernel names of the configuration an op's cache type uses.
DecodeKernels kernelsFor(CacheType cache, int64_t queryHeads,
                         std::optional<float> scale, ModuleOp module) {
  // kvq-build-gpu-kernels recorded one entry per configuration.
  DecodeKernels k;
  auto configs = module->getAttrOfType<ArrayAttr>("kvq.kernels");
  if (!configs)
    return k;
  for (Attribute a : configs) {
    auto d = cast<DictionaryAttr>(a);
    if (d.getAs<TypeAttr>("cache").getValue() != cache)
      continue;
    if (queryHeads &&
        d.getAs<IntegerAttr>("query_heads").getInt() != queryHeads)
      continue;
    if (scale && d.getAs<FloatAttr>("scale").getValueAsDouble() != *scale)
      continue;
    auto name = [&](StringRef key) {
      return d.getAs<DictionaryAttr>(key).getAs<StringAttr>("name").str();
    };
    auto block = [&](StringRef key) {
      return d.getAs<DictionaryAttr>(key).getAs<IntegerAttr>("block").getInt();
    };
    if (auto home = d.getAs<StringAttr>("module"))
      k.module = home.str();
    k.append = name("append");
    k.attend = name("attend");
    k.appendBlock = block("append");
    k.attendBlock = block("attend");
    auto attend = d.getAs<DictionaryAttr>("attend");
    auto tile = attend.getAs<IntegerAttr>("tile");
    auto perSM = attend.getAs<IntegerAttr>("blocks_per_sm");
    auto slices = attend.getAs<IntegerAttr>("query_slices");
    k.querySlices = slices ? slices.getInt() : 1;
    k.attendTile = tile ? tile.getInt() : 128;
    k.attendBlocksPerSM = perSM ? perSM.getInt() : 32;
    k.workspaceBytes = d.getAs<IntegerAttr>("workspace_bytes").getInt();
    k.maxSplits = d.getAs<IntegerAttr>("max_splits").getInt();
    k.appendTokens = d.getAs<IntegerAttr>("append_tokens").getInt();
    return k;
  }
  return k;
}

template <typename Op>
struct HostPattern : public OpConversionPattern<Op> {
  HostPattern(TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern<Op>(converter, ctx, /*benefit=*/2) {}
};

struct CacheCreateToGPU : public HostPattern<CacheCreateOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(CacheCreateOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    auto type = cast<MemRefType>(
        getTypeConverter()->convertType(op.getCache().getType()));
    Value cache = deviceAlloc(b, type);
    // The size is a multiple of 64 bytes: zero it as 32-bit words.
    auto words = MemRefType::get({type.getDimSize(0) / 4}, b.getI32Type());
    Value asWords =
        memref::ViewOp::create(b, words, cache, cIndex(b, 0), ValueRange{});
    gpu::MemsetOp::create(b, TypeRange{}, ValueRange{}, asWords, cI32(b, 0));
    rewriter.replaceOp(op, cache);
    return success();
  }
};

struct AppendToGPU : public HostPattern<AppendOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(AppendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    CacheType type = op.getCache().getType();
    auto module = op->getParentOfType<ModuleOp>();
    DecodeKernels k = kernelsFor(type, 0, std::nullopt, module);
    int64_t tokens = op.getKeys().getType().getDimSize(2);
    if (k.append.empty())
      return rewriter.notifyMatchFailure(
          op, "no kernels for this cache (run kvq-build-gpu-kernels first, "
              "and attend to the cache somewhere)");
    if (tokens != k.appendTokens)
      return op.emitOpError() << "appends " << tokens
                              << " tokens but the GPU kernels of this cache "
                                 "append "
                              << k.appendTokens;
    IRB b(op.getLoc(), rewriter);
    Value cache = adaptor.getCache();
    Value keys = toDevice(b, op.getKeys());
    Value values = toDevice(b, op.getValues());
    Value start = readLength(b, cache);
    Value end = arith::AddIOp::create(
        b, start, arith::ConstantOp::create(b, b.getI64IntegerAttr(tokens)));
    Value fits = arith::CmpIOp::create(
        b, arith::CmpIPredicate::sle, end,
        arith::ConstantOp::create(b, b.getI64IntegerAttr(type.getCapacity())));
    cf::AssertOp::create(b, fits,
                         b.getStringAttr("kvq.append: cache capacity (" +
                                         std::to_string(type.getCapacity()) +
                                         " tokens) exceeded"));
    Value heads = cIndex(b, type.getBatch() * type.getKvHeads());
    // Keys (block.y 0) and values (1) side by side.
    launch(b, k.module, k.append, {heads, cIndex(b, 2), cIndex(b, 1)},
           k.appendBlock, {cache, keys, values, start});
    deviceFree(b, keys);
    deviceFree(b, values);
    rewriter.eraseOp(op);
    return success();
  }
};

struct AttendToGPU : public HostPattern<AttendOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(AttendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    CacheType type = op.getCache().getType();
    int64_t qHeads = op.getQueries().getType().getDimSize(1);
    auto module = op->getParentOfType<ModuleOp>();
    DecodeKernels k =
        kernelsFor(type, qHeads, op.getScaleOrDefault(), module);
    if (k.attend.empty())
      return rewriter.notifyMatchFailure(
          op, "no kernels for this configuration (run kvq-build-gpu-kernels)");
    IRB b(op.getLoc(), rewriter);
    Value cache = adaptor.getCache();
    int64_t B = type.getBatch();
    DecodeKernelConfig config =
        getDecodeKernelConfig(op, k.appendTokens, k.maxSplits);
    if (config.querySlices != k.querySlices)
      return rewriter.notifyMatchFailure(
          op, "kernels built with another query slicing (rebuild them)");
    int64_t rows = lowering::attendBlockRows(config);
    Value queries = toDevice(b, op.getQueries());
    Value lengths =
        op.getLengths()
            ? toDevice(b, op.getLengths())
            : deviceAlloc(b, MemRefType::get({B}, b.getI32Type()));
    Value useLengths = cI32(b, op.getLengths() ? 1 : 0);
    Value workspace = deviceAlloc(b, lowering::getPartialType(config));
    // Arrival counts of the last-split merge: zero before the launch.
    Value arrivals = deviceAlloc(b, lowering::getArrivalsType(config));
    gpu::MemsetOp::create(b, TypeRange{}, ValueRange{}, arrivals, cI32(b, 0));
    auto resultType = cast<RankedTensorType>(op.getType());
    Value out = deviceAlloc(b, MemRefType::get(resultType.getShape(),
                                               resultType.getElementType()));

    // kvq::defaultSplits: splits = clamp(floor(blocksPerSM * SMs / rows), 1,
    // min(maxSplits, tiles)), tiles = ceil(length / tile), then at most
    // kShortSplitsMax where 2 * splits >= tiles.
    auto smFn = module.lookupSymbol<func::FuncOp>(kSMCountFn);
    Value sms = func::CallOp::create(b, smFn, ValueRange{}).getResult(0);
    Value sm = arith::IndexCastOp::create(b, b.getIndexType(), sms);
    Value want = arith::DivUIOp::create(
        b, arith::MulIOp::create(b, sm, cIndex(b, k.attendBlocksPerSM)),
        cIndex(b, rows));
    Value length = arith::IndexCastOp::create(b, b.getIndexType(),
                                              readLength(b, cache));
    Value tiles = arith::MaxUIOp::create(
        b, arith::CeilDivUIOp::create(b, length, cIndex(b, k.attendTile)),
        cIndex(b, 1));
    Value splits = arith::MinUIOp::create(
        b, arith::MinUIOp::create(b, want, tiles), cIndex(b, k.maxSplits));
    splits = arith::MaxUIOp::create(b, splits, cIndex(b, 1));
    Value shortSplits = arith::CmpIOp::create(
        b, arith::CmpIPredicate::uge,
        arith::MulIOp::create(b, splits, cIndex(b, 2)), tiles);
    splits = arith::SelectOp::create(
        b, shortSplits,
        arith::MinUIOp::create(b, splits, cIndex(b, ::kvq::kShortSplitsMax)),
        splits);

    launch(b, k.module, k.attend, {splits, cIndex(b, rows), cIndex(b, 1)},
           k.attendBlock,
           {cache, queries, lengths, useLengths, workspace, arrivals, out});
    Value result = toHost(b, out, resultType);
    for (Value buffer : {queries, lengths, workspace, arrivals, out})
      deviceFree(b, buffer);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LengthToGPU : public HostPattern<LengthOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(LengthOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    Value length = readLength(b, adaptor.getCache());
    rewriter.replaceOp(
        op, arith::IndexCastOp::create(b, b.getIndexType(), length));
    return success();
  }
};

struct StorageToGPU : public HostPattern<StorageOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(StorageOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IRB b(op.getLoc(), rewriter);
    rewriter.replaceOp(op, toHost(b, adaptor.getCache(), op.getType()));
    return success();
  }
};

struct ConvertKVQToGPULaunchesPass
    : public mlir::kvq::impl::ConvertKVQToGPULaunchesBase<
          ConvertKVQToGPULaunchesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    if (!module.lookupSymbol("kvq_kernels")) {
      bool hasCaches = false;
      module.walk([&](Operation *op) {
        hasCaches |= isa<AppendOp, AttendOp, CacheCreateOp>(op);
      });
      if (hasCaches) {
        module.emitError() << "kvq-convert-to-gpu-launches: no gpu.module "
                              "@kvq_kernels; run kvq-build-gpu-kernels first";
        return signalPassFailure();
      }
    }
    if (!module.lookupSymbol(kSMCountFn)) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      auto fn = func::FuncOp::create(
          b, module.getLoc(), kSMCountFn,
          b.getFunctionType({}, {b.getI32Type()}));
      fn.setPrivate();
    }

    TypeConverter converter;
    populateKVQToSCFTypeConversion(converter);
    ConversionTarget target(*context);
    target.addIllegalDialect<KVQDialect>();
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    // The kernels are built already (their kvq.arrive ops are lowered with
    // them, by kvq-convert-kernel-ops-to-nvvm).
    target.addLegalOp<gpu::GPUModuleOp>();
    target.markOpRecursivelyLegal<gpu::GPUModuleOp>();
    RewritePatternSet patterns(context);
    // Host-resident numerics ops and the rest use the CPU lowering.
    populateKVQToSCFPatterns(converter, patterns);
    patterns.add<CacheCreateToGPU, AppendToGPU, AttendToGPU, LengthToGPU,
                 StorageToGPU>(converter, context);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    // The kernels' descriptions (and their kvq types) have been consumed.
    module->removeAttr("kvq.kernels");
  }
};
} // namespace
