//===- DecodeKernels.cpp - fused GPU kernels of a kvq decode step
//----------===//
//
// Two kernels per cache configuration (docs/gpu.md):
//  - append: one block per (sequence, KV head) and tensor (keys, values),
//    one thread per channel; new tokens enter the window ring, due token
//    groups are quantized with the CPU reference's arithmetic (bit-identical
//    storage);
//  - attend: split-K flash decoding, reading each split's share of the cache
//    once for all query heads of a KV head. Caches with packed keys and
//    values in the usual layouts get the register-blocked kernel of
//    PackedAttend.cpp; every other scheme gets the generic kernel below
//    (phase 1: thread = token, 16-byte loads of its packed key row; phase 2:
//    online softmax per query head with warp shuffles; phase 3: thread =
//    channel, p * v over the tile). Partial states go to a workspace with
//    their running max in log2 units, and the last split of each KV head
//    to finish merges them (SplitCombine.h): one launch per decode step.
//
//===----------------------------------------------------------------------===//
#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "KernelBuilder.h"
#include "MmaTiles.h"
#include "PackedAttend.h"
#include "SplitCombine.h"

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

/// Tokens a block of the generic attention kernel handles per tile (one per
/// thread).
constexpr int64_t kAttendBlock = 128;

//===----------------------------------------------------------------------===//
// Attention, generic
//===----------------------------------------------------------------------===//

