//===- KernelBuilder.cpp - helpers shared by the kvq GPU kernels ----------===//
#include "KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kvq;

namespace mlir::kvq::lowering {

static Attribute globalSpace(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Global);
}
static Attribute sharedSpace(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
}
/// Kernel parameters are plain memrefs (what host code allocates with
/// gpu.alloc); kernels cast them to the global address space on entry so
/// that loads and stores are ld.global / st.global.
MemRefType paramBuffer(ArrayRef<int64_t> shape, Type element) {
  return MemRefType::get(shape, element);
}

/// The global-address-space view of every memref argument of `func`.
SmallVector<Value> globalArguments(IRB &b, gpu::GPUFuncOp func) {
  SmallVector<Value> args;
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type) {
      args.push_back(arg);
      continue;
    }
    auto global = MemRefType::get(type.getShape(), type.getElementType(),
                                  type.getLayout(),
                                  globalSpace(type.getContext()));
    args.push_back(memref::MemorySpaceCastOp::create(b, global, arg));
  }
  return args;
}
MemRefType sharedBuffer(ArrayRef<int64_t> shape, Type element) {
  return MemRefType::get(shape, element, MemRefLayoutAttrInterface(),
                         sharedSpace(element.getContext()));
}

/// Creates an empty kernel with the given block size and shared buffers.
gpu::GPUFuncOp createKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                            StringRef name, TypeRange params,
                            TypeRange shared, int64_t blockSize) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto type = builder.getFunctionType(params, {});
  auto func = gpu::GPUFuncOp::create(builder, module.getLoc(), name, type,
                                     shared);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                builder.getUnitAttr());
  func.setKnownBlockSizeAttr(builder.getDenseI32ArrayAttr(
      {int32_t(blockSize), 1, 1}));
  return func;
}

Value cU32(IRB &b, uint32_t v) { return cI32(b, int64_t(int32_t(v))); }

Value select(IRB &b, Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, cond, x, y);
}

Value minU(IRB &b, Value x, Value y) { return arith::MinUIOp::create(b, x, y); }

SmallVector<Value> loadVector(IRB &b, Value memref, ValueRange indices,
                              int64_t count, int64_t alignBytes) {
  SmallVector<Value> out;
  if (count == 1) {
    out.push_back(memref::LoadOp::create(b, memref, indices));
    return out;
  }
  Type elt = cast<MemRefType>(memref.getType()).getElementType();
  if (!alignBytes)
    alignBytes =
        std::min<int64_t>(16, count * elt.getIntOrFloatBitWidth() / 8);
  // Alignments are powers of two: a run of 3 floats is 4-byte aligned, not
  // 12 (LLVM without assertions would take MaybeAlign(12) silently).
  alignBytes &= -alignBytes;
  Value vec = vector::LoadOp::create(b, VectorType::get({count}, elt), memref,
                                     indices, /*nontemporal=*/false,
                                     llvm::MaybeAlign(alignBytes));
  for (int64_t i = 0; i < count; ++i)
    out.push_back(vector::ExtractOp::create(b, vec, ArrayRef<int64_t>{i}));
  return out;
}

Value shuffleFrom(IRB &b, Value v, Value srcLane) {
  return gpu::ShuffleOp::create(b, v, srcLane, cI32(b, kWarp),
                                gpu::ShuffleMode::IDX)
      .getShuffleResult();
}

