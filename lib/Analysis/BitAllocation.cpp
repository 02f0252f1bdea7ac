//===- BitAllocation.cpp - key/value bit allocation under a budget ---------===//
#include "kvq/Analysis/BitAllocation.h"
#include "kvq/Support/FloatFormat.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <numeric>

using namespace kvq;
using llvm::formatv;


std::optional<Policy> kvq::parsePolicy(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Policy>>(name)
      .Case("uniform", Policy::Uniform)
      .Case("fixed", Policy::Fixed)
      .Case("greedy", Policy::Greedy)
      .Case("optimal", Policy::Optimal)
      .Case("calibrated", Policy::Calibrated)
      .Default(std::nullopt);
}

llvm::StringRef kvq::policyName(Policy policy) {
  switch (policy) {
  case Policy::Uniform:
    return "uniform";
  case Policy::Fixed:
    return "fixed";
  case Policy::Greedy:
    return "greedy";
  case Policy::Optimal:
    return "optimal";
  case Policy::Calibrated:
    return "calibrated";
  }
  return "?";
}

std::optional<Accounting> kvq::parseAccounting(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Accounting>>(name)
      .Case("paper", Accounting::Paper)
      .Case("stored", Accounting::Stored)
      .Default(std::nullopt);
}

llvm::StringRef kvq::accountingName(Accounting accounting) {
  return accounting == Accounting::Paper ? "paper" : "stored";
}

double kvq::schemeOverheadBits(const SchemeDesc &scheme) {
  if (!scheme.quantized())
    return 0;
  // One head, one token group of capacity: the layout's own count of stored
  // bits per element minus the code bits.
  CacheDesc desc;
  desc.capacity = scheme.tokenGroup();
  desc.headDim = scheme.granularity == Granularity::PerToken ? scheme.group : 1;
  desc.keys = scheme;
  CacheLayout layout = CacheLayout::compute(desc);
  return layout.keys.bitsPerElement() - scheme.bits;
}

double AllocProblem::costPerElement(const AllocTensor &t, double width) const {
  if (accounting == Accounting::Paper)
    return width;
  return width >= 16 ? 16.0 : width + t.overheadBits;
}

double AllocProblem::totalElements() const {
  double n = 0;
  for (const AllocTensor &t : tensors)
    n += t.elements;
  return n;
}

double AllocProblem::totalBudget() const { return budget * totalElements(); }

llvm::Error AllocProblem::validate() const {
  auto err = [](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  if (candidates.empty())
    return err("no candidate widths");
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!(candidates[i] > 0) || candidates[i] > 16)
      return err(formatv("candidate width {0} is not in (0, 16]",
                         candidates[i]));
    if (i && !(candidates[i] > candidates[i - 1]))
      return err("candidate widths must be strictly ascending");
  }
  if (tensors.empty())
    return err("no tensors to allocate");
  for (const AllocTensor &t : tensors) {
    if (!(t.coeff >= 0) || !std::isfinite(t.coeff))
      return err(formatv("tensor {0}: coefficient {1} is not a finite "
                         "non-negative number",
                         t.name, t.coeff));
    if (!(t.elements > 0))
      return err(formatv("tensor {0}: no elements", t.name));
  }
  if (!(budget > 0) || !std::isfinite(budget))
    return err(formatv("budget {0} is not a positive number", budget));
  return llvm::Error::success();
}

double kvq::modeledError(double coeff, double bits) {
  return coeff * std::exp2(-2.0 * bits);
}

/// Tolerance of "fits the budget" comparisons (floating sums of widths such
/// as 1.58): relative 1e-9 of the budget.
static double fitTolerance(double budgetBits) {
  return 1e-9 * std::max(1.0, std::fabs(budgetBits));
}

void kvq::summarize(const AllocProblem &p, AllocResult &r) {
  r.usedBits = 0;
  r.error = 0;
  r.minStep = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const AllocTensor &t = p.tensors[i];
    double cost = t.elements * p.costPerElement(t, r.bits[i]);
    r.usedBits += cost;
    r.error += modeledError(t.coeff, r.bits[i]);
    for (double c : p.candidates)
      if (c > r.bits[i]) {
        r.minStep = std::min(r.minStep,
                             t.elements * p.costPerElement(t, c) - cost);
        break;
      }
  }
  r.budgetBits = p.totalBudget();
  r.averageBits = r.usedBits / p.totalElements();
  r.slackBits = r.budgetBits - r.usedBits;
  r.overBudget = r.slackBits < -fitTolerance(r.budgetBits);
  if (!std::isfinite(r.minStep))
    r.minStep = 0; // every tensor is at the widest candidate
}

