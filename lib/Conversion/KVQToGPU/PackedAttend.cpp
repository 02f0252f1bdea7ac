//===- PackedAttend.cpp - register-blocked decode attention
//----------------===//
//
// One warp per (split, sequence x KV head) walks its tokens in tiles of 32:
//
//  keys    a team of Lk lanes shares a token, each lane owning ck channels:
//          its packed words come in one vector load, its codes become floats
//          with two integer ops (the code is or-ed into the mantissa of 1.0:
//          x = 1 + code / 2^bits), and the per-channel scale and zero are
//          folded into the query once per key group:
//              q . k = sum_d (q_d 2^b s_d) x_d + sum_d q_d (z_d - 2^b s_d)
//          so the inner loop is one FMA per code and query head. The team
//          sums its partial dots with xor shuffles.
//  softmax lane = token: warp max per query head, exp2 (queries carry
//          scale * log2 e), running sums kept per lane until the end.
//  values  a team of Lv lanes shares a token, each lane owning cv channels
//          (one scale group); the per-token scale is folded into the
//          probability, p 2^b s, and the zero into a per-lane bias
//          sum_t p (z - 2^b s) added to every channel at the end.
//
// Tokens whose key or value is still in the full-precision window (the last
// window + group at most) take a per-element path after the tiles (where
// splits are short, in 32-token chunks spread over the last splits). Partial
// states go to the workspace exactly as the generic kernel's (max in log2
// units), and the last split merges them the same way (SplitCombine.h).
//
//===----------------------------------------------------------------------===//
#include "PackedAttend.h"
#include "KernelBuilder.h"
#include "MmaTiles.h"
#include "MmaWindow.h"
#include "SplitCombine.h"

#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

namespace {

/// How a packed tensor is spread over a team of lanes.
struct TeamPlan {
  int64_t bits = 0, perWord = 0;
  int64_t codes = 0; ///< channels per lane
  int64_t lanes = 0; ///< lanes per token (a power of two <= 32)
  int64_t words = 0; ///< words per lane's load
  int64_t tokensPerPass() const { return kWarp / lanes; }
  int64_t passes() const { return lanes; } // 32 tokens per tile
};

bool packable(SchemeAttr s) {
  return s.isQuantized() && (s.getBits() == 2 || s.getBits() == 4 ||
                             s.getBits() == 8);
}

TeamPlan planTeam(SchemeAttr s, int64_t dim, int64_t queriesPerHead) {
  TeamPlan p;
  p.bits = s.getBits();
  p.perWord = s.getCodesPerWord();
  // Accumulators and folded queries take R x codes registers each.
  p.codes = queriesPerHead <= 4 ? 16 : 8;
  p.lanes = dim / p.codes;
  p.words = std::max<int64_t>(1, p.codes / p.perWord);
  return p;
}

/// The float 1 + code / 2^bits of the code at position `pos` of `word`.
Value codeAsFloat(IRB &b, Value word, int64_t pos, int64_t bits) {
  int64_t shift = (23 - bits) - bits * pos;
  Value v = word;
  if (shift > 0)
    v = arith::ShLIOp::create(b, v, cI32(b, shift));
  else if (shift < 0)
    v = arith::ShRUIOp::create(b, v, cI32(b, -shift));
  uint32_t mask = ((1u << bits) - 1u) << (23 - bits);
  v = arith::AndIOp::create(b, v, cU32(b, mask));
  v = arith::OrIOp::create(b, v, cU32(b, 0x3F800000u));
  return arith::BitcastOp::create(b, b.getF32Type(), v);
}

/// Largest power of two <= 16 dividing `bytes`.
int64_t alignmentOf(int64_t bytes) {
  int64_t a = 16;
  while (a > 1 && bytes % a)
    a /= 2;
  return a;
}

/// The f32 values `decode(code) = a * x + c` of a scheme, where x is
/// codeAsFloat's float: a = 2^bits s, c = z0 - a with z0 = z (asymmetric) or
/// -2^(bits-1) s (symmetric).
std::pair<Value, Value> foldedScale(IRB &b, SchemeAttr scheme, Value s,
                                    Value z) {
  Value a = mulF(b, s, cF32(b, double(int64_t(1) << scheme.getBits())));
  Value z0 = scheme.getSymmetric()
                 ? mulF(b, s, cF32(b, -double(int64_t(1)
                                              << (scheme.getBits() - 1))))
                 : z;
  return {a, arith::SubFOp::create(b, z0, a)};
}

/// One online-softmax step over a tile whose lane `lane` holds `scores` (R
/// values, -inf for absent tokens): returns the new max and writes p to
/// pShared[lane][r]; `m`, `l` are the running max and this lane's running
/// sum, `corr` gets exp2(m_old - m_new).
struct SoftmaxStep {
  SmallVector<Value> m, l, corr;
};
SoftmaxStep softmaxStep(IRB &b, ValueRange scores, ValueRange m, ValueRange l,
                        Value pShared, Value lane) {
  SoftmaxStep s;
  for (size_t r = 0; r < scores.size(); ++r) {
    Value tileMax = warpMax(b, scores[r]);
    Value mNew = arith::MaximumFOp::create(b, m[r], tileMax);
    Value p = exp2Approx(b, arith::SubFOp::create(b, scores[r], mNew));
    Value c = exp2Approx(b, arith::SubFOp::create(b, m[r], mNew));
    memref::StoreOp::create(b, p, pShared, ValueRange{lane, cIndex(b, r)});
    s.m.push_back(mNew);
    s.corr.push_back(c);
    s.l.push_back(addF(b, mulF(b, l[r], c), p));
  }
  return s;
}

/// p[slot][0..R) from shared memory.
SmallVector<Value> loadProbabilities(IRB &b, Value pShared, Value slot,
                                     int64_t R) {
  if (R > 1 && (R & (R - 1)) == 0)
    return loadVector(b, pShared, ValueRange{slot, cIndex(b, 0)}, R,
                   alignmentOf(R * 4));
  SmallVector<Value> out;
  for (int64_t r = 0; r < R; ++r)
    out.push_back(
        memref::LoadOp::create(b, pShared, ValueRange{slot, cIndex(b, r)}));
  return out;
}

/// Kernels whose splits hold at most this many tiles at full capacity
/// prefetch their window tail and spread it over the last splits
/// (docs/performance.md, v3.18 and v3.19).
constexpr int64_t kTailPrefetchTiles = 8;

/// The window rows of the tail [packedEnd, end), asked of DRAM all at once
/// before the tail loop: the tail is a chain of dependent loads (per 32
/// tokens, the keys, then the values 16 tokens at a time), each of which then
/// waits on L2 instead of DRAM.
void prefetchWindowTail(IRB &b, const CacheViews &v, Value head, Value lane,
                        Value packedEnd, Value end) {
  if (!v.keys.window || !v.values.window)
    return;
  auto lineElements = [](Value window) {
    auto type = cast<MemRefType>(window.getType());
    return 128 / (type.getElementTypeBitWidth() / 8);
  };
  int64_t line =
      std::min(lineElements(v.keys.window), lineElements(v.values.window));
  int64_t lines = llvm::divideCeil(v.type.getHeadDim(), line); // per row
  int64_t kSlots = v.keys.layout.windowSlots;
  int64_t vSlots = v.values.layout.windowSlots;
  Value pieces =
      mul(b, arith::SubIOp::create(b, end, packedEnd), cIndex(b, lines));
  scf::ForOp::create(
      b, lane, pieces, cIndex(b, kWarp), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value i, ValueRange) {
        IRB lb(loc, nested);
        Value tok = add(lb, packedEnd, divU(lb, i, lines));
        Value d = mul(lb, remU(lb, i, lines), cIndex(lb, line));
        prefetchL2(lb, v.keys.window, {head, remU(lb, tok, kSlots), d});
        prefetchL2(lb, v.values.window, {head, remU(lb, tok, vSlots), d});
        scf::YieldOp::create(lb);
      });
}

} // namespace

