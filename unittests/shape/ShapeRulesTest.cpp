// Unit tests of the braid ops' shape rules (shape), free
// of MLIR: every rule's result types, each of its failures and their messages.
#include "shape/ShapeRules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <ostream>

using namespace braid::shape;

namespace braid::shape {
/// Lets gtest print a TensorType in a failed EXPECT_EQ as "f32[2, 3]".
void PrintTo(const TensorType &type, std::ostream *os) {
  *os << toString(type);
}
} // namespace braid::shape

namespace {

constexpr int64_t k2to20 = int64_t(1) << 20;
constexpr int64_t k2to40 = int64_t(1) << 40;
constexpr int64_t k2to62 = int64_t(1) << 62;

TensorType f32(std::vector<int64_t> dims) {
  return {ElementType::F32, std::move(dims)};
}
TensorType i32(std::vector<int64_t> dims) {
  return {ElementType::I32, std::move(dims)};
}

/// Succeeds when `result` holds exactly `expected`; otherwise says what the
/// rule gave instead.
testing::AssertionResult gives(const RuleResult &result,
                               const TensorType &expected) {
  if (!result)
    return testing::AssertionFailure()
           << "expected " << toString(expected) << ", the rule failed with \""
           << result.error() << "\"";
  if (result.type() != expected)
    return testing::AssertionFailure() << "expected " << toString(expected)
                                       << ", got " << toString(result.type());
  return testing::AssertionSuccess();
}

/// Succeeds when `result` is a failure whose message contains `substring`.
testing::AssertionResult failsWith(const RuleResult &result,
                                   const std::string &substring) {
  if (result)
    return testing::AssertionFailure()
           << "expected a failure containing \"" << substring << "\", got "
           << toString(result.type());
  if (result.error().find(substring) == std::string::npos)
    return testing::AssertionFailure()
           << "expected a message containing \"" << substring << "\", got \""
           << result.error() << "\"";
  return testing::AssertionSuccess();
}

/// Output extent of a sliding window, counted one position at a time: the
/// number of offsets h >= 0 whose last tap, h * stride + (window - 1) *
/// dilation, still lies in the padded input of in + 2 * pad elements.
int64_t naiveExtent(int64_t in, int64_t window, int64_t stride, int64_t pad,
                    int64_t dilation) {
  int64_t n = 0;
  while (n * stride + (window - 1) * dilation < in + 2 * pad)
    ++n;
  return n;
}

//===----------------------------------------------------------------------===//
// TensorType
//===----------------------------------------------------------------------===//

TEST(TensorType, PrintsInTheLanguagesNotation) {
  EXPECT_EQ(toString(f32({64, 784})), "f32[64, 784]");
  EXPECT_EQ(toString(f32({})), "f32[]");
  EXPECT_EQ(toString(i32({3})), "i32[3]");
  EXPECT_EQ(toString(std::vector<int64_t>{2, 2}), "[2, 2]");
  EXPECT_EQ(toString(std::vector<int64_t>{}), "[]");
  EXPECT_STREQ(toString(ElementType::F32), "f32");
  EXPECT_STREQ(toString(ElementType::I32), "i32");
}

TEST(TensorType, ComparesElementAndDims) {
  EXPECT_EQ(f32({2, 3}), f32({2, 3}));
  EXPECT_NE(f32({2, 3}), i32({2, 3}));
  EXPECT_NE(f32({2, 3}), f32({3, 2}));
  EXPECT_NE(f32({6}), f32({6, 1}));
}

TEST(CheckValid, AcceptsPositiveDimsUpTo2To40Elements) {
  EXPECT_EQ(checkValid(f32({})), std::nullopt);
  EXPECT_EQ(checkValid(f32({1})), std::nullopt);
  EXPECT_EQ(checkValid(i32({64, 784})), std::nullopt);
  EXPECT_EQ(checkValid(f32({k2to40})), std::nullopt);
  EXPECT_EQ(checkValid(f32({k2to20, k2to20})), std::nullopt);
  EXPECT_EQ(checkValid(f32({1, k2to40, 1})), std::nullopt);
}

TEST(CheckValid, RejectsNonPositiveDims) {
  std::optional<std::string> zero = checkValid(f32({4, 0}));
  ASSERT_TRUE(zero);
  EXPECT_EQ(*zero, "dimensions must be positive, got f32[4, 0]");
  std::optional<std::string> negative = checkValid(i32({-1}));
  ASSERT_TRUE(negative);
  EXPECT_EQ(*negative, "dimensions must be positive, got i32[-1]");
}

TEST(CheckValid, RejectsMoreThan2To40Elements) {
  for (const TensorType &type :
       {f32({k2to40 + 1}), f32({k2to40, 2}), f32({2, k2to40}),
        f32({k2to20, k2to20 + 1}), f32({k2to20, k2to20, 2}),
        // The product of these overflows int64: the check must not multiply
        // first.
        f32({k2to62, k2to62}), f32({std::numeric_limits<int64_t>::max()}),
        f32({3, std::numeric_limits<int64_t>::max(), 3})}) {
    std::optional<std::string> error = checkValid(type);
    ASSERT_TRUE(error) << toString(type);
    EXPECT_EQ(*error,
              "tensor " + toString(type) + " has more than 2^40 elements");
  }
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

TEST(UnaryFloat, KeepsTheOperandType) {
  EXPECT_TRUE(gives(unaryFloat(f32({})), f32({})));
  EXPECT_TRUE(gives(unaryFloat(f32({7})), f32({7})));
  EXPECT_TRUE(gives(unaryFloat(f32({64, 10})), f32({64, 10})));
  EXPECT_TRUE(gives(unaryFloat(f32({2, 3, 4, 5})), f32({2, 3, 4, 5})));
}

TEST(UnaryFloat, RejectsI32) {
  EXPECT_TRUE(
      failsWith(unaryFloat(i32({4})), "operand must be f32, got i32[4]"));
  EXPECT_TRUE(failsWith(unaryFloat(i32({})), "operand must be f32, got i32[]"));
}

TEST(BroadcastBinary, EqualShapes) {
  EXPECT_TRUE(
      gives(broadcastBinary(f32({64, 10}), f32({64, 10})), f32({64, 10})));
  EXPECT_TRUE(gives(broadcastBinary(f32({}), f32({})), f32({})));
}

TEST(BroadcastBinary, BiasOverTheBatch) {
  EXPECT_TRUE(gives(broadcastBinary(f32({64, 10}), f32({10})), f32({64, 10})));
  EXPECT_TRUE(gives(broadcastBinary(f32({10}), f32({64, 10})), f32({64, 10})));
}

TEST(BroadcastBinary, RankZeroBroadcastsToAnything) {
  EXPECT_TRUE(gives(broadcastBinary(f32({}), f32({3, 4})), f32({3, 4})));
  EXPECT_TRUE(gives(broadcastBinary(f32({3, 4}), f32({})), f32({3, 4})));
  EXPECT_TRUE(gives(broadcastBinary(f32({}), f32({1})), f32({1})));
  EXPECT_TRUE(
      gives(broadcastBinary(f32({2, 1, 3, 1}), f32({})), f32({2, 1, 3, 1})));
}

TEST(BroadcastBinary, DifferingRanksAlignAtTheLastDimension) {
  EXPECT_TRUE(
      gives(broadcastBinary(f32({4, 1, 3}), f32({5, 1})), f32({4, 5, 3})));
  EXPECT_TRUE(gives(broadcastBinary(f32({1}), f32({3, 1})), f32({3, 1})));
  EXPECT_TRUE(gives(broadcastBinary(f32({8, 1, 6, 1}), f32({7, 1, 5})),
                    f32({8, 7, 6, 5})));
  EXPECT_TRUE(gives(broadcastBinary(f32({3, 1}), f32({1, 4})), f32({3, 4})));
  EXPECT_TRUE(gives(broadcastBinary(f32({1, 1}), f32({1})), f32({1, 1})));
}

TEST(BroadcastBinary, IsSymmetric) {
  std::vector<TensorType> shapes = {f32({}),        f32({1}),      f32({3}),
                                    f32({2, 1}),    f32({2, 3}),   f32({1, 3}),
                                    f32({4, 2, 3}), f32({4, 1, 1})};
  for (const TensorType &a : shapes)
    for (const TensorType &b : shapes) {
      RuleResult ab = broadcastBinary(a, b);
      RuleResult ba = broadcastBinary(b, a);
      ASSERT_EQ(bool(ab), bool(ba)) << toString(a) << " and " << toString(b);
      if (ab) {
        EXPECT_EQ(ab.type(), ba.type())
            << toString(a) << " and " << toString(b);
      }
    }
}

TEST(BroadcastBinary, RejectsIncompatibleDims) {
  EXPECT_TRUE(failsWith(broadcastBinary(f32({4, 3}), f32({4, 4})),
                        "shapes f32[4, 3] and f32[4, 4] do not broadcast "
                        "(dimension 3 against 4)"));
  EXPECT_TRUE(failsWith(broadcastBinary(f32({2, 3}), f32({3, 2})),
                        "(dimension 2 against 3)"));
  EXPECT_TRUE(failsWith(broadcastBinary(f32({2, 1, 4}), f32({5, 3})),
                        "(dimension 4 against 3)"));
  EXPECT_TRUE(failsWith(broadcastBinary(f32({5, 4}), f32({2, 3, 4})),
                        "(dimension 5 against 3)"));
  EXPECT_TRUE(failsWith(broadcastBinary(f32({10}), f32({64, 11})),
                        "(dimension 10 against 11)"));
}

TEST(BroadcastBinary, RejectsI32) {
  EXPECT_TRUE(failsWith(broadcastBinary(f32({2}), i32({2})),
                        "operands must be f32, got f32[2] and i32[2]"));
  EXPECT_TRUE(failsWith(broadcastBinary(i32({}), f32({2})),
                        "operands must be f32, got i32[] and f32[2]"));
}

TEST(BroadcastBinary, RejectsAResultOfMoreThan2To40Elements) {
  // Each operand is valid; their outer product is 2^80 elements.
  EXPECT_TRUE(failsWith(broadcastBinary(f32({k2to40, 1}), f32({1, k2to40})),
                        "result tensor f32[1099511627776, 1099511627776] has "
                        "more than 2^40 elements"));
  EXPECT_TRUE(failsWith(broadcastBinary(f32({k2to20, 1, 1}), f32({2, k2to20})),
                        "has more than 2^40 elements"));
  EXPECT_TRUE(gives(broadcastBinary(f32({k2to20, 1}), f32({k2to20})),
                    f32({k2to20, k2to20})));
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

TEST(Matmul, MultipliesMByKByKByN) {
  EXPECT_TRUE(gives(matmul(f32({64, 784}), f32({784, 64})), f32({64, 64})));
  EXPECT_TRUE(gives(matmul(f32({4, 3}), f32({3, 5})), f32({4, 5})));
  EXPECT_TRUE(gives(matmul(f32({1, 1}), f32({1, 1})), f32({1, 1})));
  EXPECT_TRUE(gives(matmul(f32({1, 7}), f32({7, 1})), f32({1, 1})));
}

TEST(Matmul, RejectsRanksBelowTwo) {
  EXPECT_TRUE(failsWith(matmul(f32({3}), f32({3, 2})),
                        "operands must have rank 2 or more, got f32[3] and "
                        "f32[3, 2]"));
  EXPECT_TRUE(failsWith(matmul(f32({4, 3}), f32({3})),
                        "operands must have rank 2 or more"));
  EXPECT_TRUE(failsWith(matmul(f32({}), f32({})),
                        "operands must have rank 2 or more, got f32[] and "
                        "f32[]"));
}

TEST(Matmul, BroadcastsTheBatchDimensions) {
  // Attention's products: q k^T and a v, per batch and head.
  EXPECT_TRUE(
      gives(matmul(f32({2, 4, 8, 16}), f32({2, 4, 16, 8})), f32({2, 4, 8, 8})));
  EXPECT_TRUE(gives(matmul(f32({2, 4, 8, 16}), f32({2, 4, 8, 16}), false, true),
                    f32({2, 4, 8, 8})));
  // A 2-D weight takes part in every batch, on either side.
  EXPECT_TRUE(gives(matmul(f32({2, 8, 16}), f32({16, 5})), f32({2, 8, 5})));
  EXPECT_TRUE(gives(matmul(f32({5, 8}), f32({3, 8, 16})), f32({3, 5, 16})));
  // Stretched 1s and missing leading dimensions, as numpy's.
  EXPECT_TRUE(
      gives(matmul(f32({1, 4, 8, 16}), f32({3, 1, 16, 2})), f32({3, 4, 8, 2})));
  EXPECT_TRUE(
      gives(matmul(f32({7, 2, 8, 16}), f32({2, 16, 2})), f32({7, 2, 8, 2})));
  // A transposed lhs swaps its last two dimensions only.
  EXPECT_TRUE(gives(matmul(f32({3, 16, 8}), f32({3, 16, 2}), true, false),
                    f32({3, 8, 2})));
}

TEST(Matmul, RejectsBatchDimensionsThatDoNotBroadcast) {
  EXPECT_TRUE(failsWith(matmul(f32({2, 8, 16}), f32({3, 16, 4})),
                        "batch dimensions of f32[2, 8, 16] and f32[3, 16, 4] "
                        "do not broadcast"));
}

TEST(Matmul, RejectsDifferingInnerDims) {
  EXPECT_TRUE(failsWith(matmul(f32({4, 3}), f32({2, 5})),
                        "inner dimensions differ: f32[4, 3] has 3 columns but "
                        "f32[2, 5] has 2 rows"));
  // The operands of a transposed product.
  EXPECT_TRUE(failsWith(matmul(f32({4, 3}), f32({5, 3})),
                        "has 3 columns but f32[5, 3] has 5 rows"));
}

TEST(Matmul, RejectsI32) {
  EXPECT_TRUE(failsWith(matmul(i32({4, 3}), f32({3, 2})),
                        "operands must be f32, got i32[4, 3] and f32[3, 2]"));
  EXPECT_TRUE(
      failsWith(matmul(f32({4, 3}), i32({3, 2})), "operands must be f32"));
}

TEST(Matmul, RejectsAResultOfMoreThan2To40Elements) {
  EXPECT_TRUE(failsWith(matmul(f32({k2to40, 1}), f32({1, k2to40})),
                        "has more than 2^40 elements"));
  EXPECT_TRUE(
      gives(matmul(f32({k2to20, 1}), f32({1, k2to20})), f32({k2to20, k2to20})));
}

//===----------------------------------------------------------------------===//
// Softmax and losses
//===----------------------------------------------------------------------===//

TEST(Softmax, KeepsTheOperandTypeForEveryAxisInRange) {
  for (int64_t axis : {0, 1, -1, -2})
    EXPECT_TRUE(gives(softmax(f32({4, 3}), axis), f32({4, 3}))) << axis;
  EXPECT_TRUE(gives(softmax(f32({10}), 0), f32({10})));
  EXPECT_TRUE(gives(softmax(f32({10}), -1), f32({10})));
  EXPECT_TRUE(gives(softmax(f32({2, 3, 4}), -3), f32({2, 3, 4})));
}

TEST(Softmax, RejectsAxesOutOfRange) {
  EXPECT_TRUE(failsWith(softmax(f32({4, 3}), 2),
                        "axis 2 is out of range for f32[4, 3]"));
  EXPECT_TRUE(failsWith(softmax(f32({4, 3}), -3),
                        "axis -3 is out of range for f32[4, 3]"));
  EXPECT_TRUE(failsWith(softmax(f32({4}), std::numeric_limits<int64_t>::max()),
                        "is out of range for f32[4]"));
  EXPECT_TRUE(failsWith(softmax(f32({4}), std::numeric_limits<int64_t>::min()),
                        "is out of range for f32[4]"));
}

TEST(Softmax, RejectsRankZeroAndI32) {
  EXPECT_TRUE(failsWith(softmax(f32({}), 0),
                        "operand must have rank 1 or more, got f32[]"));
  EXPECT_TRUE(
      failsWith(softmax(i32({4, 3}), 1), "operand must be f32, got i32[4, 3]"));
}

TEST(SparseSoftmaxCrossEntropy, GivesAScalar) {
  EXPECT_TRUE(
      gives(sparseSoftmaxCrossEntropy(f32({64, 10}), i32({64})), f32({})));
  EXPECT_TRUE(gives(sparseSoftmaxCrossEntropy(f32({1, 1}), i32({1})), f32({})));
  // Any leading dimensions: a language model's [B, T, V] logits.
  EXPECT_TRUE(
      gives(sparseSoftmaxCrossEntropy(f32({4, 2, 5}), i32({4, 2})), f32({})));
  EXPECT_TRUE(gives(
      sparseSoftmaxCrossEntropy(f32({2, 3, 4, 5}), i32({2, 3, 4})), f32({})));
}

TEST(SparseSoftmaxCrossEntropy, RejectsLogitsOtherThanF32BC) {
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(f32({4}), i32({4})),
                        "logits must be f32[B, ..., C], got f32[4]"));
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(i32({4, 10}), i32({4})),
                        "logits must be f32[B, ..., C], got i32[4, 10]"));
}

