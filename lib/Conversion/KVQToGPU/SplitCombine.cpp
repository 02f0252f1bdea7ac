//===- SplitCombine.cpp - split-K partial states and their merge ----------===//
//
// The last-block merge (the pattern of CUTLASS's serial split-K and of
// cooperative groups' grid sync), in one or two levels. Ordering, in the
// PTX memory model: a block's threads store their state, meet at a barrier,
// and lane 0 bumps its group's count with an acquire-release atomic
// (kvq.arrive: its release is cumulative over what the barrier ordered
// before it); the lane 0 that reads count = group size - 1 has acquired
// the other blocks' states with the same atomic, and a warp barrier orders
// its warp's loads after that. The block that completes a group merges
// the group's states and counts the group the same way; the block that
// completes the last group merges the groups. One warp merging every split
// of a KV head took 8 dependent rounds of loads at 64 splits and was slower
// than a second launch (docs/performance.md, v3.12).
//
//===----------------------------------------------------------------------===//
#include "SplitCombine.h"

#include "kvq/Dialect/KVQ/IR/KVQ.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

PartialLayout
mlir::kvq::lowering::getPartialLayout(const DecodeKernelConfig &config) {
  return {config.queriesPerBlock(), config.cache.getHeadDim()};
}

MemRefType
mlir::kvq::lowering::getPartialType(const DecodeKernelConfig &config) {
  CacheType type = config.cache;
  return paramBuffer({config.maxSplits, attendBlockRows(config),
                      getPartialLayout(config).groupStride()},
                     Float32Type::get(type.getContext()));
}

int64_t mlir::kvq::lowering::attendBlockRows(const DecodeKernelConfig &config) {
  CacheType type = config.cache;
  return type.getBatch() * type.getKvHeads() * config.querySlices;
}

int64_t mlir::kvq::lowering::getArrivalsPerHead(int64_t maxSplits) {
  return 1 + (maxSplits + kMergeRadix - 1) / kMergeRadix;
}

MemRefType
mlir::kvq::lowering::getArrivalsType(const DecodeKernelConfig &config) {
  CacheType type = config.cache;
  return paramBuffer(
      {attendBlockRows(config), getArrivalsPerHead(config.maxSplits)},
      IntegerType::get(type.getContext(), 32));
}

Value mlir::kvq::lowering::partialColumn(IRB &b, const PartialLayout &layout,
                                         int64_t r, Value c) {
  return add(b, cIndex(b, r * layout.rowStride()), c);
}

namespace {

Value eqI(IRB &b, Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, x, y);
}
Value isNegInf(IRB &b, Value x) {
  return arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x,
                               cF32(b, -INFINITY));
}
/// A merged softmax state of query heads 0..R-1: running max (log2 units),
/// weighted sum and this lane's weighted outputs ([R][per]).
struct MergedState {
  SmallVector<Value> m, l, acc;
};

struct Merger {
  const SplitCombineInputs &in;
  Value lane;
  int64_t R, D, per;
  bool contiguous;

  Merger(const SplitCombineInputs &in, Value lane)
      : in(in), lane(lane), R(in.layout.groupSize), D(in.layout.headDim) {
    // A lane's channels: a contiguous run (one aligned vector load) when D
    // is 32 times a power of two, else lane, lane + 32, ... (D = 96: runs of
    // 3 floats would be loaded misaligned).
    contiguous = D % kWarp == 0 && llvm::isPowerOf2_64(D / kWarp);
    per = (D + kWarp - 1) / kWarp;
  }

  Value channel(IRB &b, int64_t k) const {
    return contiguous ? add(b, mul(b, lane, cIndex(b, per)), cIndex(b, k))
                      : add(b, lane, cIndex(b, k * kWarp));
  }
  Value column(IRB &b, int64_t r, Value c) const {
    return partialColumn(b, in.layout, r, c);
  }

  /// Counts this warp's block in arrivals[head][slot] (lane 0's atomic) and
  /// returns whether it is the `expected`-th arrival, the last.
  Value arrive(IRB &b, Value slot, Value expected) const {
    Value first = eqI(b, lane, cIndex(b, 0));
    Value before =
        ifElse(
            b, first, {b.getI32Type()},
            [&](IRB &ab) -> SmallVector<Value> {
              // Releases what the block stored before the barrier; acquires
              // the earlier arrivals' states. One atomic measured 2-4%
              // faster at small shapes than fence, relaxed atomic and fence
              // (docs/performance.md, v3.30).
              return {
                  ArriveOp::create(ab, in.arrivals, ValueRange{in.head, slot})
                      .getBefore()};
            },
            [&](IRB &ab) -> SmallVector<Value> { return {cI32(ab, 0)}; })
            .front();
    before = shuffleFrom(b, before, cI32(b, 0));
    return eqI(b, before,
               arith::SubIOp::create(b, toI32(b, expected), cI32(b, 1)));
  }
  /// The last arrival: lane 0, whose atomic read the count (and acquired
  /// the other blocks' states), resets it for the next launch, which the
  /// stream orders after this one. The warp barrier orders the warp's loads
  /// after lane 0's atomic.
  void consume(IRB &b, Value slot) const {
    ifThen(b, eqI(b, lane, cIndex(b, 0)), [&](IRB &ib) {
      memref::StoreOp::create(ib, cI32(ib, 0), in.arrivals,
                              ValueRange{in.head, slot});
    });
    NVVM::SyncWarpOp::create(b, cU32(b, 0xFFFFFFFFu));
  }

