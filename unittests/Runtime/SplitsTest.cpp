//===- SplitsTest.cpp - the default split-K count -------------------------===//
#include "kvq/Runtime/Splits.h"

#include <gtest/gtest.h>

using kvq::defaultSplits;

namespace {

// Llama-3-8B attention on an H200 (132 SMs), 32-token tiles, 8 blocks per
// SM where splits are short (docs/gpu.md, *split count*).
TEST(Splits, OneWaveWhereSplitsAreLong) {
  // 1x32k: 8 rows, 1024 tiles: a wave of 8 x 132 / 8 = 132 splits.
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 1024), 132);
  // 8x32k at 12 blocks per SM, 64-token tiles: 12 x 132 / 64 = 24.
  EXPECT_EQ(defaultSplits(12, 132, 64, 256, 512), 24);
  // 1x128k at 12 blocks per SM: 198.
  EXPECT_EQ(defaultSplits(12, 132, 8, 256, 4096), 198);
}

TEST(Splits, AtMost64WhereEverySplitHoldsAtMostTwoTiles) {
  // 1x4k: the wave's 132 is capped by 128 tiles, one per split: 64.
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 128), 64);
  // 1x8k: 256 tiles over 132 splits, 2 per split: 64.
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 256), 64);
  // 1x2k: 64 tiles, 64 splits either way.
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 64), 64);
  // 1x1k: 32 tiles, 32 splits (below the cap).
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 32), 32);
  // 1x16k: 512 tiles over 132 splits, 4 per split: the wave's count.
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 512), 132);
}

TEST(Splits, ClampedToTheKernelAndTheTokens) {
  EXPECT_EQ(defaultSplits(8, 132, 8, 16, 4096), 16);  // max_splits
  EXPECT_EQ(defaultSplits(8, 132, 8, 256, 1), 1);     // one tile
  EXPECT_EQ(defaultSplits(8, 132, 4096, 256, 64), 1); // more rows than slots
}

} // namespace
