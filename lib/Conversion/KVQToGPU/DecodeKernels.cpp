//===- DecodeKernels.cpp - fused GPU kernels of a kvq decode step ----------===//
//
// Three kernels per cache configuration (docs/gpu.md):
//  - append: one block per (sequence, KV head), one thread per channel; new
//    tokens enter the window ring, due token groups are quantized with the
//    CPU reference's arithmetic (bit-identical storage);
//  - attend: split-K flash decoding. Block (split, sequence x KV head) reads
//    its share of the cache once for all query heads of the group: phase 1
//    gives each thread a token (16-byte loads of its packed key row,
//    dequantized in registers, dotted with the pre-scaled queries held in
//    shared memory), phase 2 updates an online softmax per query head with
//    warp shuffles, phase 3 gives each thread a channel and accumulates
//    p * v over the tile; partial results go to a workspace;
//  - combine: merges the splits' partial softmax states.
//
//===----------------------------------------------------------------------===//
#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "../Common/CacheAccess.h"
#include "../Common/Numerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

namespace {

/// Tokens a block of the attention kernel handles per tile (one per thread).
constexpr int64_t kAttendBlock = 128;
constexpr int64_t kWarp = 32;

Attribute globalSpace(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Global);
}
Attribute sharedSpace(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
}
/// Kernel parameters are plain memrefs (what host code allocates with
/// gpu.alloc); kernels cast them to the global address space on entry so
/// that loads and stores are ld.global / st.global.
MemRefType paramBuffer(ArrayRef<int64_t> shape, Type element) {
  return MemRefType::get(shape, element);
}

/// The global-address-space view of every memref argument of `func`.
SmallVector<Value> globalArguments(IRB &b, gpu::GPUFuncOp func) {
  SmallVector<Value> args;
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type) {
      args.push_back(arg);
      continue;
    }
    auto global = MemRefType::get(type.getShape(), type.getElementType(),
                                  type.getLayout(),
                                  globalSpace(type.getContext()));
    args.push_back(memref::MemorySpaceCastOp::create(b, global, arg));
  }
  return args;
}
MemRefType sharedBuffer(ArrayRef<int64_t> shape, Type element) {
  return MemRefType::get(shape, element, MemRefLayoutAttrInterface(),
                         sharedSpace(element.getContext()));
}

/// Creates an empty kernel with the given block size and shared buffers.
gpu::GPUFuncOp createKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                            StringRef name, TypeRange params,
                            TypeRange shared, int64_t blockSize) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto type = builder.getFunctionType(params, {});
  auto func = gpu::GPUFuncOp::create(builder, module.getLoc(), name, type,
                                     shared);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                builder.getUnitAttr());
  func.setKnownBlockSizeAttr(builder.getDenseI32ArrayAttr(
      {int32_t(blockSize), 1, 1}));
  return func;
}

Value threadId(IRB &b) {
  return gpu::ThreadIdOp::create(b, gpu::Dimension::x);
}
Value blockId(IRB &b, gpu::Dimension d) { return gpu::BlockIdOp::create(b, d); }
Value lt(IRB &b, Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
}
Value add(IRB &b, Value x, Value y) { return arith::AddIOp::create(b, x, y); }
Value mul(IRB &b, Value x, Value y) { return arith::MulIOp::create(b, x, y); }
Value addF(IRB &b, Value x, Value y) { return arith::AddFOp::create(b, x, y); }
Value mulF(IRB &b, Value x, Value y) { return arith::MulFOp::create(b, x, y); }

/// Butterfly-reduces `v` across a warp with `combine`.
Value warpReduce(IRB &b, Value v,
                 function_ref<Value(IRB &, Value, Value)> combine) {
  for (int32_t offset = kWarp / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, v, offset, kWarp,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    v = combine(b, v, other);
  }
  return v;
}