  /// Merges the `count` (<= maxCount <= 32) states in slots first + j *
  /// stride, in slot order: lane j loads state j's maxima and sums, lanes
  /// load the rows' channels, at most `unroll` states' rows in flight. The
  /// first `unroll` states' rows are loaded before the maxima are reduced
  /// (their addresses do not depend on them), so that a merge of up to
  /// `unroll` states waits on one round of loads, not two.
  MergedState merge(IRB &b, Value first, Value count, int64_t stride,
                    int64_t maxCount) const {
    Value negInf = cF32(b, -INFINITY), zero = cF32(b, 0.0);
    auto slotOf = [&](IRB &sb, Value j, Value valid) {
      Value jj = select(sb, valid, j, cIndex(sb, 0));
      return add(sb, first, mul(sb, jj, cIndex(sb, stride)));
    };
    auto load = [&](IRB &lb, Value slot, int64_t r, Value c) -> Value {
      return memref::LoadOp::create(
          lb, in.partial, ValueRange{slot, in.head, column(lb, r, c)});
    };
    // ~128 registers of rows in flight.
    int64_t unroll = std::clamp<int64_t>(128 / (R * per), 1, maxCount);
    // This lane's channels of state j's rows, [R][per] (slot clamped into
    // range: states past `count` weigh 0).
    auto loadRows = [&](IRB &lb, Value j) {
      Value slot = slotOf(lb, j, lt(lb, j, count));
      SmallVector<Value> x;
      for (int64_t r = 0; r < R; ++r) {
        if (contiguous) {
          llvm::append_range(
              x, loadVector(lb, in.partial,
                            {slot, in.head, column(lb, r, channel(lb, 0))}, per,
                            std::min<int64_t>(16, per * 4)));
          continue;
        }
        for (int64_t k = 0; k < per; ++k)
          x.push_back(
              load(lb, slot, r, minU(lb, channel(lb, k), cIndex(lb, D - 1))));
      }
      return x;
    };
    SmallVector<SmallVector<Value>> firstRows;
    for (int64_t u = 0; u < unroll; ++u)
      firstRows.push_back(loadRows(b, cIndex(b, u)));

    Value valid = lt(b, lane, count);
    Value mine = slotOf(b, lane, valid);
    MergedState st;
    SmallVector<Value> w(R);
    for (int64_t r = 0; r < R; ++r) {
      Value m = select(b, valid, load(b, mine, r, cIndex(b, D)), negInf);
      Value l = select(b, valid, load(b, mine, r, cIndex(b, D + 1)), zero);
      Value mMax = warpMax(b, m);
      // Empty states weigh 0 (not exp2(-inf + inf) = nan).
      w[r] = select(b, isNegInf(b, m), zero,
                    exp2Approx(b, arith::SubFOp::create(b, m, mMax)));
      st.m.push_back(mMax);
      st.l.push_back(warpSum(b, mulF(b, w[r], l)));
    }
    // Weighted sum of state j's rows x into acc.
    auto accumulate = [&](IRB &ab, Value j, ArrayRef<Value> x,
                          SmallVector<Value> &acc) {
      Value inRange = lt(ab, j, count);
      for (int64_t r = 0; r < R; ++r) {
        Value wj =
            select(ab, inRange, shuffleFrom(ab, w[r], toI32(ab, j)), zero);
        for (int64_t k = 0; k < per; ++k)
          acc[r * per + k] = fmaF(ab, wj, x[r * per + k], acc[r * per + k]);
      }
    };
    SmallVector<Value> acc(R * per, zero);
    for (int64_t u = 0; u < unroll; ++u)
      accumulate(b, cIndex(b, u), firstRows[u], acc);
    if (unroll >= maxCount) {
      st.acc = acc;
      return st;
    }
    st.acc = forRangeCarry(
        b, cIndex(b, unroll), count, acc,
        [&](IRB &jb, Value j0, ValueRange a) {
          SmallVector<Value> out(a);
          SmallVector<SmallVector<Value>> rows;
          for (int64_t u = 0; u < unroll; ++u)
            rows.push_back(loadRows(jb, add(jb, j0, cIndex(jb, u))));
          for (int64_t u = 0; u < unroll; ++u)
            accumulate(jb, add(jb, j0, cIndex(jb, u)), rows[u], out);
          return out;
        },
        unroll);
    return st;
  }

