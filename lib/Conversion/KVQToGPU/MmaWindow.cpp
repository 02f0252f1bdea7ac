//===- MmaWindow.cpp - the full-precision window on tensor cores ----------===//
//
// A 32-token step of the window, lane = 4 g + q as in MmaTiles.cpp:
//
//  keys    S^T = K Q^T on f16 m16n8k16, M = 16 tokens (rows g, g + 8),
//          K = 16 channels. Lane q reads the contiguous quarter [q D/4,
//          (q+1) D/4) of each key row; k step j's columns 2 q, 2 q + 1,
//          2 q + 8, 2 q + 9 are its channels 4 j .. 4 j + 3 (the order
//          inside the product is free as long as B uses the same). Column g
//          of B is query head g / 2 as two f16 parts: the rounded query
//          (even g) and what the rounding left (odd g), so the f32 sum of
//          the two columns is the dot product to ~2^-22.
//  softmax as in the tiles: lane (g, q) holds query head q at tokens
//          g + 8 r + 16 m.
//  values  O^T += V^T P^T on f16 m16n8k16, M = 16 channels (lane g's
//          contiguous eighth of each value row, channels 2 m and 2 m + 1 of
//          it in rows g and g + 8), K = 16 tokens in the order the tiles'
//          f16 path uses (pairs 2 q, 2 q + 8 and 2 q + 1, 2 q + 9): a
//          register is one channel of two tokens, one prmt of their words.
//          The B columns follow the tiles' accumulator layout: query heads
//          (several value groups per token, f16 probabilities), or head and
//          part (one group per token: the int8 tiles keep head q's outputs
//          in lane q, so the probabilities go in two f16 parts as the
//          queries do and the two columns are summed). In a bf16 cache the
//          f16 columns' A registers are its bf16 pairs converted to f16
//          (exact within f16's range, as the tiles' f16 dequantization
//          assumes): one bf16 probability, 2^-9, would be too coarse.
//
// In a bf16 cache the keys and the (head, part) value columns run on bf16
// m16n8k16 instead (the same fragments), their two-part queries and
// probabilities summing to ~2^-17; the f16 value columns stay f16 (above).
//
//===----------------------------------------------------------------------===//
#include "MmaWindow.h"
#include "MmaOps.h"
#include "MmaTiles.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

bool mlir::kvq::lowering::canUseMmaWindow(const DecodeKernelConfig &config,
                                          const CacheViews &views) {
  // (Without a window the ring only holds keys awaiting their group: the
  // window steps would never run, and their code costs registers.)
  Type element = config.cache.getElementType();
  return canUseMmaTiles(config) && (element.isF16() || element.isBF16()) &&
         views.keys.window && views.values.window &&
         views.keys.scheme.getWindow() > 0 &&
         views.values.scheme.getWindow() > 0;
}

