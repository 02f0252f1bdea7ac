//===- kvq-alloc.cpp - key/value bit allocation and weight norms ----------===//
//
// Two modes, both without MLIR:
//
//   kvq-alloc --profile norms.json --budget 3 --policy greedy|optimal|...
//       [--candidates 1,1.58,2,4,6,8] [--accounting paper|stored]
//       [--key-group N --value-group N ...] [--json out.json]
//     allocates key/value widths from a norm profile ({"w_k": [...],
//     "w_v": [...]}, the format of ../shared/data/norms) and prints the
//     per-layer table.
//
//   kvq-alloc --norms W.npy [--head-dim D] [--as bf16] [--json out.json]
//     prints the Frobenius and spectral norms of a 2-D weight, whole and per
//     KV head (rows h*D .. (h+1)*D).
//
//===----------------------------------------------------------------------===//
#include "kvq/Analysis/BitAllocation.h"
#include "kvq/Analysis/WeightNorms.h"
#include "kvq/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;

static cl::OptionCategory category("kvq-alloc options");
static cl::opt<std::string> profilePath("profile",
                                        cl::desc("Norm profile JSON"),
                                        cl::cat(category));
static cl::opt<std::string> normsPath(
    "norms", cl::desc("Compute the norms of this 2-D .npy weight"),
    cl::cat(category));
static cl::opt<unsigned> headDim("head-dim",
                                 cl::desc("Rows per KV head (--norms)"),
                                 cl::init(0), cl::cat(category));
static cl::opt<std::string>
    asType("as",
           cl::desc("Reinterpret --norms 16-bit integer data: bf16 or f16"),
           cl::init(""), cl::cat(category));
static cl::opt<double> tolerance("tolerance",
                                 cl::desc("Spectral convergence tolerance"),
                                 cl::init(1e-12), cl::cat(category));
static cl::opt<std::string> policyName("policy",
                                       cl::desc("uniform, fixed, greedy, "
                                                "optimal"),
                                       cl::init("optimal"), cl::cat(category));
static cl::opt<double> budget("budget",
                              cl::desc("Average bits per cached element"),
                              cl::init(4), cl::cat(category));
static cl::opt<std::string>
    candidates("candidates", cl::desc("Comma-separated candidate widths"),
               cl::init("2,3,4,8,16"), cl::cat(category));
static cl::opt<std::string> accounting(
    "accounting",
    cl::desc("paper (widths only) or stored (with scale/zero bytes)"),
    cl::init("stored"), cl::cat(category));
static cl::opt<unsigned> keyGroup("key-group", cl::init(128),
                                  cl::desc("Key quantization group"),
                                  cl::cat(category));
static cl::opt<unsigned> valueGroup("value-group", cl::init(128),
                                    cl::desc("Value quantization group"),
                                    cl::cat(category));
static cl::opt<bool> symmetric("symmetric", cl::init(false),
                               cl::desc("Symmetric schemes (no zero points)"),
                               cl::cat(category));
static cl::opt<unsigned> scaleBytes("scale-bytes", cl::init(2),
                                    cl::desc("Bytes per scale/zero point"),
                                    cl::cat(category));
static cl::opt<double> fixedKey("fixed-key-bits", cl::init(4),
                                cl::desc("Key width of --policy=fixed"),
                                cl::cat(category));
static cl::opt<double> fixedValue("fixed-value-bits", cl::init(2),
                                  cl::desc("Value width of --policy=fixed"),
                                  cl::cat(category));
static cl::opt<std::string> jsonOut("json", cl::desc("Write JSON here ('-')"),
                                    cl::init(""), cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("No table"), cl::init(false),
                           cl::cat(category));

static int fail(const Twine &msg) {
  WithColor::error(errs(), "kvq-alloc") << msg << "\n";
  return 1;
}

static bool writeJSON(json::Value value) {
  if (jsonOut.empty())
    return true;
  std::error_code ec;
  ToolOutputFile out(jsonOut, ec, sys::fs::OF_Text);
  if (ec) {
    fail("cannot write '" + jsonOut + "': " + ec.message());
    return false;
  }
  out.os() << formatv("{0:2}", value) << "\n";
  out.keep();
  return true;
}