void buildAttend(OpBuilder &builder, gpu::GPUModuleOp module,
                 const DecodeKernelConfig &c, StringRef name) {
  CacheType type = c.cache;
  int64_t H = type.getKvHeads(), D = type.getHeadDim();
  int64_t Hq = c.queryHeads, R = Hq / H, T = kAttendBlock;
  Type f32 = builder.getF32Type();
  SmallVector<Type> params = getAttendParamTypes(builder.getContext(), c);
  SmallVector<Type> shared = {sharedBuffer({R, D}, f32),  // scaled queries
                              sharedBuffer({R, T}, f32),  // scores, then p
                              sharedBuffer({R}, f32),     // running max
                              sharedBuffer({R}, f32),     // running sum
                              sharedBuffer({R}, f32),     // tile correction
                              sharedBuffer({R}, f32),     // next max
                              sharedBuffer({R}, f32)};    // next sum
  gpu::GPUFuncOp func = createKernel(builder, module, name, params, shared, T);
  // Left alone, ptxas aims 128-thread blocks at a register count it can
  // spill under; uncapped, 128 registers (4 blocks per SM).
  if (c.uncapped)
    func->setAttr("nvvm.maxnreg", builder.getI32IntegerAttr(128));
  Block &entry = func.getBody().front();
  IRB b = IRB::atBlockBegin(func.getLoc(), &entry);
  SmallVector<Value> args = globalArguments(b, func);
  Value cache = args[0], queries = args[1], lengths = args[2],
        useLengths = args[3], partial = args[4], arrivals = args[5],
        out = args[6];
  auto attrs = func.getWorkgroupAttributions();
  Value qs = attrs[0], scores = attrs[1], mState = attrs[2], lState = attrs[3],
        corr = attrs[4], mNext = attrs[5], lNext = attrs[6];

  CacheViews v = makeCacheViews(b, type, cache);
  Value tid = threadId(b);
  Value split = blockId(b, gpu::Dimension::x);
  Value splits = gpu::GridDimOp::create(b, gpu::Dimension::x);
  assert(c.querySlices == 1 && "the generic kernel serves whole groups");
  Value head = blockId(b, gpu::Dimension::y); // seq * H + g
  Value seq = arith::DivUIOp::create(b, head, cIndex(b, H));
  Value g = arith::RemUIOp::create(b, head, cIndex(b, H));

  // Tokens of this split: [start, end) of n, in whole tiles.
  SplitTokens tokens =
      splitTokens(b, v, lengths, useLengths, seq, split, splits, T);
  Value length = tokens.length, start = tokens.start, end = tokens.end;
  Value keyQuantized = quantizedCount(b, v.keys.scheme, length);
  Value valueQuantized = quantizedCount(b, v.values.scheme, length);
  Value scaleV = cF32(b, c.scale > 0 ? c.scale : 1.0f / std::sqrt(float(D)));

  // Queries of the group, pre-scaled, in shared memory; softmax state.
  stageQueries(b, queries, qs, seq, g, R, D, scaleV, tid, T);
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
        SmallVector<Value> dots = keyDotsIfValid(
            lb, valid, v.keys, head, t, keyQuantized, qs, R, D, kSlots);
        for (int64_t r = 0; r < R; ++r)
          memref::StoreOp::create(lb, dots[r], scores,
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
              Value tileMax = warpMax(wb, localMax);
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
              sum = warpSum(wb, sum);
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
          SmallVector<Value> updated = ifElse(
              lb, owns, SmallVector<Type>(R, lb.getF32Type()),
              [&](IRB &ib) {
                return forRangeCarry(
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
              },
              [&](IRB &) { return mine; });
          for (int64_t r = 0; r < R; ++r)
            next[r * perThread + k] = updated[r];
        }
        gpu::BarrierOp::create(lb); // scores are rewritten by the next tile
        scf::YieldOp::create(lb, next);
      });

  // Partial state of this split: acc (unnormalised), max, sum; the last
  // split of the group merges them.
  PartialLayout layout = getPartialLayout(c);
  for (int64_t r = 0; r < R; ++r) {
    auto at = [&](IRB &ib, Value col) {
      return SmallVector<Value>{split, head, partialColumn(ib, layout, r, col)};
    };
    for (int64_t k = 0; k < perThread; ++k) {
      Value d = add(b, tid, cIndex(b, k * T));
      ifThen(b, lt(b, d, cIndex(b, D)), [&](IRB &ib) {
        memref::StoreOp::create(ib, tileLoop.getResult(r * perThread + k),
                                partial, at(ib, d));
      });
    }
    ifThen(b, lt(b, tid, cIndex(b, 1)), [&](IRB &ib) {
      memref::StoreOp::create(
          ib,
          mulF(ib, memref::LoadOp::create(ib, mState, cIndex(ib, r)),
               cF32(ib, M_LOG2E)),
          partial, at(ib, cIndex(ib, D)));
      memref::StoreOp::create(ib,
                              memref::LoadOp::create(ib, lState, cIndex(ib, r)),
                              partial, at(ib, cIndex(ib, D + 1)));
    });
  }
  emitLastSplitCombine(b, {layout, partial, arrivals, out, head, seq, g, tid,
                           split, gridDimXHere(b)});
  gpu::ReturnOp::create(b);
}

//===----------------------------------------------------------------------===//
// Append
//===----------------------------------------------------------------------===//