SmallVector<Value> mlir::kvq::lowering::emitMmaWindow(IRB &b,
                                                      const MmaWindowInputs &in,
                                                      ValueRange state) {
  const TensorViews &K = in.views->keys, &V = in.views->values;
  int64_t R = in.queriesPerHead, D = in.headDim;
  bool halfValues = V.scheme.getGroup() < D; // the tiles' accumulator layout
  int64_t keyChunk = D / 4, valueChunk = D / 8;
  int64_t kSteps = D / 16, vTiles = D / 16;
  assert(state.size() == size_t(3 + (halfValues ? 4 * vTiles : valueChunk)) &&
         "the tiles' state");
  int64_t kSlots = K.layout.windowSlots, vSlots = V.layout.windowSlots;
  Type f32 = b.getF32Type();
  // The window's element type, the key mma's and the (head, part) value
  // mma's operand type.
  Type et = cast<MemRefType>(K.window.getType()).getElementType();
  bool bf16 = et.isBF16();
  auto pairType = VectorType::get({2}, et);

  Value lane = in.lane, head = in.head;
  MmaLanes ml = mmaLanes(b, lane, R);
  Value g = ml.g, q = ml.q, g32 = ml.g32, q32 = ml.q32, odd = ml.odd;
  Value bHeadValid = ml.bHeadValid, cHeadValid = ml.cHeadValid;
  Value zero = cF32(b, 0.0), negInf = cF32(b, -INFINITY);

  // x as two parts of the element type: hi = x rounded, lo = what the
  // rounding left.
  auto highPart = [&](IRB &hb, Value x) -> Value {
    return arith::TruncFOp::create(hb, et, x);
  };
  auto lowPart = [&](IRB &hb, Value x, Value hi) -> Value {
    Value rest =
        arith::SubFOp::create(hb, x, arith::ExtFOp::create(hb, f32, hi));
    return arith::TruncFOp::create(hb, et, rest);
  };
  // Two values of the element type as one i32 (x in the low half).
  auto pairOf = [&](IRB &pb, Value x, Value y) -> Value {
    return asI32(
        pb, vector::FromElementsOp::create(pb, pairType, ValueRange{x, y}));
  };
  // D += A x B on the element type's tensor cores; A, B as i32 pairs.
  auto mmaElt = [&](IRB &mb, ArrayRef<Value> a, ArrayRef<Value> bb,
                    ArrayRef<Value> c) {
    if (bf16)
      return mmaSync(mb, a, bb, c, {16, 8, 16}, NVVM::MMATypes::bf16,
                     NVVM::MMATypes::bf16);
    auto halves = [&](ArrayRef<Value> v) {
      return llvm::to_vector(
          llvm::map_range(v, [&](Value w) { return asHalf2(mb, w); }));
    };
    return mmaF16(mb, halves(a), halves(bb), c);
  };
  // A bf16 pair (i32) as an f16 pair: each bf16 is the top half of an f32.
  auto bf16PairToHalf2 = [&](IRB &cb, Value w) -> Value {
    Value lo = arith::BitcastOp::create(
        cb, f32, arith::ShLIOp::create(cb, w, cI32(cb, 16)));
    Value hi = arith::BitcastOp::create(cb, f32, andI(cb, w, 0xFFFF0000u));
    return half2Of(cb, lo, hi);
  };
  // Channels [c0, c0 + n) of window row `tok` as i32 words (pairs), in
  // 16-byte loads.
  auto rowWords = [&](IRB &lb, Value window, int64_t slots, Value tok, Value c0,
                      int64_t n) {
    SmallVector<Value> words;
    Value slot = remU(lb, tok, slots);
    auto words4 = VectorType::get({4}, lb.getI32Type());
    for (int64_t i = 0; i < n; i += 8) {
      Value halves = vector::LoadOp::create(
          lb, VectorType::get({8}, et), window,
          ValueRange{head, slot, add(lb, c0, cIndex(lb, i))},
          /*nontemporal=*/false, llvm::MaybeAlign(16));
      Value w = vector::BitCastOp::create(lb, words4, halves);
      for (int64_t k = 0; k < 4; ++k)
        words.push_back(vector::ExtractOp::create(lb, w, ArrayRef<int64_t>{k}));
    }
    return words;
  };

  // B of the scores, two f16 pairs per k step (loop invariant): head g / 2's
  // queries at channels q D/4 + 4 j + {0, 1} and {2, 3}; 0 past R heads.
  MmaLanes ql = in.queryLane == lane ? ml : mmaLanes(b, in.queryLane, R);
  Value qRow = minU(b, ql.bHead, cIndex(b, R - 1));
  Value keyC0 = mul(b, ql.q, cIndex(b, keyChunk));
  SmallVector<Value> queryB;
  for (int64_t j = 0; j < kSteps; ++j) {
    Value qv = vector::LoadOp::create(
        b, VectorType::get({4}, f32), in.queries,
        ValueRange{qRow, add(b, keyC0, cIndex(b, 4 * j))},
        /*nontemporal=*/false, llvm::MaybeAlign(16));
    SmallVector<Value> part(4);
    for (int64_t i = 0; i < 4; ++i) {
      Value x = vector::ExtractOp::create(b, qv, ArrayRef<int64_t>{i});
      x = select(b, bHeadValid, x, zero);
      Value hi = highPart(b, x);
      part[i] = select(b, odd, lowPart(b, x, hi), hi);
    }
    queryB.push_back(pairOf(b, part[0], part[1]));
    queryB.push_back(pairOf(b, part[2], part[3]));
  }
  Value valueC0 = mul(b, g, cIndex(b, valueChunk));
  Value q2 = mul(b, q, cIndex(b, 2));
  // B of the values: lane (g, q) takes its column's probabilities of tokens
  // (2 q, 2 q + 8) from lane 8 q + h and of (2 q + 1, 2 q + 9) from lane
  // 8 q + h + 4, h its column's head (g, or g / 2 for head-and-part columns).
  Value src0 = arith::AddIOp::create(
      b, arith::MulIOp::create(b, q32, cI32(b, 8)),
      halfValues ? g32 : arith::ShRUIOp::create(b, g32, cI32(b, 1)));
  Value src1 = arith::AddIOp::create(b, src0, cI32(b, 4));
  Value gValid = lt(b, g, cIndex(b, R));
  static constexpr int64_t kPairs[4] = {0, 8, 1, 9};
  // All four key rows in flight at head_dim <= 128 (two per 16 tokens at
  // 256); value rows per 16 tokens, after the softmax (in flight with the
  // scores, ptxas spilled more).
  bool keysFirst = D <= 128;

  auto loop = scf::ForOp::create(
      b, in.steps.from, in.steps.end, in.steps.step, state,
      [&](OpBuilder &nested, Location loc, Value t0, ValueRange it) {
        IRB lb(loc, nested);
        Value m = it[0], l = it[1], z = it[2];
        SmallVector<Value> o(it.drop_front(3));
        // Token t0 + off + part, or t0 (a valid token: masked or p = 0)
        // past validEnd.
        auto token = [&](int64_t off, Value part) {
          Value t = add(lb, add(lb, t0, cIndex(lb, off)), part);
          Value ok = lt(lb, t, in.steps.validEnd);
          return std::make_pair(select(lb, ok, t, t0), ok);
        };

        // Scores s[2 mt + r] of tokens t0 + 16 mt + 8 r + g, head q.
        SmallVector<SmallVector<Value>> keyRows(4);
        SmallVector<Value> ok(4), s(4);
        auto loadKeys = [&](int64_t mt) {
          for (int64_t r = 0; r < 2; ++r) {
            auto [t, valid] = token(16 * mt + 8 * r, g);
            keyRows[2 * mt + r] =
                rowWords(lb, K.window, kSlots, t, keyC0, keyChunk);
            ok[2 * mt + r] = valid;
          }
        };
        Value chunkMax = negInf;
        auto scoreTile = [&](int64_t mt) {
          ArrayRef<Value> rowG = keyRows[2 * mt], rowG8 = keyRows[2 * mt + 1];
          SmallVector<Value> acc(4, zero);
          for (int64_t j = 0; j < kSteps; ++j) {
            SmallVector<Value> a = {rowG[2 * j], rowG8[2 * j], rowG[2 * j + 1],
                                    rowG8[2 * j + 1]};
            acc = mmaElt(lb, a, {queryB[2 * j], queryB[2 * j + 1]}, acc);
          }
          for (int64_t r = 0; r < 2; ++r) {
            Value x = addF(lb, acc[2 * r], acc[2 * r + 1]);
            s[2 * mt + r] = select(lb, ok[2 * mt + r], x, negInf);
            chunkMax = maxF(lb, chunkMax, s[2 * mt + r]);
          }
        };
        if (keysFirst) {
          loadKeys(0);
          loadKeys(1);
          scoreTile(0);
          scoreTile(1);
        } else {
          loadKeys(0);
          scoreTile(0);
          loadKeys(1);
          scoreTile(1);
        }

        // Value rows [kk][i]: tokens t0 + 16 kk + 2 q + {0, 8, 1, 9}[i].
        SmallVector<SmallVector<Value>> valueRows(8);
        auto loadValues = [&](int64_t kk) {
          for (int64_t i = 0; i < 4; ++i)
            valueRows[4 * kk + i] = rowWords(
                lb, V.window, vSlots, token(16 * kk + kPairs[i], q2).first,
                valueC0, valueChunk);
        };

        // Online softmax for query head q (max over g).
        chunkMax = reduceOver(lb, chunkMax, true, 4, kWarp);
        Value mNew = maxF(lb, m, chunkMax);
        Value corr = exp2Approx(lb, arith::SubFOp::create(lb, m, mNew));
        Value lNew = mulF(lb, l, corr);
        SmallVector<Value> p(4);
        for (int64_t i = 0; i < 4; ++i) {
          Value e = exp2Approx(lb, arith::SubFOp::create(lb, s[i], mNew));
          p[i] = select(lb, cHeadValid, e, zero);
          lNew = addF(lb, lNew, p[i]);
        }

        // Values: A registers (i32 pairs) of m tile mt, 16 tokens kk.
        auto valueA = [&](int64_t kk, int64_t mt) {
          Value wA = valueRows[4 * kk][mt], wB = valueRows[4 * kk + 1][mt];
          Value wC = valueRows[4 * kk + 2][mt], wD = valueRows[4 * kk + 3][mt];
          return SmallVector<Value>{
              prmt(lb, wA, wB, 0x5410), prmt(lb, wA, wB, 0x7632),
              prmt(lb, wC, wD, 0x5410), prmt(lb, wC, wD, 0x7632)};
        };
        Value zNew = z;
        if (halfValues) {
          // C: rows channels 2 mt, 2 mt + 1; columns heads 2 q, 2 q + 1.
          rescaleHalfValueOutputs(lb, o, corr, q32);
          for (int64_t kk = 0; kk < 2; ++kk) {
            loadValues(kk);
            SmallVector<Value> bb = halfValueProbabilities(
                lb, p[2 * kk], p[2 * kk + 1], src0, src1, gValid);
            for (int64_t mt = 0; mt < vTiles; ++mt) {
              SmallVector<Value> c(o.begin() + 4 * mt, o.begin() + 4 * mt + 4);
              SmallVector<Value> a;
              for (Value w : valueA(kk, mt))
                a.push_back(bf16 ? bf16PairToHalf2(lb, w) : asHalf2(lb, w));
              c = mmaF16(lb, a, bb, c);
              std::copy(c.begin(), c.end(), o.begin() + 4 * mt);
            }
          }
        } else {
          // C: rows channels 2 mt, 2 mt + 1; columns head q's two parts,
          // summed into o[2 mt], o[2 mt + 1].
          SmallVector<SmallVector<Value>> c;
          for (int64_t mt = 0; mt < vTiles; ++mt)
            c.push_back({mulF(lb, o[2 * mt], corr), zero,
                         mulF(lb, o[2 * mt + 1], corr), zero});
          for (int64_t kk = 0; kk < 2; ++kk) {
            loadValues(kk);
            Value hi0 = highPart(lb, p[2 * kk]),
                  hi1 = highPart(lb, p[2 * kk + 1]);
            Value hi = pairOf(lb, hi0, hi1);
            Value lo = pairOf(lb, lowPart(lb, p[2 * kk], hi0),
                              lowPart(lb, p[2 * kk + 1], hi1));
            auto pick = [&](Value src) {
              return select(lb, odd, shuffleFrom(lb, lo, src),
                            shuffleFrom(lb, hi, src));
            };
            SmallVector<Value> bb = {pick(src0), pick(src1)};
            for (int64_t mt = 0; mt < vTiles; ++mt)
              c[mt] = mmaElt(lb, valueA(kk, mt), bb, c[mt]);
          }
          for (int64_t mt = 0; mt < vTiles; ++mt) {
            o[2 * mt] = addF(lb, c[mt][0], c[mt][1]);
            o[2 * mt + 1] = addF(lb, c[mt][2], c[mt][3]);
          }
          zNew = mulF(lb, z, corr);
        }

        SmallVector<Value> next = {mNew, lNew, zNew};
        next.append(o);
        scf::YieldOp::create(lb, next);
      });
  return SmallVector<Value>(loop.getResults());
}