TEST(SparseSoftmaxCrossEntropy, RejectsLabelsOtherThanI32B) {
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(f32({4, 10}), f32({4})),
                        "labels must be i32[B, ...], got f32[4]"));
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(f32({4, 10}), i32({})),
                        "labels must be i32[B, ...], got i32[]"));
}

TEST(SparseSoftmaxCrossEntropy, RejectsDifferingBatchSizes) {
  EXPECT_TRUE(
      failsWith(sparseSoftmaxCrossEntropy(f32({4, 10}), i32({5})),
                "batch sizes differ: logits f32[4, 10], labels i32[5]"));
  // Every leading dimension, and only those.
  EXPECT_TRUE(
      failsWith(sparseSoftmaxCrossEntropy(f32({4, 10}), i32({4, 1})),
                "batch sizes differ: logits f32[4, 10], labels i32[4, 1]"));
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(f32({4, 2, 5}), i32({4})),
                        "batch sizes differ: logits f32[4, 2, 5], labels "
                        "i32[4]"));
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(f32({4, 2, 5}), i32({4, 3})),
                        "batch sizes differ"));
  // The class count is no batch size.
  EXPECT_TRUE(failsWith(sparseSoftmaxCrossEntropy(f32({4, 10}), i32({10})),
                        "batch sizes differ"));
}