/// In-place normalised Walsh-Hadamard transform of `rows` rows of `dim`
/// f32 in shared memory, by all `threads` threads of the block (same
/// butterfly order as the CPU reference).
void blockHadamard(IRB &b, Value buffer, int64_t rows, int64_t dim,
                   int64_t threads) {
  Value tid = threadId(b);
  int64_t pairs = rows * dim / 2;
  for (int64_t h = 1; h < dim; h *= 2) {
    scf::ForOp::create(
        b, tid, cIndex(b, pairs), cIndex(b, threads), ValueRange{},
        [&](OpBuilder &nested, Location loc, Value p, ValueRange) {
          IRB ib(loc, nested);
          Value row = arith::DivUIOp::create(ib, p, cIndex(ib, dim / 2));
          Value q = arith::RemUIOp::create(ib, p, cIndex(ib, dim / 2));
          Value hv = cIndex(ib, h);
          Value j = add(ib, mul(ib, arith::DivUIOp::create(ib, q, hv),
                                cIndex(ib, 2 * h)),
                        arith::RemUIOp::create(ib, q, hv));
          Value k = add(ib, j, hv);
          Value x = memref::LoadOp::create(ib, buffer, ValueRange{row, j});
          Value y = memref::LoadOp::create(ib, buffer, ValueRange{row, k});
          memref::StoreOp::create(ib, addF(ib, x, y), buffer,
                                  ValueRange{row, j});
          memref::StoreOp::create(ib, arith::SubFOp::create(ib, x, y), buffer,
                                  ValueRange{row, k});
          scf::YieldOp::create(ib);
        });
    gpu::BarrierOp::create(b);
  }
  Value norm = cF32(b, 1.0 / std::sqrt(double(dim)));
  scf::ForOp::create(
      b, tid, cIndex(b, rows * dim), cIndex(b, threads), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value e, ValueRange) {
        IRB ib(loc, nested);
        Value row = arith::DivUIOp::create(ib, e, cIndex(ib, dim));
        Value col = arith::RemUIOp::create(ib, e, cIndex(ib, dim));
        Value x = memref::LoadOp::create(ib, buffer, ValueRange{row, col});
        memref::StoreOp::create(ib, mulF(ib, x, norm), buffer,
                                ValueRange{row, col});
        scf::YieldOp::create(ib);
      });
  gpu::BarrierOp::create(b);
}

