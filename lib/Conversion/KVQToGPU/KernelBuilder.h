//===- KernelBuilder.h - helpers shared by the kvq GPU kernels ---*- C++ -*-===//
//
// Small builders the decode kernels share: kernel and buffer creation, thread
// indices, warp reductions, the fast exponential, and the per-element cache
// reads of the generic (any scheme) attention path.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOGPU_KERNELBUILDER_H
#define KVQ_LIB_CONVERSION_KVQTOGPU_KERNELBUILDER_H

#include "../Common/CacheAccess.h"
#include "../Common/Numerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::kvq::lowering {

constexpr int64_t kWarp = 32;

/// A plain memref kernel parameter (what host code allocates with gpu.alloc).
MemRefType paramBuffer(ArrayRef<int64_t> shape, Type element);
/// A workgroup (shared memory) buffer.
MemRefType sharedBuffer(ArrayRef<int64_t> shape, Type element);
/// The global-address-space view of every memref argument of `func`, so that
/// loads and stores become ld.global / st.global.
SmallVector<Value> globalArguments(IRB &b, gpu::GPUFuncOp func);
/// An empty kernel with a known block size and the given shared buffers.
gpu::GPUFuncOp createKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                            StringRef name, TypeRange params,
                            TypeRange shared, int64_t blockSize);

/// An i32 constant from its unsigned bit pattern.
Value cU32(IRB &b, uint32_t v);
Value select(IRB &b, Value cond, Value x, Value y);
Value minU(IRB &b, Value x, Value y);
/// `count` consecutive elements of `memref` at `indices` (last index
/// varying) as one vector load of alignment `alignBytes` (0: their size up
/// to 16 bytes), or a scalar load when count is 1.
SmallVector<Value> loadVector(IRB &b, Value memref, ValueRange indices,
                              int64_t count, int64_t alignBytes = 0);

Value threadId(IRB &b);
Value blockId(IRB &b, gpu::Dimension d);
/// gridDim.x read again where it is used (a volatile `mov` from %nctaid.x
/// that nothing merges with an earlier read): ptxas keeps one read at the
/// kernel start live across the tile loops, and spills it there, rather
/// than reading the constant bank again.
Value gridDimXHere(IRB &b);
/// blockIdx.x read again where it is used, as gridDimXHere.
Value blockIdXHere(IRB &b);
/// threadIdx.x read again where it is used, as gridDimXHere.
Value threadIdXHere(IRB &b);
/// `v` (an index below 2^32) through a volatile `mov`: what is computed from
/// the result is not merged with the same computation from `v`, so only `v`,
/// not everything computed from it, stays live across the loops between.
Value opaqueIndex(IRB &b, Value v);
Value lt(IRB &b, Value x, Value y);
Value add(IRB &b, Value x, Value y);
Value mul(IRB &b, Value x, Value y);
/// Unsigned max, and x / y and x % y by a constant.
Value maxU(IRB &b, Value x, Value y);
Value divU(IRB &b, Value x, int64_t y);
Value remU(IRB &b, Value x, int64_t y);
Value addF(IRB &b, Value x, Value y);
Value mulF(IRB &b, Value x, Value y);
/// a * x + c, contractible into one fma.rn.f32 (math.fma would become a
/// libdevice call on some paths of the NVVM lowering).
Value fmaF(IRB &b, Value a, Value x, Value c);

/// Butterfly-reduces `v` over the lanes whose ids differ in the bits of
/// [lowOffset, highOffset) (xor shuffles); every lane gets the result.
Value warpReduce(IRB &b, Value v,
                 function_ref<Value(IRB &, Value, Value)> combine,
                 int32_t lowOffset = 1, int32_t highOffset = kWarp);
/// The same for a state of several values (each shuffled), merged by
/// `combine`.
SmallVector<Value> warpReduce(
    IRB &b, ValueRange v,
    function_ref<SmallVector<Value>(IRB &, ValueRange, ValueRange)> combine,
    int32_t lowOffset = 1, int32_t highOffset = kWarp);
