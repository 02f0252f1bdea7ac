//===- DecodeKernels.h - fused GPU kernels of a kvq decode step --*- C++ -*-===//
//
// Builds, inside a gpu.module, the kernels that implement kvq.append and
// kvq.attend for one cache configuration on NVIDIA GPUs. docs/gpu.md
// describes their design; the storage format is the CPU reference's.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_CONVERSION_KVQTOGPU_DECODEKERNELS_H
#define KVQ_CONVERSION_KVQTOGPU_DECODEKERNELS_H

#include "kvq/Dialect/KVQ/IR/KVQ.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <string>

namespace mlir::kvq {

/// What the kernels are specialised for.
struct DecodeKernelConfig {
  CacheType cache;
  int64_t queryHeads = 0;   ///< query heads (a multiple of the KV heads)
  int64_t appendTokens = 1; ///< tokens per sequence one append adds
  int64_t maxSplits = 1;    ///< largest split-K count the workspace holds
  float scale = 0;          ///< softmax scale; 0 means 1/sqrt(head_dim)
  /// Attention blocks per KV head and split, each serving an equal slice of
  /// its query heads: more than 1 only where a slice fits the tensor-core
  /// tiles and the whole group does not (8 query heads per KV head).
  int64_t querySlices = 1;
  /// Build the attention kernel without its register cap (fewer blocks per
  /// SM): for kernels ptxas spilled under the cap (kvq-gpu-aot rebuilds them).
  bool uncapped = false;
  /// Tokens per tensor-core tile, 32 or 64 (0: chosen from the shape, see
  /// lowering::mmaTileTokens).
  int64_t tileTokens = 0;
  /// SMs of the GPU the kernels are tuned for: the compile-time choices that
  /// depend on the split count a launch will pick (tile size, window
  /// prefetch and spreading, blocks per SM of short splits) assume one wave
  /// on this many SMs. Launchers pick the split count from the GPU's own.
  int64_t smCount = 132;
  std::string suffix; ///< appended to kernel names

  int64_t queriesPerKvHead() const { return queryHeads / cache.getKvHeads(); }
  /// Query heads one attention block serves.
  int64_t queriesPerBlock() const { return queriesPerKvHead() / querySlices; }
};

/// The kernels built for one configuration and how to launch them.
/// Parameters (bare pointers to global memory, then scalars):
///   append (cache, keys[B,H,T,D], values[B,H,T,D], start i64)
///       grid (B*H, 2), block (head_dim): block.y 0 keys, 1 values
///   attend (cache, queries[B,Hq,D], lengths[B] i32, use_lengths i32,
///           partial f32, arrivals[B*H*S] i32, out[B,Hq,D])
///       grid (splits, B*H*S), block (attendBlock) with S = querySlices:
///       block.y = (sequence * H + KV head) * S + slice serves query heads
///       slice * Hq/(H*S) ... of its KV head's group; splits <= maxSplits;
///       split s takes tiles of attendTile tokens, ceil(tiles / splits) each
///       (launchers pick splits = clamp(floor(attendBlocksPerSM * SMs /
///       (B*H*S)), 1, min(maxSplits, ceil(length / attendTile)))). `partial`
///       and `arrivals` are the workspace (workspaceBytes, arrivals at
///       arrivalsOffset); the arrival counts must be zero before the first
///       launch, and each launch leaves them zero.
struct DecodeKernels {
  std::string append, attend;
  std::string module = "kvq_kernels"; ///< the gpu.module holding them
  int64_t appendBlock = 0, attendBlock = 0;
  int64_t attendTile = 0;        ///< tokens per split granule
  int64_t attendBlocksPerSM = 0; ///< target of the split heuristic
  int64_t querySlices = 1;       ///< S above
  int64_t workspaceBytes = 0;    ///< partial states and arrival counts
  int64_t arrivalsOffset = 0;    ///< byte offset of the arrival counts
  int64_t maxSplits = 0, appendTokens = 0;
};

/// The configuration a kvq.attend needs (with `appendTokens` for its
/// cache's appends) and a readable, unique name suffix for it.
DecodeKernelConfig getDecodeKernelConfig(AttendOp op, int64_t appendTokens,
                                         int64_t maxSplits);

/// The attention kernel's parameter types (the `attend` signature above),
/// the same for every attention kernel variant.
SmallVector<Type> getAttendParamTypes(MLIRContext *context,
                                      const DecodeKernelConfig &config);

/// Tokens per split granule of the attention kernel `config` gets.
int64_t getAttendTileTokens(const DecodeKernelConfig &config);

/// Builds the kernels of `config` at the end of `module`.
DecodeKernels buildDecodeKernels(OpBuilder &builder, gpu::GPUModuleOp module,
                                 const DecodeKernelConfig &config);

} // namespace mlir::kvq

#endif // KVQ_CONVERSION_KVQTOGPU_DECODEKERNELS_H