/// Dequantizes element `d` of token `t` of a quantized tensor.
Value dequantElement(IRB &b, const TensorViews &v, Value head, Value t,
                     Value d, Value word) {
  SchemeAttr scheme = v.scheme;
  int64_t perWord = scheme.getCodesPerWord();
  Value lane = arith::RemUIOp::create(b, d, cIndex(b, perWord));
  Value shift = arith::MulIOp::create(
      b, arith::IndexCastOp::create(b, b.getI32Type(), lane),
      cI32(b, scheme.getBits()));
  Value code = arith::AndIOp::create(b, arith::ShRUIOp::create(b, word, shift),
                                     cI32(b, scheme.getMaxCode()));
  Value row = scaleRow(b, scheme, t);
  Value col = scaleColumn(b, scheme, d);
  Value s = loadF32(b, v.scales, {head, row, col});
  Value z = v.zeros ? loadF32(b, v.zeros, {head, row, col}) : Value();
  return SchemeNumerics(scheme).decode(b, code, s, z);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Dot products of token `t`'s key with the `groupSize` queries in `qs`
/// (shared [R][D] f32): from packed codes (16-byte loads), the window, or
/// 16-bit data.
SmallVector<Value> keyDots(IRB &b, const TensorViews &k, Value head, Value t,
                           Value quantized, Value qs, int64_t groupSize,
                           int64_t dim, int64_t slots) {
  SmallVector<Type> f32s(groupSize, b.getF32Type());
  SmallVector<Value> zeros(groupSize, cF32(b, 0.0));
  auto accumulate = [&](IRB &ib, ValueRange acc, Value d, Value key,
                        Value valid) {
    SmallVector<Value> next;
    for (int64_t r = 0; r < groupSize; ++r) {
      Value q = memref::LoadOp::create(ib, qs, ValueRange{cIndex(ib, r), d});
      Value term = mulF(ib, q, key);
      if (valid)
        term = arith::SelectOp::create(ib, valid, term, cF32(ib, 0.0));
      next.push_back(addF(ib, acc[r], term));
    }
    return next;
  };
  auto fromRow = [&](IRB &ib, Value memref, ValueRange prefix) {
    return forRangeCarry(ib, cIndex(ib, 0), cIndex(ib, dim), zeros,
                         [&](IRB &lb, Value d, ValueRange acc) {
                           SmallVector<Value> idx(prefix);
                           idx.push_back(d);
                           return accumulate(lb, acc, d,
                                             loadF32(lb, memref, idx), Value());
                         });
  };
  if (!k.scheme.isQuantized())
    return fromRow(b, k.data, {head, t});

  auto ifOp = scf::IfOp::create(b, f32s, lt(b, t, quantized),
                                /*withElseRegion=*/true);
  {
    IRB ib = IRB::atBlockBegin(b.getLoc(), &ifOp.getThenRegion().front());
    SchemeAttr scheme = k.scheme;
    int64_t perWord = scheme.getCodesPerWord();
    int64_t words = k.layout.wordsPerToken;
    bool vectorized = words % 4 == 0;
    int64_t step = vectorized ? 4 : 1;
    SmallVector<Value> dots = forRangeCarry(
        ib, cIndex(ib, 0), cIndex(ib, words / step), zeros,
        [&](IRB &lb, Value chunk, ValueRange acc) {
          SmallVector<Value> wordValues;
          Value first = mul(lb, chunk, cIndex(lb, step));
          if (vectorized) {
            Value vec = vector::LoadOp::create(
                lb, VectorType::get({4}, lb.getI32Type()), k.codes,
                ValueRange{head, t, first}, /*nontemporal=*/false,
                llvm::MaybeAlign(16));
            for (int64_t i = 0; i < 4; ++i)
              wordValues.push_back(
                  vector::ExtractOp::create(lb, vec, ArrayRef<int64_t>{i}));
          } else {
            wordValues.push_back(
                memref::LoadOp::create(lb, k.codes, ValueRange{head, t, first}));
          }
          SmallVector<Value> cur(acc);
          for (int64_t i = 0; i < step; ++i)
            for (int64_t lane = 0; lane < perWord; ++lane) {
              Value d = add(lb, mul(lb, add(lb, first, cIndex(lb, i)),
                                    cIndex(lb, perWord)),
                            cIndex(lb, lane));
              Value valid = dim % perWord == 0 ? Value() : lt(lb, d, cIndex(lb, dim));
              Value safe = valid ? arith::MinUIOp::create(lb, d, cIndex(lb, dim - 1))
                                 : d;
              Value key = dequantElement(lb, k, head, t, safe, wordValues[i]);
              cur = accumulate(lb, cur, safe, key, valid);
            }
          return cur;
        });
    scf::YieldOp::create(ib, dots);
  }
  {
    IRB ib = IRB::atBlockBegin(b.getLoc(), &ifOp.getElseRegion().front());
    Value slot = arith::RemUIOp::create(ib, t, cIndex(ib, slots));
    scf::YieldOp::create(ib, fromRow(ib, k.window, {head, slot}));
  }
  return SmallVector<Value>(ifOp.getResults());
}

/// Value element `d` of token `t`.
Value valueElement(IRB &b, const TensorViews &v, Value head, Value t, Value d,
                   Value quantized, int64_t slots) {
  if (!v.scheme.isQuantized())
    return loadF32(b, v.data, {head, t, d});
  auto ifOp = scf::IfOp::create(b, TypeRange{b.getF32Type()},
                                lt(b, t, quantized), /*withElseRegion=*/true);
  {
    IRB ib = IRB::atBlockBegin(b.getLoc(), &ifOp.getThenRegion().front());
    int64_t perWord = v.scheme.getCodesPerWord();
    Value w = arith::DivUIOp::create(ib, d, cIndex(ib, perWord));
    Value word = memref::LoadOp::create(ib, v.codes, ValueRange{head, t, w});
    scf::YieldOp::create(ib, dequantElement(ib, v, head, t, d, word));
  }
  {
    IRB ib = IRB::atBlockBegin(b.getLoc(), &ifOp.getElseRegion().front());
    Value slot = arith::RemUIOp::create(ib, t, cIndex(ib, slots));
    scf::YieldOp::create(ib, loadF32(ib, v.window, {head, slot, d}));
  }
  return ifOp.getResult(0);
}

void buildAttend(OpBuilder &builder, gpu::GPUModuleOp module,
                 const DecodeKernelConfig &c, StringRef name) {
  CacheType type = c.cache;
  int64_t B = type.getBatch(), H = type.getKvHeads(), D = type.getHeadDim();
  int64_t Hq = c.queryHeads, R = Hq / H, T = kAttendBlock;
  int64_t bytes = getCacheLayout(type).totalBytes;
  Type f32 = builder.getF32Type(), elt = type.getElementType();
  SmallVector<Type> params = {
      paramBuffer({bytes}, builder.getI8Type()),
      paramBuffer({B, Hq, D}, elt),
      paramBuffer({B}, builder.getI32Type()),
      builder.getI32Type(),
      paramBuffer({c.maxSplits, B, Hq, D + 2}, f32)};
  SmallVector<Type> shared = {sharedBuffer({R, D}, f32),  // scaled queries
                              sharedBuffer({R, T}, f32),  // scores, then p
                              sharedBuffer({R}, f32),     // running max
                              sharedBuffer({R}, f32),     // running sum
                              sharedBuffer({R}, f32),     // tile correction
                              sharedBuffer({R}, f32),     // next max
                              sharedBuffer({R}, f32)};    // next sum
  gpu::GPUFuncOp func = createKernel(builder, module, name, params, shared, T);
  Block &entry = func.getBody().front();
  IRB b = IRB::atBlockBegin(func.getLoc(), &entry);
  SmallVector<Value> args = globalArguments(b, func);
  Value cache = args[0], queries = args[1], lengths = args[2],
        useLengths = args[3], partial = args[4];
  auto attrs = func.getWorkgroupAttributions();
  Value qs = attrs[0], scores = attrs[1], mState = attrs[2], lState = attrs[3],
        corr = attrs[4], mNext = attrs[5], lNext = attrs[6];

  CacheViews v = makeCacheViews(b, type, cache);
  Value tid = threadId(b);
  Value split = blockId(b, gpu::Dimension::x);
  Value splits = gpu::GridDimOp::create(b, gpu::Dimension::x);
  Value head = blockId(b, gpu::Dimension::y); // seq * H + g
  Value seq = arith::DivUIOp::create(b, head, cIndex(b, H));
  Value g = arith::RemUIOp::create(b, head, cIndex(b, H));

  // Tokens of this split: [start, end) of n, in whole tiles.
  Value length = loadLength(b, v);
  // lengths[] is only read when given (the pointer may be null otherwise).
  Value use = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, useLengths,
                                    cI32(b, 0));
  auto nIf = scf::IfOp::create(b, TypeRange{b.getIndexType()}, use, true);
  {
    IRB ib = IRB::atBlockBegin(b.getLoc(), &nIf.getThenRegion().front());
    Value given = memref::LoadOp::create(ib, lengths, seq);
    given = arith::MaxSIOp::create(ib, given, cI32(ib, 0));
    given = arith::IndexCastOp::create(ib, ib.getIndexType(), given);
    scf::YieldOp::create(ib, ValueRange{arith::MinUIOp::create(ib, given, length)});
  }
  {
    IRB ib = IRB::atBlockBegin(b.getLoc(), &nIf.getElseRegion().front());
    scf::YieldOp::create(ib, ValueRange{length});
  }
  Value n = nIf.getResult(0);
  Value tiles = arith::CeilDivUIOp::create(b, n, cIndex(b, T));
  Value tilesPerSplit = arith::CeilDivUIOp::create(b, tiles, splits);
  Value start = mul(b, mul(b, split, tilesPerSplit), cIndex(b, T));
  Value end = arith::MinUIOp::create(
      b, n, add(b, start, mul(b, tilesPerSplit, cIndex(b, T))));
  Value keyQuantized = quantizedCount(b, v.keys.scheme, length);
  Value valueQuantized = quantizedCount(b, v.values.scheme, length);
  Value scaleV = cF32(b, c.scale > 0 ? c.scale : 1.0f / std::sqrt(float(D)));

  // Queries of the group, pre-scaled, in shared memory; softmax state.
  scf::ForOp::create(
      b, tid, cIndex(b, R * D), cIndex(b, T), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value e, ValueRange) {
        IRB ib(loc, nested);
        Value r = arith::DivUIOp::create(ib, e, cIndex(ib, D));
        Value d = arith::RemUIOp::create(ib, e, cIndex(ib, D));
        Value hq = add(ib, mul(ib, g, cIndex(ib, R)), r);
        Value q = loadF32(ib, queries, {seq, hq, d});
        memref::StoreOp::create(ib, mulF(ib, q, scaleV), qs, ValueRange{r, d});
        scf::YieldOp::create(ib);
      });
  ifThen(b, lt(b, tid, cIndex(b, R)), [&](IRB &ib) {
    memref::StoreOp::create(ib, cF32(ib, -INFINITY), mState, tid);
    memref::StoreOp::create(ib, cF32(ib, 0.0), lState, tid);
  });
  gpu::BarrierOp::create(b);
  if (v.keys.scheme.getRotation() == Rotation::Hadamard)
    blockHadamard(b, qs, R, D, T);

  // Each thread owns channels tid, tid + T, ... of every query head.
  int64_t perThread = (D + T - 1) / T;
  SmallVector<Value> accInit(R * perThread, cF32(b, 0.0));
  int64_t kSlots = v.keys.layout.windowSlots;
  int64_t vSlots = v.values.layout.windowSlots;
  scf::ForOp tileLoop = scf::ForOp::create(
      b, start, end, cIndex(b, T), accInit,
      [&](OpBuilder &nested, Location loc, Value t0, ValueRange acc) {
        IRB lb(loc, nested);
        // Phase 1: scores of token t0 + tid for every query head.
        Value t = add(lb, t0, tid);
        Value valid = lt(lb, t, end);
        auto scoreIf = scf::IfOp::create(
            lb, SmallVector<Type>(R, lb.getF32Type()), valid, true);
        {
          IRB ib = IRB::atBlockBegin(loc, &scoreIf.getThenRegion().front());
          scf::YieldOp::create(ib, keyDots(ib, v.keys, head, t, keyQuantized,
                                           qs, R, D, kSlots));
        }
        {
          IRB ib = IRB::atBlockBegin(loc, &scoreIf.getElseRegion().front());
          scf::YieldOp::create(
              ib, SmallVector<Value>(R, cF32(ib, -INFINITY)));
        }
        for (int64_t r = 0; r < R; ++r)
          memref::StoreOp::create(lb, scoreIf.getResult(r), scores,
                                  ValueRange{cIndex(lb, r), tid});
        gpu::BarrierOp::create(lb);

        // Phase 2: online softmax, one warp per query head.
        Value warp = arith::DivUIOp::create(lb, tid, cIndex(lb, kWarp));
        Value laneId = arith::RemUIOp::create(lb, tid, cIndex(lb, kWarp));
        scf::ForOp::create(
            lb, warp, cIndex(lb, R), cIndex(lb, T / kWarp), ValueRange{},
            [&](OpBuilder &n2, Location l2, Value r, ValueRange) {
              IRB wb(l2, n2);
              SmallVector<Value> s;
              Value localMax = cF32(wb, -INFINITY);
              for (int64_t i = 0; i < T / kWarp; ++i) {
                Value idx = add(wb, laneId, cIndex(wb, i * kWarp));
                s.push_back(memref::LoadOp::create(wb, scores,
                                                   ValueRange{r, idx}));
                localMax = arith::MaximumFOp::create(wb, localMax, s.back());
              }
              Value tileMax = warpReduce(wb, localMax, [](IRB &x, Value a,
                                                          Value c2) -> Value {
                return arith::MaximumFOp::create(x, a, c2);
              });
              Value mOld = memref::LoadOp::create(wb, mState, r);
              Value mNew = arith::MaximumFOp::create(wb, mOld, tileMax);
              Value sum = cF32(wb, 0.0);
              for (int64_t i = 0; i < T / kWarp; ++i) {
                Value idx = add(wb, laneId, cIndex(wb, i * kWarp));
                Value p = expF(
                    wb, arith::SubFOp::create(wb, s[i], mNew));
                memref::StoreOp::create(wb, p, scores, ValueRange{r, idx});
                sum = addF(wb, sum, p);
              }
              sum = warpReduce(wb, sum, [](IRB &x, Value a, Value c2) -> Value {
                return arith::AddFOp::create(x, a, c2);
              });
              // The new state goes to separate buffers: lanes of this warp
              // may still be reading the old one (no write-after-read race).
              ifThen(wb, lt(wb, laneId, cIndex(wb, 1)), [&](IRB &xb) {
                Value cf = expF(
                    xb, arith::SubFOp::create(xb, mOld, mNew));
                Value lOld = memref::LoadOp::create(xb, lState, r);
                memref::StoreOp::create(xb, mNew, mNext, r);
                memref::StoreOp::create(xb, addF(xb, mulF(xb, lOld, cf), sum),
                                        lNext, r);
                memref::StoreOp::create(xb, cf, corr, r);
              });
              scf::YieldOp::create(wb);
            });
        gpu::BarrierOp::create(lb);

        // Publish the new softmax state (read again after two barriers).
        ifThen(lb, lt(lb, tid, cIndex(lb, R)), [&](IRB &ib) {
          memref::StoreOp::create(ib, memref::LoadOp::create(ib, mNext, tid),
                                  mState, tid);
          memref::StoreOp::create(ib, memref::LoadOp::create(ib, lNext, tid),
                                  lState, tid);
        });
        // Phase 3: acc = acc * correction + sum_j p_j v_j, thread = channel.
        SmallVector<Value> next;
        for (int64_t r = 0; r < R; ++r) {
          Value cf = memref::LoadOp::create(lb, corr, cIndex(lb, r));
          for (int64_t k = 0; k < perThread; ++k)
            next.push_back(mulF(lb, acc[r * perThread + k], cf));
        }
        Value count = arith::MinUIOp::create(
            lb, cIndex(lb, T), arith::SubIOp::create(lb, end, t0));
        for (int64_t k = 0; k < perThread; ++k) {
          Value d = add(lb, tid, cIndex(lb, k * T));
          Value owns = lt(lb, d, cIndex(lb, D));
          Value safeD = arith::MinUIOp::create(lb, d, cIndex(lb, D - 1));
          SmallVector<Value> mine;
          for (int64_t r = 0; r < R; ++r)
            mine.push_back(next[r * perThread + k]);
          auto ownIf = scf::IfOp::create(
              lb, SmallVector<Type>(R, lb.getF32Type()), owns, true);
          {
            IRB ib = IRB::atBlockBegin(loc, &ownIf.getThenRegion().front());
            SmallVector<Value> updated = forRangeCarry(
                ib, cIndex(ib, 0), count, mine,
                [&](IRB &jb, Value j, ValueRange a) {
                  Value tok = add(jb, t0, j);
                  Value val = valueElement(jb, v.values, head, tok, safeD,
                                           valueQuantized, vSlots);
                  SmallVector<Value> out;
                  for (int64_t r = 0; r < R; ++r) {
                    Value p = memref::LoadOp::create(
                        jb, scores, ValueRange{cIndex(jb, r), j});
                    out.push_back(addF(jb, a[r], mulF(jb, p, val)));
                  }
                  return out;
                });
            scf::YieldOp::create(ib, updated);
          }
          {
            IRB ib = IRB::atBlockBegin(loc, &ownIf.getElseRegion().front());
            scf::YieldOp::create(ib, mine);
          }
          for (int64_t r = 0; r < R; ++r)
            next[r * perThread + k] = ownIf.getResult(r);
        }
        gpu::BarrierOp::create(lb); // scores are rewritten by the next tile
        scf::YieldOp::create(lb, next);
      });

  // Partial state of this split: acc (unnormalised), max, sum.
  for (int64_t r = 0; r < R; ++r) {
    Value hq = add(b, mul(b, g, cIndex(b, R)), cIndex(b, r));
    for (int64_t k = 0; k < perThread; ++k) {
      Value d = add(b, tid, cIndex(b, k * T));
      ifThen(b, lt(b, d, cIndex(b, D)), [&](IRB &ib) {
        memref::StoreOp::create(ib, tileLoop.getResult(r * perThread + k),
                                partial, ValueRange{split, seq, hq, d});
      });
    }
    ifThen(b, lt(b, tid, cIndex(b, 1)), [&](IRB &ib) {
      memref::StoreOp::create(
          ib, memref::LoadOp::create(ib, mState, cIndex(ib, r)), partial,
          ValueRange{split, seq, hq, cIndex(ib, D)});
      memref::StoreOp::create(
          ib, memref::LoadOp::create(ib, lState, cIndex(ib, r)), partial,
          ValueRange{split, seq, hq, cIndex(ib, D + 1)});
    });
  }
  gpu::ReturnOp::create(b);
}