/// Appends the tokens of `input` to one tensor of the cache: thread =
/// channel. Where the head dim fills whole warps, a word's codes are packed
/// and a per-token group's scale is reduced with xor shuffles (a group of
/// several warps by each warp over the whole group), so the usual
/// step (one token in, at most one token quantized) has no barrier and one
/// round trip to memory: the due token's window element is loaded with the
/// new one. Other shapes go through shared memory (`row`, `codesBuf`,
/// `partA`/`partB`).
void appendTensor(IRB &b, CacheType type, const TensorViews &v, Value input,
                  Value seq, Value h, Value head, Value start, int64_t tokens,
                  Value row, Value codesBuf, Value partA, Value partB) {
  int64_t D = type.getHeadDim();
  SchemeAttr scheme = v.scheme;
  Value d = threadId(b);
  bool rotate = scheme.getRotation() == Rotation::Hadamard;
  bool quantized = scheme.isQuantized();
  bool perChannel =
      quantized && scheme.getGranularity() == Granularity::PerChannel;
  int64_t bits = quantized ? scheme.getBits() : 0;
  int64_t perWord = quantized ? scheme.getCodesPerWord() : 1;
  int64_t group = quantized ? scheme.getGroup() : 1;
  int64_t window = quantized ? scheme.getWindow() : 0;
  int64_t slots = v.layout.windowSlots;
  bool wholeWarps = D % kWarp == 0;
  bool warpPack = wholeWarps && llvm::isPowerOf2_64(perWord);
  bool warpGroups = wholeWarps && !perChannel &&
                    (kWarp % group == 0 || group % kWarp == 0);
  SchemeNumerics numerics(scheme);
  auto eq = [](IRB &ib, Value x, int64_t y) {
    return arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, x,
                                 cIndex(ib, y));
  };
  // The ring slot of a token: in 32 bits where tokens fit (a 64-bit
  // remainder by a constant is a chain of wide multiplies in front of the
  // step's first load).
  auto slotOf = [&](IRB &lb, Value token) -> Value {
    if (type.getCapacity() + tokens >= (int64_t(1) << 31))
      return remU(lb, token, slots);
    Value t32 = arith::IndexCastUIOp::create(lb, lb.getI32Type(), token);
    Value r = arith::RemUIOp::create(lb, t32, cI32(lb, int32_t(slots)));
    return arith::IndexCastUIOp::create(lb, lb.getIndexType(), r);
  };
  auto ringAt = [&](IRB &lb, Value token) {
    return loadF32(lb, v.window, {head, slotOf(lb, token), d});
  };

  // Stores `code` (this channel's, of `token`) into its word.
  auto pack = [&](IRB &pb, Value token, Value code) {
    if (warpPack) {
      Value lane = remU(pb, d, perWord);
      Value shift = arith::IndexCastOp::create(
          pb, pb.getI32Type(), mul(pb, lane, cIndex(pb, bits)));
      Value word = warpReduce(
          pb, arith::ShLIOp::create(pb, code, shift),
          [](IRB &x, Value l, Value r) -> Value {
            return arith::OrIOp::create(x, l, r);
          },
          1, int32_t(perWord));
      ifThen(pb, eq(pb, lane, 0), [&](IRB &wb) {
        memref::StoreOp::create(wb, word, v.codes,
                                ValueRange{head, token, divU(wb, d, perWord)});
      });
      return;
    }
    memref::StoreOp::create(pb, code, codesBuf, d);
    gpu::BarrierOp::create(pb);
    int64_t words = v.layout.wordsPerToken;
    ifThen(pb, lt(pb, d, cIndex(pb, words)), [&](IRB &wb) {
      Value word = cI32(wb, 0);
      for (int64_t lane = 0; lane < perWord; ++lane) {
        Value j = add(wb, mul(wb, d, cIndex(wb, perWord)), cIndex(wb, lane));
        Value inRange = lt(wb, j, cIndex(wb, D));
        Value safe = arith::MinUIOp::create(wb, j, cIndex(wb, D - 1));
        Value c = memref::LoadOp::create(wb, codesBuf, safe);
        c = arith::SelectOp::create(wb, inRange, c, cI32(wb, 0));
        word = arith::OrIOp::create(
            wb, word, arith::ShLIOp::create(wb, c, cI32(wb, lane * bits)));
      }
      memref::StoreOp::create(wb, word, v.codes, ValueRange{head, token, d});
    });
    gpu::BarrierOp::create(pb);
  };

  // Two lanes' reduced states, merged (for warpReduce).
  auto combineStates = [&](IRB &cb, ValueRange l,
                           ValueRange r) -> SmallVector<Value> {
    return numerics.combine(cb, l, r);
  };

  // The reduced state of this channel's scale group of one token (every
  // channel of the group gets it).
  auto reduceChannels = [&](IRB &gb, Value x) -> SmallVector<Value> {
    if (!warpGroups) {
      memref::StoreOp::create(gb, x, row, d);
      gpu::BarrierOp::create(gb);
      Value base = mul(gb, divU(gb, d, group), cIndex(gb, group));
      SmallVector<Value> state = numerics.reduce(
          gb, cIndex(gb, group), [&](IRB &lb, Value k) {
            return memref::LoadOp::create(lb, row, add(lb, base, k));
          });
      gpu::BarrierOp::create(gb);
      return state;
    }
    SmallVector<Value> state =
        warpReduce(gb, numerics.accumulate(gb, numerics.initial(gb), x),
                   combineStates, 1, int32_t(std::min(group, kWarp)));
    if (group <= kWarp)
      return state;
    // Groups of whole warps: lane 0 of each warp parks its state.
    Value parts[2] = {partA, partB};
    Value warp = divU(gb, d, kWarp);
    ifThen(gb, eq(gb, remU(gb, d, kWarp), 0), [&](IRB &wb) {
      for (size_t i = 0; i < state.size(); ++i)
        memref::StoreOp::create(wb, state[i], parts[i], warp);
    });
    gpu::BarrierOp::create(gb);
    int64_t warps = group / kWarp;
    Value first = mul(gb, divU(gb, warp, warps), cIndex(gb, warps));
    auto load = [&](IRB &lb, int64_t k) {
      SmallVector<Value> out;
      for (size_t i = 0; i < state.size(); ++i)
        out.push_back(memref::LoadOp::create(
            lb, parts[i], add(lb, first, cIndex(lb, k))));
      return out;
    };
    state = load(gb, 0);
    for (int64_t k = 1; k < warps; ++k)
      state = numerics.combine(gb, state, load(gb, k));
    gpu::BarrierOp::create(gb); // the parts are rewritten by the next token
    return state;
  };

  // Loads a per_channel group's `group` tokens `unroll` at a time, so that
  // their loads are in flight together.
  int64_t unroll = 8;
  while (group % unroll)
    unroll /= 2;

  forRange(b, 0, tokens, [&](IRB &tb, Value i) {
    Value t = add(tb, start, i);
    Value x = loadF32(tb, input, {seq, h, i, d});
    if (rotate) {
      memref::StoreOp::create(tb, x, row, d);
      gpu::BarrierOp::create(tb);
      Value asMatrix = memref::ExpandShapeOp::create(
          tb, sharedBuffer({1, D}, tb.getF32Type()), row,
          ArrayRef<ReassociationIndices>{{0, 1}});
      blockHadamard(tb, asMatrix, 1, D, D);
      x = memref::LoadOp::create(tb, row, d);
      gpu::BarrierOp::create(tb); // row is rewritten by the next token
    }
    if (!quantized) {
      storeFromF32(tb, x, v.data, {head, t, d});
      return;
    }
    Value before = quantizedCount(tb, scheme, t);
    Value after = quantizedCount(tb, scheme, add(tb, t, cIndex(tb, 1)));
    Value due =
        arith::CmpIOp::create(tb, arith::CmpIPredicate::ugt, after, before);
    // A per_token step quantizes token t - window: with a window its ring
    // slot is not t's, so it is read before t is written (a due token is
    // always in the ring; otherwise the value is unused).
    Value early = !perChannel && window > 0 ? ringAt(tb, before) : Value();
    // A per-token group of several whole warps: each warp reduces the whole
    // group on its own (every lane loads group / 32 of its elements, issued
    // with `early`), so no state goes through shared memory and the step
    // has no barrier. Groups are order-free (min/max or max |x|), so every
    // warp gets the CPU's state. (The due token was written by an earlier
    // launch while the window holds at least the launch's tokens; otherwise
    // other threads' elements might not be visible yet.)
    SmallVector<Value> groupState;
    if (early && warpGroups && group > kWarp && window >= tokens) {
      int64_t per = group / kWarp;
      Value first = add(tb, mul(tb, divU(tb, d, group), cIndex(tb, group)),
                        mul(tb, remU(tb, d, kWarp), cIndex(tb, per)));
      SmallVector<Value> xs =
          loadVector(tb, v.window, {head, slotOf(tb, before), first}, per);
      groupState = numerics.initial(tb);
      for (Value x : xs)
        groupState = numerics.accumulate(tb, groupState, toF32(tb, x));
      groupState = warpReduce(tb, groupState, combineStates, 1, kWarp);
    }
    storeFromF32(tb, x, v.window, {head, slotOf(tb, t), d});
    ifThen(tb, due, [&](IRB &qb) {
      Value first = before;
      if (perChannel) {
        SmallVector<Value> state = forRangeCarry(
            qb, cIndex(qb, 0), cIndex(qb, group), numerics.initial(qb),
            [&](IRB &lb, Value k0, ValueRange acc) {
              SmallVector<Value> xs, out(acc);
              for (int64_t u = 0; u < unroll; ++u)
                xs.push_back(
                    ringAt(lb, add(lb, add(lb, first, k0), cIndex(lb, u))));
              for (Value e : xs)
                out = numerics.accumulate(lb, out, e);
              return out;
            },
            unroll);
        auto [s, z] = numerics.scaleAndZero(qb, state);
        Value srow = scaleRow(qb, scheme, first);
        memref::StoreOp::create(qb, s, v.scales, ValueRange{head, srow, d});
        if (z)
          memref::StoreOp::create(qb, z, v.zeros, ValueRange{head, srow, d});
        Value sf = toF32(qb, s), zf = z ? toF32(qb, z) : Value();
        forRange(qb, 0, group / unroll, [&](IRB &kb, Value k) {
          Value k0 = add(kb, first, mul(kb, k, cIndex(kb, unroll)));
          SmallVector<Value> xs;
          for (int64_t u = 0; u < unroll; ++u)
            xs.push_back(ringAt(kb, add(kb, k0, cIndex(kb, u))));
          for (int64_t u = 0; u < unroll; ++u)
            pack(kb, add(kb, k0, cIndex(kb, u)),
                 numerics.encode(kb, xs[u], sf, zf));
        });
        return;
      }
      // per_token: the one due token; runs of `group` channels share a scale.
      Value xq = early ? early : ringAt(qb, first);
      Value s, z;
      std::tie(s, z) = numerics.scaleAndZero(
          qb, groupState.empty() ? reduceChannels(qb, xq) : groupState);
      Value col = scaleColumn(qb, scheme, d);
      ifThen(qb, eq(qb, remU(qb, d, group), 0), [&](IRB &sb) {
        memref::StoreOp::create(sb, s, v.scales, ValueRange{head, first, col});
        if (z)
          memref::StoreOp::create(sb, z, v.zeros, ValueRange{head, first, col});
      });
      Value code =
          numerics.encode(qb, xq, toF32(qb, s), z ? toF32(qb, z) : Value());
      pack(qb, first, code);
    });
  });
}

