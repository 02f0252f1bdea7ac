//===- SplitCombine.h - split-K partial states and merge ---*- C++ -*-===//
//
// The attention kernels split each sequence over `splits` blocks per KV head
// (flash decoding). Every block leaves its partial softmax state in a
// workspace; the blocks that finish last merge them and write the output,
// so a decode step is one launch. docs/gpu.md describes the protocol.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOGPU_SPLITCOMBINE_H
#define KVQ_LIB_CONVERSION_KVQTOGPU_SPLITCOMBINE_H

#include "KernelBuilder.h"

#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"

namespace mlir::kvq::lowering {

/// Where a split's partial state lives: partial[split][block row][r *
/// rowStride + c] for query head r of the block (block row = blockIdx.y,
/// the KV head's query slice; attendBlockRows of them), c < D the
/// unnormalised output, c = D the running max (log2 units), D + 1 the sum.
/// Rows are 16-byte aligned (vector loads) and every group's region is a
/// whole number of 128-byte lines, so no cache line holds two groups' rows:
/// the merging block reads its group's rows right after other SMs wrote
/// them, and must not find any of them in its L1 from another group's
/// merge.
struct PartialLayout {
  int64_t groupSize = 0, headDim = 0;
  int64_t rowStride() const { return headDim + 4; }
  int64_t groupStride() const {
    return (groupSize * rowStride() + 31) / 32 * 32;
  }
};
PartialLayout getPartialLayout(const DecodeKernelConfig &config);
/// Rows of attention blocks per split: B * H * querySlices.
int64_t attendBlockRows(const DecodeKernelConfig &config);
/// The attention kernels' `partial` parameter: [maxSplits][block rows]
/// [groupStride] f32.
MemRefType getPartialType(const DecodeKernelConfig &config);

/// The column of query head `r`'s channel `c` (an index) in a group's row.
Value partialColumn(IRB &b, const PartialLayout &layout, int64_t r, Value c);

/// Splits merged together at the first level, and the most splits a
/// launch may have (the second level merges one group per lane). A launch
/// of at most kOneLevelSplits splits merges them all in one level.
constexpr int64_t kMergeRadix = 8;
constexpr int64_t kMaxSplits = kMergeRadix * kWarp;
constexpr int64_t kOneLevelSplits = kWarp;

/// Arrival counts per block row: [0] counts merged groups, [1 + g] the
/// splits of group g (kMergeRadix consecutive splits; every split, in
/// [1], where there are at most kOneLevelSplits).
int64_t getArrivalsPerHead(int64_t maxSplits);
/// The attention kernels' `arrivals` parameter: [block rows][arrivals per
/// head].
MemRefType getArrivalsType(const DecodeKernelConfig &config);

struct SplitCombineInputs {
  PartialLayout layout;
  Value partial;  ///< getPartialType's buffer (global)
  Value arrivals; ///< getArrivalsType's buffer: zero before, zero after
  Value out;      ///< [B][Hq][D] of the cache's element type (global)
  Value head;     ///< block row (blockIdx.y)
  Value seq;      ///< sequence
  Value queryBlock; ///< out's query heads are queryBlock * R + r
  Value tid;    ///< thread id in the block (index)
  Value split;  ///< this block's split (blockIdx.x, index)
  Value splits; ///< blocks per KV head (gridDim.x, index)
};

/// Called by every thread of an attention block once its partial state is
/// stored. A merge in the blocks that finish last, by their warp 0, with no
/// second launch: up to kOneLevelSplits splits are one group, whose last
/// block merges them all and writes the outputs; more form groups of
/// kMergeRadix consecutive splits, each merged by its last block to finish
/// (into the group's first slot), and the last group to be merged merges
/// the groups' states and writes the outputs. Each
/// level publishes with one acquire-release atomic on the count (kvq.arrive;
/// see the .cpp), and each merge goes in split order, so the result does not
/// depend on which blocks came last. The mergers reset the counts they
/// consumed.
void emitLastSplitCombine(IRB &b, const SplitCombineInputs &in);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_KVQTOGPU_SPLITCOMBINE_H
