// The shape rules of the gradient ops: each checks the incoming gradient
// against what the forward op produced and returns the forward operand's
// type.
#include "shape/ShapeRules.h"

namespace braid::shape {
namespace {

/// Fails unless `dy` is exactly `expected`, the forward op's result type.
std::optional<std::string> expectGradient(const TensorType &dy,
                                          const RuleResult &forward) {
  if (!forward)
    return forward.error();
  if (dy != forward.type())
    return "incoming gradient " + toString(dy) +
           " does not match the forward result " + toString(forward.type());
  return std::nullopt;
}

RuleResult expectScalarGradient(const TensorType &dloss) {
  if (dloss.element != ElementType::F32 || dloss.rank() != 0)
    return RuleResult::fail("the loss gradient must be f32[], got " +
                            toString(dloss));
  return RuleResult::ok(dloss);
}

} // namespace

RuleResult elementwiseGrad(const TensorType &dy, const TensorType &saved) {
  if (dy.element != ElementType::F32 || saved.element != ElementType::F32 ||
      dy.dims != saved.dims)
    return RuleResult::fail("gradient " + toString(dy) + " and value " +
                            toString(saved) + " must be f32 of the same shape");
  return RuleResult::ok(saved);
}

RuleResult softmaxGrad(const TensorType &dy, const TensorType &y, int64_t axis,
                       bool causal) {
  if (auto e = expectGradient(dy, softmax(y, axis, causal)))
    return RuleResult::fail(*e);
  return RuleResult::ok(y);
}

RuleResult sparseSoftmaxCrossEntropyGrad(const TensorType &dloss,
                                         const TensorType &logits,
                                         const TensorType &labels) {
  if (RuleResult r = expectScalarGradient(dloss); !r)
    return r;
  if (RuleResult r = sparseSoftmaxCrossEntropy(logits, labels); !r)
    return r;
  return RuleResult::ok(logits);
}

RuleResult meanSquaredErrorGrad(const TensorType &dloss,
                                const TensorType &prediction,
                                const TensorType &target) {
  if (RuleResult r = expectScalarGradient(dloss); !r)
    return r;
  if (RuleResult r = meanSquaredError(prediction, target); !r)
    return r;
  return RuleResult::ok(prediction);
}

RuleResult conv2dBackwardData(const TensorType &dy, const TensorType &filter,
                              const std::vector<int64_t> &inputShape,
                              const std::vector<int64_t> &strides,
                              const std::vector<int64_t> &padding,
                              const std::vector<int64_t> &dilations) {
  TensorType input{ElementType::F32, inputShape};
  if (auto bad = checkValid(input))
    return RuleResult::fail("input shape: " + *bad);
  if (auto e = expectGradient(
          dy, conv2d(input, filter, std::nullopt, strides, padding, dilations)))
    return RuleResult::fail(*e);
  return RuleResult::ok(input);
}

RuleResult conv2dBackwardFilter(const TensorType &dy, const TensorType &input,
                                const std::vector<int64_t> &filterShape,
                                const std::vector<int64_t> &strides,
                                const std::vector<int64_t> &padding,
                                const std::vector<int64_t> &dilations) {
  TensorType filter{ElementType::F32, filterShape};
  if (auto bad = checkValid(filter))
    return RuleResult::fail("filter shape: " + *bad);
  if (auto e = expectGradient(
          dy, conv2d(input, filter, std::nullopt, strides, padding, dilations)))
    return RuleResult::fail(*e);
  return RuleResult::ok(filter);
}

RuleResult maxPool2dGrad(const TensorType &dy, const TensorType &x,
                         const std::vector<int64_t> &kernel,
                         const std::vector<int64_t> &strides,
                         const std::vector<int64_t> &padding) {
  if (auto e = expectGradient(dy, pool2d(x, kernel, strides, padding)))
    return RuleResult::fail(*e);
  return RuleResult::ok(x);
}

RuleResult avgPool2dGrad(const TensorType &dy,
                         const std::vector<int64_t> &inputShape,
                         const std::vector<int64_t> &kernel,
                         const std::vector<int64_t> &strides,
                         const std::vector<int64_t> &padding) {
  TensorType input{ElementType::F32, inputShape};
  if (auto bad = checkValid(input))
    return RuleResult::fail("input shape: " + *bad);
  if (auto e = expectGradient(dy, pool2d(input, kernel, strides, padding)))
    return RuleResult::fail(*e);
  return RuleResult::ok(input);
}

RuleResult reduceMaxGrad(const TensorType &dy, const TensorType &x,
                         const TensorType &y,
                         const std::vector<int64_t> &axes) {
  if (auto e = expectGradient(dy, reduce(x, axes)))
    return RuleResult::fail(*e);
  if (y != dy)
    return RuleResult::fail("maximum " + toString(y) +
                            " does not match the forward result " +
                            toString(dy));
  return RuleResult::ok(x);
}

RuleResult accuracy(const TensorType &logits, const TensorType &labels) {
  // The same operand rule as the loss it is reported beside.
  if (RuleResult r = sparseSoftmaxCrossEntropy(logits, labels); !r)
    return r;
  return RuleResult::ok({ElementType::F32, {}});
}

} // namespace braid::shape
