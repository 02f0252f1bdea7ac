//===- MmaOps.h - tensor-core builders of the attention ----*- C++ -*-===//
//
// The small builders the tensor-core code of the packed attention shares
// (MmaTiles.cpp, MmaWindow.cpp): mma.sync, prmt, f16 pairs, lane roles, the
// f16-value layout's rescaling and probabilities, and lane-range
// reductions.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOGPU_MMAOPS_H
#define KVQ_LIB_CONVERSION_KVQTOGPU_MMAOPS_H

#include "KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::kvq::lowering {

/// x >> s (logical; s = 0 is x), x & m (m = ~0 is x), max(x, y) of floats.
Value shrU(IRB &b, Value x, int64_t s);
Value andI(IRB &b, Value x, uint32_t m);
Value maxF(IRB &b, Value x, Value y);
/// PTX prmt: the bytes of (hi:lo) that `selector` picks.
Value prmt(IRB &b, Value lo, Value hi, uint32_t selector);

/// D += A x B on tensor cores (mma.sync, row x col): the four values of
/// this lane's D fragment, of the accumulator type of `c`.
SmallVector<Value> mmaSync(IRB &b, ArrayRef<Value> a, ArrayRef<Value> bb,
                           ArrayRef<Value> c, ArrayRef<int64_t> shape,
                           NVVM::MMATypes typeA, NVVM::MMATypes typeB);
/// D += A x B on int8 tensor cores (m16n8k32, u8 x s8 or u8, s32).
SmallVector<Value> mma(IRB &b, ArrayRef<Value> a, ArrayRef<Value> bb,
                       ArrayRef<Value> c, bool unsignedB = false);
/// D += A x B on f16 tensor cores (m16n8k16, f32 accumulation).
SmallVector<Value> mmaF16(IRB &b, ArrayRef<Value> a, ArrayRef<Value> bb,
                          ArrayRef<Value> c);

VectorType half2Type(IRB &b);
/// An i32 as an f16 pair and back (no instruction).
Value asHalf2(IRB &b, Value i32);
Value asI32(IRB &b, Value half2);
/// (x, y) as an f16 pair (rounded when not f16).
Value half2Of(IRB &b, Value x, Value y);

/// A lane's roles in an m16n8 mma (lane = 4 g + q): its group g and thread
/// in group q (also as i32), whether g is odd, the head of its B column
/// (g / 2, where the columns are (head, part) pairs) and whether that head
/// and its C columns' head q are below R.
struct MmaLanes {
  Value g, q, g32, q32, odd, bHead, bHeadValid, cHeadValid;
};
MmaLanes mmaLanes(IRB &b, Value lane, int64_t R);

/// The f16-value layout of O^T += V^T P^T (m16n8k16; C rows: channels,
/// columns 2 q, 2 q + 1: query heads): the accumulators `acc` (4 per 16
/// channels) times their heads' correction, `corr` being lane h's for head
/// h mod 4.
void rescaleHalfValueOutputs(IRB &b, MutableArrayRef<Value> acc, Value corr,
                             Value q32);
/// ... and its two B registers for 16 tokens: head g's f16 probabilities of
/// tokens (2 q, 2 q + 8) from lane `src0` = 8 q + g and of (2 q + 1, 2 q + 9)
/// from `src1` = src0 + 4, where p0 and p1 are the lane's (head q's) of
/// tokens g and g + 8; 0 for heads past R (`gValid`: g < R).
SmallVector<Value> halfValueProbabilities(IRB &b, Value p0, Value p1,
                                          Value src0, Value src1, Value gValid);

/// v summed (or maxed) over the lanes whose ids differ in bits [low, high).
Value reduceOver(IRB &b, Value v, bool isMax, int32_t low, int32_t high);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_KVQTOGPU_MMAOPS_H
