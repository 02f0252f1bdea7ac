//===- CacheLayoutTest.cpp - byte layout of cache buffers ------------------===//
#include "kvq/Runtime/CacheLayout.h"

#include <gtest/gtest.h>

using namespace kvq;

namespace {

SchemeDesc quantized(uint32_t bits, uint32_t group, Granularity g,
                     bool symmetric = false, uint32_t window = 0) {
  SchemeDesc s;
  s.bits = bits;
  s.group = group;
  s.granularity = g;
  s.symmetric = symmetric;
  s.window = window;
  return s;
}

// Llama-3-8B attention, K4 per-channel g32 / V2 per-token g32, window 128,
// laid out by hand from docs/storage-format.md.
TEST(CacheLayout, K4V2MatchesTheDocumentedFormat) {
  CacheDesc d;
  d.batch = 2;
  d.kvHeads = 8;
  d.capacity = 1024;
  d.headDim = 128;
  d.elementBytes = 2;
  d.keys = quantized(4, 32, Granularity::PerChannel, false, 128);
  d.values = quantized(2, 32, Granularity::PerToken, false, 128);
  CacheLayout l = CacheLayout::compute(d);

  const int64_t heads = 16;
  EXPECT_EQ(l.keys.wordsPerToken, 16);            // 128 codes / 8 per word
  EXPECT_EQ(l.keys.codesOffset, 64);              // right after the header
  EXPECT_EQ(l.keys.codesBytes, heads * 1024 * 16 * 4);
  EXPECT_EQ(l.keys.scaleRows, 32);                // 1024 tokens / 32
  EXPECT_EQ(l.keys.scaleCols, 128);
  EXPECT_EQ(l.keys.scalesOffset, 64 + heads * 1024 * 64);
  EXPECT_EQ(l.keys.scalesBytes, heads * 32 * 128 * 2);
  EXPECT_EQ(l.keys.zerosOffset, l.keys.scalesOffset + l.keys.scalesBytes);
  EXPECT_EQ(l.keys.windowSlots, 160);             // window + one group
  EXPECT_EQ(l.keys.windowBytes, heads * 160 * 128 * 2);

  EXPECT_EQ(l.values.wordsPerToken, 8);           // 128 codes / 16 per word
  EXPECT_EQ(l.values.scaleRows, 1024);
  EXPECT_EQ(l.values.scaleCols, 4);
  EXPECT_EQ(l.values.windowSlots, 129);           // window + one token
  EXPECT_EQ(l.values.codesOffset % CacheLayout::kAlignment, 0);
  EXPECT_GE(l.values.codesOffset, l.keys.windowOffset + l.keys.windowBytes);
  EXPECT_EQ(l.totalBytes % CacheLayout::kAlignment, 0);

  // 4 bits + (16-bit scale + 16-bit zero) / 32 = 5 bits; 2 + 1 = 3 bits.
  EXPECT_DOUBLE_EQ(l.keys.bitsPerElement(), 5.0);
  EXPECT_DOUBLE_EQ(l.values.bitsPerElement(), 3.0);
}

TEST(CacheLayout, ThreeBitCodesPackTenPerWord) {
  CacheDesc d;
  d.headDim = 64;
  d.capacity = 64;
  d.keys = quantized(3, 32, Granularity::PerChannel);
  d.values = quantized(3, 16, Granularity::PerToken, /*symmetric=*/true);
  CacheLayout l = CacheLayout::compute(d);
  EXPECT_EQ(l.keys.wordsPerToken, 7); // ceil(64 / 10)
  EXPECT_EQ(l.values.zerosBytes, 0);  // symmetric: scales only
  EXPECT_DOUBLE_EQ(l.values.bitsPerElement(), 3.0 + 16.0 / 16);
}

TEST(CacheLayout, UnquantizedTensorsAreStoredAs16Bit) {
  CacheDesc d;
  d.batch = 1;
  d.kvHeads = 4;
  d.capacity = 512;
  d.headDim = 8;
  d.elementBytes = 4; // an f32 model still stores a 16-bit cache in f16
  CacheLayout l = CacheLayout::compute(d);
  EXPECT_EQ(l.keys.dataOffset, 64);
  EXPECT_EQ(l.keys.dataBytes, 4 * 512 * 8 * 2);
  EXPECT_EQ(l.values.dataOffset, 64 + 4 * 512 * 8 * 2);
  EXPECT_DOUBLE_EQ(l.keys.bitsPerElement(), 16.0);
  EXPECT_DOUBLE_EQ(l.bytesPerToken(), 4 * 8 * 2 * 2.0);
}

} // namespace