static int runNorms() {
  Expected<kvq::NpyArray> array = kvq::readNpy(normsPath);
  if (!array)
    return fail(toString(array.takeError()));
  if (array->shape.size() != 2)
    return fail(normsPath + ": expected a 2-D weight, got shape " +
                array->shapeString());
  kvq::MatrixView m;
  m.data = array->data.data();
  m.rows = array->shape[0];
  m.cols = array->shape[1];
  m.headRows = headDim;
  switch (array->type) {
  case kvq::NpyDType::F32:
    m.type = kvq::ElementType::F32;
    break;
  case kvq::NpyDType::F16:
    m.type = kvq::ElementType::F16;
    break;
  case kvq::NpyDType::I16:
    if (asType == "bf16")
      m.type = kvq::ElementType::BF16;
    else if (asType == "f16")
      m.type = kvq::ElementType::F16;
    else
      return fail("16-bit integer data needs --as bf16 or --as f16");
    break;
  default:
    return fail(normsPath + ": weights must be f32, f16 or (with --as) "
                            "16-bit bf16/f16 bit patterns");
  }
  if (headDim && m.rows % headDim)
    return fail(formatv("{0} rows are not a multiple of --head-dim {1}",
                        m.rows, unsigned(headDim)));
  kvq::NormOptions opts;
  opts.tolerance = tolerance;
  kvq::MatrixNorms n = kvq::computeNorms(m, opts);
  if (!quiet) {
    outs() << formatv("{0}: [{1}, {2}] {3}\n", normsPath, m.rows, m.cols,
                      kvq::floatFormatName(m.type));
    outs() << formatv("  whole: frobenius {0:e10}  spectral {1:e10} ({2} "
                      "Lanczos steps{3})\n",
                      n.frobenius, n.spectral.value, n.spectral.iterations,
                      n.spectral.converged ? "" : ", NOT converged");
    for (size_t h = 0; h < n.headFrobenius.size(); ++h)
      outs() << formatv("  head {0}: frobenius {1:e10}  spectral {2:e10}\n",
                        h, n.headFrobenius[h], n.headSpectral[h].value);
  }
  json::Object o;
  o["rows"] = m.rows;
  o["cols"] = m.cols;
  o["frobenius"] = n.frobenius;
  o["spectral"] = n.spectral.value;
  o["spectral_iterations"] = n.spectral.iterations;
  o["spectral_converged"] = n.spectral.converged;
  json::Array hf, hs;
  for (double f : n.headFrobenius)
    hf.push_back(f);
  bool allConverged = n.spectral.converged;
  for (const kvq::SpectralInfo &s : n.headSpectral) {
    hs.push_back(s.value);
    allConverged &= s.converged;
  }
  o["head_frobenius"] = std::move(hf);
  o["head_spectral"] = std::move(hs);
  if (!writeJSON(std::move(o)))
    return 1;
  return allConverged ? 0 : fail("spectral norm did not converge");
}

static int runProfile() {
  Expected<kvq::NormProfile> profile = kvq::readNormProfile(profilePath);
  if (!profile)
    return fail(toString(profile.takeError()));
  std::optional<kvq::Policy> policy = kvq::parsePolicy(policyName);
  if (!policy)
    return fail("unknown policy '" + policyName +
                "' (uniform, fixed, greedy, optimal)");
  if (*policy == kvq::Policy::Calibrated)
    return fail("the calibrated policy measures attention error on a real "
                "model: use kvq-opt --kvq-assign-bits on an imported model");
  std::optional<kvq::Accounting> acc = kvq::parseAccounting(accounting);
  if (!acc)
    return fail("unknown accounting '" + accounting + "' (paper, stored)");
  kvq::SchemeDesc ks, vs;
  ks.bits = vs.bits = 4; // any quantized width: overheads do not depend on it
  ks.group = keyGroup;
  vs.group = valueGroup;
  vs.granularity = kvq::Granularity::PerToken;
  ks.symmetric = vs.symmetric = symmetric;
  ks.scaleBytes = vs.scaleBytes = scaleBytes;
  if (!keyGroup || !valueGroup)
    return fail("groups must be positive");
  kvq::AllocProblem p = kvq::problemFromProfile(
      *profile, kvq::schemeOverheadBits(ks), kvq::schemeOverheadBits(vs));
  p.accounting = *acc;
  p.budget = budget;
  p.fixedKeyBits = fixedKey;
  p.fixedValueBits = fixedValue;
  p.candidates.clear();
  SmallVector<StringRef> parts;
  StringRef(candidates).split(parts, ',', -1, false);
  for (StringRef s : parts) {
    double v;
    if (s.trim().getAsDouble(v))
      return fail("bad candidate width '" + s + "'");
    p.candidates.push_back(v);
  }
  Expected<kvq::AllocResult> r = kvq::allocate(p, *policy);
  if (!r)
    return fail(toString(r.takeError()));
  if (!quiet) {
    outs() << formatv("{0}: {1} layers, policy {2}, {3} accounting, budget "
                      "{4} bits/element\n",
                      profilePath, profile->keys.size(), policyName,
                      accountingName(p.accounting), p.budget);
    outs() << "layer   key norm  value norm   K/V  K bits  V bits  "
              "modeled error\n";
    for (size_t l = 0; l < profile->keys.size(); ++l) {
      double kn = profile->keys[l], vn = profile->values[l];
      double err = kvq::modeledError(kn * kn, r->bits[2 * l]) +
                   kvq::modeledError(vn * vn, r->bits[2 * l + 1]);
      outs() << formatv("{0,5} {1,10:f4} {2,11:f4} {3,5:f2} {4,7} {5,7} "
                        "{6,14:e4}\n",
                        l, kn, vn, vn > 0 ? kn / vn : 0.0, r->bits[2 * l],
                        r->bits[2 * l + 1], err);
    }
    outs() << formatv("average {0:f4} bits/element (budget {1}, slack {2:f4} "
                      "bits/token, smallest step {3:f4}); modeled error "
                      "{4:e6}\n",
                      r->averageBits, p.budget, r->slackBits, r->minStep,
                      r->error);
    for (const std::string &n : r->notes)
      outs() << "note: " << n << "\n";
  }
  if (!writeJSON(kvq::resultToJSON(p, *r)))
    return 1;
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "kvq-alloc: key/value bit allocation from a norm profile, and weight "
      "norms\n");
  if (!normsPath.empty() == !profilePath.empty())
    return fail("give exactly one of --profile and --norms");
  return normsPath.empty() ? runProfile() : runNorms();
}
