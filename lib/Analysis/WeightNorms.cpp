//===- WeightNorms.cpp - Frobenius and spectral norms of weights -----------===//
#include "kvq/Analysis/WeightNorms.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace kvq;

std::optional<NormKind> kvq::parseNormKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<NormKind>>(name)
      .Case("frobenius", NormKind::Frobenius)
      .Case("spectral", NormKind::Spectral)
      .Default(std::nullopt);
}

llvm::StringRef kvq::normKindName(NormKind kind) {
  return kind == NormKind::Frobenius ? "frobenius" : "spectral";
}

namespace {

/// Loads row `r` of `m` into `out` as doubles.
#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
#define KVQ_MULTIVERSION                                                        \
  __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define KVQ_MULTIVERSION
#endif

KVQ_MULTIVERSION
void loadRow(const MatrixView &m, int64_t r, double *out) {
  const char *base = static_cast<const char *>(m.data);
  int64_t n = m.cols;
  switch (m.type) {
  case ElementType::F32: {
    const float *p = reinterpret_cast<const float *>(base) + r * n;
    for (int64_t i = 0; i < n; ++i)
      out[i] = p[i];
    return;
  }
  case ElementType::BF16: {
    const uint16_t *p = reinterpret_cast<const uint16_t *>(base) + r * n;
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits = uint32_t(p[i]) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      out[i] = f;
    }
    return;
  }
  case ElementType::F16: {
    const uint16_t *p = reinterpret_cast<const uint16_t *>(base) + r * n;
    for (int64_t i = 0; i < n; ++i)
      out[i] = halfToFloat(p[i]);
    return;
  }
  }
}

KVQ_MULTIVERSION
double dot(const double *a, const double *b, int64_t n) {
  // Four partial sums: vectorises without -ffast-math.
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
    s4 += a[i + 4] * b[i + 4];
    s5 += a[i + 5] * b[i + 5];
    s6 += a[i + 6] * b[i + 6];
    s7 += a[i + 7] * b[i + 7];
  }
  for (; i < n; ++i)
    s0 += a[i] * b[i];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

KVQ_MULTIVERSION
void axpy(double a, const double *x, double *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] += a * x[i];
}

/// Eigenvalues of the symmetric tridiagonal matrix (diag d, off-diagonal e,
/// e[i] couples i and i+1) and the last component of each eigenvector:
/// implicit QL (tqli) applying the rotations to the last row of the
/// eigenvector matrix only.
void tridiagEigen(std::vector<double> d, std::vector<double> e,
                  std::vector<double> &values, std::vector<double> &last) {
  int n = int(d.size());
  e.resize(n, 0.0);
  std::vector<double> z(n, 0.0);
  z[n - 1] = 1.0;
  for (int l = 0; l < n; ++l) {
    int iter = 0, m;
    do {
      for (m = l; m < n - 1; ++m) {
        double dd = std::fabs(d[m]) + std::fabs(d[m + 1]);
        if (std::fabs(e[m]) <= std::numeric_limits<double>::epsilon() * dd)
          break;
      }
      if (m != l) {
        if (++iter > 60)
          break;
        double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
        double r = std::hypot(g, 1.0);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? std::fabs(r) : -std::fabs(r)));
        double s = 1.0, c = 1.0, p = 0.0;
        int i;
        for (i = m - 1; i >= l; --i) {
          double f = s * e[i], b = c * e[i];
          e[i + 1] = (r = std::hypot(f, g));
          if (r == 0.0) {
            d[i + 1] -= p;
            e[m] = 0.0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2.0 * c * b;
          d[i + 1] = g + (p = s * r);
          g = c * r - b;
          f = z[i + 1];
          z[i + 1] = s * z[i] + c * f;
          z[i] = c * z[i] - s * f;
        }
        if (r == 0.0 && i >= l)
          continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0.0;
      }
    } while (m != l);
  }
  values = d;
  last = z;
}

/// One Lanczos iteration on W_sub^T W_sub for a set of rows.
struct Lanczos {
  int64_t n = 0;
  std::vector<std::vector<double>> basis; // q_0 .. q_j
  std::vector<double> alpha, beta;
  std::vector<double> z; // A q_j, accumulated by the caller
  bool done = false;
  SpectralInfo info;
  double tolerance = 1e-12;
  int maxIterations = 300;

  void start(int64_t cols, uint64_t seed) {
    n = cols;
    std::vector<double> q(n);
    // A fixed pseudo-random start (splitmix64), so results are
    // reproducible.
    uint64_t s = seed;
    double norm = 0;
    for (int64_t i = 0; i < n; ++i) {
      s += 0x9e3779b97f4a7c15ull;
      uint64_t x = s;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
      x ^= x >> 31;
      q[i] = double(x >> 11) / double(1ull << 53) - 0.5;
      norm += q[i] * q[i];
    }
    norm = std::sqrt(norm);
    for (double &v : q)
      v /= norm;
    basis.push_back(std::move(q));
    z.assign(n, 0.0);
  }

  const double *current() const { return basis.back().data(); }

