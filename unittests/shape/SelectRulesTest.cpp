// Unit tests of the shape rules of slicing, joining, masks and dropout
// (SliceRules.cpp, MaskRules.cpp): their result types, each failure and its
// message.
#include "shape/ShapeRules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace braid::shape;

namespace {

TensorType f32(std::vector<int64_t> dims) {
  return {ElementType::F32, std::move(dims)};
}
TensorType i32(std::vector<int64_t> dims) {
  return {ElementType::I32, std::move(dims)};
}

testing::AssertionResult gives(const RuleResult &result,
                               const TensorType &expected) {
  if (!result)
    return testing::AssertionFailure() << "the rule failed: " << result.error();
  if (result.type() != expected)
    return testing::AssertionFailure() << "expected " << toString(expected)
                                       << ", got " << toString(result.type());
  return testing::AssertionSuccess();
}

testing::AssertionResult failsWith(const RuleResult &result,
                                   const std::string &substring) {
  if (result)
    return testing::AssertionFailure()
           << "expected a failure, got " << toString(result.type());
  if (result.error().find(substring) == std::string::npos)
    return testing::AssertionFailure() << "got \"" << result.error() << "\"";
  return testing::AssertionSuccess();
}

TEST(ConcatRule, SumsTheAxisAndKeepsTheRest) {
  EXPECT_TRUE(gives(concat({f32({4, 2}), f32({4, 3})}, 1), f32({4, 5})));
  EXPECT_TRUE(gives(concat({f32({4, 2}), f32({4, 3})}, -1), f32({4, 5})));
  EXPECT_TRUE(gives(concat({i32({1}), i32({2}), i32({3})}, 0), i32({6})));
  EXPECT_TRUE(gives(concat({f32({2, 3})}, 0), f32({2, 3})));
}

TEST(ConcatRule, RejectsMismatchesAndBadAxes) {
  EXPECT_TRUE(failsWith(concat({}, 0), "needs at least one operand"));
  EXPECT_TRUE(failsWith(concat({f32({})}, 0), "rank 1 or more"));
  EXPECT_TRUE(failsWith(concat({f32({2})}, 1), "axis 1 is out of range"));
  EXPECT_TRUE(failsWith(concat({f32({2, 2}), f32({3, 2})}, 1),
                        "operand #1 f32[3, 2] does not match f32[2, 2]"));
  EXPECT_TRUE(failsWith(concat({f32({2}), i32({2})}, 0), "element type"));
  EXPECT_TRUE(
      failsWith(concat({f32({2, 2}), f32({2, 2, 1})}, 0), "does not match"));
  EXPECT_TRUE(failsWith(
      concat({f32({int64_t(1) << 39}), f32({int64_t(1) << 39}), f32({1})}, 0),
      "2^40"));
}

TEST(SliceRule, TakesARangeOfOneAxis) {
  EXPECT_TRUE(gives(slice(f32({4, 6}), 1, 2, 3), f32({4, 3})));
  EXPECT_TRUE(gives(slice(i32({4, 6}), -2, 0, 4), i32({4, 6})));
  EXPECT_TRUE(failsWith(slice(f32({}), 0, 0, 1), "rank 1 or more"));
  EXPECT_TRUE(failsWith(slice(f32({4}), -2, 0, 1), "axis -2 is out of range"));
  EXPECT_TRUE(failsWith(slice(f32({4}), 0, 3, 2), "do not fit"));
  EXPECT_TRUE(failsWith(slice(f32({4}), 0, -1, 1), "do not fit"));
  EXPECT_TRUE(failsWith(slice(f32({4}), 0, 0, 0), "do not fit"));
  // start + size computed without overflow.
  EXPECT_TRUE(
      failsWith(slice(f32({4}), 0, 2, std::numeric_limits<int64_t>::max()),
                "do not fit"));
}

TEST(SliceGradRule, IsTheSlicesInverse) {
  EXPECT_TRUE(gives(sliceGrad(f32({4, 3}), {4, 6}, 1, 2), f32({4, 6})));
  EXPECT_TRUE(failsWith(sliceGrad(i32({4, 3}), {4, 6}, 1, 2), "must be f32"));
  EXPECT_TRUE(failsWith(sliceGrad(f32({5, 3}), {4, 6}, 1, 2),
                        "is not the slice's f32[4, 3]"));
  EXPECT_TRUE(failsWith(sliceGrad(f32({4, 3}), {4, 6}, 1, 4), "do not fit"));
  EXPECT_TRUE(failsWith(sliceGrad(f32({4, 3}), {4, 0}, 1, 0), "operand shape"));
}

TEST(CompareRule, GivesABroadcastI32Mask) {
  EXPECT_TRUE(gives(compare(f32({4, 3}), f32({3})), i32({4, 3})));
  EXPECT_TRUE(gives(compare(i32({}), i32({2, 1})), i32({2, 1})));
  EXPECT_TRUE(failsWith(compare(f32({3}), i32({3})), "one element type"));
  EXPECT_TRUE(failsWith(compare(f32({3}), f32({4})), "do not broadcast"));
}

TEST(WhereRule, BroadcastsThreeOperands) {
  EXPECT_TRUE(gives(where(i32({2, 1}), f32({3}), f32({})), f32({2, 3})));
  EXPECT_TRUE(gives(where(i32({}), i32({2}), i32({2})), i32({2})));
  EXPECT_TRUE(
      failsWith(where(f32({2}), f32({2}), f32({2})), "mask must be i32"));
  EXPECT_TRUE(
      failsWith(where(i32({2}), f32({2}), i32({2})), "one element type"));
  EXPECT_TRUE(failsWith(where(i32({3}), f32({2}), f32({2})),
                        "shapes i32[3], f32[2], f32[2] do not broadcast"));
}

TEST(CastAndDropoutRules, KeepTheShape) {
  EXPECT_TRUE(gives(cast(f32({2, 3}), ElementType::I32), i32({2, 3})));
  EXPECT_TRUE(gives(cast(i32({}), ElementType::F32), f32({})));
  EXPECT_TRUE(gives(dropout(f32({2, 3}), 0), f32({2, 3})));
  EXPECT_TRUE(gives(dropout(f32({2, 3}), 0.999), f32({2, 3})));
  EXPECT_TRUE(failsWith(dropout(f32({2}), 1), "p must be in [0, 1)"));
  EXPECT_TRUE(failsWith(dropout(f32({2}), -0.1), "p must be in [0, 1)"));
  EXPECT_TRUE(failsWith(dropout(f32({2}), std::nan("")), "p must be in"));
  EXPECT_TRUE(failsWith(dropout(i32({2}), 0.5), "must be f32"));
}

} // namespace