void buildCombine(OpBuilder &builder, gpu::GPUModuleOp module,
                  const DecodeKernelConfig &c, StringRef name) {
  CacheType type = c.cache;
  int64_t B = type.getBatch(), D = type.getHeadDim(), Hq = c.queryHeads;
  Type f32 = builder.getF32Type();
  SmallVector<Type> params = {paramBuffer({c.maxSplits, B, Hq, D + 2}, f32),
                              paramBuffer({B, Hq, D}, type.getElementType()),
                              builder.getI32Type()};
  gpu::GPUFuncOp func = createKernel(builder, module, name, params, {}, D);
  IRB b = IRB::atBlockBegin(func.getLoc(), &func.getBody().front());
  SmallVector<Value> args = globalArguments(b, func);
  Value partial = args[0], out = args[1];
  Value splits = arith::IndexCastOp::create(b, b.getIndexType(), args[2]);
  Value d = threadId(b);
  Value row = blockId(b, gpu::Dimension::x); // seq * Hq + hq
  Value seq = arith::DivUIOp::create(b, row, cIndex(b, Hq));
  Value hq = arith::RemUIOp::create(b, row, cIndex(b, Hq));
  auto at = [&](IRB &ib, Value s, Value col) {
    return memref::LoadOp::create(ib, partial, ValueRange{s, seq, hq, col});
  };
  Value m = forRangeCarry(b, cIndex(b, 0), splits, {cF32(b, -INFINITY)},
                          [&](IRB &ib, Value s, ValueRange a) {
                            return SmallVector<Value>{arith::MaximumFOp::create(
                                ib, a[0], at(ib, s, cIndex(ib, D)))};
                          })[0];
  SmallVector<Value> sums = forRangeCarry(
      b, cIndex(b, 0), splits, {cF32(b, 0.0), cF32(b, 0.0)},
      [&](IRB &ib, Value s, ValueRange a) {
        Value ms = at(ib, s, cIndex(ib, D));
        // Empty splits have max -inf: weight 0 (not exp(nan)).
        Value w = expF(ib, arith::SubFOp::create(ib, ms, m));
        Value empty = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, ms,
                                            cF32(ib, -INFINITY));
        w = arith::SelectOp::create(ib, empty, cF32(ib, 0.0), w);
        return SmallVector<Value>{
            addF(ib, a[0], mulF(ib, w, at(ib, s, d))),
            addF(ib, a[1], mulF(ib, w, at(ib, s, cIndex(ib, D + 1))))};
      });
  Value none = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sums[1],
                                     cF32(b, 0.0));
  Value o = arith::DivFOp::create(b, sums[0], sums[1]);
  o = arith::SelectOp::create(b, none, cF32(b, 0.0), o);
  storeFromF32(b, o, out, {seq, hq, d});
  gpu::ReturnOp::create(b);
}

