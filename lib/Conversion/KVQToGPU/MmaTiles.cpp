//===- MmaTiles.cpp - tensor-core tiles of the packed attention -----------===//
//
// One warp walks its split in tiles of 64 tokens (32 for small shapes,
// mmaTileTokens); lane = 4 g + q (g the mma "group", q the thread in
// group). The n = 8 columns of every product are (query head, part) pairs
// of up to 4 query heads.
//
//  keys    S^T = K Q^T on int8 mma.sync m16n8k32, M = 16 tokens (rows g,
//          g+8), K = 32 channels. Lane q owns a contiguous quarter of each
//          key row, so its codes come in one load per row and become u8 mma
//          bytes with a shift and a mask (the channel order inside the
//          product is free, as long as the queries use the same). Per key
//          group the queries are folded with the per-channel scales, q s,
//          and turned into 22-bit fixed point (F = 4e6 / max |q s|) whose
//          bytes are the B operands: hi (s8) in n tile 0, lo and mid (u8)
//          in n tile 1, so the s32 dot products are exact:
//          S = (2^16 hi + 2^8 mid + lo) / F + sum q z.
//  softmax lane (g, q) holds query head q at tokens g + 8 r + 16 m: max
//          over g by xor shuffles, exp2 (queries carry scale * log2 e).
//  values  O^T = V^T P^T, M = 16 channels; lane g owns a contiguous eighth
//          of each value row.
//          One scale group per token: int8 m16n8k32 (K = 32 tokens). The
//          per-token scales are folded into the probabilities, p s, as
//          hi/lo s8 fixed point (F = 32000 / the tile's max s); the zeros
//          into a per-lane bias weighted like the codes. Probabilities move
//          from the softmax layout to the B layout with 4 shuffles per 32
//          tokens; a lane's value words of 4 tokens are byte-transposed
//          with prmt so that each register holds one channel of 4 tokens.
//          Several groups per token (a lane's eighth in one group): f16
//          m16n8k16 (K = 16 tokens) on codes dequantized in registers
//          (halfValueTile), f32 accumulation in the C fragments.
//
//===----------------------------------------------------------------------===//
#include "MmaTiles.h"
#include "MmaOps.h"
#include "SplitCombine.h"

#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::kvq;
using namespace mlir::kvq::lowering;

namespace {

// Fixed-point ranges. Probabilities: 16 bits, |x| <= kFixed keeps hi in
// [-125, 125] and lo in [-128, 127]. Folded queries: 22 bits as hi/mid/lo
// bytes, because a few outlier channels (large key scales) set the range
// and 16 bits would leave the others ~1e-3 logit error; 2^22 is also the
// limit of roundToI32.
constexpr double kFixed = 32000.0;
constexpr double kFixedKeys = 4.0e6;

/// One byte of each of v0..v3 packed into one word (v0's lowest): byte k
/// of each when `selector` is 0x0040 + 0x0011 k (a run-time value allows a
/// per-lane byte).
Value gatherBytes(IRB &b, ArrayRef<Value> v, Value selector) {
  auto pair = [&](Value lo, Value hi) -> Value {
    return NVVM::PermuteOp::create(b, b.getI32Type(), lo, hi, selector,
                                   NVVM::PermuteMode::DEFAULT);
  };
  return prmt(b, pair(v[0], v[1]), pair(v[2], v[3]), 0x5410);
}
/// Byte 0 of each of v0..v3 packed into one word (v0 lowest).
Value packLowBytes(IRB &b, ArrayRef<Value> v) {
  return gatherBytes(b, v, cU32(b, 0x0040));
}

/// out[c] = byte c of w0..w3 (w0's lowest): a 4x4 byte transpose.
SmallVector<Value> transposeBytes(IRB &b, ArrayRef<Value> w) {
  Value lo01 = prmt(b, w[0], w[1], 0x5140), lo23 = prmt(b, w[2], w[3], 0x5140);
  Value hi01 = prmt(b, w[0], w[1], 0x7362), hi23 = prmt(b, w[2], w[3], 0x7362);
  return {prmt(b, lo01, lo23, 0x5410), prmt(b, lo01, lo23, 0x7632),
          prmt(b, hi01, hi23, 0x5410), prmt(b, hi01, hi23, 0x7632)};
}

/// round(x) for |x| < 2^22, as an i32 (the 1.5 * 2^23 trick: one add).
Value roundToI32(IRB &b, Value x) {
  Value y = addF(b, x, cF32(b, 12582912.0));
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), y);
  return arith::SubIOp::create(b, bits, cU32(b, 0x4B400000u));
}

/// (256 hi + lo) / F as f32 from an s32 accumulator pair.
Value fromHiLo(IRB &b, Value hi, Value lo, Value invF, Value addend) {
  Type f32 = b.getF32Type();
  Value h = arith::SIToFPOp::create(b, f32, hi);
  Value l = arith::SIToFPOp::create(b, f32, lo);
  return fmaF(b, h, mulF(b, invF, cF32(b, 256.0)), fmaF(b, l, invF, addend));
}

/// Replicates the low `bits` mask into every byte.
uint32_t byteMask(int64_t bits) {
  uint32_t m = (1u << bits) - 1u;
  return bits == 8 ? 0xFFFFFFFFu : m * 0x01010101u;
}

/// How a packed tensor's codes map to mma bytes: a register made from word
/// u of a lane's chunk shifted by bits * k and masked holds, in byte i, the
/// code of chunk channel perWord * u + (8 / bits) * i + k.
struct CodePlan {
  int64_t bits, perWord, perByte;
  int64_t channel(int64_t reg, int64_t byte) const {
    return perWord * (reg / perByte) + perByte * byte + reg % perByte;
  }
  Value reg(IRB &b, ArrayRef<Value> words, int64_t r) const {
    return andI(b, shrU(b, words[r / perByte], bits * (r % perByte)),
                byteMask(bits));
  }
};
CodePlan codePlan(SchemeAttr s) {
  return {s.getBits(), 32 / s.getBits(), 8 / s.getBits()};
}

/// What one stage of the shared-memory staging holds for a tile: the value
/// words, the value scales and zeros, and the key scale and zero rows the
/// tile's folds read (one row, or two for a 64-token tile at key group 32). Each
/// region is one contiguous run of the cache buffer (storage format: rows
/// of a head are consecutive), copied in 4- to 16-byte cp.async pieces, and
/// lives at [region][stage] in the shared buffer.
struct StagePlan {
  int64_t valueCodes = 0, valueScales = 0, keyScales = 0; // bytes per stage
  bool valueZeros = false, keyZeros = false;
  int64_t keyRows = 0;
  int64_t bytes() const {
    return valueCodes + valueScales * (valueZeros ? 2 : 1) +
           keyScales * (keyZeros ? 2 : 1);
  }
};

