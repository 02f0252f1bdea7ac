//===- MmaTiles.h - tensor-core tiles of the packed attention ----*- C++ -*-===//
//
// The packed attention kernel's main loop on tensor cores for the
// configurations canUseMmaTiles accepts: int8 mma.sync m16n8k32 (u8 codes x
// fixed-point folded queries, s32 accumulation) for the scores; for the
// values int8 again (x fixed-point p s) when a token has one value scale
// group, else f16 m16n8k16 on codes dequantized in registers. The others
// keep the CUDA-core loop of PackedAttend.cpp. docs/gpu.md describes it.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOGPU_MMATILES_H
#define KVQ_LIB_CONVERSION_KVQTOGPU_MMATILES_H

#include "KernelBuilder.h"
#include "MmaWindow.h"

#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"

namespace mlir::kvq::lowering {

/// Tiles of `tile` tokens in the longest split of a full cache of `config`,
/// with the splits the launchers pick on its GPU (one wave of 12 one-warp
/// blocks per SM on config.smCount SMs; 132: an H100 SXM or H200).
int64_t longestSplitTiles(const DecodeKernelConfig &config, int64_t tile);

/// Tokens per tile of the tensor-core loop: `config.tileTokens`, or the
/// tile (32 or 64) whose longest split at full capacity is shorter.
int64_t mmaTileTokens(const DecodeKernelConfig &config);

/// Whether the packed kernel of `config` runs its tiles on tensor cores:
/// 2/4/8-bit per-channel keys (group a multiple of 32), 2/4/8-bit per-token
/// values whose scale groups hold whole eighths of a row, head_dim
/// 64/128/256, at most 4 query heads per KV head.
bool canUseMmaTiles(const DecodeKernelConfig &config);

/// What the tensor-core loop keeps in registers and the launch bounds that
/// follow: whether the next tile's key words are loaded during this tile,
/// the register cap given to ptxas (nvvm.maxnreg, 0: none) and the blocks
/// (warps) per SM it leaves, for the split heuristic. `config.uncapped`
/// drops the cap (8 blocks per SM).
struct MmaBudget {
  bool prefetchKeys = false;
  int64_t blocksPerSM = 8, maxRegisters = 0;
  /// Bytes of one stage of the shared-memory staging (0: none), see
  /// StagePlan; the kernel holds two stages.
  int64_t stageBytes = 0;
};
MmaBudget getMmaBudget(const DecodeKernelConfig &config);

struct MmaTileInputs {
  const DecodeKernelConfig &config;
  const CacheViews *views;
  Value head;              ///< sequence * H + KV head
  Value lane;              ///< thread id, 0..31
  Value start, packedEnd;  ///< tokens [start, packedEnd), start tile-aligned
  Value queries;           ///< shared [R][D] f32, times scale * log2 e (see
                           ///< stageQueries)
  Value sums;              ///< shared [R][D] f32, receives the tiles' sums
  Value cache;             ///< the cache buffer, global i8
  Value stage;             ///< shared i8, 2 x MmaBudget::stageBytes, or null
  int64_t queriesPerHead, headDim, capacity;
  /// Fills `queries` (and synchronizes); called once the first tile's
  /// loads are issued, so that their round trips overlap.
  function_ref<void(IRB &)> stageQueries;
  /// Where set, called after the tiles: emits what comes before the window
  /// steps and returns their range (MmaWindowInputs); the steps then run on
  /// tensor cores before the tiles' sums are stored. (Computed after the
  /// tiles, so that nothing more is live across them.)
  function_ref<WindowSteps(IRB &)> windowSteps;
  /// Address the window steps' queries from the lane read again (long
  /// splits; see emitMmaTiles).
  bool rereadLaneForWindow = false;
};

/// The running max (every lane, per query head) and this lane's share of
/// the running sum after the tiles; `sums` holds the unnormalised outputs.
struct MmaTileState {
  SmallVector<Value> m, l;
};

MmaTileState emitMmaTiles(IRB &b, const MmaTileInputs &in);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_KVQTOGPU_MMATILES_H
