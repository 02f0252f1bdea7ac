//===- FloatFormat.h - f32/f16/bf16 weights as raw bytes ----------*- C++ -*-===//
//
// The floating-point formats checkpoints and weight analyses read, with the
// bit-exact conversions to f32 (no MLIR or LLVM APFloat needed in hot loops).
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_SUPPORT_FLOATFORMAT_H
#define KVQ_SUPPORT_FLOATFORMAT_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace kvq {

enum class FloatFormat { F32, F16, BF16 };

/// "f32", "f16", "bf16".
llvm::StringRef floatFormatName(FloatFormat format);
/// Bytes per element: 4 or 2.
unsigned floatFormatSize(FloatFormat format);
std::optional<FloatFormat> parseFloatFormat(llvm::StringRef name);

/// Exact conversions of IEEE half and bfloat16 bit patterns to f32.
float halfToFloat(uint16_t bits);
float bf16ToFloat(uint16_t bits);

/// Element `index` of `data` in `format`, as f32.
float loadAsFloat(const void *data, FloatFormat format, int64_t index);

/// A double as printf's %g writes it (4.0 -> "4", 1.58 -> "1.58"), for
/// reports and file formats.
std::string formatG(double v);

} // namespace kvq

#endif // KVQ_SUPPORT_FLOATFORMAT_H
