//===- BitAllocation.h - key/value bit allocation under a budget -*- C++ -*-===//
//
// The allocation math of kvq-assign-bits and kvq-alloc, with no MLIR
// dependency: a list of tensors (the keys and values of every layer, or of
// every KV head), each with a coefficient c = norm^2, and a memory budget in
// average bits per cached element. The error model is separable:
//
//     E(b) = sum_i c_i * 2^(-2 b_i)
//
// Policies: uniform, fixed, greedy ("Quantize What Counts", arXiv 2502.15075,
// reproduced exactly) and optimal (the exact minimum of E over the candidate
// widths under the budget, by dynamic programming over integerised costs).
// docs/allocation.md states the rules and the budget accounting.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_ANALYSIS_BITALLOCATION_H
#define KVQ_ANALYSIS_BITALLOCATION_H

#include "kvq/Runtime/CacheLayout.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace kvq {

/// How a width is charged against the budget.
enum class Accounting {
  /// The paper's: a tensor at width b costs b bits per element.
  Paper,
  /// kvq's: a quantized tensor costs its stored bits per element, codes plus
  /// scale and zero-point bytes amortised over the group (CacheLayout); an
  /// unquantized (16-bit) tensor costs 16.
  Stored,
};

enum class Policy { Uniform, Fixed, Greedy, Optimal, Calibrated };

std::optional<Policy> parsePolicy(llvm::StringRef name);
llvm::StringRef policyName(Policy policy);
std::optional<Accounting> parseAccounting(llvm::StringRef name);
llvm::StringRef accountingName(Accounting accounting);

/// One tensor the allocator gives a width: the keys or the values of one
/// layer (or of one KV head of one layer, or of the whole model).
struct AllocTensor {
  std::string name; ///< "K0", "V0", "K3.h1", ...
  bool isKey = true;
  int64_t layer = -1; ///< -1: all layers
  int64_t head = -1;  ///< -1: all heads
  /// Error coefficient c (norm^2 of the operator producing the tensor).
  double coeff = 0;
  /// Cached elements per token: the budget weight. The paper's accounting
  /// gives every tensor weight 1 (equal-size tensors).
  double elements = 1;
  /// Stored scale/zero-point bits per element of a quantized width (the
  /// Stored accounting); 0 for the paper's.
  double overheadBits = 0;
};

/// Scale and zero-point bits per element that `scheme` stores (its group,
/// granularity, symmetry and scale type), computed with CacheLayout.
double schemeOverheadBits(const SchemeDesc &scheme);

struct AllocProblem {
  std::vector<AllocTensor> tensors; ///< interleaved K0, V0, K1, V1, ...
  std::vector<double> candidates = {2, 3, 4, 8, 16}; ///< ascending
  double budget = 4; ///< average bits per cached element
  Accounting accounting = Accounting::Stored;
  /// Fixed policy: the key and value widths.
  double fixedKeyBits = 4, fixedValueBits = 2;

  /// Bits per element a tensor stores at `width` under the accounting.
  double costPerElement(const AllocTensor &t, double width) const;
  /// The budget in bits per token over all tensors: budget * sum(elements).
  double totalBudget() const;
  double totalElements() const;
  /// Checks candidates (ascending, positive, <= 16), tensors and budget.
  llvm::Error validate() const;
};

struct AllocResult {
  Policy policy = Policy::Optimal;
  std::vector<double> bits; ///< per tensor, in problem order
  double usedBits = 0;      ///< sum of elements * cost
  double budgetBits = 0;    ///< the problem's total budget
  double averageBits = 0;   ///< usedBits / total elements
  double slackBits = 0;     ///< budgetBits - usedBits
  double error = 0;         ///< sum c * 2^(-2b)
  /// Smallest single upgrade (in bits per token) any tensor could make; the
  /// allocation uses the budget "to within one step" when slack < this.
  double minStep = 0;
  bool overBudget = false; ///< fixed/uniform choices that do not fit
  /// Optimal: the cost quantum of the dynamic programme (1/k bit) and
  /// whether costs were exact multiples of it (otherwise they were rounded
  /// up, which keeps the result feasible but may not be optimal).
  double quantum = 0;
  bool exact = true;
  /// allocateOptimal: each tensor's error at its width, from the error
  /// table (so `error` is the table's total, e.g. measured sensitivities).
  std::vector<double> tensorErrors;
  std::vector<std::string> notes;
};

/// Modeled error of one tensor at a width: c * 2^(-2 b).
double modeledError(double coeff, double bits);

/// Runs a policy. Calibrated is not handled here (it needs measured
/// sensitivities; see allocateWithErrors).
llvm::Expected<AllocResult> allocate(const AllocProblem &problem,
                                     Policy policy);

/// The exact optimum with an arbitrary error table: errors[i][j] is tensor
/// i's error at candidates[j] (used by the calibrated policy). The result's
/// `error` and `tensorErrors` are the table's.
llvm::Expected<AllocResult>
allocateOptimal(const AllocProblem &problem,
                llvm::ArrayRef<std::vector<double>> errors);

/// Fills usedBits, averageBits, slackBits, error and minStep of `result`.
void summarize(const AllocProblem &problem, AllocResult &result);

/// Widths the kernels implement: 2, 3, 4, 8, 16.
bool isKernelWidth(double bits);
/// The documented rounding of an allocated width to a kernel width: the
/// largest kernel width not above it (so memory never grows), and 2 for
/// widths below 2 (the narrowest kernel).
unsigned roundToKernelWidth(double bits);

/// A norm profile as in ../shared/data/norms: {"w_k": [...], "w_v": [...]}.
struct NormProfile {
  std::vector<double> keys, values;
};
llvm::Expected<NormProfile> parseNormProfile(llvm::StringRef json,
                                             llvm::StringRef name);
llvm::Expected<NormProfile> readNormProfile(llvm::StringRef path);

/// The interleaved per-layer problem of a profile (coefficient norm^2,
/// weight 1 per tensor, overheads for the Stored accounting).
AllocProblem problemFromProfile(const NormProfile &profile,
                                double keyOverheadBits,
                                double valueOverheadBits);

/// The result as JSON: per tensor name, bits, coefficient, error, and the
/// totals.
llvm::json::Object resultToJSON(const AllocProblem &problem,
                                const AllocResult &result);

} // namespace kvq

#endif // KVQ_ANALYSIS_BITALLOCATION_H