//===----------------------------------------------------------------------===//
// Append
//===----------------------------------------------------------------------===//

/// Appends the tokens of `input` to one tensor of the cache: thread = channel.
void appendTensor(IRB &b, CacheType type, const TensorViews &v, Value input,
                  Value seq, Value h, Value head, Value start, int64_t tokens,
                  Value row, Value codesBuf, Value scaleBuf, Value zeroBuf) {
  int64_t D = type.getHeadDim();
  SchemeAttr scheme = v.scheme;
  Value d = threadId(b);
  forRange(b, 0, tokens, [&](IRB &tb, Value i) {
    Value t = add(tb, start, i);
    memref::StoreOp::create(tb, loadF32(tb, input, {seq, h, i, d}), row, d);
    gpu::BarrierOp::create(tb);
    if (scheme.getRotation() == Rotation::Hadamard) {
      Value asMatrix = memref::ExpandShapeOp::create(
          tb, sharedBuffer({1, D}, tb.getF32Type()), row,
          ArrayRef<ReassociationIndices>{{0, 1}});
      blockHadamard(tb, asMatrix, 1, D, D);
    }
    Value x = memref::LoadOp::create(tb, row, d);
    if (!scheme.isQuantized()) {
      storeFromF32(tb, x, v.data, {head, t, d});
      gpu::BarrierOp::create(tb);
      return;
    }
    int64_t slots = v.layout.windowSlots;
    Value slot = arith::RemUIOp::create(tb, t, cIndex(tb, slots));
    storeFromF32(tb, x, v.window, {head, slot, d});
    Value before = quantizedCount(tb, scheme, t);
    Value after = quantizedCount(tb, scheme, add(tb, t, cIndex(tb, 1)));
    gpu::BarrierOp::create(tb);
    Value due =
        arith::CmpIOp::create(tb, arith::CmpIPredicate::ugt, after, before);
    ifThen(tb, due, [&](IRB &qb) {
      SchemeNumerics numerics(scheme);
      Value first = before;
      int64_t perWord = scheme.getCodesPerWord();
      int64_t words = v.layout.wordsPerToken;
      auto ringAt = [&](IRB &lb, Value token, Value channel) {
        Value s = arith::RemUIOp::create(lb, token, cIndex(lb, slots));
        return loadF32(lb, v.window, {head, s, channel});
      };
      // Packs codesBuf (one code per channel) into the words of `token`.
      auto pack = [&](IRB &pb, Value token) {
        gpu::BarrierOp::create(pb);
        ifThen(pb, lt(pb, d, cIndex(pb, words)), [&](IRB &wb) {
          Value word = cI32(wb, 0);
          for (int64_t lane = 0; lane < perWord; ++lane) {
            Value j = add(wb, mul(wb, d, cIndex(wb, perWord)), cIndex(wb, lane));
            Value inRange = lt(wb, j, cIndex(wb, D));
            Value safe = arith::MinUIOp::create(wb, j, cIndex(wb, D - 1));
            Value code = memref::LoadOp::create(wb, codesBuf, safe);
            code = arith::SelectOp::create(wb, inRange, code, cI32(wb, 0));
            word = arith::OrIOp::create(
                wb, word,
                arith::ShLIOp::create(wb, code,
                                      cI32(wb, lane * scheme.getBits())));
          }
          memref::StoreOp::create(wb, word, v.codes, ValueRange{head, token, d});
        });
        gpu::BarrierOp::create(pb);
      };
      if (scheme.getGranularity() == Granularity::PerChannel) {
        int64_t group = scheme.getGroup();
        Value srow = scaleRow(qb, scheme, first);
        SmallVector<Value> reduced = numerics.reduce(
            qb, cIndex(qb, group), [&](IRB &lb, Value k) {
              return ringAt(lb, add(lb, first, k), d);
            });
        auto [s, z] = numerics.scaleAndZero(qb, reduced);
        memref::StoreOp::create(qb, s, v.scales, ValueRange{head, srow, d});
        if (z)
          memref::StoreOp::create(qb, z, v.zeros, ValueRange{head, srow, d});
        Value sf = toF32(qb, s), zf = z ? toF32(qb, z) : Value();
        forRange(qb, 0, group, [&](IRB &kb, Value k) {
          Value token = add(kb, first, k);
          Value code = numerics.encode(kb, ringAt(kb, token, d), sf, zf);
          memref::StoreOp::create(kb, code, codesBuf, d);
          pack(kb, token);
        });
        return;
      }
      // per_token: the one due token; groups of channels share a scale.
      int64_t group = scheme.getGroup();
      Value xq = ringAt(qb, first, d);
      memref::StoreOp::create(qb, xq, row, d);
      gpu::BarrierOp::create(qb);
      ifThen(qb, lt(qb, d, cIndex(qb, D / group)), [&](IRB &gb) {
        Value base = mul(gb, d, cIndex(gb, group));
        SmallVector<Value> reduced = numerics.reduce(
            gb, cIndex(gb, group), [&](IRB &lb, Value k) {
              return memref::LoadOp::create(lb, row, add(lb, base, k));
            });
        auto [s, z] = numerics.scaleAndZero(gb, reduced);
        memref::StoreOp::create(gb, s, v.scales, ValueRange{head, first, d});
        memref::StoreOp::create(gb, toF32(gb, s), scaleBuf, d);
        if (z) {
          memref::StoreOp::create(gb, z, v.zeros, ValueRange{head, first, d});
          memref::StoreOp::create(gb, toF32(gb, z), zeroBuf, d);
        }
      });
      gpu::BarrierOp::create(qb);
      Value col = scaleColumn(qb, scheme, d);
      Value sf = memref::LoadOp::create(qb, scaleBuf, col);
      Value zf = scheme.getSymmetric()
                     ? Value()
                     : Value(memref::LoadOp::create(qb, zeroBuf, col));
      memref::StoreOp::create(qb, numerics.encode(qb, xq, sf, zf), codesBuf, d);
      pack(qb, first);
    });
  });
}

