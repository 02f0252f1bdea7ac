//===- Numerics.h - IR emitters for kvq quantization numerics ----*- C++ -*-===//
//
// Small helpers that emit scf loops and the quantization arithmetic of
// docs/storage-format.md. Shared by every kvq op lowering, so that a cache's
// append and the standalone kvq.quantize compute exactly the same numbers.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOSCF_NUMERICS_H
#define KVQ_LIB_CONVERSION_KVQTOSCF_NUMERICS_H

#include "kvq/Dialect/KVQ/IR/KVQ.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::kvq::lowering {

/// The builder every emitter takes: locations are implicit.
using IRB = ImplicitLocOpBuilder;

Value cIndex(IRB &b, int64_t v);
Value cF32(IRB &b, double v);
Value cI32(IRB &b, int64_t v);

/// Emits `for iv in [lb, ub)` (step 1); `body` builds the loop body.
void forRange(IRB &b, Value lb, Value ub,
              function_ref<void(IRB &, Value)> body);
void forRange(IRB &b, int64_t lb, int64_t ub,
              function_ref<void(IRB &, Value)> body);
/// Emits a loop carrying `inits`; `body` returns the next values.
SmallVector<Value>
forRangeCarry(IRB &b, Value lb, Value ub, ValueRange inits,
              function_ref<SmallVector<Value>(IRB &, Value, ValueRange)>
                  body,
              int64_t step = 1);
/// Emits `if (cond) then()`.
void ifThen(IRB &b, Value cond, function_ref<void(IRB &)> then);
/// Emits `if (cond) then() else otherwise()`, both yielding values of
/// `types`; returns the results.
SmallVector<Value> ifElse(IRB &b, Value cond, TypeRange types,
                          function_ref<SmallVector<Value>(IRB &)> then,
                          function_ref<SmallVector<Value>(IRB &)> otherwise);

/// Converts a float of any width to f32 and back.
Value toF32(IRB &b, Value v);
Value fromF32(IRB &b, Value v, Type type);

/// |x| and round-half-to-even of an f32, as plain arith ops: the same exact
/// result on every target, with no libm or libdevice call.
Value absF(IRB &b, Value x);
Value roundEven(IRB &b, Value x);
/// e^x of an f32 in plain arith ops (about 1 ulp; 0 for x < -87.3 and -inf),
/// for targets where math.exp would need a device math library.
Value expF(IRB &b, Value x);

/// Loads `memref[indices]` and extends it to f32.
Value loadF32(IRB &b, Value memref, ValueRange indices);
/// Rounds `v` (f32) to `type` and stores it.
void storeFromF32(IRB &b, Value v, Value memref, ValueRange indices);

/// The quantization arithmetic of one scheme.
class SchemeNumerics {
public:
  explicit SchemeNumerics(SchemeAttr scheme) : scheme(scheme) {}

  /// Reduces a group of `count` elements given by `load(i)` (f32) into what
  /// the scheme's scale needs: {min, max} (asymmetric) or {max |x|}.
  SmallVector<Value> reduce(IRB &b, Value count,
                            function_ref<Value(IRB &, Value)> load) const;
  /// reduce's pieces, for callers that split a group over loop steps or
  /// lanes: the empty state, one element folded in, and two partial states
  /// merged (min/max ignore order, so any split gives reduce's result).
  SmallVector<Value> initial(IRB &b) const;
  SmallVector<Value> accumulate(IRB &b, ValueRange state, Value x) const;
  SmallVector<Value> combine(IRB &b, ValueRange x, ValueRange y) const;
  /// The stored scale and zero point (in the scale type) of a reduced group;
  /// the zero is null for symmetric schemes.
  std::pair<Value, Value> scaleAndZero(IRB &b, ValueRange reduced) const;
  /// The code (i32) of `x` under stored scale `s` and zero `z` read as f32.
  Value encode(IRB &b, Value x, Value s, Value z) const;
  /// The f32 value of `code` (i32).
  Value decode(IRB &b, Value code, Value s, Value z) const;

private:
  /// Rounds to the scale type, saturating to its largest finite value.
  Value toScaleType(IRB &b, Value v) const;
  SchemeAttr scheme;
};

/// Applies the normalised fast Walsh-Hadamard transform in place to the
/// `dim` (a power of two) f32 elements of a 1-D memref.
void emitHadamard(IRB &b, Value row, int64_t dim);

/// How a group of tokens is read and where its results go, for
/// emitQuantizeGroup: the cache append and kvq.quantize differ only here.
struct GroupAccess {
  /// Element `channel` of token `token` (relative to the group), as f32.
  function_ref<Value(IRB &, Value token, Value channel)> load;
  /// Stores scale `s` and zero `z` (scale type; z null when symmetric).
  function_ref<void(IRB &, Value row, Value col, Value s, Value z)>
      storeScale;
  /// Loads a stored scale and zero as f32 (z null when symmetric).
  function_ref<std::pair<Value, Value>(IRB &, Value row, Value col)>
      loadScale;
  /// Records the i32 code of element `channel` of `token`.
  function_ref<void(IRB &, Value token, Value channel, Value code)>
      storeCode;
};

/// Quantizes one token group (`group` tokens for per_channel schemes, one
/// token for per_token ones) of `channels` channels whose scales go to row
/// `scaleRow` of the scale tensor.
void emitQuantizeGroup(IRB &b, SchemeAttr scheme, int64_t channels,
                       Value scaleRow, const GroupAccess &access);

/// Column of the scale for `channel` within its row.
Value scaleColumn(IRB &b, SchemeAttr scheme, Value channel);

} // namespace mlir::kvq::lowering

#endif // KVQ_LIB_CONVERSION_KVQTOSCF_NUMERICS_H