static llvm::Error infeasible(const AllocProblem &p) {
  double least = 0;
  for (const AllocTensor &t : p.tensors)
    least += t.elements * p.costPerElement(t, p.candidates.front());
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      formatv("budget {0} bits/element is below the narrowest candidate "
              "({1} bits/element with {2} accounting)",
              formatG(p.budget), formatG(least / p.totalElements()),
              accountingName(p.accounting)));
}

static llvm::Expected<AllocResult> allocateGreedy(const AllocProblem &p) {
  AllocResult r;
  r.policy = Policy::Greedy;
  size_t n = p.tensors.size();
  std::vector<size_t> level(n, 0);
  double budget = p.totalBudget(), tol = fitTolerance(budget);
  double used = 0;
  for (const AllocTensor &t : p.tensors)
    used += t.elements * p.costPerElement(t, p.candidates[0]);
  if (used > budget + tol)
    return infeasible(p);
  while (true) {
    // Among tensors whose next wider candidate still fits, the largest error
    // reduction per added bit; ties to the lower index.
    double best = -1;
    size_t bestIdx = n;
    for (size_t i = 0; i < n; ++i) {
      if (level[i] + 1 >= p.candidates.size())
        continue;
      const AllocTensor &t = p.tensors[i];
      double b = p.candidates[level[i]], b2 = p.candidates[level[i] + 1];
      double added = t.elements * (p.costPerElement(t, b2) -
                                   p.costPerElement(t, b));
      if (used + added > budget + tol)
        continue;
      double gain = (modeledError(t.coeff, b) - modeledError(t.coeff, b2)) /
                    added;
      if (gain > best) {
        best = gain;
        bestIdx = i;
      }
    }
    if (bestIdx == n)
      break;
    const AllocTensor &t = p.tensors[bestIdx];
    used += t.elements * (p.costPerElement(t, p.candidates[level[bestIdx] + 1]) -
                          p.costPerElement(t, p.candidates[level[bestIdx]]));
    ++level[bestIdx];
  }
  for (size_t i = 0; i < n; ++i)
    r.bits.push_back(p.candidates[level[i]]);
  summarize(p, r);
  return r;
}

/// The smallest denominator d <= 1000 with x * d integral (to 1e-9
/// relative), or 0.
static int64_t denominatorOf(double x) {
  for (int64_t d = 1; d <= 1000; ++d) {
    double y = x * d;
    if (std::fabs(y - std::round(y)) <= 1e-9 * std::max(1.0, std::fabs(y)))
      return d;
  }
  return 0;
}

