//===- Splits.h - default split-K count of a launch --------*- C++ -*-===//
//
// One wave of blocks, shortened where splits are short. The runtime
// (kvq_cache_splits) computes it on the host; the host lowering
// (kvq-convert-to-gpu-launches) emits the same arithmetic. docs/gpu.md,
// *split count*, has the measurements behind each step.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_RUNTIME_SPLITS_H
#define KVQ_RUNTIME_SPLITS_H

#include <algorithm>
#include <cstdint>

namespace kvq {

/// Where one wave leaves every split at most 2 tiles, at most this many
/// splits: 8 merge groups, which the merge's second level reads in one
/// round of loads (1x4k and 1x8k: 128 -> 64 splits 4-9% faster; v3.31).
constexpr int64_t kShortSplitsMax = 64;

/// Splits for a cache of `tiles` attention tiles (at least 1) and `rows`
/// blocks per split, `blocksPerSM` of which fit an SM.
inline int64_t defaultSplits(int64_t blocksPerSM, int64_t sms, int64_t rows,
                             int64_t maxSplits, int64_t tiles) {
  int64_t splits = std::clamp<int64_t>(blocksPerSM * sms / rows, 1,
                                       std::min(maxSplits, tiles));
  if (2 * splits >= tiles)
    splits = std::min(splits, kShortSplitsMax);
  return splits;
}

} // namespace kvq

#endif // KVQ_RUNTIME_SPLITS_H
