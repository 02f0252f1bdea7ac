//===- SensitivityTableTest.cpp - kvq-calibrate tables, errors by line -----===//
#include "kvq/Analysis/SensitivityTable.h"

#include "gtest/gtest.h"

using namespace kvq;

namespace {

/// The problem of `layers` layers with `heads` KV heads each (-1: per layer),
/// interleaved as kvq-assign-bits builds it.
AllocProblem problem(int64_t layers, int64_t heads) {
  AllocProblem p;
  for (int64_t l = 0; l < layers; ++l)
    for (int64_t h = 0; h < std::max<int64_t>(heads, 1); ++h)
      for (bool key : {true, false}) {
        AllocTensor t;
        t.isKey = key;
        t.layer = l;
        t.head = heads < 0 ? -1 : h;
        p.tensors.push_back(t);
      }
  p.candidates = {2, 16};
  return p;
}

std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }

// An old per-layer table (no 'granularity') reads as before.
const char *perLayer = R"({
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "key": {"kl": [0.5, 0.1, 0]}, "value": {"kl": [0.2, 0.1, 0]}},
    {"layer": 1, "key": {"kl": [0.3, 0.1, 0]}, "value": {"kl": [0.4, 0.1, 0]}}
  ]
})";

const char *perHead = R"({
  "granularity": "head",
  "widths": [2, 4, 16],
  "layers": [
    {"layer": 0, "head": 0, "key": {"kl": [1, 0.5, 0]}, "value": {"kl": [2, 0.5, 0]}},
    {"layer": 0, "head": 1, "key": {"kl": [3, 0.5, 0]}, "value": {"kl": [4, 0.5, 0]}}
  ]
})";

TEST(SensitivityTable, PerLayer) {
  auto t = parseSensitivityTable(perLayer, "t.json", "kl");
  ASSERT_TRUE(bool(t)) << message(t.takeError());
  EXPECT_FALSE(t->perHead);
  EXPECT_EQ(t->rows[1].line, 5u);
  auto e = t->errorsFor(problem(2, -1));
  ASSERT_TRUE(bool(e)) << message(e.takeError());
  EXPECT_EQ((*e)[3], (std::vector<double>{0.4, 0}));
}

TEST(SensitivityTable, PerHeadInProblemOrder) {
  auto t = parseSensitivityTable(perHead, "t.json", "kl");
  ASSERT_TRUE(bool(t)) << message(t.takeError());
  EXPECT_TRUE(t->perHead);
  auto e = t->errorsFor(problem(1, 2));
  ASSERT_TRUE(bool(e)) << message(e.takeError());
  // K0.h0 V0.h0 K0.h1 V0.h1 at widths 2 and 16.
  EXPECT_EQ((*e)[0][0], 1);
  EXPECT_EQ((*e)[1][0], 2);
  EXPECT_EQ((*e)[2][0], 3);
  EXPECT_EQ((*e)[3][0], 4);
}

TEST(SensitivityTable, GranularityMismatch) {
  auto layer = parseSensitivityTable(perLayer, "t.json", "kl");
  auto head = parseSensitivityTable(perHead, "t.json", "kl");
  ASSERT_TRUE(layer && head);
  EXPECT_EQ(message(layer->errorsFor(problem(2, 1)).takeError()),
            "t.json:4: the table is per layer: granularity=head needs a "
            "per-KV-head table (kvq-calibrate --per-head)");
  EXPECT_EQ(message(head->errorsFor(problem(1, -1)).takeError()),
            "t.json:5: the table is per KV head (kvq-calibrate --per-head): "
            "it needs granularity=head");
}

TEST(SensitivityTable, ModuleMismatch) {
  auto t = parseSensitivityTable(perHead, "t.json", "kl");
  ASSERT_TRUE(bool(t));
  EXPECT_EQ(message(t->errorsFor(problem(1, 3)).takeError()),
            "t.json:4: no row for layer 0 head 2 of the module (a table "
            "measured on another model?)");
  EXPECT_EQ(message(t->errorsFor(problem(1, 1)).takeError()),
            "t.json:6: head 1: layer 0 of the module has 1 KV heads (a table "
            "measured on another model?)");
  AllocProblem p = problem(1, 2);
  p.candidates = {2, 3};
  EXPECT_EQ(message(t->errorsFor(p).takeError()),
            "t.json:3: candidate width 3 was not measured (widths measured: "
            "2, 4, 16)");
}

TEST(SensitivityTable, ErrorsNameTheLine) {
  auto bad = [](const char *text) {
    auto t = parseSensitivityTable(text, "t.json", "kl");
    return t ? std::string("parsed") : message(t.takeError());
  };
  EXPECT_EQ(bad("{\n\"widths\": [2,\n4 16]}"),
            "t.json:3:3: Expected , or ] after array element");
  EXPECT_EQ(bad("[]"), "t.json:1: expected an object with 'widths' and "
                       "'layers' (the table kvq-calibrate writes)");
  EXPECT_EQ(bad("{\"widths\": [4, 2], \"layers\": []}"),
            "t.json:1: 'widths' must be strictly ascending");
  EXPECT_EQ(bad("{\"widths\": [2, 16],\n \"layers\": [\n"
                "{\"layer\": 0, \"key\": {\"kl\": [1, 0]},\n"
                "  \"value\": {\"kl\": [0]}}]}"),
            "t.json:4: layer 0, values: 1 'kl' errors for 2 widths");
  EXPECT_EQ(bad("{\"widths\": [2, 16], \"layers\": [\n"
                "{\"layer\": 0, \"head\": 0, \"key\": {\"kl\": [1, 0]}, "
                "\"value\": {\"kl\": [1, 0]}},\n"
                "{\"layer\": 0, \"head\": 0, \"key\": {\"kl\": [1, 0]}, "
                "\"value\": {\"kl\": [1, 0]}}]}"),
            "t.json:3: a second row for layer 0 head 0 (the first is at line "
            "2)");
  EXPECT_EQ(bad("{\"widths\": [2, 16], \"layers\": [\n"
                "{\"layer\": 0, \"head\": 0, \"key\": {\"kl\": [1, 0]}, "
                "\"value\": {\"kl\": [1, 0]}},\n"
                "{\"layer\": 1, \"key\": {\"kl\": [1, 0]}, "
                "\"value\": {\"kl\": [1, 0]}}]}"),
            "t.json:3: the row of layer 1 has no 'head', but the table is per "
            "KV head");
  EXPECT_EQ(bad("{\"widths\": [2, 16], \"layers\": [\n"
                "{\"layer\": 0, \"key\": {\"kl\": [1, 0]},\n"
                "\"value\": {\"kl\": [1,\n-1]}}]}"),
            "t.json:4: layer 0, values: the error at 16 bits must be a "
            "finite non-negative number");
}

} // namespace