llvm::Expected<AllocResult>
kvq::allocateOptimal(const AllocProblem &p,
                     llvm::ArrayRef<std::vector<double>> errors) {
  AllocResult r;
  r.policy = Policy::Optimal;
  size_t n = p.tensors.size(), m = p.candidates.size();
  // Budget weights: elements divided by their common divisor (all tensors of
  // one size: weight 1).
  std::vector<double> weight(n);
  int64_t g = 0;
  bool integral = llvm::all_of(p.tensors, [](const AllocTensor &t) {
    return t.elements == std::floor(t.elements) && t.elements < 1e15;
  });
  for (const AllocTensor &t : p.tensors)
    g = integral ? std::gcd(g, int64_t(t.elements)) : 1;
  for (size_t i = 0; i < n; ++i)
    weight[i] = p.tensors[i].elements / double(g);
  double budget = p.budget * std::accumulate(weight.begin(), weight.end(), 0.0);

  // The cost quantum 1/k: k is the least common multiple of the
  // denominators of every cost, so integer costs are exact.
  int64_t k = 1;
  r.exact = true;
  for (size_t i = 0; i < n && r.exact; ++i)
    for (double c : p.candidates) {
      int64_t d = denominatorOf(weight[i] * p.costPerElement(p.tensors[i], c));
      if (!d || std::lcm(k, d) > 1000000) {
        r.exact = false;
        break;
      }
      k = std::lcm(k, d);
    }
  if (!r.exact) {
    k = 1000;
    r.notes.push_back("costs are not multiples of a quantum >= 1e-6 bit; "
                      "costs rounded up to 1/1000 bit (feasible, optimal "
                      "for the rounded costs)");
  }
  r.quantum = 1.0 / double(k);
  std::vector<std::vector<int64_t>> units(n, std::vector<int64_t>(m));
  int64_t base = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < m; ++j) {
      double y = weight[i] * p.costPerElement(p.tensors[i], p.candidates[j]) *
                 double(k);
      units[i][j] = r.exact ? int64_t(std::llround(y))
                            : int64_t(std::ceil(y - 1e-9 * std::max(1.0, y)));
    }
    base += *std::min_element(units[i].begin(), units[i].end());
  }
  double capD = std::floor(budget * double(k) + fitTolerance(budget * k));
  if (capD < double(base))
    return infeasible(p);
  int64_t cap = int64_t(capD) - base;
  // No tensor can use more than its widest candidate: cap the table there.
  int64_t most = 0;
  for (size_t i = 0; i < n; ++i)
    most += *std::max_element(units[i].begin(), units[i].end()) -
            *std::min_element(units[i].begin(), units[i].end());
  cap = std::min(cap, most);
  double cells = double(n) * double(cap + 1);
  if (cells > 4e8)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        formatv("optimal: the exact programme needs {0} x {1} cells (cost "
                "quantum 1/{2} bit); use a coarser granularity or fewer "
                "fractional candidates",
                n, cap + 1, k));
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> dp(cap + 1, 0.0), next(cap + 1);
  std::vector<uint8_t> choice(size_t(n) * size_t(cap + 1));
  for (size_t i = 0; i < n; ++i) {
    int64_t lo = *std::min_element(units[i].begin(), units[i].end());
    uint8_t *row = &choice[i * size_t(cap + 1)];
    for (int64_t b = 0; b <= cap; ++b) {
      double best = inf;
      uint8_t bestJ = 0;
      for (size_t j = 0; j < m; ++j) {
        int64_t d = units[i][j] - lo;
        if (d > b)
          continue;
        double e = dp[b - d] + errors[i][j];
        if (e < best) {
          best = e;
          bestJ = uint8_t(j);
        }
      }
      next[b] = best;
      row[b] = bestJ;
    }
    std::swap(dp, next);
  }
  r.bits.assign(n, 0);
  int64_t b = cap;
  for (size_t i = n; i-- > 0;) {
    uint8_t j = choice[i * size_t(cap + 1) + b];
    r.bits[i] = p.candidates[j];
    b -= units[i][j] - *std::min_element(units[i].begin(), units[i].end());
    r.tensorErrors.insert(r.tensorErrors.begin(), errors[i][j]);
  }
  summarize(p, r);
  r.error = std::accumulate(r.tensorErrors.begin(), r.tensorErrors.end(), 0.0);
  return r;
}

static llvm::Expected<AllocResult> allocateUniform(const AllocProblem &p) {
  AllocResult r;
  r.policy = Policy::Uniform;
  double budget = p.totalBudget(), tol = fitTolerance(budget);
  std::optional<double> pick;
  for (double c : p.candidates) {
    double used = 0;
    for (const AllocTensor &t : p.tensors)
      used += t.elements * p.costPerElement(t, c);
    if (used <= budget + tol)
      pick = c;
  }
  if (!pick)
    return infeasible(p);
  r.bits.assign(p.tensors.size(), *pick);
  summarize(p, r);
  return r;
}

static llvm::Expected<AllocResult> allocateFixed(const AllocProblem &p) {
  AllocResult r;
  r.policy = Policy::Fixed;
  for (const AllocTensor &t : p.tensors)
    r.bits.push_back(t.isKey ? p.fixedKeyBits : p.fixedValueBits);
  summarize(p, r);
  if (r.overBudget)
    r.notes.push_back(formatv("fixed widths K{0}/V{1} use {2:f4} bits/element, "
                              "over the budget of {3}",
                              formatG(p.fixedKeyBits), formatG(p.fixedValueBits),
                              r.averageBits, formatG(p.budget))
                          .str());
  return r;
}

llvm::Expected<AllocResult> kvq::allocate(const AllocProblem &problem,
                                          Policy policy) {
  if (llvm::Error e = problem.validate())
    return std::move(e);
  switch (policy) {
  case Policy::Uniform:
    return allocateUniform(problem);
  case Policy::Fixed:
    return allocateFixed(problem);
  case Policy::Greedy:
    return allocateGreedy(problem);
  case Policy::Optimal: {
    std::vector<std::vector<double>> errors;
    for (const AllocTensor &t : problem.tensors) {
      errors.emplace_back();
      for (double c : problem.candidates)
        errors.back().push_back(modeledError(t.coeff, c));
    }
    return allocateOptimal(problem, errors);
  }
  case Policy::Calibrated:
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the calibrated policy needs measured per-width sensitivities "
        "(allocateOptimal with an error table)");
  }
  llvm_unreachable("policy");
}