void buildAppend(OpBuilder &builder, gpu::GPUModuleOp module,
                 const DecodeKernelConfig &c, StringRef name) {
  CacheType type = c.cache;
  int64_t B = type.getBatch(), H = type.getKvHeads(), D = type.getHeadDim();
  int64_t T = c.appendTokens;
  int64_t bytes = getCacheLayout(type).totalBytes;
  Type f32 = builder.getF32Type(), elt = type.getElementType();
  SmallVector<Type> params = {paramBuffer({bytes}, builder.getI8Type()),
                              paramBuffer({B, H, T, D}, elt),
                              paramBuffer({B, H, T, D}, elt),
                              builder.getI64Type()};
  SmallVector<Type> shared = {sharedBuffer({D}, f32),
                              sharedBuffer({D}, builder.getI32Type()),
                              sharedBuffer({D}, f32), sharedBuffer({D}, f32)};
  gpu::GPUFuncOp func = createKernel(builder, module, name, params, shared, D);
  IRB b = IRB::atBlockBegin(func.getLoc(), &func.getBody().front());
  SmallVector<Value> args = globalArguments(b, func);
  Value cache = args[0];
  Value start = arith::IndexCastOp::create(b, b.getIndexType(), args[3]);
  auto attrs = func.getWorkgroupAttributions();
  CacheViews v = makeCacheViews(b, type, cache);
  Value head = blockId(b, gpu::Dimension::x);
  Value seq = arith::DivUIOp::create(b, head, cIndex(b, H));
  Value h = arith::RemUIOp::create(b, head, cIndex(b, H));
  appendTensor(b, type, v.keys, args[1], seq, h, head, start, T, attrs[0],
               attrs[1], attrs[2], attrs[3]);
  appendTensor(b, type, v.values, args[2], seq, h, head, start, T, attrs[0],
               attrs[1], attrs[2], attrs[3]);
  // Only block 0 publishes the new length (no other block reads it).
  Value first = arith::AndIOp::create(b, lt(b, head, cIndex(b, 1)),
                                      lt(b, threadId(b), cIndex(b, 1)));
  ifThen(b, first, [&](IRB &ib) {
    Value end = arith::AddIOp::create(ib, args[3],
                                      arith::ConstantOp::create(
                                          ib, ib.getI64IntegerAttr(T)));
    memref::StoreOp::create(ib, end, v.length, cIndex(ib, 0));
  });
  gpu::ReturnOp::create(b);
  (void)B;
}

} // namespace

