//===- SchemeAttrTest.cpp - #kvq.scheme construction and queries -----------===//
#include "kvq/Dialect/KVQ/IR/CacheLayout.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/AsmParser/AsmParser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::kvq;

namespace {

struct SchemeAttrTest : public ::testing::Test {
  SchemeAttrTest() { context.loadDialect<KVQDialect>(); }
  MLIRContext context;
};

TEST_F(SchemeAttrTest, ParsedDefaultsAreAsymmetricF16PerChannel) {
  auto scheme = dyn_cast_or_null<SchemeAttr>(
      parseAttribute("#kvq.scheme<bits = 4, group = 32>", &context));
  ASSERT_TRUE(scheme);
  EXPECT_EQ(scheme.getGranularity(), Granularity::PerChannel);
  EXPECT_FALSE(scheme.getSymmetric());
  EXPECT_TRUE(scheme.getScaleType().isF16());
  EXPECT_EQ(scheme.getTokenGroup(), 32u);
  EXPECT_EQ(scheme.getChannelGroup(), 1u);
  EXPECT_EQ(scheme.getCodesPerWord(), 8u);
  EXPECT_EQ(scheme.getMaxCode(), 15u);
}

TEST_F(SchemeAttrTest, GetCheckedRejectsIllegalBits) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto scheme = SchemeAttr::getChecked(
      [&] { return emitError(UnknownLoc::get(&context)); }, &context,
      /*bits=*/5u, /*group=*/32u, Granularity::PerChannel, false,
      Type(Float16Type::get(&context)), Rotation::None, /*window=*/0u);
  EXPECT_FALSE(scheme);
  EXPECT_EQ(message, "bits must be 2, 3, 4, 8 or 16 (unquantized), got 5");
}

TEST_F(SchemeAttrTest, CacheDescMirrorsTheType) {
  auto type = dyn_cast_or_null<CacheType>(parseType(
      "!kvq.cache<2x4x256x64xbf16, keys = #kvq.scheme<bits = 8, group = 64, "
      "scale_type = f32, rotation = hadamard, window = 64>, values = "
      "#kvq.scheme<bits = 2, group = 16, granularity = per_token, symmetric "
      "= true>>",
      &context));
  ASSERT_TRUE(type);
  ::kvq::CacheDesc d = getCacheDesc(type);
  EXPECT_EQ(d.batch, 2);
  EXPECT_EQ(d.elementBytes, 2u);
  EXPECT_EQ(d.keys.scaleBytes, 4u);
  EXPECT_TRUE(d.keys.hadamard);
  EXPECT_EQ(d.keys.window, 64u);
  EXPECT_EQ(d.values.granularity, ::kvq::Granularity::PerToken);
  EXPECT_TRUE(d.values.symmetric);
}

} // namespace