/// The cp.async piece a lane copies of a staged region of `bytes`: 16
/// (bypassing L1) when every lane gets whole 16-byte pieces, else one 4- or
/// 8-byte piece per lane (rather than 16-byte ones on some lanes: a
/// branch); 0 when neither fits.
int64_t copyPiece(int64_t bytes) {
  if (bytes >= 16 * kWarp)
    return bytes % (16 * kWarp) ? 0 : 16;
  return bytes == 4 * kWarp || bytes == 8 * kWarp ? bytes / kWarp : 0;
}

/// The staging plan of `config`, or nullopt when the tiles load straight
/// from global memory: the capacity must be whole tiles and key groups (so
/// every copy of a clamped tile stays inside its head's rows and is 16-byte
/// aligned).
std::optional<StagePlan> getStagePlan(const DecodeKernelConfig &config) {
  CacheType type = config.cache;
  SchemeAttr k = type.getKeys(), v = type.getValues();
  int64_t cap = type.getCapacity(), D = type.getHeadDim();
  int64_t tile = mmaTileTokens(config);
  // (A key group of 32 or whole tiles: the folds' rows are the tile's.)
  if (cap % tile || cap % k.getGroup() ||
      (k.getGroup() != 32 && k.getGroup() % tile))
    return std::nullopt;
  ::kvq::CacheLayout layout = getCacheLayout(type);
  auto scaleBytes = [](SchemeAttr s) {
    return int64_t(s.getScaleType().getIntOrFloatBitWidth() / 8);
  };
  StagePlan p;
  p.valueCodes = tile * layout.values.wordsPerToken * 4;
  p.valueScales = tile * layout.values.scaleCols * scaleBytes(v);
  p.valueZeros = !v.getSymmetric();
  p.keyRows = std::max<int64_t>(1, tile / k.getGroup());
  p.keyScales = p.keyRows * D * scaleBytes(k);
  p.keyZeros = !k.getSymmetric();
  if (!copyPiece(p.valueCodes) || !copyPiece(p.valueScales) ||
      !copyPiece(p.keyScales))
    return std::nullopt;
  return p;
}

} // namespace

int64_t mlir::kvq::lowering::longestSplitTiles(const DecodeKernelConfig &c,
                                               int64_t tile) {
  CacheType type = c.cache;
  int64_t rows = type.getBatch() * type.getKvHeads() * c.querySlices;
  int64_t tiles = llvm::divideCeil(type.getCapacity(), tile);
  int64_t splits = std::clamp<int64_t>(12 * c.smCount / rows, 1,
                                       std::min(tiles, kMaxSplits));
  return llvm::divideCeil(tiles, splits);
}

int64_t mlir::kvq::lowering::mmaTileTokens(const DecodeKernelConfig &c) {
  if (c.tileTokens)
    return c.tileTokens;
  // Key groups of 32 at head_dim 128 with K8V2, K8V4 or K4V4: 32-token
  // tiles measured faster at every shape timed (1x32k, 8x4k, 8x32k, 32x8k,
  // 1x128k: K8V4 -4..-12%, K4V4 0..-9%, K8V2 -1..-5%; K8V4 at 96x32k to
  // 8x512k -7%), where the rule below gives them 64. Not K4V2, K2V2, K8V8 (up
  // to 3% slower at 8x32k) nor at head_dim 64 (up to 6% slower):
  // docs/performance.md, v3.29.
  CacheType type = c.cache;
  SchemeAttr k = type.getKeys(), v = type.getValues();
  if (type.getHeadDim() == 128 && k.getGroup() == 32 &&
      ((k.getBits() == 8 && (v.getBits() == 2 || v.getBits() == 4)) ||
       (k.getBits() == 4 && v.getBits() == 4)))
    return 32;
  // The tile whose longest split at full capacity is shorter, a 32-token
  // tile costing 0.62 of a 64-token one (measured: 0.59-0.63 where both
  // tile counts are large). Small batch x context gets 32 (1x4k: one tile
  // per split either way, -16..22%; 4x4k, 1x16k, 2x8k: 3 short tiles
  // against 2 long ones, -14..32%), larger shapes 64 (8x4k: 6 against 3,
  // +13..18% with 32).
  return 31 * longestSplitTiles(c, 32) < 50 * longestSplitTiles(c, 64) ? 32
                                                                       : 64;
}

bool mlir::kvq::lowering::canUseMmaTiles(const DecodeKernelConfig &c) {
  CacheType type = c.cache;
  SchemeAttr k = type.getKeys(), v = type.getValues();
  int64_t D = type.getHeadDim(), R = c.queriesPerBlock();
  auto bitsOk = [](SchemeAttr s) {
    return s.isQuantized() &&
           (s.getBits() == 2 || s.getBits() == 4 || s.getBits() == 8);
  };
  if (!bitsOk(k) || !bitsOk(v) || R < 1 || R > 4)
    return false;
  if (D != 64 && D != 128 && D != 256)
    return false;
  if (k.getGranularity() != Granularity::PerChannel || k.getGroup() % 32)
    return false;
  // Values: one scale group per token (int8 path), or groups holding whole
  // eighths of a row (f16 path: a lane's channels share a group).
  if (v.getGranularity() != Granularity::PerToken ||
      v.getRotation() != Rotation::None ||
      (v.getGroup() < D && v.getGroup() % (D / 8)))
    return false;
  // Registers: the tile's key words and value words.
  int64_t keyWords = 8 * (D / 4) * k.getBits() / 32;
  int64_t valueWords = 16 * std::max<int64_t>(1, (D / 8) * v.getBits() / 32);
  return keyWords <= 64 && valueWords <= 64;
}

