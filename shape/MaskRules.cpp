// The shape rules of the comparisons, where, cast and dropout.
#include "shape/ShapeRules.h"

#include <algorithm>

namespace braid::shape {
namespace {

/// numpy broadcasting of every shape in `types`, or a failure naming the
/// first pair of extents that disagree.
RuleResult broadcastAll(const std::vector<TensorType> &types,
                        ElementType element) {
  size_t rank = 0;
  for (const TensorType &t : types)
    rank = std::max(rank, t.dims.size());
  std::vector<int64_t> dims(rank, 1);
  for (const TensorType &t : types)
    for (size_t i = 0; i < t.dims.size(); ++i) {
      int64_t &d = dims[rank - t.dims.size() + i];
      int64_t e = t.dims[i];
      if (d != e && d != 1 && e != 1) {
        std::string shapes;
        for (const TensorType &u : types)
          shapes += (shapes.empty() ? "" : ", ") + toString(u);
        return RuleResult::fail(
            "shapes " + shapes + " do not broadcast (dimension " +
            std::to_string(d) + " against " + std::to_string(e) + ")");
      }
      d = std::max(d, e);
    }
  TensorType result{element, dims};
  if (std::optional<std::string> invalid = checkValid(result))
    return RuleResult::fail("result " + *invalid);
  return RuleResult::ok(result);
}

} // namespace

RuleResult compare(const TensorType &lhs, const TensorType &rhs) {
  if (lhs.element != rhs.element)
    return RuleResult::fail("operands must have one element type, got " +
                            toString(lhs) + " and " + toString(rhs));
  return broadcastAll({lhs, rhs}, ElementType::I32);
}

RuleResult where(const TensorType &mask, const TensorType &a,
                 const TensorType &b) {
  if (mask.element != ElementType::I32)
    return RuleResult::fail("mask must be i32 (0 or not), got " +
                            toString(mask));
  if (a.element != b.element)
    return RuleResult::fail("a and b must have one element type, got " +
                            toString(a) + " and " + toString(b));
  return broadcastAll({mask, a, b}, a.element);
}

RuleResult cast(const TensorType &input, ElementType element) {
  return RuleResult::ok({element, input.dims});
}

RuleResult dropout(const TensorType &input, double p) {
  if (input.element != ElementType::F32)
    return RuleResult::fail("operand must be f32, got " + toString(input));
  if (!(p >= 0 && p < 1))
    return RuleResult::fail("p must be in [0, 1), got " + std::to_string(p));
  return RuleResult::ok(input);
}

} // namespace braid::shape