Value warpMax(IRB &b, Value v);
/// Lane `srcLane`'s `v` (an i32 lane id), to every lane (idx shuffle).
Value shuffleFrom(IRB &b, Value v, Value srcLane);
/// Lane (this lane xor `mask`)'s `v` (xor shuffle).
Value shuffleXor(IRB &b, Value v, int32_t mask);
/// An index as i32.
Value toI32(IRB &b, Value index);
Value warpSum(IRB &b, Value v);

/// The tokens one attention block attends: `n` of sequence `seq` (the
/// cached length, or lengths[seq] clamped to it when `useLengths` != 0; the
/// pointer is not read otherwise) and this split's share [start, end) of
/// them, in whole tiles of `tile` tokens.
struct SplitTokens {
  Value length; ///< tokens in the cache (the header's count)
  Value n;      ///< tokens of this sequence
  Value span;   ///< tokens per split (whole tiles; 0 when n is 0)
  Value start, end;
};
SplitTokens splitTokens(IRB &b, const CacheViews &v, Value lengths,
                        Value useLengths, Value seq, Value split, Value splits,
                        int64_t tile);
/// The split arithmetic of splitTokens from a known `length` and `n`.
SplitTokens splitRange(IRB &b, Value length, Value n, Value split, Value splits,
                       int64_t tile);

/// for (e = tid; e < rows * cols; e += threads) body(e / cols, e % cols):
/// the elements of a [rows][cols] array spread over a block's threads.
void forEachElement(IRB &b, Value tid, int64_t rows, int64_t cols,
                    int64_t threads,
                    function_ref<void(IRB &, Value, Value)> body);

/// Copies the `groupSize` queries of KV head `kvHead` of sequence `seq`
/// (rows kvHead * groupSize + r of queries[seq], [Hq][dim]) into `shared`
/// ([groupSize][dim] f32) times `scale`. Thread `tid` of `threads` loads
/// runs of up to 16 bytes and issues all its loads before converting any
/// (one round trip) when the elements divide evenly, else element by
/// element. The caller synchronizes.
void stageQueries(IRB &b, Value queries, Value shared, Value seq,
                  Value kvHead, int64_t groupSize, int64_t dim, Value scale,
                  Value tid, int64_t threads);

/// Brings the L2 line holding `memref[indices]` in from DRAM
/// (prefetch.global.L2) without waiting for it: a dependent load later in the
/// kernel then waits on L2 instead. `memref` is in global memory (a
/// memref.prefetch that kvq-convert-kernel-ops-to-nvvm lowers).
void prefetchL2(IRB &b, Value memref, ValueRange indices);

/// 2^x with the hardware approximation (ex2.approx.ftz: ~2 ulp, 2^-inf = 0).
Value exp2Approx(IRB &b, Value x);
/// 1/x with the hardware approximation (rcp.approx.ftz: ~1 ulp).
Value rcpApprox(IRB &b, Value x);

/// In-place normalised Walsh-Hadamard transform of `rows` rows of `dim` f32
/// in shared memory, by the `threads` threads of the block (same butterfly
/// order as the CPU reference).
void blockHadamard(IRB &b, Value buffer, int64_t rows, int64_t dim,
                   int64_t threads);

/// Element `d` of token `t` of a quantized tensor, from `word`, the packed
/// word holding it (scale and zero loaded and applied as the CPU does).
Value dequantElement(IRB &b, const TensorViews &v, Value head, Value t,
                     Value d, Value word);

/// Dot products of token `t`'s key with the `groupSize` queries in `qs`
/// (shared [R][D] f32), element by element: from packed codes (16-byte
/// loads), the window, or 16-bit data, whichever holds the token.
SmallVector<Value> keyDots(IRB &b, const TensorViews &k, Value head, Value t,
                           Value quantized, Value qs, int64_t groupSize,
                           int64_t dim, int64_t slots);
/// keyDots of a token that may be absent: -inf scores unless `valid`.
SmallVector<Value> keyDotsIfValid(IRB &b, Value valid, const TensorViews &k,
                                  Value head, Value t, Value quantized,
                                  Value qs, int64_t groupSize, int64_t dim,
                                  int64_t slots);
/// Value element `d` of token `t`, wherever the token is held.
Value valueElement(IRB &b, const TensorViews &v, Value head, Value t, Value d,
                   Value quantized, int64_t slots);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_KVQTOGPU_KERNELBUILDER_H