bool mlir::kvq::canUsePackedAttend(const DecodeKernelConfig &c) {
  CacheType type = c.cache;
  SchemeAttr k = type.getKeys(), v = type.getValues();
  int64_t D = type.getHeadDim(), R = c.queriesPerBlock();
  if (!packable(k) || !packable(v) || R < 1 || R > 8)
    return false;
  if (k.getGranularity() != Granularity::PerChannel || k.getGroup() % 32)
    return false;
  if (v.getGranularity() != Granularity::PerToken ||
      v.getRotation() != Rotation::None)
    return false;
  if (D < 32 || (D & (D - 1)))
    return false;
  TeamPlan kp = planTeam(k, D, R), vp = planTeam(v, D, R);
  return kp.lanes <= kWarp && vp.lanes <= kWarp && v.getGroup() % vp.codes == 0;
}

void mlir::kvq::buildPackedAttend(OpBuilder &builder, gpu::GPUModuleOp module,
                                  const DecodeKernelConfig &c,
                                  StringRef name) {
  CacheType type = c.cache;
  int64_t H = type.getKvHeads(), D = type.getHeadDim();
  int64_t R = c.queriesPerBlock(), S = c.querySlices;
  Type f32 = builder.getF32Type();
  SmallVector<Type> params = getAttendParamTypes(builder.getContext(), c);
  SmallVector<Type> shared = {sharedBuffer({R, D}, f32),     // queries
                              sharedBuffer({kWarp, R}, f32), // scores, p
                              sharedBuffer({R, D}, f32)};    // tile sums
  // (getMmaBudget counts these three when it sizes the staging.)
  MmaBudget budget;
  if (canUseMmaTiles(c)) {
    budget = getMmaBudget(c);
    if (budget.stageBytes) // the tensor-core tiles' staging, two stages
      shared.push_back(
          sharedBuffer({2 * budget.stageBytes}, builder.getI8Type()));
  }
  gpu::GPUFuncOp func =
      createKernel(builder, module, name, params, shared, kPackedAttendBlock);
  if (budget.maxRegisters)
    func->setAttr("nvvm.maxnreg",
                  builder.getI32IntegerAttr(budget.maxRegisters));
  if (budget.stageBytes) // cp.async's 16-byte pieces need the alignment
    func.setWorkgroupAttributionAttr(3, LLVM::LLVMDialect::getAlignAttrName(),
                                     builder.getI64IntegerAttr(16));
  IRB b = IRB::atBlockBegin(func.getLoc(), &func.getBody().front());
  SmallVector<Value> args = globalArguments(b, func);
  Value cache = args[0], queries = args[1], lengths = args[2],
        useLengths = args[3], partial = args[4], arrivals = args[5],
        out = args[6];
  auto attrs = func.getWorkgroupAttributions();
  Value qS = attrs[0], pS = attrs[1], outS = attrs[2];

  CacheViews v = makeCacheViews(b, type, cache);
  SchemeAttr ks = v.keys.scheme, vs = v.values.scheme;
  TeamPlan kp = planTeam(ks, D, R), vp = planTeam(vs, D, R);
  Value lane = threadId(b);
  Value split = blockId(b, gpu::Dimension::x);
  Value splits = gpu::GridDimOp::create(b, gpu::Dimension::x);
  // Block row (seq * H + g) * S + slice: its query heads are
  // queryBlock * R + r of the sequence, its KV head `head` of the cache.
  Value row = blockId(b, gpu::Dimension::y);
  Value seq = divU(b, row, H * S);
  Value queryBlock = remU(b, row, H * S);
  Value head =
      S == 1 ? row : add(b, mul(b, seq, cIndex(b, H)), divU(b, queryBlock, S));

  // Tokens of this sequence and of this split, in whole tiles.
  bool mmaTiles = canUseMmaTiles(c);
  int64_t tile = mmaTiles ? lowering::mmaTileTokens(c) : kWarp;
  SplitTokens tokens =
      splitTokens(b, v, lengths, useLengths, seq, split, splits, tile);
  Value start = tokens.start, end = tokens.end;
  // [start, packedEnd): both key and value packed; [packedEnd, end): not.
  auto packedRange = [&](IRB &pb, const SplitTokens &t) {
    Value keys = quantizedCount(pb, ks, t.length);
    Value values = quantizedCount(pb, vs, t.length);
    Value upTo = minU(pb, keys, values);
    return std::make_tuple(keys, values, upTo,
                           maxU(pb, t.start, minU(pb, t.end, upTo)));
  };
  Value packedEnd = std::get<3>(packedRange(b, tokens));
  // This split's tail steps: t0 = tailFrom, tailFrom + tailStep, ... below
  // tailEnd, tokens valid below tailEnd. By default the part of [P, n) (P
  // the first token whose key or value is not packed) in the split's own
  // range. Where splits are short, the 32-token chunks of [P, n) go to the
  // last splits instead, chunk c to split used - 1 - c (round robin when
  // there are more chunks than splits): at 1x32k the split whose range held
  // the tail attended all 128 window tokens in 4 steps while the others ran
  // 3 tiles (docs/performance.md, v3.19). The tile loops keep their bounds
  // (v3.10).
  int64_t splitTiles = lowering::longestSplitTiles(c, tile);
  bool shortSplits = splitTiles <= kTailPrefetchTiles;
  // (A split of one 32-token tile holds one chunk of its own anyway.)
  bool spreadTail = shortSplits && splitTiles * tile > kWarp;
  Value keyQuantized, valueQuantized, tailFrom, tailEnd, tailStep;
  // Computed after the tiles from the two lengths alone (passed through
  // opaqueIndex, the split index and count read again): ptxas then keeps
  // two values live across the tile loop, not these five, which it spilled
  // in the 32-token K4V2/K4V4 kernels (docs/performance.md, v3.26).
  auto tailBounds = [&](IRB &tb) {
    Value split = blockIdXHere(tb);
    SplitTokens t =
        splitRange(tb, opaqueIndex(tb, tokens.length),
                   opaqueIndex(tb, tokens.n), split, gridDimXHere(tb), tile);
    Value packedUpTo, packedEndHere;
    std::tie(keyQuantized, valueQuantized, packedUpTo, packedEndHere) =
        packedRange(tb, t);
    tailFrom = packedEndHere;
    tailEnd = t.end;
    tailStep = cIndex(tb, kWarp);
    if (!spreadTail)
      return;
    Value n = t.n;
    Value tailStart = minU(tb, n, packedUpTo);
    Value chunks = arith::CeilDivUIOp::create(
        tb, arith::SubIOp::create(tb, n, tailStart), cIndex(tb, kWarp));
    Value anyTokens = lt(tb, cIndex(tb, 0), n);
    Value used = arith::CeilDivUIOp::create(
        tb, n, select(tb, anyTokens, t.span, cIndex(tb, 1)));
    Value mine = lt(tb, split, used);
    // used - 1 - split, unsigned: only where split < used (else chunks).
    Value first =
        select(tb, mine,
               arith::SubIOp::create(
                   tb, arith::SubIOp::create(tb, used, cIndex(tb, 1)), split),
               chunks);
    tailFrom = select(tb, lt(tb, first, chunks),
                      add(tb, tailStart, mul(tb, first, cIndex(tb, kWarp))), n);
    tailEnd = n;
    tailStep =
        mul(tb, select(tb, mine, used, cIndex(tb, 1)), cIndex(tb, kWarp));
  };

  // Queries of the group in shared memory, times scale * log2(e).
  double scale = c.scale > 0 ? c.scale : 1.0 / std::sqrt(double(D));
  Value qScale = cF32(b, scale * M_LOG2E);
  // The tensor-core tiles stage them after issuing the first tile's loads,
  // so that the two round trips to memory overlap.
  auto queriesToShared = [&](IRB &qb) {
    stageQueries(qb, queries, qS, seq, queryBlock, R, D, qScale, lane, kWarp);
    gpu::BarrierOp::create(qb);
    if (ks.getRotation() == Rotation::Hadamard)
      blockHadamard(qb, qS, R, D, kWarp);
  };
  if (!mmaTiles)
    queriesToShared(b);

  // The CUDA-core tile loop: the running max and this lane's sums per
  // query head; the tiles' outputs in outS.
  auto cudaCoreTiles = [&](IRB &b)
      -> std::pair<SmallVector<Value>, SmallVector<Value>> {
  Value negInf = cF32(b, -INFINITY), zero = cF32(b, 0.0);
  // Lane roles: key team (kTeam, kLane), value team (vTeam, vLane).
  Value kTeam = divU(b, lane, kp.lanes), kLane = remU(b, lane, kp.lanes);
  Value vTeam = divU(b, lane, vp.lanes), vLane = remU(b, lane, vp.lanes);
  Value kChannel0 = mul(b, kLane, cIndex(b, kp.codes));
  Value vChannel0 = mul(b, vLane, cIndex(b, vp.codes));
  Value kWord0 = divU(b, kChannel0, kp.perWord);
  Value vWord0 = divU(b, vChannel0, vp.perWord);
  // A lane owning part of a word starts at code kChannel0 % perWord.
  Value kWordShift = arith::IndexCastOp::create(
      b, b.getI32Type(), mul(b, remU(b, kChannel0, kp.perWord),
                             cIndex(b, kp.bits)));
  Value vWordShift = arith::IndexCastOp::create(
      b, b.getI32Type(), mul(b, remU(b, vChannel0, vp.perWord),
                             cIndex(b, vp.bits)));
  Value vScaleCol = scaleColumn(b, vs, vChannel0);
  int64_t kScaleBytes =
      cast<MemRefType>(v.keys.scales.getType()).getElementTypeBitWidth() / 8;

  // Folded queries (R x ck) and bias (R) of this lane for key group `row`.
  auto foldQueries = [&](IRB &fb, Value row) {
    SmallVector<Value> out;
    int64_t align = alignmentOf(kp.codes * kScaleBytes);
    SmallVector<Value> s = loadVector(fb, v.keys.scales, {head, row, kChannel0},
                                   kp.codes, align);
    SmallVector<Value> z;
    if (v.keys.zeros)
      z = loadVector(fb, v.keys.zeros, {head, row, kChannel0}, kp.codes, align);
    SmallVector<Value> a(kp.codes), cst(kp.codes);
    for (int64_t k = 0; k < kp.codes; ++k) {
      auto [ak, ck] = foldedScale(fb, ks, toF32(fb, s[k]),
                                  z.empty() ? Value() : toF32(fb, z[k]));
      a[k] = ak;
      cst[k] = ck;
    }
    SmallVector<Value> bias;
    for (int64_t r = 0; r < R; ++r) {
      Value acc = zero;
      for (int64_t k = 0; k < kp.codes; ++k) {
        Value q = memref::LoadOp::create(
            fb, qS, ValueRange{cIndex(fb, r), add(fb, kChannel0, cIndex(fb, k))});
        out.push_back(mulF(fb, q, a[k]));
        acc = fmaF(fb, q, cst[k], acc);
      }
      bias.push_back(acc);
    }
    out.append(bias);
    return out;
  };

  //===--- Tiles of packed tokens ------------------------------------------===//
  // The key words of the tile at `t0` (this lane's share of every pass),
  // token indices clamped into the buffer: the next tile's are loaded while
  // this one is computed.
  int64_t capacity = type.getCapacity();
  auto loadKeyTile = [&](IRB &ib, Value t0) {
    SmallVector<Value> words;
    for (int64_t i = 0; i < kp.passes(); ++i) {
      Value t = add(ib, add(ib, t0, cIndex(ib, i * kp.tokensPerPass())), kTeam);
      t = minU(ib, t, cIndex(ib, capacity - 1));
      words.append(loadVector(ib, v.keys.codes, {head, t, kWord0}, kp.words,
                           alignmentOf(kp.words * 4)));
    }
    return words;
  };
  int64_t nAcc = R * vp.codes, nFold = R * kp.codes + R;
  int64_t nPre = kp.passes() * kp.words;
  SmallVector<Value> inits;
  inits.append(R, negInf);                 // m
  inits.append(R, zero);                   // l (this lane's share)
  inits.append(nAcc + R, zero);            // acc, value bias
  inits.append(nFold, zero);               // folded queries, key bias
  inits.append(loadKeyTile(b, start));     // key words of the first tile
  auto tileLoop = scf::ForOp::create(
      b, start, packedEnd, cIndex(b, kWarp), inits,
      [&](OpBuilder &nested, Location loc, Value t0, ValueRange it) {
        IRB lb(loc, nested);
        ValueRange m = it.take_front(R), l = it.slice(R, R);
        SmallVector<Value> acc(it.slice(2 * R, nAcc));
        SmallVector<Value> vBias(it.slice(2 * R + nAcc, R));
        ValueRange folded = it.slice(3 * R + nAcc, nFold);
        ValueRange keyWords = it.slice(3 * R + nAcc + nFold, nPre);
        SmallVector<Value> nextKeyWords =
            loadKeyTile(lb, add(lb, t0, cIndex(lb, kWarp)));

        // Re-fold the queries when the tile starts a key group.
        Value row = divU(lb, t0, ks.getGroup());
        Value fresh = arith::OrIOp::create(
            lb,
            arith::CmpIOp::create(lb, arith::CmpIPredicate::eq, t0, start),
            arith::CmpIOp::create(lb, arith::CmpIPredicate::eq,
                                  remU(lb, t0, ks.getGroup()), cIndex(lb, 0)));
        SmallVector<Value> refolded = ifElse(
            lb, fresh, SmallVector<Type>(nFold, lb.getF32Type()),
            [&](IRB &ib) { return foldQueries(ib, row); },
            [&](IRB &) { return SmallVector<Value>(folded); });
        ArrayRef<Value> qf = ArrayRef(refolded).take_front(R * kp.codes);
        ArrayRef<Value> kBias = ArrayRef(refolded).take_back(R);

        // Keys: dots from the words loaded during the previous tile.
        auto tokenOf = [&](IRB &ib, int64_t pass, int64_t perPass, Value team) {
          Value t = add(ib, add(ib, t0, cIndex(ib, pass * perPass)), team);
          Value valid = lt(ib, t, packedEnd);
          return std::make_pair(select(ib, valid, t, t0), valid);
        };
        SmallVector<SmallVector<Value>> kWords;
        SmallVector<Value> kValid;
        for (int64_t i = 0; i < kp.passes(); ++i) {
          kValid.push_back(tokenOf(lb, i, kp.tokensPerPass(), kTeam).second);
          kWords.emplace_back(keyWords.slice(i * kp.words, kp.words));
        }
        for (int64_t i = 0; i < kp.passes(); ++i) {
          SmallVector<Value> dots(kBias.begin(), kBias.end());
          for (int64_t k = 0; k < kp.codes; ++k) {
            Value word = kWords[i][k / kp.perWord];
            if (kp.codes < kp.perWord)
              word = arith::ShRUIOp::create(lb, word, kWordShift);
            Value x = codeAsFloat(lb, word, k % kp.perWord, kp.bits);
            for (int64_t r = 0; r < R; ++r)
              dots[r] = fmaF(lb, qf[r * kp.codes + k], x,
                                            dots[r]);
          }
          for (int64_t r = 0; r < R; ++r) {
            Value sum = warpReduce(
                lb, dots[r],
                [](IRB &x, Value a, Value c2) -> Value {
                  return arith::AddFOp::create(x, a, c2);
                },
                1, int32_t(kp.lanes));
            dots[r] = select(lb, kValid[i], sum, negInf);
          }
          Value slot = add(lb, cIndex(lb, i * kp.tokensPerPass()), kTeam);
          ifThen(lb, arith::CmpIOp::create(lb, arith::CmpIPredicate::eq, kLane,
                                           cIndex(lb, 0)),
                 [&](IRB &ib) {
                   for (int64_t r = 0; r < R; ++r)
                     memref::StoreOp::create(ib, dots[r], pS,
                                             ValueRange{slot, cIndex(ib, r)});
                 });
        }
        gpu::BarrierOp::create(lb);

        // Softmax: lane = token of the tile.
        SmallVector<Value> scores = loadProbabilities(lb, pS, lane, R);
        SoftmaxStep st = softmaxStep(lb, scores, m, l, pS, lane);
        gpu::BarrierOp::create(lb);

        // Values: rescale, then accumulate p-folded codes.
        for (int64_t r = 0; r < R; ++r) {
          vBias[r] = mulF(lb, vBias[r], st.corr[r]);
          for (int64_t k = 0; k < vp.codes; ++k)
            acc[r * vp.codes + k] = mulF(lb, acc[r * vp.codes + k], st.corr[r]);
        }
        SmallVector<SmallVector<Value>> vWords;
        SmallVector<Value> vValid, vScale, vZero;
        for (int64_t i = 0; i < vp.passes(); ++i) {
          auto [t, valid] = tokenOf(lb, i, vp.tokensPerPass(), vTeam);
          vWords.push_back(loadVector(lb, v.values.codes, {head, t, vWord0},
                                   vp.words, alignmentOf(vp.words * 4)));
          vValid.push_back(valid);
          vScale.push_back(loadF32(lb, v.values.scales, {head, t, vScaleCol}));
          vZero.push_back(v.values.zeros
                              ? loadF32(lb, v.values.zeros,
                                        {head, t, vScaleCol})
                              : Value());
        }
        for (int64_t i = 0; i < vp.passes(); ++i) {
          Value slot = add(lb, cIndex(lb, i * vp.tokensPerPass()), vTeam);
          SmallVector<Value> p = loadProbabilities(lb, pS, slot, R);
          auto [a, cst] = foldedScale(lb, vs, vScale[i], vZero[i]);
          SmallVector<Value> pa;
          for (int64_t r = 0; r < R; ++r) {
            pa.push_back(select(lb, vValid[i], mulF(lb, p[r], a), zero));
            vBias[r] = addF(lb, vBias[r],
                            select(lb, vValid[i], mulF(lb, p[r], cst), zero));
          }
          for (int64_t k = 0; k < vp.codes; ++k) {
            Value word = vWords[i][k / vp.perWord];
            if (vp.codes < vp.perWord)
              word = arith::ShRUIOp::create(lb, word, vWordShift);
            Value x = codeAsFloat(lb, word, k % vp.perWord, vp.bits);
            for (int64_t r = 0; r < R; ++r)
              acc[r * vp.codes + k] =
                  fmaF(lb, pa[r], x, acc[r * vp.codes + k]);
          }
        }
        gpu::BarrierOp::create(lb); // p is rewritten by the next tile

        SmallVector<Value> next(st.m);
        next.append(st.l);
        next.append(acc);
        next.append(vBias);
        next.append(refolded);
        next.append(nextKeyWords);
        scf::YieldOp::create(lb, next);
      });
  ValueRange res = tileLoop.getResults();
  SmallVector<Value> m(res.take_front(R)), l(res.slice(R, R));
  {
    // The packed tiles' sums: add each lane's value bias to its channels,
    // sum the value teams, and park the result in shared memory.
    SmallVector<Value> acc(res.slice(2 * R, nAcc));
    ValueRange vBias = res.slice(2 * R + nAcc, R);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t k = 0; k < vp.codes; ++k) {
        Value x = addF(b, acc[r * vp.codes + k], vBias[r]);
        acc[r * vp.codes + k] = warpReduce(
            b, x,
            [](IRB &xb, Value a, Value c2) -> Value {
              return arith::AddFOp::create(xb, a, c2);
            },
            int32_t(vp.lanes), kWarp);
      }
    ifThen(b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, vTeam,
                                    cIndex(b, 0)),
           [&](IRB &ib) {
             for (int64_t r = 0; r < R; ++r)
               for (int64_t k = 0; k < vp.codes; ++k)
                 memref::StoreOp::create(
                     ib, acc[r * vp.codes + k], outS,
                     ValueRange{cIndex(ib, r), add(ib, vChannel0, cIndex(ib, k))});
           });
    gpu::BarrierOp::create(b);
  }
  return {m, l};
  };

  // Where splits are short, the tail is a large share of the critical path;
  // where they hold many tiles it is not, and the prefetch measured neutral
  // to +3% there (ptxas schedules the tile loop differently).
  auto prefetchTail = [&](IRB &pb) {
    if (shortSplits && !spreadTail)
      prefetchWindowTail(pb, v, head, lane, packedEnd, end);
    else if (spreadTail)
      scf::ForOp::create(
          pb, tailFrom, tailEnd, tailStep, ValueRange{},
          [&](OpBuilder &nested, Location loc, Value t0, ValueRange) {
            IRB lb(loc, nested);
            prefetchWindowTail(
                lb, v, head, lane, t0,
                minU(lb, tailEnd, add(lb, t0, cIndex(lb, kWarp))));
            scf::YieldOp::create(lb);
          });
  };

  bool mmaWindow = mmaTiles && canUseMmaWindow(c, v);
  Value cudaTailEnd;
  Value negInf = cF32(b, -INFINITY), zero = cF32(b, 0.0);
  SmallVector<Value> m, l;
  if (mmaTiles) {
    Value stage = budget.stageBytes ? Value(attrs[3]) : Value();
    MmaTileInputs mi{
        c,    &v,    head,  lane, start, packedEnd,          qS,
        outS, cache, stage, R,    D,     type.getCapacity(), queriesToShared,
        {}};
    // Tail steps at or past the first token whose key and value are both in
    // the window take tensor cores where the cache allows (MmaWindow.h), the
    // steps before it (keys or values already packed: element by element)
    // the CUDA-core loop below, which then ends at the first tensor-core
    // step. Its steps' tokens lie below that step (steps are at least 32
    // apart), so the loop's end also bounds their valid tokens: tailEnd
    // itself live through it made ptxas spill 16 bytes in the K4V2 g128
    // kernels.
    auto windowSteps = [&](IRB &wb) {
      tailBounds(wb);
      prefetchTail(wb);
      Value windowed = maxU(wb, keyQuantized, valueQuantized);
      Value behind =
          arith::SubIOp::create(wb, maxU(wb, windowed, tailFrom), tailFrom);
      Value from = add(
          wb, tailFrom,
          mul(wb, arith::CeilDivUIOp::create(wb, behind, tailStep), tailStep));
      cudaTailEnd = minU(wb, from, tailEnd);
      return WindowSteps{from, tailEnd, tailStep, tailEnd};
    };
    if (mmaWindow)
      mi.windowSteps = windowSteps;
    mi.rereadLaneForWindow = !shortSplits;
    MmaTileState st = emitMmaTiles(b, mi);
    m = st.m;
    l = st.l;
  } else {
    std::tie(m, l) = cudaCoreTiles(b);
  }

  //===--- Tokens in a full-precision window: element by element ----------===//
  if (!mmaWindow) {
    tailBounds(b);
    cudaTailEnd = tailEnd;
    prefetchTail(b);
  }
  // A lane owns channels [perLane * lane, perLane * (lane + 1)).
  int64_t perLane = D / kWarp;
  auto channelOf = [&](IRB &ib, int64_t k) {
    return add(ib, mul(ib, lane, cIndex(ib, perLane)), cIndex(ib, k));
  };
  SmallVector<Value> tailInits(m);
  tailInits.append(l);
  tailInits.append(R, cF32(b, 1.0));         // correction of the tiles' sums
  tailInits.append(R * perLane, zero);       // this lane's channels
  int64_t kSlots = v.keys.layout.windowSlots;
  int64_t vSlots = v.values.layout.windowSlots;
  // Dots of the queries with window key row `tok` (16-byte loads).
  auto windowDots = [&](IRB &ib, Value tok) {
    Value slot = remU(ib, tok, kSlots);
    int64_t perLoad = 16 / (type.getElementType().getIntOrFloatBitWidth() / 8);
    SmallVector<Value> dots(R, zero);
    for (int64_t d0 = 0; d0 < D; d0 += perLoad) {
      SmallVector<Value> x = loadVector(ib, v.keys.window,
                                     {head, slot, cIndex(ib, d0)}, perLoad, 16);
      for (int64_t r = 0; r < R; ++r)
        for (int64_t i0 = 0; i0 < perLoad; i0 += 4) {
          SmallVector<Value> q = loadVector(
              ib, qS, {cIndex(ib, r), cIndex(ib, d0 + i0)}, 4, 16);
          for (int64_t i = 0; i < 4; ++i)
            dots[r] = fmaF(ib, q[i], toF32(ib, x[i0 + i]),
                                          dots[r]);
        }
    }
    return dots;
  };
  // Value element `d` of token `tok`: both places are read and one selected,
  // so an unrolled tile keeps all its loads in flight.
  auto tailValue = [&](IRB &ib, Value tok, Value d) {
    Value windowed =
        loadF32(ib, v.values.window, {head, remU(ib, tok, vSlots), d});
    Value word = memref::LoadOp::create(
        ib, v.values.codes, ValueRange{head, tok, divU(ib, d, vp.perWord)});
    Value packed = dequantElement(ib, v.values, head, tok, d, word);
    return select(ib, lt(ib, tok, valueQuantized), packed, windowed);
  };
  // This lane's channels of window value row `tok`, one vector load.
  auto windowRow = [&](IRB &ib, Value tok) {
    return loadVector(ib, v.values.window,
                      {head, remU(ib, tok, vSlots), channelOf(ib, 0)}, perLane);
  };
  auto tailLoop = scf::ForOp::create(
      b, tailFrom, cudaTailEnd, tailStep, tailInits,
      [&](OpBuilder &nested, Location loc, Value t0, ValueRange it) {
        IRB lb(loc, nested);
        ValueRange tm = it.take_front(R), tl = it.slice(R, R),
                   corr = it.slice(2 * R, R);
        SmallVector<Value> acc(it.slice(3 * R, R * perLane));
        Value t = add(lb, t0, lane);
        Value valid = lt(lb, t, cudaTailEnd);
        Value safeT = select(lb, valid, t, t0);
        // Keys: from the window (the usual case: keys are quantized no later
        // than values), 16-byte row loads; else element by element.
        Value windowKeys = arith::CmpIOp::create(
            lb, arith::CmpIPredicate::uge, t0, keyQuantized);
        SmallVector<Value> scores = ifElse(
            lb, windowKeys, SmallVector<Type>(R, lb.getF32Type()),
            [&](IRB &ib) {
              SmallVector<Value> dots = windowDots(ib, safeT);
              for (Value &d : dots)
                d = select(ib, valid, d, negInf);
              return dots;
            },
            [&](IRB &ib) {
              return keyDotsIfValid(ib, valid, v.keys, head, t, keyQuantized,
                                    qS, R, D, kSlots);
            });
        SoftmaxStep st = softmaxStep(lb, scores, tm, tl, pS, lane);
        gpu::BarrierOp::create(lb);
        SmallVector<Value> nextCorr;
        for (int64_t r = 0; r < R; ++r) {
          nextCorr.push_back(mulF(lb, corr[r], st.corr[r]));
          for (int64_t k = 0; k < perLane; ++k)
            acc[r * perLane + k] = mulF(lb, acc[r * perLane + k], st.corr[r]);
        }
        // Tokens 16 at a time, unrolled (absent ones have p = 0 and read
        // token t0), so that each group's loads are in flight together: a
        // group whose values are all in the window (the usual case: the
        // window's own tokens) reads one vector of this lane's channels per
        // token; the others also read the packed word, scale and zero per
        // element, 8 tokens at a time.
        constexpr int64_t kWindowUnroll = 16, kMixedUnroll = 8;
        auto accumulate = [&](IRB &jb, Value j0, ValueRange a,
                              bool windowOnly) {
          SmallVector<Value> out(a);
          int64_t unroll = windowOnly ? kWindowUnroll : kMixedUnroll;
          for (int64_t u = 0; u < unroll; ++u) {
            Value j = add(jb, j0, cIndex(jb, u));
            Value tok = add(jb, t0, j);
            tok = select(jb, lt(jb, tok, cudaTailEnd), tok, t0);
            SmallVector<Value> p = loadProbabilities(jb, pS, j, R);
            SmallVector<Value> row;
            if (windowOnly)
              row = windowRow(jb, tok);
            for (int64_t k = 0; k < perLane; ++k) {
              Value val = windowOnly ? toF32(jb, row[k])
                                     : tailValue(jb, tok, channelOf(jb, k));
              for (int64_t r = 0; r < R; ++r)
                out[r * perLane + k] =
                    fmaF(jb, p[r], val, out[r * perLane + k]);
            }
          }
          return out;
        };
        acc = forRangeCarry(
            lb, cIndex(lb, 0), cIndex(lb, kWarp), acc,
            [&](IRB &jb, Value j0, ValueRange a) {
              Value inWindow = arith::CmpIOp::create(
                  jb, arith::CmpIPredicate::uge, add(jb, t0, j0),
                  valueQuantized);
              return ifElse(
                  jb, inWindow, ValueRange(a).getTypes(),
                  [&](IRB &ib) { return accumulate(ib, j0, a, true); },
                  [&](IRB &ib) {
                    return forRangeCarry(
                        ib, j0, add(ib, j0, cIndex(ib, kWindowUnroll)), a,
                        [&](IRB &kb, Value j1, ValueRange o) {
                          return accumulate(kb, j1, o, false);
                        },
                        kMixedUnroll);
                  });
            },
            kWindowUnroll);
        gpu::BarrierOp::create(lb);
        SmallVector<Value> next(st.m);
        next.append(st.l);
        next.append(nextCorr);
        next.append(acc);
        scf::YieldOp::create(lb, next);
      });

  //===--- This split's partial state; the last split merges them --------===//
  ValueRange fin = tailLoop.getResults();
  PartialLayout layout = getPartialLayout(c);
  for (int64_t r = 0; r < R; ++r) {
    auto at = [&](IRB &ib, Value col) {
      return SmallVector<Value>{split, row, partialColumn(ib, layout, r, col)};
    };
    Value corr = fin[2 * R + r];
    for (int64_t k = 0; k < perLane; ++k) {
      Value d = channelOf(b, k);
      Value tiles =
          memref::LoadOp::create(b, outS, ValueRange{cIndex(b, r), d});
      Value o = fmaF(b, tiles, corr, fin[3 * R + r * perLane + k]);
      memref::StoreOp::create(b, o, partial, at(b, d));
    }
    Value sum = warpSum(b, fin[R + r]);
    ifThen(
        b,
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, cIndex(b, 0)),
        [&](IRB &ib) {
          memref::StoreOp::create(ib, fin[r], partial, at(ib, cIndex(ib, D)));
          memref::StoreOp::create(ib, sum, partial, at(ib, cIndex(ib, D + 1)));
        });
  }
  emitLastSplitCombine(b, {layout, partial, arrivals, out, row, seq, queryBlock,
                           lane, split, gridDimXHere(b)});
  gpu::ReturnOp::create(b);
}