  /// Finishes the step after z = A q_j was accumulated.
  void step() {
    const std::vector<double> &q = basis.back();
    double a = dot(q.data(), z.data(), n);
    alpha.push_back(a);
    axpy(-a, q.data(), z.data(), n);
    if (basis.size() >= 2)
      axpy(-beta.back(), basis[basis.size() - 2].data(), z.data(), n);
    // Full reorthogonalisation, twice ("twice is enough").
    for (int pass = 0; pass < 2; ++pass)
      for (const std::vector<double> &v : basis)
        axpy(-dot(v.data(), z.data(), n), v.data(), z.data(), n);
    double b = std::sqrt(dot(z.data(), z.data(), n));
    int j = int(alpha.size());
    info.iterations = j;

    std::vector<double> values, last;
    tridiagEigen(alpha, beta, values, last);
    int top = int(std::max_element(values.begin(), values.end()) -
                  values.begin());
    double theta = values[top];
    double second = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < j; ++i)
      if (i != top)
        second = std::max(second, values[i]);
    double r = b * std::fabs(last[top]);
    // sigma_max^2 - theta <= r (Kahan-Parlett); with the Ritz gap
    // g = theta - theta_2, <= r^2 / g once the other eigenvalues are
    // separated (the usual Lanczos estimate).
    double bound = r;
    if (std::isfinite(second) && theta - second > r)
      bound = std::min(bound, r * r / (theta - second));
    info.value = std::sqrt(std::max(theta, 0.0));
    info.bound = theta > 0 ? bound / theta : 0;
    double scale = std::max(theta, std::numeric_limits<double>::min());
    bool breakdown = b <= 1e-13 * std::sqrt(scale) * std::sqrt(scale) ||
                     theta <= 0;
    if (breakdown || j >= n) {
      // An invariant subspace: the Ritz values are exact eigenvalues.
      info.converged = true;
      info.bound = 0;
      done = true;
      return;
    }
    if (bound <= tolerance * theta) {
      info.converged = true;
      done = true;
      return;
    }
    if (j >= maxIterations) {
      done = true;
      return;
    }
    beta.push_back(b);
    for (double &v : z)
      v /= b;
    basis.push_back(std::move(z));
    z.assign(n, 0.0);
  }
};

} // namespace

MatrixNorms kvq::computeNorms(const MatrixView &m, const NormOptions &opts) {
  MatrixNorms out;
  int64_t heads = opts.perHead ? m.numHeads() : 1;
  int64_t headRows = heads > 1 ? m.headRows : m.rows;
  std::vector<double> row(m.cols);

  if (opts.frobenius) {
    out.headFrobenius.assign(heads, 0.0);
    for (int64_t r = 0; r < m.rows; ++r) {
      loadRow(m, r, row.data());
      out.headFrobenius[std::min<int64_t>(r / headRows, heads - 1)] +=
          dot(row.data(), row.data(), m.cols);
    }
    double total = 0;
    for (double &h : out.headFrobenius) {
      total += h;
      h = std::sqrt(h);
    }
    out.frobenius = std::sqrt(total);
    if (!opts.perHead)
      out.headFrobenius.clear();
  }
  if (!opts.spectral || m.rows == 0 || m.cols == 0)
    return out;

  // Problem 0 is the whole matrix; 1..heads the heads (when more than one).
  int64_t problems = heads > 1 ? heads + 1 : 1;
  std::vector<Lanczos> lz(problems);
  for (int64_t p = 0; p < problems; ++p) {
    lz[p].tolerance = opts.tolerance;
    lz[p].maxIterations = opts.maxIterations;
    lz[p].start(m.cols, 0x6b7671ull + uint64_t(p));
  }
  while (true) {
    bool wholeActive = !lz[0].done;
    bool anyHead = false;
    for (int64_t p = 1; p < problems; ++p)
      anyHead |= !lz[p].done;
    if (!wholeActive && !anyHead)
      break;
    // One streaming pass: z_p += (w_r . q_p) w_r for every row r of p.
    for (int64_t r = 0; r < m.rows; ++r) {
      int64_t h = problems > 1 ? 1 + std::min<int64_t>(r / headRows, heads - 1)
                               : 0;
      bool headActive = problems > 1 && !lz[h].done;
      if (!wholeActive && !headActive)
        continue;
      loadRow(m, r, row.data());
      if (wholeActive)
        axpy(dot(row.data(), lz[0].current(), m.cols), row.data(),
             lz[0].z.data(), m.cols);
      if (headActive)
        axpy(dot(row.data(), lz[h].current(), m.cols), row.data(),
             lz[h].z.data(), m.cols);
    }
    for (Lanczos &l : lz)
      if (!l.done)
        l.step();
  }
  out.spectral = lz[0].info;
  if (problems > 1) {
    for (int64_t p = 1; p < problems; ++p)
      out.headSpectral.push_back(lz[p].info);
  } else if (opts.perHead) {
    out.headSpectral.push_back(lz[0].info);
  }
  return out;
}

std::vector<MatrixNorms>
kvq::computeNormsParallel(llvm::ArrayRef<MatrixView> ms,
                          const NormOptions &options, unsigned threads) {
  std::vector<MatrixNorms> out(ms.size());
  if (ms.empty())
    return out;
  llvm::ThreadPoolStrategy strategy = llvm::hardware_concurrency(threads);
  if (strategy.compute_thread_count() <= 1 || ms.size() == 1) {
    for (size_t i = 0; i < ms.size(); ++i)
      out[i] = computeNorms(ms[i], options);
    return out;
  }
  llvm::DefaultThreadPool pool(strategy);
  for (size_t i = 0; i < ms.size(); ++i)
    pool.async([&, i] { out[i] = computeNorms(ms[i], options); });
  pool.wait();
  return out;
}
