//===- CacheLayout.h - byte layout of a kvq cache buffer ----------*- C++ -*-===//
//
// The storage format of a cache as plain C++ (no MLIR), so that the compiler,
// the CPU/GPU lowerings and the ahead-of-time runtime all compute the same
// offsets. docs/storage-format.md is the normative description.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_RUNTIME_CACHELAYOUT_H
#define KVQ_RUNTIME_CACHELAYOUT_H

#include <cstdint>
#include <string>

namespace kvq {

enum class Granularity : uint32_t { PerChannel = 0, PerToken = 1 };

/// A scheme as plain data (mirrors #kvq.scheme).
struct SchemeDesc {
  uint32_t bits = 16;
  uint32_t group = 0;
  Granularity granularity = Granularity::PerChannel;
  bool symmetric = false;
  uint32_t scaleBytes = 2; ///< 2 (f16/bf16) or 4 (f32)
  bool hadamard = false;
  uint32_t window = 0;

  bool quantized() const { return bits < 16; }
  /// Tokens quantized together: group (per_channel), 1 (per_token), 0 (16-bit).
  uint32_t tokenGroup() const {
    if (!quantized())
      return 0;
    return granularity == Granularity::PerChannel ? group : 1;
  }
  uint32_t codesPerWord() const { return 32 / bits; }
};

/// A cache's shape as plain data (mirrors !kvq.cache).
struct CacheDesc {
  int64_t batch = 1, kvHeads = 1, capacity = 1, headDim = 1;
  uint32_t elementBytes = 4; ///< full-precision element: 2 (f16/bf16) or 4
  SchemeDesc keys, values;
};

/// Where one tensor (keys or values) lives in the cache buffer. All offsets are
/// in bytes from the start of the buffer; a size of 0 means "absent".
struct TensorLayout {
  SchemeDesc scheme;
  // Quantized storage.
  int64_t wordsPerToken = 0; ///< u32 code words per token and head
  int64_t codesOffset = 0, codesBytes = 0;
  int64_t scaleRows = 0; ///< scale rows per head: capacity/group or capacity
  int64_t scaleCols = 0; ///< scales per row: head_dim or head_dim/group
  int64_t scalesOffset = 0, scalesBytes = 0;
  int64_t zerosOffset = 0, zerosBytes = 0;
  int64_t windowSlots = 0; ///< ring slots: window + token group
  int64_t windowOffset = 0, windowBytes = 0;
  // Unquantized (16-bit) storage.
  uint32_t dataElementBytes = 0;
  int64_t dataOffset = 0, dataBytes = 0;

  /// Stored bits per quantized element, counting scales and zero points.
  double bitsPerElement() const;
};

/// The whole buffer: a 64-byte header (the token count as little-endian i64
/// at offset 0), then keys, then values, each segment 64-byte aligned.
struct CacheLayout {
  static constexpr int64_t kHeaderBytes = 64;
  static constexpr int64_t kAlignment = 64;
  static constexpr int64_t kLengthOffset = 0;

  CacheDesc desc;
  TensorLayout keys, values;
  int64_t totalBytes = 0;

  static CacheLayout compute(const CacheDesc &desc);

  /// Bytes the cache occupies per token and sequence once the whole capacity
  /// is used, averaged over the capacity (codes, scales, zeros; window
  /// buffers spread over the capacity).
  double bytesPerToken() const;
  /// A one-line human readable summary.
  std::string summary() const;
};

} // namespace kvq

#endif // KVQ_RUNTIME_CACHELAYOUT_H
