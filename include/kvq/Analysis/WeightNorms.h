//===- WeightNorms.h - Frobenius and spectral norms of weights ---*- C++ -*-===//
//
// Norms of projection weights for bit allocation, with no MLIR dependency.
// A matrix is a row-major [rows, cols] view of f32, f16 or bf16 data (in
// memory, or inside a memory-mapped checkpoint); rows are grouped into KV
// heads of `headRows` rows each (rows h*D .. (h+1)*D belong to head h).
//
// - Frobenius: one pass, float64 accumulation.
// - Spectral: Lanczos on the Gram matrix W^T W (float64, full
//   reorthogonalisation) with a rigorous convergence test on the top Ritz
//   pair. Every Lanczos step is one streaming pass over the matrix that
//   advances the whole-matrix iteration and every per-head iteration at once.
//
// docs/allocation.md describes the method and its convergence test.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_ANALYSIS_WEIGHTNORMS_H
#define KVQ_ANALYSIS_WEIGHTNORMS_H

#include "kvq/Support/FloatFormat.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kvq {

using ElementType = FloatFormat;

enum class NormKind { Frobenius, Spectral };

std::optional<NormKind> parseNormKind(llvm::StringRef name);
llvm::StringRef normKindName(NormKind kind);

/// A row-major matrix in memory (not owned).
struct MatrixView {
  const void *data = nullptr;
  ElementType type = ElementType::F32;
  int64_t rows = 0, cols = 0;
  /// Rows per KV head (head_dim); 0 or rows: one head.
  int64_t headRows = 0;

  int64_t numHeads() const {
    return headRows > 0 && headRows < rows ? rows / headRows : 1;
  }
};

struct NormOptions {
  bool frobenius = true;
  bool spectral = true;
  bool perHead = true;
  /// Spectral convergence: stop when the bound on sigma_max^2 - theta
  /// (see docs) is at most `tolerance * theta`.
  double tolerance = 1e-12;
  int maxIterations = 300;
};

struct SpectralInfo {
  double value = 0;
  int iterations = 0;
  bool converged = false;
  /// The certified relative error bound on sigma^2 at exit.
  double bound = 0;
};

struct MatrixNorms {
  double frobenius = 0;
  SpectralInfo spectral;
  std::vector<double> headFrobenius;
  std::vector<SpectralInfo> headSpectral;
};


/// Computes the requested norms of `m`. Single-threaded; use
/// computeNormsParallel for many matrices.
MatrixNorms computeNorms(const MatrixView &m, const NormOptions &options = {});

/// Computes the norms of every matrix, `threads` at a time (0: the hardware
/// concurrency).
std::vector<MatrixNorms> computeNormsParallel(llvm::ArrayRef<MatrixView> ms,
                                              const NormOptions &options,
                                              unsigned threads = 0);

} // namespace kvq

#endif // KVQ_ANALYSIS_WEIGHTNORMS_H
