//===- CacheLayout.cpp - byte layout of a kvq cache buffer ----------------===//
#include "kvq/Runtime/CacheLayout.h"

#include <cstdio>

using namespace kvq;

static int64_t alignTo(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

static TensorLayout layTensor(const CacheDesc &d, const SchemeDesc &s,
                              int64_t &cursor) {
  TensorLayout t;
  t.scheme = s;
  int64_t heads = d.batch * d.kvHeads;
  auto place = [&](int64_t bytes, int64_t &offset, int64_t &size) {
    cursor = alignTo(cursor, CacheLayout::kAlignment);
    offset = cursor;
    size = bytes;
    cursor += bytes;
  };
  if (!s.quantized()) {
    t.dataElementBytes = 2; // f16, or bf16 for bf16 caches
    place(heads * d.capacity * d.headDim * t.dataElementBytes, t.dataOffset,
          t.dataBytes);
    return t;
  }
  t.wordsPerToken = (d.headDim + s.codesPerWord() - 1) / s.codesPerWord();
  place(heads * d.capacity * t.wordsPerToken * 4, t.codesOffset, t.codesBytes);
  if (s.granularity == Granularity::PerChannel) {
    t.scaleRows = d.capacity / s.group;
    t.scaleCols = d.headDim;
  } else {
    t.scaleRows = d.capacity;
    t.scaleCols = d.headDim / s.group;
  }
  int64_t scaleBytes = heads * t.scaleRows * t.scaleCols * s.scaleBytes;
  place(scaleBytes, t.scalesOffset, t.scalesBytes);
  if (!s.symmetric)
    place(scaleBytes, t.zerosOffset, t.zerosBytes);
  t.windowSlots = s.window + s.tokenGroup();
  place(heads * t.windowSlots * d.headDim * d.elementBytes, t.windowOffset,
        t.windowBytes);
  return t;
}

CacheLayout CacheLayout::compute(const CacheDesc &desc) {
  CacheLayout l;
  l.desc = desc;
  int64_t cursor = kHeaderBytes;
  l.keys = layTensor(desc, desc.keys, cursor);
  l.values = layTensor(desc, desc.values, cursor);
  l.totalBytes = alignTo(cursor, kAlignment);
  return l;
}

double TensorLayout::bitsPerElement() const {
  if (!scheme.quantized())
    return 8.0 * dataElementBytes;
  double perScale = 8.0 * scheme.scaleBytes * (scheme.symmetric ? 1 : 2);
  return scheme.bits + perScale / scheme.group;
}

double CacheLayout::bytesPerToken() const {
  double perSeq = double(totalBytes - kHeaderBytes) / desc.batch;
  return perSeq / desc.capacity;
}

std::string CacheLayout::summary() const {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "%lld bytes; keys %.3f bits/elem, values %.3f bits/elem, "
                "%.1f bytes/token/sequence",
                (long long)totalBytes, keys.bitsPerElement(),
                values.bitsPerElement(), bytesPerToken());
  return buf;
}