MmaBudget mlir::kvq::lowering::getMmaBudget(const DecodeKernelConfig &config) {
  CacheType type = config.cache;
  int64_t D = type.getHeadDim();
  SchemeAttr k = type.getKeys();
  MmaBudget budget;
  // Key words of a tile: 8 per lane and word of its quarter row, carried
  // for the next tile when they fit. Registers are allocated per SM
  // partition, so 8, 12 or 16 one-warp blocks fit an SM (<= 255, 168, 128
  // registers); head_dim <= 128 gets 168 (12 blocks per SM measured faster
  // than 8 where nothing spills; kvq-gpu-aot rebuilds a kernel that ptxas
  // spills under it uncapped), head_dim 256 gets 255.
  budget.prefetchKeys = D * k.getBits() <= 512;
  if (D <= 128 && !config.uncapped) {
    budget.maxRegisters = 168;
    budget.blocksPerSM = 12;
  } else {
    // Explicitly 255: with only .maxntid 32, ptxas itself aims at 168.
    budget.maxRegisters = config.uncapped ? 255 : 0;
    budget.blocksPerSM = 8;
  }
  // Two stages of staging when they fit beside the kernel's other shared
  // buffers (queries, scores, sums) at that many blocks per SM (228 KB of
  // shared memory, 1 KB of it reserved per block). The key words stay in
  // registers: staged too, they measured 2% slower at 8x32k K4V2 (shared
  // loads at the tile start instead of registers filled a tile ahead) and
  // at 168 registers freed nothing the occupancy could use.
  int64_t R = config.queriesPerBlock();
  int64_t other = (2 * R * D + kWarp * R) * 4;
  if (std::optional<StagePlan> plan = getStagePlan(config))
    if (budget.blocksPerSM * (other + 2 * plan->bytes() + 1024) <= 228 * 1024)
      budget.stageBytes = plan->bytes();
  return budget;
}

