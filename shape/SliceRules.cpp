// The shape rules of concat, slice and slice's gradient.
#include "shape/ShapeRules.h"

namespace braid::shape {
namespace {

/// `axis` counted from the front, or nullopt when outside [-rank, rank).
std::optional<int64_t> axisIn(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::string axisError(int64_t axis, const TensorType &type) {
  return "axis " + std::to_string(axis) + " is out of range for " +
         toString(type);
}

} // namespace

RuleResult concat(const std::vector<TensorType> &inputs, int64_t axis) {
  if (inputs.empty())
    return RuleResult::fail("needs at least one operand");
  const TensorType &first = inputs[0];
  if (first.rank() == 0)
    return RuleResult::fail("operands must have rank 1 or more, got " +
                            toString(first));
  std::optional<int64_t> a = axisIn(axis, first.rank());
  if (!a)
    return RuleResult::fail(axisError(axis, first));
  TensorType result = first;
  for (size_t i = 1; i < inputs.size(); ++i) {
    const TensorType &t = inputs[i];
    bool sameOtherwise = t.element == first.element && t.rank() == first.rank();
    for (int64_t d = 0; sameOtherwise && d < t.rank(); ++d)
      sameOtherwise = d == *a || t.dims[d] == first.dims[d];
    if (!sameOtherwise)
      return RuleResult::fail("operand #" + std::to_string(i) + " " +
                              toString(t) + " does not match " +
                              toString(first) + " in element type and in " +
                              "every dimension but axis " + std::to_string(*a));
    result.dims[*a] += t.dims[*a];
    if (result.dims[*a] > kMaxElements)
      return RuleResult::fail("the result has more than 2^40 elements");
  }
  if (std::optional<std::string> invalid = checkValid(result))
    return RuleResult::fail("result " + *invalid);
  return RuleResult::ok(result);
}

RuleResult slice(const TensorType &input, int64_t axis, int64_t start,
                 int64_t size) {
  if (input.rank() == 0)
    return RuleResult::fail("operand must have rank 1 or more, got " +
                            toString(input));
  std::optional<int64_t> a = axisIn(axis, input.rank());
  if (!a)
    return RuleResult::fail(axisError(axis, input));
  int64_t extent = input.dims[*a];
  if (start < 0 || size < 1 || start > extent || size > extent - start)
    return RuleResult::fail("start " + std::to_string(start) + " and size " +
                            std::to_string(size) + " do not fit in dimension " +
                            std::to_string(*a) + " of " + toString(input) +
                            " (0 <= start, 1 <= " + "size, start + size <= " +
                            std::to_string(extent) + ")");
  TensorType result = input;
  result.dims[*a] = size;
  return RuleResult::ok(result);
}

RuleResult sliceGrad(const TensorType &dy,
                     const std::vector<int64_t> &inputShape, int64_t axis,
                     int64_t start) {
  TensorType input{ElementType::F32, inputShape};
  if (std::optional<std::string> invalid = checkValid(input))
    return RuleResult::fail("operand shape " + *invalid);
  if (dy.element != ElementType::F32 || dy.rank() != input.rank())
    return RuleResult::fail("dy " + toString(dy) +
                            " must be f32 of the operand's rank, for " +
                            toString(input));
  std::optional<int64_t> a = axisIn(axis, input.rank());
  if (!a)
    return RuleResult::fail(axisError(axis, input));
  RuleResult forward = slice(input, *a, start, dy.dims[*a]);
  if (!forward)
    return forward;
  if (forward.type() != dy)
    return RuleResult::fail("dy " + toString(dy) + " is not the slice's " +
                            toString(forward.type()));
  return RuleResult::ok(input);
}

} // namespace braid::shape