  /// Stores `st` as the partial state of `slot`.
  void store(IRB &b, const MergedState &st, Value slot) const {
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t k = 0; k < per; ++k) {
        Value c = channel(b, k);
        auto write = [&](IRB &ib) {
          memref::StoreOp::create(ib, st.acc[r * per + k], in.partial,
                                  ValueRange{slot, in.head, column(ib, r, c)});
        };
        if (contiguous)
          write(b);
        else
          ifThen(b, lt(b, c, cIndex(b, D)), write);
      }
      ifThen(b, eqI(b, lane, cIndex(b, 0)), [&](IRB &ib) {
        memref::StoreOp::create(
            ib, st.m[r], in.partial,
            ValueRange{slot, in.head, column(ib, r, cIndex(ib, D))});
        memref::StoreOp::create(
            ib, st.l[r], in.partial,
            ValueRange{slot, in.head, column(ib, r, cIndex(ib, D + 1))});
      });
    }
  }

  /// out = acc / l (0 where nothing was attended).
  void writeOutput(IRB &b, const MergedState &st) const {
    Value zero = cF32(b, 0.0);
    for (int64_t r = 0; r < R; ++r) {
      Value hq = add(b, mul(b, in.queryBlock, cIndex(b, R)), cIndex(b, r));
      Value none =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, st.l[r], zero);
      for (int64_t k = 0; k < per; ++k) {
        Value d = channel(b, k);
        Value o = arith::DivFOp::create(b, st.acc[r * per + k], st.l[r]);
        o = select(b, none, zero, o);
        if (contiguous)
          storeFromF32(b, o, in.out, {in.seq, hq, d});
        else
          ifThen(b, lt(b, d, cIndex(b, D)), [&](IRB &ib) {
            storeFromF32(ib, o, in.out, {in.seq, hq, d});
          });
      }
    }
  }
};

} // namespace

void mlir::kvq::lowering::emitLastSplitCombine(IRB &b,
                                               const SplitCombineInputs &in) {
  // The block's stores happen before lane 0's count (the barrier orders
  // them; the atomic's release is cumulative).
  gpu::BarrierOp::create(b);
  ifThen(b, lt(b, in.tid, cIndex(b, kWarp)), [&](IRB &wb) {
    Merger mg(in, in.tid);
    // Up to kOneLevelSplits splits form one group, merged in one level
    // (8x4k -6..-10%, docs/performance.md v3.30); more go in groups of
    // kMergeRadix.
    Value radix =
        select(wb,
               arith::CmpIOp::create(wb, arith::CmpIPredicate::ule, in.splits,
                                     cIndex(wb, kOneLevelSplits)),
               cIndex(wb, kOneLevelSplits), cIndex(wb, kMergeRadix));
    Value group = arith::DivUIOp::create(wb, in.split, radix);
    Value groups = arith::CeilDivUIOp::create(wb, in.splits, radix);
    Value first = mul(wb, group, radix);
    Value count = minU(wb, radix, arith::SubIOp::create(wb, in.splits, first));
    Value groupSlot = add(wb, group, cIndex(wb, 1));
    ifThen(wb, mg.arrive(wb, groupSlot, count), [&](IRB &gb) {
      mg.consume(gb, groupSlot);
      MergedState st = mg.merge(gb, first, count, 1, kOneLevelSplits);
      Value single = eqI(gb, groups, cIndex(gb, 1));
      ifElse(
          gb, single, {},
          [&](IRB &ob) -> SmallVector<Value> {
            mg.writeOutput(ob, st);
            return {};
          },
          [&](IRB &ob) -> SmallVector<Value> {
            // The group's state replaces its first split's; then the group
            // is counted like a split.
            mg.store(ob, st, first);
            NVVM::SyncWarpOp::create(ob, cU32(ob, 0xFFFFFFFFu));
            Value top = cIndex(ob, 0);
            ifThen(ob, mg.arrive(ob, top, groups), [&](IRB &fb) {
              mg.consume(fb, top);
              // groups <= kMaxSplits / kMergeRadix: one per lane.
              mg.writeOutput(
                  fb, mg.merge(fb, cIndex(fb, 0), groups, kMergeRadix, kWarp));
            });
            return {};
          });
    });
  });
}