MmaTileState mlir::kvq::lowering::emitMmaTiles(IRB &b,
                                               const MmaTileInputs &in) {
  const CacheViews &v = *in.views;
  const TensorViews &K = v.keys, &V = v.values;
  int64_t R = in.queriesPerHead, D = in.headDim, cap = in.capacity;
  // Tokens per tile (32 or 64): a lane holds tile / 8 of its scores and
  // reads tile / 4 of its value rows.
  const int64_t tile = mmaTileTokens(in.config);
  Type f32 = b.getF32Type();
  CodePlan kp = codePlan(K.scheme), vp = codePlan(V.scheme);
  int64_t kChunk = D / 4, kWords = kChunk / kp.perWord; // per key row, lane q
  int64_t kRegs = D / 16, kSteps = D / 32;
  int64_t vChunk = D / 8, vChunkBits = vChunk * vp.bits; // per value row, g
  int64_t vWords = std::max<int64_t>(1, vChunkBits / 32);
  int64_t vTiles = D / 16; // value M tiles
  int64_t kGroup = K.scheme.getGroup();
  // Values with several scale groups per token take f16 tensor cores,
  // dequantized in registers; one group per token folds into the
  // probabilities on int8 tensor cores.
  bool halfValues = V.scheme.getGroup() < D;
  int64_t nAcc = halfValues ? 4 * vTiles : vChunk;
  // The next tile's loads are issued before this tile's math when their
  // registers fit.
  MmaBudget budget = getMmaBudget(in.config);
  bool prefetch = budget.prefetchKeys;

  Value lane = in.lane, head = in.head;
  MmaLanes ml = mmaLanes(b, lane, R);
  Value g = ml.g, q = ml.q, g32 = ml.g32, q32 = ml.q32, odd = ml.odd;
  Value bHead = ml.bHead, bHeadValid = ml.bHeadValid,
        cHeadValid = ml.cHeadValid;
  Value zero = cF32(b, 0.0), negInf = cF32(b, -INFINITY);
  Value zeroI = cI32(b, 0);
  // Token indices need clamping into the buffer only when the capacity is
  // not a whole number of tiles (the next tile's start is clamped instead).
  Value lastToken = cIndex(b, cap - 1);
  auto clampToken = [&](IRB &cb, Value t) {
    return cap % tile ? minU(cb, t, lastToken) : t;
  };
  int64_t scaleRows = cast<MemRefType>(K.scales.getType()).getDimSize(1);

  //===--- Shared-memory staging of the next tile (cp.async) --------------===//
  // With a stage buffer, the value words, value scales and zeros and the key
  // scale rows of tile t + 1 are copied into shared memory (two stages,
  // stage = tile index mod 2) while tile t is computed, so that neither the
  // value step nor a fold waits on DRAM and no registers hold them early.
  std::optional<StagePlan> plan;
  if (in.stage)
    plan = getStagePlan(in.config);
  struct StagedViews {
    Value valueCodes, valueScales, valueZeros, keyScales, keyZeros;
    int64_t valueCodesAt = 0, valueScalesAt = 0, valueZerosAt = 0,
            keyScalesAt = 0, keyZerosAt = 0;
  } sv;
  if (plan) {
    Attribute space = cast<MemRefType>(in.stage.getType()).getMemorySpace();
    int64_t at = 0;
    auto region = [&](int64_t perStage, ArrayRef<int64_t> shape, Type elt,
                      int64_t &where) {
      where = at;
      SmallVector<int64_t> full = {2};
      full.append(shape.begin(), shape.end());
      auto type =
          MemRefType::get(full, elt, MemRefLayoutAttrInterface(), space);
      Value view = memref::ViewOp::create(b, type, in.stage, cIndex(b, at),
                                          ValueRange{});
      at += 2 * perStage;
      return view;
    };
    Type vScaleType = V.scheme.getScaleType(),
         kScaleType = K.scheme.getScaleType();
    int64_t vCols = V.layout.scaleCols;
    sv.valueCodes = region(plan->valueCodes, {tile, V.layout.wordsPerToken},
                           b.getI32Type(), sv.valueCodesAt);
    sv.valueScales =
        region(plan->valueScales, {tile, vCols}, vScaleType, sv.valueScalesAt);
    if (plan->valueZeros)
      sv.valueZeros =
          region(plan->valueScales, {tile, vCols}, vScaleType, sv.valueZerosAt);
    sv.keyScales =
        region(plan->keyScales, {plan->keyRows, D}, kScaleType, sv.keyScalesAt);
    if (plan->keyZeros)
      sv.keyZeros = region(plan->keyScales, {plan->keyRows, D}, kScaleType,
                           sv.keyZerosAt);
  }
  auto stageOf = [&](IRB &sb, Value t0) {
    return arith::AndIOp::create(sb, divU(sb, t0, tile), cIndex(sb, 1));
  };
  // Copies of tile `t` (whole tiles inside the buffer) into stage `stg`,
  // spread over the lanes; the caller commits them as one group. Where
  // `read` is false they only zero-fill (the source size is 0), so a
  // split's last tile fetches nothing more.
  auto issueTile = [&](IRB &cb, Value t, Value stg, Value read = Value()) {
    // The region of `perStage` bytes at row `row` (of `rowBytes`) of the
    // cache segment at `segment`.
    auto copy = [&](int64_t dstAt, int64_t perStage, int64_t segment, Value row,
                    int64_t rowBytes) {
      Value srcByte =
          add(cb, cIndex(cb, segment), mul(cb, row, cIndex(cb, rowBytes)));
      Value dst0 =
          add(cb, cIndex(cb, dstAt), mul(cb, stg, cIndex(cb, perStage)));
      int64_t piece = copyPiece(perStage);
      assert(piece && "getStagePlan admits only copyable regions");
      Value lanePiece = mul(cb, lane, cIndex(cb, piece));
      Value size =
          read ? select(cb, read, cIndex(cb, piece), cIndex(cb, 0)) : Value();
      for (int64_t i = 0; i * piece * kWarp < perStage; ++i) {
        Value off = add(cb, lanePiece, cIndex(cb, piece * kWarp * i));
        nvgpu::DeviceAsyncCopyOp::create(
            cb, in.stage, ValueRange{add(cb, dst0, off)}, in.cache,
            ValueRange{add(cb, srcByte, off)}, cb.getIndexAttr(piece), size,
            piece == 16 ? cb.getUnitAttr() : UnitAttr());
      }
    };
    Value tokenRow = add(cb, mul(cb, head, cIndex(cb, cap)), t);
    int64_t vRowBytes = plan->valueCodes / tile;
    int64_t vScaleRowBytes = plan->valueScales / tile;
    copy(sv.valueCodesAt, plan->valueCodes, V.layout.codesOffset, tokenRow,
         vRowBytes);
    copy(sv.valueScalesAt, plan->valueScales, V.layout.scalesOffset, tokenRow,
         vScaleRowBytes);
    if (plan->valueZeros)
      copy(sv.valueZerosAt, plan->valueScales, V.layout.zerosOffset, tokenRow,
           vScaleRowBytes);
    Value keyRow = add(cb, mul(cb, head, cIndex(cb, scaleRows)),
                       arith::DivUIOp::create(cb, t, cIndex(cb, kGroup)));
    int64_t kRowBytes = plan->keyScales / plan->keyRows;
    copy(sv.keyScalesAt, plan->keyScales, K.layout.scalesOffset, keyRow,
         kRowBytes);
    if (plan->keyZeros)
      copy(sv.keyZerosAt, plan->keyScales, K.layout.zerosOffset, keyRow,
           kRowBytes);
  };

  //===--- Queries folded with one key group's scales ---------------------===//
  // B registers (kRegs), and for this lane's C head: 1/F and sum q z.
  // The two lanes of a B column pair (g = 2 h, 2 h + 1: lanes 4 g + q and
  // 4 g + q xor 4) fold the same head and channels; each folds half the
  // channels (the odd lane the upper half) and they trade bytes, when the
  // upper half of the B registers holds exactly the upper half of the
  // channels (all but 2-bit keys at head_dim 64).
  bool pairFold = kRegs % 2 == 0;
  for (int64_t r = 0; r < kRegs / 2 && pairFold; ++r)
    for (int64_t i = 0; i < 4; ++i)
      pairFold &= kp.channel(r + kRegs / 2, i) == kp.channel(r, i) + kChunk / 2;
  int64_t foldChannels = pairFold ? kChunk / 2 : kChunk;

  // Staged: the scale row is row `stagedRow` of stage `stg`.
  auto fold = [&](IRB &fb, Value token, Value stg, int64_t stagedRow) {
    Value chunk0 = mul(fb, q, cIndex(fb, kChunk));
    if (pairFold)
      chunk0 = add(fb, chunk0,
                   select(fb, odd, cIndex(fb, kChunk / 2), cIndex(fb, 0)));
    Value qRow = minU(fb, bHead, cIndex(fb, R - 1));
    SmallVector<Value> qs(foldChannels);
    Value bias = zero, amax = cF32(fb, 1e-30);
    SmallVector<Value> scales, zeros;
    if (plan) {
      SmallVector<Value> at = {stg, cIndex(fb, stagedRow), chunk0};
      scales = loadVector(fb, sv.keyScales, at, foldChannels);
      if (K.zeros)
        zeros = loadVector(fb, sv.keyZeros, at, foldChannels);
    } else {
      Value row =
          minU(fb, arith::DivUIOp::create(fb, token, cIndex(fb, kGroup)),
               cIndex(fb, scaleRows - 1));
      scales = loadVector(fb, K.scales, {head, row, chunk0}, foldChannels);
      if (K.zeros)
        zeros = loadVector(fb, K.zeros, {head, row, chunk0}, foldChannels);
    }
    for (int64_t c0 = 0; c0 < foldChannels; c0 += 4) {
      Value col = add(fb, chunk0, cIndex(fb, c0));
      Value qvec = vector::LoadOp::create(fb, VectorType::get({4}, f32),
                                          in.queries, ValueRange{qRow, col},
                                          false, llvm::MaybeAlign(16));
      for (int64_t i = 0; i < 4; ++i) {
        Value x = vector::ExtractOp::create(fb, qvec, ArrayRef<int64_t>{i});
        Value s = toF32(fb, scales[c0 + i]);
        Value z = K.zeros ? toF32(fb, zeros[c0 + i])
                          : mulF(fb, s, cF32(fb, -double(int64_t(1)
                                                         << (kp.bits - 1))));
        x = select(fb, bHeadValid, x, zero);
        Value xs = mulF(fb, x, s);
        qs[c0 + i] = xs;
        bias = fmaF(fb, x, z, bias);
        amax = maxF(fb, amax, absF(fb, xs));
      }
    }
    // Over the lanes of the head: q (and the pair).
    int32_t lanesOfHead = pairFold ? 8 : 4;
    bias = reduceOver(fb, bias, false, 1, lanesOfHead);
    amax = reduceOver(fb, amax, true, 1, lanesOfHead);
    Value F = mulF(fb, cF32(fb, kFixedKeys), rcpApprox(fb, amax));
    Value invF = mulF(fb, amax, cF32(fb, 1.0 / kFixedKeys));
    // x = 2^16 hi + 2^8 mid + lo, read straight off x's bytes: hi = byte 2
    // (s8: |x| < 2^22), mid = byte 1 and lo = byte 0 (u8). Column g of n
    // tile 0 holds head g / 2's hi (even g) or 0 (odd g), column g of n
    // tile 1 its lo (even g) or mid (odd g).
    SmallVector<Value> x(foldChannels);
    for (int64_t c = 0; c < foldChannels; ++c)
      x[c] = roundToI32(fb, mulF(fb, qs[c], F));
    auto gather = [&](int64_t r, Value selector) {
      return gatherBytes(fb,
                         {x[kp.channel(r, 0)], x[kp.channel(r, 1)],
                          x[kp.channel(r, 2)], x[kp.channel(r, 3)]},
                         selector);
    };
    SmallVector<Value> out(2 * kRegs);
    if (pairFold) {
      // Own registers r (even lane) or r + kRegs / 2 (odd lane). The even
      // lane gets its partner's hi and lo bytes, the odd lane its
      // partner's mid bytes: two xor shuffles per register.
      int64_t half = kRegs / 2;
      for (int64_t r = 0; r < half; ++r) {
        Value hi = gather(r, cI32(fb, 0x0062));
        Value mid = gather(r, cI32(fb, 0x0051));
        Value lo = gather(r, cI32(fb, 0x0040));
        Value hiOrMid = shuffleXor(fb, select(fb, odd, hi, mid), 4);
        Value loOfOdd = shuffleXor(fb, lo, 4);
        out[r] = select(fb, odd, zeroI, hi);
        out[r + half] = select(fb, odd, zeroI, hiOrMid);
        out[kRegs + r] = select(fb, odd, hiOrMid, lo);
        out[kRegs + r + half] = select(fb, odd, mid, loOfOdd);
      }
    } else {
      Value lowSelector = select(fb, odd, cI32(fb, 0x0051), cI32(fb, 0x0040));
      for (int64_t r = 0; r < kRegs; ++r) {
        out[r] = select(fb, odd, zeroI, gather(r, cI32(fb, 0x0062)));
        out[kRegs + r] = gather(r, lowSelector);
      }
    }
    // The C lanes of head q take 1/F and the bias from lane 8 q (g = 2 q).
    Value src = arith::MulIOp::create(fb, q32, cI32(fb, 8));
    out.push_back(shuffleFrom(fb, invF, src));
    out.push_back(shuffleFrom(fb, bias, src));
    return out;
  };
  int64_t nFold = 2 * kRegs + 2;

  // Key words of tile t0: [m tile][row g, g + 8][kWords], clamped tokens.
  auto loadKeyTile = [&](IRB &lb, Value t0) {
    SmallVector<Value> words;
    for (int64_t mt = 0; mt < tile / 16; ++mt)
      for (int64_t r = 0; r < 2; ++r) {
        Value t = add(lb, add(lb, t0, cIndex(lb, 16 * mt + 8 * r)), g);
        t = clampToken(lb, t);
        words.append(loadVector(lb, K.codes, {head, t, mul(lb, q, cIndex(lb, kWords))},
                               kWords));
      }
    return words;
  };

  // Value words of tile t0 ([j][set][i][vWords]: tokens 32 j + 2 q + set +
  // 8 i, this lane's chunk g), then the value scales and zeros of the
  // lane's softmax tokens (16 mt + 8 r + g), clamped tokens.
  Value wordOff = cIndex(b, 0), shift;
  if (vChunkBits >= 32) {
    wordOff = mul(b, g, cIndex(b, vWords));
  } else {
    Value bit = mul(b, g, cIndex(b, vChunkBits));
    wordOff = arith::ShRUIOp::create(b, bit, cIndex(b, 5));
    shift = toI32(b, arith::AndIOp::create(b, bit, cIndex(b, 31)));
  }
  Value q2 = mul(b, q, cIndex(b, 2));
  // The f16 path's tokens: per 16, pairs (2 q, 2 q + 8) and (2 q + 1,
  // 2 q + 9) (the key scores' rows g, g + 8 of lanes 2 q and 2 q + 1).
  static constexpr int64_t kHalfPairs[4] = {0, 8, 1, 9};
  Value vScaleCol = halfValues ? scaleColumn(b, V.scheme, mul(b, g, cIndex(b, vChunk)))
                               : cIndex(b, 0);
  // Staged: from stage `stg` (tokens relative to the tile).
  auto loadValueTile = [&](IRB &lb, Value t0, Value stg) {
    auto rowOf = [&](int64_t off, Value lanePart) -> SmallVector<Value> {
      Value local = add(lb, cIndex(lb, off), lanePart);
      if (plan)
        return {stg, local};
      return {head, clampToken(lb, add(lb, t0, local))};
    };
    Value codes = plan ? sv.valueCodes : V.codes;
    Value scaleTables[2] = {plan ? sv.valueScales : V.scales,
                            plan ? sv.valueZeros : V.zeros};
    SmallVector<Value> out;
    SmallVector<SmallVector<Value>> scaleTokens;
    for (int64_t j = 0; j < tile / 32; ++j)
      for (int64_t set = 0; set < 2; ++set)
        for (int64_t i = 0; i < 4; ++i) {
          // int8: tokens 32 j + 2 q + set + 8 i; f16: 16 (2 j + set) + 2 q
          // + {0, 8, 1, 9}[i].
          int64_t off = halfValues ? 16 * (2 * j + set) + kHalfPairs[i]
                                   : 32 * j + set + 8 * i;
          SmallVector<Value> row = rowOf(off, q2);
          out.append(loadVector(lb, codes, {row[0], row[1], wordOff}, vWords));
          if (halfValues)
            scaleTokens.push_back(row);
        }
    if (!halfValues)
      for (int64_t i = 0; i < tile / 8; ++i)
        scaleTokens.push_back(rowOf(16 * (i / 2) + 8 * (i % 2), g));
    for (Value table : scaleTables)
      if (table)
        for (ArrayRef<Value> row : scaleTokens)
          out.push_back(memref::LoadOp::create(
              lb, table, ValueRange{row[0], row[1], vScaleCol}));
    return out;
  };
  int64_t nScaleTokens = halfValues ? tile / 4 : tile / 8;
  int64_t nValueWords = tile / 4 * vWords;

  // f16 values: O^T += V^T P^T per 16 tokens (m16n8k16), the C fragments
  // carried across tiles (rows: chunk channels 2 mt, 2 mt + 1; columns:
  // query heads 2 q, 2 q + 1). p[2 m + r] is query head q's probability of
  // token 16 m + 8 r + g.
  auto halfValueTile = [&](IRB &lb, ArrayRef<Value> p, Value corr,
                           ArrayRef<Value> words, ArrayRef<Value> scales,
                           ArrayRef<Value> zeros, SmallVector<Value> &acc) {
    rescaleHalfValueOutputs(lb, acc, corr, q32);
    // B: head g's p of tokens (2 q, 2 q + 8) from lane (2 q, g) and
    // (2 q + 1, 2 q + 9) from lane (2 q + 1, g); heads >= R get 0.
    Value src0 = arith::AddIOp::create(
        lb, arith::MulIOp::create(lb, q32, cI32(lb, 8)), g32);
    Value src1 = arith::AddIOp::create(lb, src0, cI32(lb, 4));
    Value gValid = lt(lb, g, cIndex(lb, R));
    Type f16 = lb.getF16Type();
    Value magic = asHalf2(lb, cU32(lb, 0x64006400u));
    uint32_t mask16 = ((1u << vp.bits) - 1u) * 0x00010001u;
    Value minusHalf = cF32(lb, -double(int64_t(1) << (vp.bits - 1)));
    for (int64_t kk = 0; kk < tile / 16; ++kk) {
      SmallVector<Value> bb = halfValueProbabilities(
          lb, p[2 * kk], p[2 * kk + 1], src0, src1, gValid);
      // A: channel e of this lane's chunk for the token pairs (0, 1) and
      // (2, 3) of this 16: codes of two tokens interleaved per 16 bits
      // (prmt), or-ed into 1024.0's mantissa (lop3), minus 1024, times the
      // pair's scales plus zeros.
      SmallVector<SmallVector<Value>> pairRegs;
      for (int64_t pr = 0; pr < 2; ++pr) {
        int64_t t0i = 4 * kk + 2 * pr, t1i = t0i + 1;
        Value sc = half2Of(lb, scales[t0i], scales[t1i]);
        Value zr = zeros.empty()
                       ? arith::MulFOp::create(
                             lb, sc,
                             vector::BroadcastOp::create(
                                 lb, half2Type(lb),
                                 arith::TruncFOp::create(lb, f16, minusHalf)))
                             .getResult()
                       : half2Of(lb, zeros[t0i], zeros[t1i]);
        SmallVector<Value> regs(vChunk);
        for (int64_t u = 0; u < vWords; ++u) {
          Value w0 = words[t0i * vWords + u], w1 = words[t1i * vWords + u];
          if (shift) {
            w0 = arith::ShRUIOp::create(lb, w0, shift);
            w1 = arith::ShRUIOp::create(lb, w1, shift);
          }
          int64_t halves = vChunkBits >= 32 ? 2 : 1;
          int64_t perHalf = 16 / vp.bits;
          for (int64_t hs = 0; hs < halves; ++hs) {
            Value x = prmt(lb, w0, w1, hs ? 0x7632 : 0x5410);
            for (int64_t k = 0; k < perHalf; ++k) {
              int64_t e = vp.perWord * u + perHalf * hs + k;
              Value bits = arith::OrIOp::create(
                  lb, andI(lb, shrU(lb, x, vp.bits * k), mask16),
                  cU32(lb, 0x64006400u));
              Value code = arith::SubFOp::create(lb, asHalf2(lb, bits), magic);
              regs[e] = fmaF(lb, code, sc, zr);
            }
          }
        }
        pairRegs.push_back(regs);
      }
      for (int64_t mt = 0; mt < vTiles; ++mt) {
        SmallVector<Value> a = {pairRegs[0][2 * mt], pairRegs[0][2 * mt + 1],
                                pairRegs[1][2 * mt], pairRegs[1][2 * mt + 1]};
        SmallVector<Value> c(acc.begin() + 4 * mt, acc.begin() + 4 * mt + 4);
        c = mmaF16(lb, a, bb, c);
        std::copy(c.begin(), c.end(), acc.begin() + 4 * mt);
      }
    }
  };

  SmallVector<Value> inits = {negInf, zero, zero}; // m, l, value bias
  inits.append(nAcc, zero);                        // outputs
  inits.append(nFold - 2, zeroI);
  inits.append({zero, zero});
  if (prefetch)
    inits.append(loadKeyTile(b, in.start));
  if (plan) {
    issueTile(b, minU(b, in.start, cIndex(b, cap - tile)),
              stageOf(b, in.start));
    NVVM::CpAsyncCommitGroupOp::create(b);
  }
  in.stageQueries(b);

  auto loop = scf::ForOp::create(
      b, in.start, in.packedEnd, cIndex(b, tile), inits,
      [&](OpBuilder &nested, Location loc, Value t0, ValueRange it) {
        IRB lb(loc, nested);
        Value m = it[0], l = it[1], zb = it[2];
        SmallVector<Value> o(it.slice(3, nAcc));
        SmallVector<Value> folded(it.slice(3 + nAcc, nFold));
        // This tile's loads and the next tile's key words (from a start
        // clamped to the last whole tile of the buffer), before anything
        // waits on them.
        Value tNext = add(lb, t0, cIndex(lb, tile));
        if (cap % tile == 0)
          tNext = minU(lb, tNext, cIndex(lb, cap - tile));
        SmallVector<Value> keyWords, nextKeyWords;
        if (prefetch) {
          keyWords.assign(it.begin() + 3 + nAcc + nFold, it.end());
          nextKeyWords = loadKeyTile(lb, tNext);
        } else {
          keyWords = loadKeyTile(lb, t0);
        }
        // Staged: the next tile's copies go out (into the stage the last
        // tile read: the barrier first), reading nothing past the split's
        // last tile, then this tile's are waited for.
        Value stg;
        if (plan) {
          stg = stageOf(lb, t0);
          gpu::BarrierOp::create(lb);
          issueTile(lb, tNext, arith::XOrIOp::create(lb, stg, cIndex(lb, 1)),
                    lt(lb, add(lb, t0, cIndex(lb, tile)), in.packedEnd));
          NVVM::CpAsyncCommitGroupOp::create(lb);
          NVVM::CpAsyncWaitGroupOp::create(lb, 1);
          gpu::BarrierOp::create(lb);
        }
        // Unstaged, this tile's value loads go out now; staged, they are
        // shared-memory reads just before the value step.
        SmallVector<Value> valueTile;
        if (!plan)
          valueTile = loadValueTile(lb, t0, stg);
        ArrayRef<Value> valueWords, valueScales, valueZeros;
        auto takeValueTile = [&]() {
          if (plan)
            valueTile = loadValueTile(lb, t0, stg);
          valueWords = ArrayRef<Value>(valueTile.data(), nValueWords);
          valueScales =
              ArrayRef<Value>(valueTile.data() + nValueWords, nScaleTokens);
          if (V.zeros)
            valueZeros = ArrayRef<Value>(
                valueTile.data() + nValueWords + nScaleTokens, nScaleTokens);
        };

        // Folded queries of both 32-token halves (a key group starts at a
        // multiple of 32 tokens).
        SmallVector<SmallVector<Value>> halves;
        for (int64_t h = 0; h < tile / 32; ++h) {
          if (h == 1 && kGroup % 64 == 0) {
            halves.push_back(halves[0]);
            continue;
          }
          Value th = add(lb, t0, cIndex(lb, 32 * h));
          Value fresh = arith::CmpIOp::create(
              lb, arith::CmpIPredicate::eq,
              arith::RemUIOp::create(lb, th, cIndex(lb, kGroup)), cIndex(lb, 0));
          if (h == 0)
            fresh = arith::OrIOp::create(
                lb, fresh,
                arith::CmpIOp::create(lb, arith::CmpIPredicate::eq, t0,
                                      in.start));
          folded = ifElse(
              lb, fresh, ValueRange(folded).getTypes(),
              [&](IRB &ib) { return fold(ib, th, stg, kGroup >= 64 ? 0 : h); },
              [&](IRB &) { return folded; });
          halves.push_back(folded);
        }

        // Scores: s[mt][r] for tokens t0 + 16 mt + 8 r + g, query head q.
        SmallVector<Value> s(tile / 8), valid(tile / 8);
        Value tileMax = negInf;
        for (int64_t mt = 0; mt < tile / 16; ++mt) {
          ArrayRef<Value> fb = halves[mt / 2];
          ArrayRef<Value> rowG(&keyWords[(2 * mt) * kWords], kWords);
          ArrayRef<Value> rowG8(&keyWords[(2 * mt + 1) * kWords], kWords);
          SmallVector<Value> acc(4, zeroI), accLo(4, zeroI);
          for (int64_t j = 0; j < kSteps; ++j) {
            SmallVector<Value> a = {kp.reg(lb, rowG, 2 * j),
                                    kp.reg(lb, rowG8, 2 * j),
                                    kp.reg(lb, rowG, 2 * j + 1),
                                    kp.reg(lb, rowG8, 2 * j + 1)};
            acc = mma(lb, a, {fb[2 * j], fb[2 * j + 1]}, acc);
            accLo = mma(lb, a, {fb[kRegs + 2 * j], fb[kRegs + 2 * j + 1]},
                        accLo, /*unsignedB=*/true);
          }
          for (int64_t r = 0; r < 2; ++r) {
            Value t = add(lb, add(lb, t0, cIndex(lb, 16 * mt + 8 * r)), g);
            Value ok = lt(lb, t, in.packedEnd);
            // (2^16 hi + 2^8 mid + lo) / F + sum q z; columns 2 q of both n
            // tiles hold hi and lo, column 2 q + 1 of n tile 1 mid.
            Value invF = fb[2 * kRegs], bias = fb[2 * kRegs + 1];
            Value score = fmaF(
                lb, arith::SIToFPOp::create(lb, f32, acc[2 * r]),
                mulF(lb, invF, cF32(lb, 65536.0)),
                fromHiLo(lb, accLo[2 * r + 1], accLo[2 * r], invF, bias));
            s[2 * mt + r] = select(lb, ok, score, negInf);
            valid[2 * mt + r] = ok;
            tileMax = maxF(lb, tileMax, s[2 * mt + r]);
          }
        }

        // Online softmax for query head q (max over g).
        tileMax = reduceOver(lb, tileMax, true, 4, kWarp);
        Value mNew = maxF(lb, m, tileMax);
        Value corr = exp2Approx(lb, arith::SubFOp::create(lb, m, mNew));
        SmallVector<Value> p(tile / 8);
        Value lNew = mulF(lb, l, corr);
        // The loop's next state: max, sum, value bias `z`, outputs, folded
        // queries and the prefetched key words.
        auto yieldState = [&](Value z) {
          SmallVector<Value> next = {mNew, lNew, z};
          next.append(o);
          next.append(folded);
          if (prefetch)
            next.append(nextKeyWords);
          scf::YieldOp::create(lb, next);
        };
        takeValueTile();
        if (halfValues) {
          for (int64_t i = 0; i < tile / 8; ++i) {
            Value e = exp2Approx(lb, arith::SubFOp::create(lb, s[i], mNew));
            p[i] = select(lb, cHeadValid, e, zero);
            lNew = addF(lb, lNew, p[i]);
          }
          halfValueTile(lb, p, corr, valueWords, valueScales, valueZeros, o);
          yieldState(zb);
          return;
        }
        Value zNew = mulF(lb, zb, corr);
        Value smax = cF32(lb, 1e-30);
        SmallVector<Value> vScale(tile / 8), vZero(tile / 8);
        for (int64_t i = 0; i < tile / 8; ++i) {
          Value e = exp2Approx(lb, arith::SubFOp::create(lb, s[i], mNew));
          p[i] = select(lb, cHeadValid, e, zero);
          lNew = addF(lb, lNew, p[i]);
          Value sc = toF32(lb, valueScales[i]);
          Value z = V.zeros ? toF32(lb, valueZeros[i])
                            : mulF(lb, sc, cF32(lb, -double(int64_t(1)
                                                          << (vp.bits - 1))));
          sc = select(lb, valid[i], sc, zero);
          z = select(lb, valid[i], z, zero);
          vScale[i] = sc;
          vZero[i] = z;
          smax = maxF(lb, smax, absF(lb, sc));
        }
        smax = reduceOver(lb, smax, true, 4, kWarp);
        Value Fv = mulF(lb, cF32(lb, kFixed), rcpApprox(lb, smax));
        Value invFv = mulF(lb, smax, cF32(lb, 1.0 / kFixed));
        // Fixed-point p s, packed per 32 tokens: byte i = token g + 8 i.
        SmallVector<Value> hiW, loW;
        {
          SmallVector<Value> hi(tile / 8), lo(tile / 8);
          for (int64_t i = 0; i < tile / 8; ++i) {
            Value x = roundToI32(lb, mulF(lb, mulF(lb, p[i], vScale[i]), Fv));
            // The zero takes the weight the codes get, x / (F s), not p:
            // the two terms cancel (z ~ -s 2^(bits-1)), so a different
            // rounding of the two would leave ~1e-5 of the value range in
            // outputs that average to ~1e-2 of it. A token with s = 0 is
            // its zero, weighted by p.
            Value nonzero = arith::CmpFOp::create(
                lb, arith::CmpFPredicate::ONE, vScale[i], zero);
            Value safeScale = select(lb, nonzero, vScale[i], cF32(lb, 1.0));
            Value weight = mulF(
                lb, arith::SIToFPOp::create(lb, f32, x),
                mulF(lb, invFv, mulF(lb, vZero[i], rcpApprox(lb, safeScale))));
            zNew = addF(lb, zNew, select(lb, nonzero, weight,
                                      mulF(lb, p[i], vZero[i])));
            hi[i] = arith::ShRSIOp::create(
                lb, arith::AddIOp::create(lb, x, cI32(lb, 128)), cI32(lb, 8));
            lo[i] = arith::SubIOp::create(
                lb, x, arith::ShLIOp::create(lb, hi[i], cI32(lb, 8)));
          }
          for (int64_t j = 0; j < tile / 32; ++j) {
            hiW.push_back(packLowBytes(lb, ArrayRef(hi).slice(4 * j, 4)));
            loW.push_back(packLowBytes(lb, ArrayRef(lo).slice(4 * j, 4)));
          }
        }
        // B layout: lane (g, q) takes head g / 2's bytes of tokens 2 q + 8 i
        // (b0) and 2 q + 1 + 8 i (b1) from lanes (2 q, g / 2), (2 q + 1, g / 2).
        Value gHalf32 = arith::ShRUIOp::create(lb, g32, cI32(lb, 1));
        Value src0 = arith::AddIOp::create(
            lb, arith::MulIOp::create(lb, q32, cI32(lb, 8)), gHalf32);
        Value src1 = arith::AddIOp::create(lb, src0, cI32(lb, 4));
        auto pick = [&](int64_t j, Value src) {
          return select(lb, odd, shuffleFrom(lb, loW[j], src),
                     shuffleFrom(lb, hiW[j], src));
        };

        // Values: this lane's chunk of tokens 32 j + 2 q + set + 8 i.
        SmallVector<Value> acc(4 * vTiles, zeroI);
        for (int64_t j = 0; j < tile / 32; ++j) {
          Value b0 = pick(j, src0), b1 = pick(j, src1);
          SmallVector<SmallVector<Value>> regs; // [set][channel]
          for (int64_t set = 0; set < 2; ++set) {
            SmallVector<SmallVector<Value>> tokWords;
            for (int64_t i = 0; i < 4; ++i) {
              SmallVector<Value> w(valueWords.slice(
                  ((2 * j + set) * 4 + i) * vWords, vWords));
              if (shift)
                w[0] = arith::ShRUIOp::create(lb, w[0], shift);
              tokWords.push_back(w);
            }
            SmallVector<Value> transposed; // [word][byte]
            for (int64_t u = 0; u < vWords; ++u) {
              SmallVector<Value> col = {tokWords[0][u], tokWords[1][u],
                                        tokWords[2][u], tokWords[3][u]};
              transposed.append(transposeBytes(lb, col));
            }
            SmallVector<Value> chan(vChunk);
            for (int64_t c = 0; c < vChunk; ++c) {
              int64_t u = c / vp.perWord, byte = (c % vp.perWord) / vp.perByte;
              int64_t k = c % vp.perByte;
              chan[c] = andI(lb, shrU(lb, transposed[4 * u + byte], vp.bits * k),
                             byteMask(vp.bits));
            }
            regs.push_back(chan);
          }
          for (int64_t mt = 0; mt < vTiles; ++mt) {
            SmallVector<Value> a = {regs[0][2 * mt], regs[0][2 * mt + 1],
                                    regs[1][2 * mt], regs[1][2 * mt + 1]};
            SmallVector<Value> c(acc.begin() + 4 * mt, acc.begin() + 4 * mt + 4);
            c = mma(lb, a, {b0, b1}, c);
            std::copy(c.begin(), c.end(), acc.begin() + 4 * mt);
          }
        }
        for (int64_t mt = 0; mt < vTiles; ++mt)
          for (int64_t r = 0; r < 2; ++r) {
            Value &out = o[2 * mt + r];
            out = fromHiLo(lb, acc[4 * mt + 2 * r], acc[4 * mt + 2 * r + 1],
                           invFv, mulF(lb, out, corr));
          }

        yieldState(zNew);
      });

  if (plan)
    NVVM::CpAsyncWaitGroupOp::create(b, 0);
  // The max, the sum, the value bias and the outputs (the folded queries
  // and prefetched key words are dead after the tiles).
  SmallVector<Value> res(loop.getResults().take_front(3 + nAcc));
  if (in.windowSteps) {
    // Where splits are long, the window's query rows are addressed from the
    // lane read again: ptxas kept that address from before the tiles and
    // spilled it in 7 of 18 configurations of caches over 2 GiB; where they
    // are short, the same change made it spill 36 bytes in the K4 g32
    // kernels (docs/performance.md, v3.27).
    Value queryLane = in.rereadLaneForWindow ? threadIdXHere(b) : lane;
    res = emitMmaWindow(
        b,
        {in.views, head, lane, queryLane, in.queries, in.windowSteps(b), R, D},
        res);
  }
  Value m = res[0], l = res[1];
  if (halfValues) {
    // C rows: chunk channels 2 mt (g) and 2 mt + 1 (g + 8); columns: query
    // heads 2 q, 2 q + 1.
    for (int64_t col = 0; col < 2; ++col) {
      Value hq = add(b, mul(b, q, cIndex(b, 2)), cIndex(b, col));
      ifThen(b, lt(b, hq, cIndex(b, R)), [&](IRB &ib) {
        for (int64_t mt = 0; mt < vTiles; ++mt)
          for (int64_t r = 0; r < 2; ++r) {
            Value ch = add(ib, mul(ib, g, cIndex(ib, vChunk)),
                           cIndex(ib, 2 * mt + r));
            memref::StoreOp::create(ib, res[3 + 4 * mt + 2 * r + col],
                                    in.sums, ValueRange{hq, ch});
          }
      });
    }
  } else {
    Value bias = reduceOver(b, res[2], false, 4, kWarp);
    ifThen(b, cHeadValid, [&](IRB &ib) {
      for (int64_t c = 0; c < vChunk; ++c) {
        // Output rows of the value mma: chunk channel 2 mt is row g, 2 mt + 1
        // row g + 8, i.e. channel c of this lane's chunk.
        Value ch = add(ib, mul(ib, g, cIndex(ib, vChunk)), cIndex(ib, c));
        memref::StoreOp::create(ib, addF(ib, res[3 + c], bias), in.sums,
                                ValueRange{q, ch});
      }
    });
  }
  gpu::BarrierOp::create(b);

  MmaTileState st;
  for (int64_t r = 0; r < R; ++r) {
    st.m.push_back(shuffleFrom(b, m, cI32(b, r)));
    Value mine = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, q, cIndex(b, r));
    st.l.push_back(select(b, mine, l, zero));
  }
  return st;
}
