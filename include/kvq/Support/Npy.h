//===- Npy.h - read and write NumPy .npy arrays -------------------*- C++ -*-===//
//
// The subset of the .npy format (versions 1-3) kvq's tools exchange: C-order,
// little-endian arrays of f16/f32/f64/i8/u8/i16/u16/i32/i64 (NumPy has no
// bfloat16: kvq-run exchanges bf16 tensors as u16 arrays of their raw bits,
// the upper halves of the f32 patterns). Errors are returned
// as llvm::Error with the file name and the problem.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_SUPPORT_NPY_H
#define KVQ_SUPPORT_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kvq {

enum class NpyDType { F16, F32, F64, I8, U8, I16, U16, I32, I64 };

/// Size in bytes of one element.
unsigned npyElementSize(NpyDType type);
/// The dtype descriptor, e.g. "<f4".
llvm::StringRef npyDescr(NpyDType type);

struct NpyArray {
  NpyDType type = NpyDType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; ///< little-endian elements, C order

  int64_t numElements() const;
  /// "(1, 4, 8)" as NumPy prints shapes.
  std::string shapeString() const;
};

/// Reads an .npy file; rejects Fortran order, big-endian and other dtypes,
/// truncated files and malformed headers.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Writes an .npy file (version 1.0), replacing `path`.
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);

} // namespace kvq

#endif // KVQ_SUPPORT_NPY_H