bool kvq::isKernelWidth(double bits) {
  return bits == 2 || bits == 3 || bits == 4 || bits == 8 || bits == 16;
}

unsigned kvq::roundToKernelWidth(double bits) {
  unsigned best = 2;
  for (unsigned w : {2u, 3u, 4u, 8u, 16u})
    if (double(w) <= bits)
      best = w;
  return best;
}

llvm::Expected<NormProfile> kvq::parseNormProfile(llvm::StringRef json,
                                                  llvm::StringRef name) {
  auto err = [&](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   name + ": " + msg);
  };
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(json);
  if (!value)
    return err(llvm::toString(value.takeError()));
  const llvm::json::Object *obj = value->getAsObject();
  if (!obj)
    return err("expected an object {\"w_k\": [...], \"w_v\": [...]}");
  NormProfile profile;
  for (auto [key, out] : {std::pair<const char *, std::vector<double> *>{
                              "w_k", &profile.keys},
                          {"w_v", &profile.values}}) {
    const llvm::json::Array *arr = obj->getArray(key);
    if (!arr)
      return err(llvm::Twine("missing array \"") + key + "\"");
    for (const llvm::json::Value &v : *arr) {
      std::optional<double> d = v.getAsNumber();
      if (!d || !std::isfinite(*d) || *d < 0)
        return err(llvm::Twine("\"") + key +
                   "\" must hold finite non-negative numbers");
      out->push_back(*d);
    }
  }
  if (profile.keys.size() != profile.values.size() || profile.keys.empty())
    return err(formatv("\"w_k\" has {0} layers and \"w_v\" {1}; they must "
                       "match and be non-empty",
                       profile.keys.size(), profile.values.size()));
  return profile;
}

llvm::Expected<NormProfile> kvq::readNormProfile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   path + ": " + buffer.getError().message());
  return parseNormProfile((*buffer)->getBuffer(), path);
}

AllocProblem kvq::problemFromProfile(const NormProfile &profile,
                                     double keyOverheadBits,
                                     double valueOverheadBits) {
  AllocProblem p;
  for (size_t l = 0; l < profile.keys.size(); ++l) {
    for (bool key : {true, false}) {
      AllocTensor t;
      t.isKey = key;
      t.layer = int64_t(l);
      t.name = formatv("{0}{1}", key ? "K" : "V", l).str();
      double norm = key ? profile.keys[l] : profile.values[l];
      t.coeff = norm * norm;
      t.overheadBits = key ? keyOverheadBits : valueOverheadBits;
      p.tensors.push_back(t);
    }
  }
  return p;
}

llvm::json::Object kvq::resultToJSON(const AllocProblem &p,
                                     const AllocResult &r) {
  llvm::json::Array tensors;
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const AllocTensor &t = p.tensors[i];
    llvm::json::Object o;
    o["name"] = t.name;
    o["kind"] = t.isKey ? "key" : "value";
    if (t.layer >= 0)
      o["layer"] = t.layer;
    if (t.head >= 0)
      o["head"] = t.head;
    o["coeff"] = t.coeff;
    o["norm"] = std::sqrt(t.coeff);
    o["elements"] = t.elements;
    o["bits"] = r.bits[i];
    o["stored_bits"] = p.costPerElement(t, r.bits[i]);
    o["error"] = i < r.tensorErrors.size() ? r.tensorErrors[i]
                                           : modeledError(t.coeff, r.bits[i]);
    tensors.push_back(std::move(o));
  }
  llvm::json::Object o;
  o["policy"] = policyName(r.policy);
  o["accounting"] = accountingName(p.accounting);
  llvm::json::Array cands;
  for (double c : p.candidates)
    cands.push_back(c);
  o["candidates"] = std::move(cands);
  o["budget"] = p.budget;
  o["budget_bits"] = r.budgetBits;
  o["used_bits"] = r.usedBits;
  o["average_bits"] = r.averageBits;
  o["slack_bits"] = r.slackBits;
  o["min_step_bits"] = r.minStep;
  o["error"] = r.error;
  o["over_budget"] = r.overBudget;
  if (r.policy == Policy::Optimal || r.policy == Policy::Calibrated) {
    o["quantum"] = r.quantum;
    o["exact"] = r.exact;
  }
  llvm::json::Array notes;
  for (const std::string &n : r.notes)
    notes.push_back(n);
  o["notes"] = std::move(notes);
  o["tensors"] = std::move(tensors);
  return o;
}