Value shuffleXor(IRB &b, Value v, int32_t mask) {
  return gpu::ShuffleOp::create(b, v, mask, kWarp, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

Value toI32(IRB &b, Value index) {
  return arith::IndexCastOp::create(b, b.getI32Type(), index);
}

Value threadId(IRB &b) {
  return gpu::ThreadIdOp::create(b, gpu::Dimension::x);
}
Value blockId(IRB &b, gpu::Dimension d) { return gpu::BlockIdOp::create(b, d); }
/// A volatile inline `asm` producing one i32 from `operands`.
static Value volatileAsm(IRB &b, StringRef text, StringRef constraints,
                         ValueRange operands) {
  auto read = LLVM::InlineAsmOp::create(
      b, b.getI32Type(), operands, text, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return arith::IndexCastUIOp::create(b, b.getIndexType(), read.getRes());
}
Value gridDimXHere(IRB &b) {
  return volatileAsm(b, "mov.u32 $0, %nctaid.x;", "=r", {});
}
Value blockIdXHere(IRB &b) {
  return volatileAsm(b, "mov.u32 $0, %ctaid.x;", "=r", {});
}
Value threadIdXHere(IRB &b) {
  return volatileAsm(b, "mov.u32 $0, %tid.x;", "=r", {});
}
Value opaqueIndex(IRB &b, Value v) {
  return volatileAsm(b, "mov.b32 $0, $1;", "=r,r", {toI32(b, v)});
}
Value lt(IRB &b, Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
}
Value add(IRB &b, Value x, Value y) { return arith::AddIOp::create(b, x, y); }
Value mul(IRB &b, Value x, Value y) { return arith::MulIOp::create(b, x, y); }
Value maxU(IRB &b, Value x, Value y) { return arith::MaxUIOp::create(b, x, y); }
Value divU(IRB &b, Value x, int64_t y) {
  return arith::DivUIOp::create(b, x, cIndex(b, y));
}
Value remU(IRB &b, Value x, int64_t y) {
  return arith::RemUIOp::create(b, x, cIndex(b, y));
}
Value addF(IRB &b, Value x, Value y) { return arith::AddFOp::create(b, x, y); }
Value mulF(IRB &b, Value x, Value y) { return arith::MulFOp::create(b, x, y); }
Value fmaF(IRB &b, Value a, Value x, Value c) {
  auto contract = arith::FastMathFlags::contract;
  Value p = arith::MulFOp::create(b, a, x, contract);
  return arith::AddFOp::create(b, p, c, contract);
}

/// Butterfly over the lane bits [lowOffset, highOffset).
SmallVector<Value> warpReduce(
    IRB &b, ValueRange v,
    function_ref<SmallVector<Value>(IRB &, ValueRange, ValueRange)> combine,
    int32_t lowOffset, int32_t highOffset) {
  SmallVector<Value> state(v);
  for (int32_t offset = highOffset / 2; offset >= lowOffset; offset /= 2) {
    SmallVector<Value> other;
    for (Value part : state)
      other.push_back(shuffleXor(b, part, offset));
    state = combine(b, state, other);
  }
  return state;
}

Value warpReduce(IRB &b, Value v,
                 function_ref<Value(IRB &, Value, Value)> combine,
                 int32_t lowOffset, int32_t highOffset) {
  return warpReduce(
      b, ValueRange{v},
      [&](IRB &ib, ValueRange x, ValueRange y) -> SmallVector<Value> {
        return {combine(ib, x[0], y[0])};
      },
      lowOffset, highOffset)[0];
}
Value warpMax(IRB &b, Value v) {
  return warpReduce(b, v, [](IRB &x, Value l, Value r) -> Value {
    return arith::MaximumFOp::create(x, l, r);
  });
}
Value warpSum(IRB &b, Value v) {
  return warpReduce(b, v, [](IRB &x, Value l, Value r) -> Value {
    return arith::AddFOp::create(x, l, r);
  });
}

SplitTokens splitTokens(IRB &b, const CacheViews &v, Value lengths,
                        Value useLengths, Value seq, Value split, Value splits,
                        int64_t tile) {
  SplitTokens s;
  s.length = loadLength(b, v);
  Value use = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, useLengths,
                                    cI32(b, 0));
  s.n = ifElse(
      b, use, TypeRange{b.getIndexType()},
      [&](IRB &ib) -> SmallVector<Value> {
        Value given = memref::LoadOp::create(ib, lengths, seq);
        given = arith::MaxSIOp::create(ib, given, cI32(ib, 0));
        given = arith::IndexCastOp::create(ib, ib.getIndexType(), given);
        return {arith::MinUIOp::create(ib, given, s.length)};
      },
      [&](IRB &) -> SmallVector<Value> { return {s.length}; })[0];
  return splitRange(b, s.length, s.n, split, splits, tile);
}

SplitTokens splitRange(IRB &b, Value length, Value n, Value split, Value splits,
                       int64_t tile) {
  SplitTokens s;
  s.length = length;
  s.n = n;
  Value tiles = arith::CeilDivUIOp::create(b, n, cIndex(b, tile));
  Value tilesPerSplit = arith::CeilDivUIOp::create(b, tiles, splits);
  s.span = mul(b, tilesPerSplit, cIndex(b, tile));
  s.start = mul(b, split, s.span);
  s.end = arith::MinUIOp::create(b, n, add(b, s.start, s.span));
  return s;
}

void forEachElement(IRB &b, Value tid, int64_t rows, int64_t cols,
                    int64_t threads,
                    function_ref<void(IRB &, Value, Value)> body) {
  scf::ForOp::create(b, tid, cIndex(b, rows * cols), cIndex(b, threads),
                     ValueRange{},
                     [&](OpBuilder &nested, Location loc, Value e, ValueRange) {
                       IRB ib(loc, nested);
                       body(ib, arith::DivUIOp::create(ib, e, cIndex(ib, cols)),
                            arith::RemUIOp::create(ib, e, cIndex(ib, cols)));
                       scf::YieldOp::create(ib);
                     });
}

void stageQueries(IRB &b, Value queries, Value shared, Value seq, Value kvHead,
                  int64_t groupSize, int64_t dim, Value scale, Value tid,
                  int64_t threads) {
  // When the elements divide evenly, each thread loads runs of `vec`
  // (up to 16 bytes) and issues all its loads before the first use: one
  // round trip to memory instead of one per element, which the decode
  // step's critical path (the queries come first) would pay in sequence.
  int64_t total = groupSize * dim;
  int64_t eltBytes =
      cast<MemRefType>(queries.getType()).getElementTypeBitWidth() / 8;
  int64_t vec = 16 / eltBytes;
  while (vec > 1 && (dim % vec || total % (threads * vec)))
    vec /= 2;
  int64_t perThread = total % (threads * vec) ? 0 : total / (threads * vec);
  if (perThread && perThread <= 16) {
    SmallVector<std::pair<Value, Value>> at;
    SmallVector<SmallVector<Value>> loaded;
    for (int64_t i = 0; i < perThread; ++i) {
      Value e = mul(b, add(b, tid, cIndex(b, threads * i)), cIndex(b, vec));
      Value r = divU(b, e, dim), d = remU(b, e, dim);
      Value hq = add(b, mul(b, kvHead, cIndex(b, groupSize)), r);
      at.push_back({r, d});
      loaded.push_back(loadVector(b, queries, {seq, hq, d}, vec));
    }
    for (int64_t i = 0; i < perThread; ++i)
      for (int64_t k = 0; k < vec; ++k)
        memref::StoreOp::create(
            b, mulF(b, toF32(b, loaded[i][k]), scale), shared,
            ValueRange{at[i].first, add(b, at[i].second, cIndex(b, k))});
    return;
  }
  forEachElement(
      b, tid, groupSize, dim, threads, [&](IRB &ib, Value r, Value d) {
        Value hq = add(ib, mul(ib, kvHead, cIndex(ib, groupSize)), r);
        Value q = loadF32(ib, queries, {seq, hq, d});
        memref::StoreOp::create(ib, mulF(ib, q, scale), shared,
                                ValueRange{r, d});
      });
}

void prefetchL2(IRB &b, Value memref, ValueRange indices) {
  // kvq-convert-kernel-ops-to-nvvm turns it into prefetch.global.L2.
  memref::PrefetchOp::create(b, memref, indices, /*isWrite=*/false,
                             /*localityHint=*/3, /*isDataCache=*/true);
}

Value exp2Approx(IRB &b, Value x) {
  return LLVM::CallIntrinsicOp::create(
             b, b.getF32Type(), b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f32"),
             ValueRange{x})
      .getResult(0);
}

Value rcpApprox(IRB &b, Value x) {
  return LLVM::CallIntrinsicOp::create(
             b, b.getF32Type(), b.getStringAttr("llvm.nvvm.rcp.approx.ftz.f"),
             ValueRange{x})
      .getResult(0);
}

/// In-place normalised Walsh-Hadamard transform of `rows` rows of `dim`
/// f32 in shared memory, by all `threads` threads of the block (same
/// butterfly order as the CPU reference).
void blockHadamard(IRB &b, Value buffer, int64_t rows, int64_t dim,
                   int64_t threads) {
  Value tid = threadId(b);
  int64_t pairs = rows * dim / 2;
  for (int64_t h = 1; h < dim; h *= 2) {
    scf::ForOp::create(
        b, tid, cIndex(b, pairs), cIndex(b, threads), ValueRange{},
        [&](OpBuilder &nested, Location loc, Value p, ValueRange) {
          IRB ib(loc, nested);
          Value row = arith::DivUIOp::create(ib, p, cIndex(ib, dim / 2));
          Value q = arith::RemUIOp::create(ib, p, cIndex(ib, dim / 2));
          Value hv = cIndex(ib, h);
          Value j = add(ib, mul(ib, arith::DivUIOp::create(ib, q, hv),
                                cIndex(ib, 2 * h)),
                        arith::RemUIOp::create(ib, q, hv));
          Value k = add(ib, j, hv);
          Value x = memref::LoadOp::create(ib, buffer, ValueRange{row, j});
          Value y = memref::LoadOp::create(ib, buffer, ValueRange{row, k});
          memref::StoreOp::create(ib, addF(ib, x, y), buffer,
                                  ValueRange{row, j});
          memref::StoreOp::create(ib, arith::SubFOp::create(ib, x, y), buffer,
                                  ValueRange{row, k});
          scf::YieldOp::create(ib);
        });
    gpu::BarrierOp::create(b);
  }
  Value norm = cF32(b, 1.0 / std::sqrt(double(dim)));
  forEachElement(
      b, tid, rows, dim, threads, [&](IRB &ib, Value row, Value col) {
        Value x = memref::LoadOp::create(ib, buffer, ValueRange{row, col});
        memref::StoreOp::create(ib, mulF(ib, x, norm), buffer,
                                ValueRange{row, col});
      });
  gpu::BarrierOp::create(b);
}

/// Dequantizes element `d` of token `t` of a quantized tensor.
Value dequantElement(IRB &b, const TensorViews &v, Value head, Value t,
                     Value d, Value word) {
  SchemeAttr scheme = v.scheme;
  int64_t perWord = scheme.getCodesPerWord();
  Value lane = arith::RemUIOp::create(b, d, cIndex(b, perWord));
  Value shift = arith::MulIOp::create(
      b, arith::IndexCastOp::create(b, b.getI32Type(), lane),
      cI32(b, scheme.getBits()));
  Value code = arith::AndIOp::create(b, arith::ShRUIOp::create(b, word, shift),
                                     cI32(b, scheme.getMaxCode()));
  Value row = scaleRow(b, scheme, t);
  Value col = scaleColumn(b, scheme, d);
  Value s = loadF32(b, v.scales, {head, row, col});
  Value z = v.zeros ? loadF32(b, v.zeros, {head, row, col}) : Value();
  return SchemeNumerics(scheme).decode(b, code, s, z);
}

/// Dot products of token `t`'s key with the `groupSize` queries in `qs`
/// (shared [R][D] f32): from packed codes (16-byte loads), the window, or
/// 16-bit data.
SmallVector<Value> keyDots(IRB &b, const TensorViews &k, Value head, Value t,
                           Value quantized, Value qs, int64_t groupSize,
                           int64_t dim, int64_t slots) {
  SmallVector<Type> f32s(groupSize, b.getF32Type());
  SmallVector<Value> zeros(groupSize, cF32(b, 0.0));
  auto accumulate = [&](IRB &ib, ValueRange acc, Value d, Value key,
                        Value valid) {
    SmallVector<Value> next;
    for (int64_t r = 0; r < groupSize; ++r) {
      Value q = memref::LoadOp::create(ib, qs, ValueRange{cIndex(ib, r), d});
      Value term = mulF(ib, q, key);
      if (valid)
        term = arith::SelectOp::create(ib, valid, term, cF32(ib, 0.0));
      next.push_back(addF(ib, acc[r], term));
    }
    return next;
  };
  auto fromRow = [&](IRB &ib, Value memref, ValueRange prefix) {
    return forRangeCarry(ib, cIndex(ib, 0), cIndex(ib, dim), zeros,
                         [&](IRB &lb, Value d, ValueRange acc) {
                           SmallVector<Value> idx(prefix);
                           idx.push_back(d);
                           return accumulate(lb, acc, d,
                                             loadF32(lb, memref, idx), Value());
                         });
  };
  if (!k.scheme.isQuantized())
    return fromRow(b, k.data, {head, t});

  auto packed = [&](IRB &ib) {
    SchemeAttr scheme = k.scheme;
    int64_t perWord = scheme.getCodesPerWord();
    int64_t words = k.layout.wordsPerToken;
    bool vectorized = words % 4 == 0;
    int64_t step = vectorized ? 4 : 1;
    SmallVector<Value> dots = forRangeCarry(
        ib, cIndex(ib, 0), cIndex(ib, words / step), zeros,
        [&](IRB &lb, Value chunk, ValueRange acc) {
          SmallVector<Value> wordValues;
          Value first = mul(lb, chunk, cIndex(lb, step));
          if (vectorized) {
            Value vec = vector::LoadOp::create(
                lb, VectorType::get({4}, lb.getI32Type()), k.codes,
                ValueRange{head, t, first}, /*nontemporal=*/false,
                llvm::MaybeAlign(16));
            for (int64_t i = 0; i < 4; ++i)
              wordValues.push_back(
                  vector::ExtractOp::create(lb, vec, ArrayRef<int64_t>{i}));
          } else {
            wordValues.push_back(
                memref::LoadOp::create(lb, k.codes, ValueRange{head, t, first}));
          }
          SmallVector<Value> cur(acc);
          for (int64_t i = 0; i < step; ++i)
            for (int64_t lane = 0; lane < perWord; ++lane) {
              Value d = add(lb, mul(lb, add(lb, first, cIndex(lb, i)),
                                    cIndex(lb, perWord)),
                            cIndex(lb, lane));
              Value valid = dim % perWord == 0 ? Value() : lt(lb, d, cIndex(lb, dim));
              Value safe = valid ? arith::MinUIOp::create(lb, d, cIndex(lb, dim - 1))
                                 : d;
              Value key = dequantElement(lb, k, head, t, safe, wordValues[i]);
              cur = accumulate(lb, cur, safe, key, valid);
            }
          return cur;
        });
    return dots;
  };
  return ifElse(b, lt(b, t, quantized), f32s, packed, [&](IRB &ib) {
    Value slot = arith::RemUIOp::create(ib, t, cIndex(ib, slots));
    return fromRow(ib, k.window, {head, slot});
  });
}

SmallVector<Value> keyDotsIfValid(IRB &b, Value valid, const TensorViews &k,
                                  Value head, Value t, Value quantized,
                                  Value qs, int64_t groupSize, int64_t dim,
                                  int64_t slots) {
  return ifElse(
      b, valid, SmallVector<Type>(groupSize, b.getF32Type()),
      [&](IRB &ib) {
        return keyDots(ib, k, head, t, quantized, qs, groupSize, dim, slots);
      },
      [&](IRB &ib) {
        return SmallVector<Value>(groupSize, cF32(ib, -INFINITY));
      });
}

/// Value element `d` of token `t`.
Value valueElement(IRB &b, const TensorViews &v, Value head, Value t, Value d,
                   Value quantized, int64_t slots) {
  if (!v.scheme.isQuantized())
    return loadF32(b, v.data, {head, t, d});
  return ifElse(
      b, lt(b, t, quantized), TypeRange{b.getF32Type()},
      [&](IRB &ib) -> SmallVector<Value> {
        int64_t perWord = v.scheme.getCodesPerWord();
        Value w = arith::DivUIOp::create(ib, d, cIndex(ib, perWord));
        Value word =
            memref::LoadOp::create(ib, v.codes, ValueRange{head, t, w});
        return {dequantElement(ib, v, head, t, d, word)};
      },
      [&](IRB &ib) -> SmallVector<Value> {
        Value slot = arith::RemUIOp::create(ib, t, cIndex(ib, slots));
        return {loadF32(ib, v.window, {head, slot, d})};
      })[0];
}

} // namespace mlir::kvq::lowering
