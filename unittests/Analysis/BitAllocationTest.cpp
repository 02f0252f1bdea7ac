//===- BitAllocationTest.cpp - allocation math on hand-derived cases -------===//
#include "kvq/Analysis/BitAllocation.h"
#include "kvq/Analysis/WeightNorms.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace kvq;

namespace {

AllocProblem twoLayers(Accounting acc) {
  // Norms 5, 1, 1, 2 (c = 25, 1, 1, 4), interleaved K0 V0 K1 V1.
  NormProfile p{{5, 1}, {1, 2}};
  AllocProblem prob = problemFromProfile(p, 1.0, 1.0);
  prob.accounting = acc;
  return prob;
}

TEST(BitAllocation, OptimalPicksLargestCoefficients) {
  AllocProblem p = twoLayers(Accounting::Paper);
  p.candidates = {2, 4};
  p.budget = 3; // two of four tensors at 4 bits
  auto r = allocate(p, Policy::Optimal);
  ASSERT_TRUE(bool(r));
  EXPECT_EQ(r->bits, (std::vector<double>{4, 2, 2, 4}));
  EXPECT_DOUBLE_EQ(r->error, 25.0 / 256 + 1.0 / 16 + 1.0 / 16 + 4.0 / 256);
  EXPECT_DOUBLE_EQ(r->slackBits, 0);
}

TEST(BitAllocation, GreedyTiesGoToTheLowerIndex) {
  NormProfile prof{{1, 1}, {1, 1}};
  AllocProblem p = problemFromProfile(prof, 0, 0);
  p.accounting = Accounting::Paper;
  p.candidates = {2, 4};
  p.budget = 2.5; // one upgrade: the first tensor (K0)
  auto r = allocate(p, Policy::Greedy);
  ASSERT_TRUE(bool(r));
  EXPECT_EQ(r->bits, (std::vector<double>{4, 2, 2, 2}));
}

TEST(BitAllocation, GreedyIsNotAlwaysOptimal) {
  // c = (1, 0.25), candidates {1, 2, 4}, paper accounting, budget 2.5
  // (5 bits). Greedy from (1, 1), 2 bits used: gains per bit for 1->2 are
  // 0.1875 and 0.046875 -> first to 2 (3 bits); then first 2->4
  // (1/16 - 1/256)/2 = 0.0293 < 0.046875 -> second to 2 (4 bits); then the
  // first's 2->4 needs 6 > 5 bits: stop at (2, 2), E = 1.25/16 = 0.078125.
  // Optimal: (4, 1), 5 bits, E = 1/256 + 0.25/4 = 0.06640625.
  NormProfile prof{{1}, {0.5}};
  AllocProblem p = problemFromProfile(prof, 0, 0);
  p.accounting = Accounting::Paper;
  p.candidates = {1, 2, 4};
  p.budget = 2.5;
  auto g = allocate(p, Policy::Greedy);
  auto o = allocate(p, Policy::Optimal);
  ASSERT_TRUE(bool(g) && bool(o));
  EXPECT_EQ(g->bits, (std::vector<double>{2, 2}));
  EXPECT_DOUBLE_EQ(g->error, 0.078125);
  EXPECT_EQ(o->bits, (std::vector<double>{4, 1}));
  EXPECT_DOUBLE_EQ(o->error, 0.06640625);
}

TEST(BitAllocation, StoredAccountingUsesCacheLayout) {
  SchemeDesc s;
  s.bits = 4;
  s.group = 32; // f16 scale + zero: 32 bits per 32 elements
  EXPECT_DOUBLE_EQ(schemeOverheadBits(s), 1.0);
  s.symmetric = true;
  s.group = 128;
  EXPECT_DOUBLE_EQ(schemeOverheadBits(s), 0.125);
  s.scaleBytes = 4;
  s.granularity = Granularity::PerToken;
  s.group = 64;
  EXPECT_DOUBLE_EQ(schemeOverheadBits(s), 0.5);
  AllocProblem p = twoLayers(Accounting::Stored);
  EXPECT_DOUBLE_EQ(p.costPerElement(p.tensors[0], 4), 5);
  EXPECT_DOUBLE_EQ(p.costPerElement(p.tensors[0], 16), 16);
}

TEST(BitAllocation, FractionalCandidatesAreExact) {
  AllocProblem p = twoLayers(Accounting::Paper);
  p.candidates = {1, 1.58, 2, 4, 6, 8};
  p.budget = 2.79; // 11.16 bits: costs in quanta of 1/50 bit
  auto r = allocate(p, Policy::Optimal);
  ASSERT_TRUE(bool(r));
  EXPECT_TRUE(r->exact);
  EXPECT_DOUBLE_EQ(r->quantum, 1.0 / 50);
  EXPECT_LE(r->usedBits, 11.16 + 1e-9);
}

TEST(BitAllocation, Errors) {
  AllocProblem p = twoLayers(Accounting::Stored);
  p.budget = 2; // 2-bit codes store 3 bits with group 32
  auto r = allocate(p, Policy::Optimal);
  ASSERT_FALSE(bool(r));
  EXPECT_NE(llvm::toString(r.takeError()).find("below the narrowest"),
            std::string::npos);
  p.candidates = {4, 2};
  auto r2 = allocate(p, Policy::Greedy);
  ASSERT_FALSE(bool(r2));
  llvm::consumeError(r2.takeError());
  auto bad = parseNormProfile("{\"w_k\": [1, 2], \"w_v\": [1]}", "x.json");
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("must match"),
            std::string::npos);
}

TEST(BitAllocation, KernelRounding) {
  EXPECT_EQ(roundToKernelWidth(6), 4u);
  EXPECT_EQ(roundToKernelWidth(1.58), 2u);
  EXPECT_EQ(roundToKernelWidth(8), 8u);
  EXPECT_FALSE(isKernelWidth(6));
}

TEST(WeightNorms, HandMatrices) {
  // [[3, 0], [0, 4], [0, 0], [1, 0]] with heads of 2 rows:
  // Frobenius sqrt(26); W^T W = diag(10, 16): spectral 4;
  // head 0 = diag(3, 4): 5 and 4; head 1 = [[0,0],[1,0]]: 1 and 1.
  float w[] = {3, 0, 0, 4, 0, 0, 1, 0};
  MatrixView m{w, ElementType::F32, 4, 2, 2};
  MatrixNorms n = computeNorms(m);
  EXPECT_NEAR(n.frobenius, std::sqrt(26.0), 1e-12);
  EXPECT_NEAR(n.spectral.value, 4, 1e-12);
  EXPECT_TRUE(n.spectral.converged);
  ASSERT_EQ(n.headFrobenius.size(), 2u);
  EXPECT_NEAR(n.headFrobenius[0], 5, 1e-12);
  EXPECT_NEAR(n.headSpectral[0].value, 4, 1e-12);
  EXPECT_NEAR(n.headFrobenius[1], 1, 1e-12);
  EXPECT_NEAR(n.headSpectral[1].value, 1, 1e-12);
  // bf16 1.0 = 0x3F80, f16 1.0 = 0x3C00: a 1x3 matrix of ones: sqrt(3).
  uint16_t bf[] = {0x3F80, 0x3F80, 0x3F80}, hf[] = {0x3C00, 0x3C00, 0x3C00};
  EXPECT_NEAR(computeNorms({bf, ElementType::BF16, 1, 3, 0}).spectral.value,
              std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(computeNorms({hf, ElementType::F16, 1, 3, 0}).frobenius,
              std::sqrt(3.0), 1e-12);
}

} // namespace