/// The append kernel: grid (sequence x KV head, 2), block.y 0 appends the
/// keys and 1 the values, so the two run side by side.
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
  Value tensor = blockId(b, gpu::Dimension::y);
  Value seq = arith::DivUIOp::create(b, head, cIndex(b, H));
  Value h = arith::RemUIOp::create(b, head, cIndex(b, H));
  Value keys = lt(b, tensor, cIndex(b, 1));
  ifThen(b, keys, [&](IRB &ib) {
    appendTensor(ib, type, v.keys, args[1], seq, h, head, start, T, attrs[0],
                 attrs[1], attrs[2], attrs[3]);
  });
  ifThen(b, arith::XOrIOp::create(b, keys, arith::ConstantIntOp::create(
                                               b, b.getI1Type(), 1)),
         [&](IRB &ib) {
           appendTensor(ib, type, v.values, args[2], seq, h, head, start, T,
                        attrs[0], attrs[1], attrs[2], attrs[3]);
         });
  // Only block (0, 0) publishes the new length (no other block reads it).
  Value first = arith::AndIOp::create(
      b, arith::AndIOp::create(b, lt(b, head, cIndex(b, 1)), keys),
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
  // The fewest query slices that put the tiles on tensor cores (each slice
  // reads the KV head's tokens, the second mostly from L2: the slices'
  // blocks run together); slices of at least 2 query heads, else none.
  int64_t R = c.queriesPerKvHead();
  for (int64_t s = 1; s <= R; ++s) {
    DecodeKernelConfig trial = c;
    trial.querySlices = s;
    if (R % s == 0 && (s == 1 || R / s >= 2) && canUsePackedAttend(trial) &&
        lowering::canUseMmaTiles(trial)) {
      c.querySlices = s;
      break;
    }
  }
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

SmallVector<Type>
mlir::kvq::getAttendParamTypes(MLIRContext *context,
                               const DecodeKernelConfig &config) {
  CacheType type = config.cache;
  int64_t B = type.getBatch(), D = type.getHeadDim(), Hq = config.queryHeads;
  Type i32 = IntegerType::get(context, 32), elt = type.getElementType();
  return {paramBuffer({getCacheLayout(type).totalBytes},
                      IntegerType::get(context, 8)),
          paramBuffer({B, Hq, D}, elt), // queries
          paramBuffer({B}, i32),        // lengths
          i32,                          // use_lengths
          getPartialType(config),
          getArrivalsType(config),
          paramBuffer({B, Hq, D}, elt)}; // out
}

int64_t mlir::kvq::getAttendTileTokens(const DecodeKernelConfig &config) {
  if (!canUsePackedAttend(config))
    return kAttendBlock;
  return lowering::canUseMmaTiles(config) ? lowering::mmaTileTokens(config)
                                          : kPackedAttendBlock;
}

DecodeKernels mlir::kvq::buildDecodeKernels(OpBuilder &builder,
                                            gpu::GPUModuleOp module,
                                            const DecodeKernelConfig &config) {
  DecodeKernels k;
  k.append = "kvq_append" + config.suffix;
  k.attend = "kvq_attend" + config.suffix;
  k.appendBlock = config.cache.getHeadDim();
  bool packed = canUsePackedAttend(config);
  k.attendBlock = packed ? kPackedAttendBlock : kAttendBlock;
  k.attendTile = getAttendTileTokens(config);
  // Blocks per SM the split heuristic fills in one wave: the packed kernel's
  // one-warp blocks use 255 registers on CUDA cores (8 fit an SM) and fewer
  // on tensor cores; the generic kernel measured best at 32
  // (docs/performance.md).
  bool mma = packed && lowering::canUseMmaTiles(config);
  k.querySlices = config.querySlices;
  k.attendBlocksPerSM = !packed ? 32
                        : mma   ? lowering::getMmaBudget(config).blocksPerSM
                                : 8;
  // Where a wave of 12 blocks per SM leaves every split fewer than 4 tiles
  // at full capacity, a wave sized for 8 (fewer, longer splits at the same
  // 168 registers) measured faster: 1x32k -6..-8%, 8x4k -6..-7%; long
  // splits (8x32k, 32x8k, 1x128k) keep 12 (docs/performance.md, v3.25).
  if (mma && k.attendBlocksPerSM == 12 &&
      lowering::longestSplitTiles(config, k.attendTile) < 4)
    k.attendBlocksPerSM = 8;
  k.maxSplits = config.maxSplits;
  k.appendTokens = config.appendTokens;
  // The partial states, then the arrival counts (128-byte aligned).
  MemRefType partial = lowering::getPartialType(config);
  k.arrivalsOffset = partial.getNumElements() * 4;
  k.workspaceBytes =
      k.arrivalsOffset + lowering::getArrivalsType(config).getNumElements() * 4;
  buildAppend(builder, module, config, k.append);
  if (packed)
    buildPackedAttend(builder, module, config, k.attend);
  else
    buildAttend(builder, module, config, k.attend);
  return k;
}
