//===- MmaWindow.h - the full-precision window on tensor cores ---*- C++
//-*-===//
//
// The packed attention kernel's window tail (the tokens whose key and value
// are both still full precision) on f16 or bf16 mma.sync m16n8k16,
// continuing the tensor-core tiles' online softmax. A 32-token step at head_dim
// 128 is 32 mma and a few hundred other instructions, where the CUDA-core tail
// loop of PackedAttend.cpp spends ~1500 (docs/performance.md, v3.20).
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOGPU_MMAWINDOW_H
#define KVQ_LIB_CONVERSION_KVQTOGPU_MMAWINDOW_H

#include "KernelBuilder.h"

#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"

namespace mlir::kvq::lowering {

/// Whether the packed kernel of `config` attends its window on tensor
/// cores: tensor-core tiles (canUseMmaTiles), an f16 or bf16 cache and a
/// window for both keys and values.
bool canUseMmaWindow(const DecodeKernelConfig &config, const CacheViews &views);

/// Steps t0 = from, from + step, ... below end, of 32 tokens each, every
/// token of which is in both windows; tokens at or past validEnd are masked.
struct WindowSteps {
  Value from, end, step, validEnd;
};

struct MmaWindowInputs {
  const CacheViews *views;
  Value head;    ///< sequence * H + KV head
  Value lane;    ///< thread id, 0..31
  /// The same, to address the queries with (see emitMmaTiles).
  Value queryLane;
  Value queries; ///< shared [R][D] f32, times scale * log2 e
  WindowSteps steps;
  int64_t queriesPerHead, headDim;
};

/// Continues the tensor-core tiles' state (emitMmaTiles' loop: the running
/// max, this lane's sum, the value bias, the value accumulators, in their
/// layout) over the window steps and returns it.
SmallVector<Value> emitMmaWindow(IRB &b, const MmaWindowInputs &in,
                                 ValueRange state);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_KVQTOGPU_MMAWINDOW_H