TEST(MeanSquaredError, GivesAScalar) {
  EXPECT_TRUE(gives(meanSquaredError(f32({64, 1}), f32({64, 1})), f32({})));
  EXPECT_TRUE(gives(meanSquaredError(f32({}), f32({})), f32({})));
  EXPECT_TRUE(gives(meanSquaredError(f32({2, 3, 4}), f32({2, 3, 4})), f32({})));
}

TEST(MeanSquaredError, RejectsDifferingShapesWithoutBroadcasting) {
  EXPECT_TRUE(failsWith(meanSquaredError(f32({4, 10}), f32({40})),
                        "prediction f32[4, 10] and target f32[40] must have "
                        "the same shape"));
  EXPECT_TRUE(failsWith(meanSquaredError(f32({4, 1}), f32({4})),
                        "must have the same shape"));
  EXPECT_TRUE(failsWith(meanSquaredError(f32({4, 1}), f32({1, 4})),
                        "must have the same shape"));
}

TEST(MeanSquaredError, RejectsI32) {
  EXPECT_TRUE(failsWith(meanSquaredError(f32({4}), i32({4})),
                        "operands must be f32, got f32[4] and i32[4]"));
  EXPECT_TRUE(failsWith(meanSquaredError(i32({4}), f32({4})),
                        "operands must be f32, got i32[4] and f32[4]"));
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

TEST(Reduce, RemovesTheListedAxes) {
  EXPECT_TRUE(gives(reduce(f32({4, 10}), {1}), f32({4})));
  EXPECT_TRUE(gives(reduce(f32({4, 10}), {0}), f32({10})));
  EXPECT_TRUE(gives(reduce(f32({4, 10}), {0, 1}), f32({})));
  EXPECT_TRUE(gives(reduce(f32({4, 10}), {1, 0}), f32({})));
  EXPECT_TRUE(gives(reduce(f32({2, 3, 4}), {0, 2}), f32({3})));
  EXPECT_TRUE(gives(reduce(f32({7}), {0}), f32({})));
}

TEST(Reduce, NegativeAxesCountFromTheEnd) {
  EXPECT_TRUE(gives(reduce(f32({4, 10}), {-1}), f32({4})));
  EXPECT_TRUE(gives(reduce(f32({4, 10}), {-2}), f32({10})));
  EXPECT_TRUE(gives(reduce(f32({2, 3, 4}), {-3, -1}), f32({3})));
  EXPECT_TRUE(gives(reduce(f32({2, 3, 4}), {-2, 0}), f32({4})));
}

TEST(Reduce, RejectsNoAxes) {
  EXPECT_TRUE(failsWith(reduce(f32({4, 10}), {}), "axes must not be empty"));
}

TEST(Reduce, RejectsAxesOutOfRange) {
  EXPECT_TRUE(failsWith(reduce(f32({4, 10}), {2}),
                        "axis 2 is out of range for f32[4, 10]"));
  EXPECT_TRUE(failsWith(reduce(f32({4, 10}), {0, -3}),
                        "axis -3 is out of range for f32[4, 10]"));
  EXPECT_TRUE(
      failsWith(reduce(f32({}), {0}), "axis 0 is out of range for f32[]"));
  EXPECT_TRUE(failsWith(reduce(f32({4}), {std::numeric_limits<int64_t>::min()}),
                        "is out of range for f32[4]"));
}

TEST(Reduce, RejectsAnAxisListedTwice) {
  EXPECT_TRUE(failsWith(reduce(f32({4, 10}), {1, 1}),
                        "axis 1 is listed twice in [1, 1]"));
  // The same axis, once counted from the end.
  EXPECT_TRUE(failsWith(reduce(f32({4, 10}), {1, -1}),
                        "axis -1 is listed twice in [1, -1]"));
  EXPECT_TRUE(failsWith(reduce(f32({2, 3, 4}), {-3, 2, 0}),
                        "axis 0 is listed twice in [-3, 2, 0]"));
}

TEST(Reduce, RejectsI32) {
  EXPECT_TRUE(failsWith(reduce(i32({4, 10}), {0}),
                        "operand must be f32, got i32[4, 10]"));
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

TEST(Reshape, KeepsTheElementCountAndType) {
  EXPECT_TRUE(
      gives(reshape(f32({4, 784}), {4, 1, 28, 28}), f32({4, 1, 28, 28})));
  EXPECT_TRUE(gives(reshape(f32({4, 1, 28, 28}), {4, 784}), f32({4, 784})));
  EXPECT_TRUE(gives(reshape(i32({6}), {2, 3}), i32({2, 3})));
  EXPECT_TRUE(gives(reshape(f32({}), {1, 1}), f32({1, 1})));
  EXPECT_TRUE(gives(reshape(f32({1, 1}), {}), f32({})));
  EXPECT_TRUE(gives(reshape(f32({k2to20, k2to20}), {k2to40}), f32({k2to40})));
}

TEST(Reshape, RejectsNonPositiveTargetDims) {
  EXPECT_TRUE(failsWith(reshape(f32({4, 10}), {4, 0, 10}),
                        "target shape [4, 0, 10] must have positive dimensions "
                        "and at most 2^40 elements"));
  // No -1 wildcard: the shape is given in full.
  EXPECT_TRUE(failsWith(reshape(f32({4, 10}), {-1, 10}),
                        "target shape [-1, 10] must have positive dimensions"));
}

TEST(Reshape, RejectsTargetsOfMoreThan2To40Elements) {
  EXPECT_TRUE(failsWith(reshape(f32({4}), {k2to40, 2}),
                        "target shape [1099511627776, 2] must have positive "
                        "dimensions and at most 2^40 elements"));
  // The product of these overflows int64.
  EXPECT_TRUE(failsWith(reshape(f32({4}), {k2to62, k2to62, 4}),
                        "at most 2^40 elements"));
}

TEST(Reshape, RejectsDifferingElementCounts) {
  EXPECT_TRUE(failsWith(reshape(f32({4, 10}), {4, 11}),
                        "cannot reshape f32[4, 10] (40 elements) to [4, 11] "
                        "(44 elements)"));
  EXPECT_TRUE(
      failsWith(reshape(f32({}), {2}),
                "cannot reshape f32[] (1 elements) to [2] (2 elements)"));
}

TEST(Transpose, PermutesTheDims) {
  EXPECT_TRUE(gives(transpose(f32({784, 64}), {1, 0}), f32({64, 784})));
  EXPECT_TRUE(gives(transpose(f32({2, 3, 4}), {2, 0, 1}), f32({4, 2, 3})));
  EXPECT_TRUE(gives(transpose(i32({2, 3}), {0, 1}), i32({2, 3})));
  EXPECT_TRUE(gives(transpose(f32({}), {}), f32({})));
  EXPECT_TRUE(gives(transpose(f32({5}), {0}), f32({5})));
}

TEST(Transpose, AgreesWithTheDefinitionForEveryPermutation) {
  // result.shape[i] = input.shape[perm[i]].
  TensorType input = f32({2, 3, 5, 7});
  std::vector<int64_t> perm(4);
  std::iota(perm.begin(), perm.end(), 0);
  int count = 0;
  do {
    TensorType expected = f32({});
    for (int64_t p : perm)
      expected.dims.push_back(input.dims[p]);
    EXPECT_TRUE(gives(transpose(input, perm), expected)) << toString(perm);
    ++count;
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(count, 24);
}

TEST(Transpose, RejectsAPermutationOfAnotherRank) {
  EXPECT_TRUE(failsWith(transpose(f32({4, 10}), {0}),
                        "permutation [0] has 1 entries but the operand "
                        "f32[4, 10] has rank 2"));
  EXPECT_TRUE(failsWith(transpose(f32({4, 10}), {0, 1, 2}),
                        "permutation [0, 1, 2] has 3 entries"));
  EXPECT_TRUE(failsWith(transpose(f32({}), {0}), "has rank 0"));
}

TEST(Transpose, RejectsANonPermutation) {
  EXPECT_TRUE(failsWith(transpose(f32({4, 10}), {0, 0}),
                        "[0, 0] is not a permutation of 0..1"));
  EXPECT_TRUE(failsWith(transpose(f32({4, 10}), {0, 2}),
                        "[0, 2] is not a permutation of 0..1"));
  EXPECT_TRUE(failsWith(transpose(f32({4, 10}), {-1, 0}),
                        "[-1, 0] is not a permutation of 0..1"));
  EXPECT_TRUE(failsWith(transpose(f32({2, 3, 4}), {2, 1, 2}),
                        "[2, 1, 2] is not a permutation of 0..2"));
}

TEST(BroadcastTo, RepeatsAlongDimsOfOneAndLeadingDims) {
  EXPECT_TRUE(gives(broadcastTo(f32({10}), {64, 10}), f32({64, 10})));
  EXPECT_TRUE(gives(broadcastTo(f32({1}), {3, 4}), f32({3, 4})));
  EXPECT_TRUE(gives(broadcastTo(f32({}), {2, 3}), f32({2, 3})));
  EXPECT_TRUE(gives(broadcastTo(f32({3, 1}), {2, 3, 5}), f32({2, 3, 5})));
  EXPECT_TRUE(gives(broadcastTo(i32({2, 3}), {2, 3}), i32({2, 3})));
  EXPECT_TRUE(gives(broadcastTo(f32({}), {}), f32({})));
}

TEST(BroadcastTo, RejectsALowerRankShape) {
  EXPECT_TRUE(failsWith(broadcastTo(f32({4, 10}), {10}),
                        "cannot broadcast f32[4, 10] to the lower-rank shape "
                        "[10]"));
  EXPECT_TRUE(failsWith(broadcastTo(f32({1}), {}), "lower-rank shape []"));
}

TEST(BroadcastTo, RejectsMismatchedDims) {
  EXPECT_TRUE(failsWith(broadcastTo(f32({4, 10}), {2, 5, 10}),
                        "cannot broadcast f32[4, 10] to [2, 5, 10] (dimension "
                        "4 against 5)"));
  // numpy broadcasting never shrinks a dimension to 1.
  EXPECT_TRUE(failsWith(broadcastTo(f32({3}), {1}), "(dimension 3 against 1)"));
}

TEST(BroadcastTo, RejectsInvalidTargetShapes) {
  EXPECT_TRUE(failsWith(broadcastTo(f32({10}), {0, 10}),
                        "target shape [0, 10] must have positive dimensions "
                        "and at most 2^40 elements"));
  EXPECT_TRUE(
      failsWith(broadcastTo(f32({1}), {k2to40, 2}), "at most 2^40 elements"));
  EXPECT_TRUE(failsWith(broadcastTo(f32({1}), {k2to62, k2to62}),
                        "at most 2^40 elements"));
}

TEST(Flatten, CollapsesEveryDimAfterTheFirst) {
  EXPECT_TRUE(gives(flatten(f32({64, 16, 4, 4})), f32({64, 256})));
  EXPECT_TRUE(gives(flatten(f32({2, 3})), f32({2, 3})));
  EXPECT_TRUE(gives(flatten(f32({5})), f32({5, 1})));
  EXPECT_TRUE(gives(flatten(i32({2, 3, 4})), i32({2, 12})));
  EXPECT_TRUE(gives(flatten(f32({1, k2to20, k2to20})), f32({1, k2to40})));
}

TEST(Flatten, RejectsRankZero) {
  EXPECT_TRUE(failsWith(flatten(f32({})),
                        "operand must have rank 1 or more, got f32[]"));
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

TEST(Conv2D, LeNetLayers) {
  // 5x5 "same" convolution, then a valid one.
  EXPECT_TRUE(gives(conv2d(f32({64, 1, 28, 28}), f32({6, 1, 5, 5}), f32({6}),
                           {1, 1}, {2, 2}, {1, 1}),
                    f32({64, 6, 28, 28})));
  EXPECT_TRUE(gives(conv2d(f32({64, 6, 14, 14}), f32({16, 6, 5, 5}),
                           std::nullopt, {1, 1}, {0, 0}, {1, 1}),
                    f32({64, 16, 10, 10})));
}

TEST(Conv2D, StridePaddingAndDilation) {
  // (8 + 2 - 3) / 2 + 1 = 4.
  EXPECT_TRUE(gives(conv2d(f32({1, 3, 8, 8}), f32({4, 3, 3, 3}), f32({4}),
                           {2, 2}, {1, 1}, {1, 1}),
                    f32({1, 4, 4, 4})));
  // Dilation 2 makes a 3x3 filter cover 5x5: 9 - 5 + 1 = 5.
  EXPECT_TRUE(gives(conv2d(f32({2, 1, 9, 9}), f32({1, 1, 3, 3}), std::nullopt,
                           {1, 1}, {0, 0}, {2, 2}),
                    f32({2, 1, 5, 5})));
  // Height and width use their own entries.
  // H: (10 + 0 - 3) / 1 + 1 = 8; W: (7 + 4 - 5) / 3 + 1 = 3.
  EXPECT_TRUE(gives(conv2d(f32({1, 2, 10, 7}), f32({3, 2, 3, 3}), std::nullopt,
                           {1, 3}, {0, 2}, {1, 2}),
                    f32({1, 3, 8, 3})));
  // A 1x1 filter over a 1x1 input.
  EXPECT_TRUE(gives(conv2d(f32({1, 1, 1, 1}), f32({1, 1, 1, 1}), std::nullopt,
                           {1, 1}, {0, 0}, {1, 1}),
                    f32({1, 1, 1, 1})));
  // Only the padding lets the filter fit.
  EXPECT_TRUE(gives(conv2d(f32({1, 1, 2, 2}), f32({1, 1, 4, 4}), std::nullopt,
                           {1, 1}, {1, 1}, {1, 1}),
                    f32({1, 1, 1, 1})));
}

TEST(Conv2D, OutputExtentsMatchANaiveCount) {
  // Every (in, kernel, stride, pad, dilation) in a small range, first in the
  // height with a fixed width, then in the width with a fixed height.
  int fits = 0, misses = 0;
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t p = 0; p <= 3; ++p)
          for (int64_t d = 1; d <= 3; ++d)
            for (int spatial = 0; spatial < 2; ++spatial) {
              TensorType input = f32({2, 3, 6, 6});
              TensorType filter = f32({4, 3, 3, 3});
              std::vector<int64_t> strides = {1, 1}, padding = {0, 0},
                                   dilations = {1, 1};
              input.dims[2 + spatial] = in;
              filter.dims[2 + spatial] = k;
              strides[spatial] = s;
              padding[spatial] = p;
              dilations[spatial] = d;
              int64_t n = naiveExtent(in, k, s, p, d);
              RuleResult r = conv2d(input, filter, std::nullopt, strides,
                                    padding, dilations);
              SCOPED_TRACE("in " + std::to_string(in) + " k " +
                           std::to_string(k) + " s " + std::to_string(s) +
                           " p " + std::to_string(p) + " d " +
                           std::to_string(d) + " spatial " +
                           std::to_string(spatial));
              if (n == 0) {
                ++misses;
                EXPECT_TRUE(failsWith(r, "does not fit the input"));
                continue;
              }
              ++fits;
              TensorType expected = f32({2, 4, 4, 4});
              expected.dims[2 + spatial] = n;
              ASSERT_TRUE(gives(r, expected));
            }
  // Both outcomes were exercised.
  EXPECT_GT(fits, 1000);
  EXPECT_GT(misses, 100);
}

TEST(Conv2D, RejectsInputOtherThanF32NCHW) {
  EXPECT_TRUE(failsWith(conv2d(f32({3, 8, 8}), f32({4, 3, 3, 3}), std::nullopt,
                               {1, 1}, {0, 0}, {1, 1}),
                        "input must be f32[N, C, H, W], got f32[3, 8, 8]"));
  EXPECT_TRUE(failsWith(conv2d(i32({1, 3, 8, 8}), f32({4, 3, 3, 3}),
                               std::nullopt, {1, 1}, {0, 0}, {1, 1}),
                        "input must be f32[N, C, H, W], got i32[1, 3, 8, 8]"));
}

TEST(Conv2D, RejectsFilterOtherThanF32OIHW) {
  EXPECT_TRUE(failsWith(conv2d(f32({1, 3, 8, 8}), f32({4, 3, 3}), std::nullopt,
                               {1, 1}, {0, 0}, {1, 1}),
                        "filter must be f32[O, C, KH, KW], got f32[4, 3, 3]"));
  EXPECT_TRUE(
      failsWith(conv2d(f32({1, 3, 8, 8}), i32({4, 3, 3, 3}), std::nullopt,
                       {1, 1}, {0, 0}, {1, 1}),
                "filter must be f32[O, C, KH, KW], got i32[4, 3, 3, 3]"));
}

TEST(Conv2D, RejectsDifferingChannels) {
  EXPECT_TRUE(failsWith(conv2d(f32({1, 2, 8, 8}), f32({4, 3, 3, 3}),
                               std::nullopt, {1, 1}, {0, 0}, {1, 1}),
                        "filter f32[4, 3, 3, 3] expects 3 input channels but "
                        "the input f32[1, 2, 8, 8] has 2"));
}

TEST(Conv2D, RejectsABiasOtherThanF32O) {
  for (const TensorType &bias : {f32({3}), i32({4}), f32({1, 4}), f32({})})
    EXPECT_TRUE(failsWith(conv2d(f32({1, 3, 8, 8}), f32({4, 3, 3, 3}), bias,
                                 {1, 1}, {0, 0}, {1, 1}),
                          "bias must be f32[4], got " + toString(bias)));
}

TEST(Conv2D, RejectsBadStridesPaddingAndDilations) {
  TensorType input = f32({1, 3, 8, 8}), filter = f32({4, 3, 3, 3});
  EXPECT_TRUE(
      failsWith(conv2d(input, filter, std::nullopt, {1}, {0, 0}, {1, 1}),
                "strides must have 2 entries [height, width], got [1]"));
  EXPECT_TRUE(
      failsWith(conv2d(input, filter, std::nullopt, {1, 1}, {0, 0, 0}, {1, 1}),
                "padding must have 2 entries [height, width], got [0, 0, 0]"));
  EXPECT_TRUE(
      failsWith(conv2d(input, filter, std::nullopt, {1, 1}, {0, 0}, {}),
                "dilations must have 2 entries [height, width], got []"));
  EXPECT_TRUE(
      failsWith(conv2d(input, filter, std::nullopt, {0, 1}, {0, 0}, {1, 1}),
                "strides [0, 1] must be in [1, 2^20]"));
  EXPECT_TRUE(
      failsWith(conv2d(input, filter, std::nullopt, {1, 1}, {-1, 0}, {1, 1}),
                "padding [-1, 0] must be in [0, 2^20]"));
  EXPECT_TRUE(
      failsWith(conv2d(input, filter, std::nullopt, {1, 1}, {0, 0}, {1, 0}),
                "dilations [1, 0] must be in [1, 2^20]"));
  EXPECT_TRUE(failsWith(
      conv2d(input, filter, std::nullopt, {1, k2to20 + 1}, {0, 0}, {1, 1}),
      "strides [1, 1048577] must be in [1, 2^20]"));
  // The largest allowed values still work.
  EXPECT_TRUE(gives(
      conv2d(input, filter, std::nullopt, {k2to20, k2to20}, {0, 0}, {1, 1}),
      f32({1, 4, 1, 1})));
}

TEST(Conv2D, RejectsAFilterThatDoesNotFit) {
  EXPECT_TRUE(failsWith(conv2d(f32({1, 3, 8, 8}), f32({4, 3, 3, 3}),
                               std::nullopt, {1, 1}, {0, 0}, {4, 1}),
                        "filter f32[4, 3, 3, 3] with dilations [4, 1] does not "
                        "fit the input f32[1, 3, 8, 8] padded by [0, 0]"));
  EXPECT_TRUE(failsWith(conv2d(f32({1, 1, 4, 4}), f32({1, 1, 5, 1}),
                               std::nullopt, {1, 1}, {0, 0}, {1, 1}),
                        "does not fit"));
}

TEST(Conv2D, LargeExtentsDoNotOverflow) {
  // The dilated filter spans about 2^40 rows: it does not fit, and computing
  // that must not overflow.
  EXPECT_TRUE(failsWith(conv2d(f32({1, 1, k2to20, 2}), f32({1, 1, k2to20, 1}),
                               std::nullopt, {1, 1}, {0, 0}, {k2to20, 1}),
                        "does not fit"));
  // A 2^20-row filter over a 2^20-row input padded by 2^20 on each side:
  // 2^20 + 2 * 2^20 - 2^20 + 1 rows.
  EXPECT_TRUE(gives(conv2d(f32({1, 1, k2to20, 1}), f32({1, 1, k2to20, 1}),
                           std::nullopt, {1, 1}, {k2to20, 0}, {1, 1}),
                    f32({1, 1, 2 * k2to20 + 1, 1})));
}

TEST(Conv2D, RejectsAResultOfMoreThan2To40Elements) {
  // 2^22 output channels, each (1 + 2 * 2^20)^2 positions: about 2^64
  // elements, from operands of 2^22 elements at most.
  EXPECT_TRUE(failsWith(conv2d(f32({1, 1, 1, 1}), f32({1 << 22, 1, 1, 1}),
                               std::nullopt, {1, 1}, {k2to20, k2to20}, {1, 1}),
                        "has more than 2^40 elements"));
}

TEST(Pool2D, Typical) {
  EXPECT_TRUE(gives(pool2d(f32({64, 6, 28, 28}), {2, 2}, {2, 2}, {0, 0}),
                    f32({64, 6, 14, 14})));
  // (8 + 2 - 3) / 2 + 1 = 4.
  EXPECT_TRUE(gives(pool2d(f32({1, 3, 8, 8}), {3, 3}, {2, 2}, {1, 1}),
                    f32({1, 3, 4, 4})));
  // Overlapping windows, and height and width apart:
  // H: (7 - 3) / 1 + 1 = 5; W: (9 + 2 - 2) / 3 + 1 = 4.
  EXPECT_TRUE(gives(pool2d(f32({2, 5, 7, 9}), {3, 2}, {1, 3}, {0, 1}),
                    f32({2, 5, 5, 4})));
  // A window as large as the input; a 1x1 window.
  EXPECT_TRUE(gives(pool2d(f32({1, 1, 4, 4}), {4, 4}, {1, 1}, {0, 0}),
                    f32({1, 1, 1, 1})));
  EXPECT_TRUE(gives(pool2d(f32({1, 1, 4, 4}), {1, 1}, {1, 1}, {0, 0}),
                    f32({1, 1, 4, 4})));
}

TEST(Pool2D, OutputExtentsMatchANaiveCount) {
  int fits = 0, misses = 0;
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 6; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t p = 0; p < k; ++p)
          for (int spatial = 0; spatial < 2; ++spatial) {
            TensorType input = f32({2, 3, 6, 6});
            std::vector<int64_t> kernel = {2, 2}, strides = {2, 2},
                                 padding = {0, 0};
            input.dims[2 + spatial] = in;
            kernel[spatial] = k;
            strides[spatial] = s;
            padding[spatial] = p;
            int64_t n = naiveExtent(in, k, s, p, 1);
            RuleResult r = pool2d(input, kernel, strides, padding);
            SCOPED_TRACE("in " + std::to_string(in) + " k " +
                         std::to_string(k) + " s " + std::to_string(s) + " p " +
                         std::to_string(p) + " spatial " +
                         std::to_string(spatial));
            if (n == 0) {
              ++misses;
              EXPECT_TRUE(failsWith(r, "does not fit the input"));
              continue;
            }
            ++fits;
            TensorType expected = f32({2, 3, 3, 3});
            expected.dims[2 + spatial] = n;
            ASSERT_TRUE(gives(r, expected));
          }
  EXPECT_GT(fits, 500);
  EXPECT_GT(misses, 10);
}

TEST(Pool2D, RejectsInputOtherThanF32NCHW) {
  EXPECT_TRUE(failsWith(pool2d(f32({3, 8, 8}), {2, 2}, {2, 2}, {0, 0}),
                        "input must be f32[N, C, H, W], got f32[3, 8, 8]"));
  EXPECT_TRUE(failsWith(pool2d(i32({1, 3, 8, 8}), {2, 2}, {2, 2}, {0, 0}),
                        "input must be f32[N, C, H, W], got i32[1, 3, 8, 8]"));
}

TEST(Pool2D, RejectsBadKernelStridesAndPadding) {
  TensorType input = f32({1, 3, 8, 8});
  EXPECT_TRUE(failsWith(pool2d(input, {2}, {2, 2}, {0, 0}),
                        "kernel must have 2 entries [height, width], got [2]"));
  EXPECT_TRUE(failsWith(pool2d(input, {2, 2}, {2, 2, 1}, {0, 0}),
                        "strides must have 2 entries [height, width], got "
                        "[2, 2, 1]"));
  EXPECT_TRUE(failsWith(pool2d(input, {2, 2}, {2, 2}, {}),
                        "padding must have 2 entries"));
  EXPECT_TRUE(failsWith(pool2d(input, {0, 2}, {2, 2}, {0, 0}),
                        "kernel [0, 2] must be in [1, 2^20]"));
  EXPECT_TRUE(failsWith(pool2d(input, {2, 2}, {2, -2}, {0, 0}),
                        "strides [2, -2] must be in [1, 2^20]"));
  EXPECT_TRUE(failsWith(pool2d(input, {2, 2}, {2, 2}, {0, -1}),
                        "padding [0, -1] must be in [0, 2^20]"));
  EXPECT_TRUE(failsWith(pool2d(input, {2, 2}, {2, 2}, {0, k2to20 + 1}),
                        "padding [0, 1048577] must be in [0, 2^20]"));
}

TEST(Pool2D, RejectsPaddingAsLargeAsTheKernel) {
  EXPECT_TRUE(
      failsWith(pool2d(f32({1, 3, 8, 8}), {2, 2}, {2, 2}, {2, 0}),
                "padding [2, 0] must be smaller than the kernel [2, 2]"));
  EXPECT_TRUE(
      failsWith(pool2d(f32({1, 3, 8, 8}), {3, 1}, {1, 1}, {1, 1}),
                "padding [1, 1] must be smaller than the kernel [3, 1]"));
}

TEST(Pool2D, RejectsAKernelThatDoesNotFit) {
  EXPECT_TRUE(failsWith(pool2d(f32({1, 3, 8, 8}), {9, 2}, {2, 2}, {0, 0}),
                        "kernel [9, 2] does not fit the input f32[1, 3, 8, 8] "
                        "padded by [0, 0]"));
  // Padding of 1 on each side does not make a window of 4 fit one row:
  // 1 + 2 * 1 < 4.
  EXPECT_TRUE(failsWith(pool2d(f32({1, 1, 1, 4}), {4, 4}, {1, 1}, {1, 1}),
                        "does not fit"));
}

TEST(Pool2D, RejectsAResultOfMoreThan2To40Elements) {
  // 2^20 channels of one element, padded to 2^20 x 2^20 windows: 2^60
  // elements.
  EXPECT_TRUE(failsWith(pool2d(f32({1, k2to20, 1, 1}), {k2to20, k2to20}, {1, 1},
                               {k2to20 - 1, k2to20 - 1}),
                        "has more than 2^40 elements"));
  EXPECT_TRUE(gives(pool2d(f32({1, 1, 1, 1}), {k2to20, k2to20}, {1, 1},
                           {k2to20 - 1, k2to20 - 1}),
                    f32({1, 1, k2to20, k2to20})));
}

} // namespace