DecodeKernelConfig mlir::kvq::getDecodeKernelConfig(AttendOp op,
                                                    int64_t appendTokens,
                                                    int64_t maxSplits) {
  DecodeKernelConfig c;
  c.cache = op.getCache().getType();
  c.queryHeads = op.getQueries().getType().getDimSize(1);
  c.appendTokens = appendTokens;
  c.maxSplits = maxSplits;
  c.scale = op.getScaleOrDefault();
  auto tag = [](SchemeAttr s) {
    std::string t = std::to_string(s.getBits());
    if (!s.isQuantized())
      return t;
    t += (s.getGranularity() == Granularity::PerChannel ? "c" : "t") +
         std::to_string(s.getGroup());
    if (s.getSymmetric())
      t += "s";
    if (s.getRotation() == Rotation::Hadamard)
      t += "r";
    if (s.getWindow())
      t += "w" + std::to_string(s.getWindow());
    return t;
  };
  CacheType t = c.cache;
  std::string elt;
  llvm::raw_string_ostream(elt) << t.getElementType();
  c.suffix = "_b" + std::to_string(t.getBatch()) + "h" +
             std::to_string(t.getKvHeads()) + "q" +
             std::to_string(c.queryHeads) + "c" +
             std::to_string(t.getCapacity()) + "d" +
             std::to_string(t.getHeadDim()) + "_" + elt + "_k" +
             tag(t.getKeys()) + "_v" + tag(t.getValues()) + "_t" +
             std::to_string(appendTokens);
  return c;
}

DecodeKernels mlir::kvq::buildDecodeKernels(OpBuilder &builder,
                                            gpu::GPUModuleOp module,
                                            const DecodeKernelConfig &config) {
  DecodeKernels k;
  k.append = "kvq_append" + config.suffix;
  k.attend = "kvq_attend" + config.suffix;
  k.combine = "kvq_combine" + config.suffix;
  k.appendBlock = config.cache.getHeadDim();
  k.attendBlock = kAttendBlock;
  k.combineBlock = config.cache.getHeadDim();
  k.maxSplits = config.maxSplits;
  k.appendTokens = config.appendTokens;
  k.workspaceBytes = config.maxSplits * config.cache.getBatch() *
                     config.queryHeads * (config.cache.getHeadDim() + 2) * 4;
  buildAppend(builder, module, config, k.append);
  buildAttend(builder, module, config, k.attend);
  buildCombine(builder, module, config, k.combine);
  return k;
}
