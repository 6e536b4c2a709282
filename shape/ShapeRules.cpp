// The shape rules of the braid ops: elementwise, matmul, losses, reductions
// and shape manipulation. Convolution and pooling are in ConvRules.cpp.
#include "shape/ShapeRules.h"

#include <algorithm>

namespace braid::shape {
namespace {

RuleResult expectFloat(const TensorType &type, const char *what) {
  if (type.element != ElementType::F32)
    return RuleResult::fail(std::string(what) + " must be f32, got " +
                            toString(type));
  return RuleResult::ok(type);
}

/// `type` as a rule's result, or a failure when it has more than kMaxElements
/// elements: a rule whose result outgrows its operands must check it.
RuleResult okIfValid(TensorType type) {
  if (std::optional<std::string> invalid = checkValid(type))
    return RuleResult::fail("result " + *invalid);
  return RuleResult::ok(std::move(type));
}

/// Normalises `axis` against `rank` (negative counts from the end).
std::optional<int64_t> normaliseAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// The element count, or nullopt past kMaxElements.
std::optional<int64_t> elementCount(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d <= 0 || d > kMaxElements / n)
      return std::nullopt;
    n *= d;
  }
  return n;
}

} // namespace

RuleResult unaryFloat(const TensorType &input) {
  return expectFloat(input, "operand");
}

RuleResult broadcastBinary(const TensorType &lhs, const TensorType &rhs) {
  if (lhs.element != ElementType::F32 || rhs.element != ElementType::F32)
    return RuleResult::fail("operands must be f32, got " + toString(lhs) +
                            " and " + toString(rhs));
  // numpy broadcasting: align trailing dimensions; each pair must be equal or
  // contain a 1.
  size_t rank = std::max(lhs.dims.size(), rhs.dims.size());
  std::vector<int64_t> dims(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a =
        i < rank - lhs.dims.size() ? 1 : lhs.dims[i - (rank - lhs.dims.size())];
    int64_t b =
        i < rank - rhs.dims.size() ? 1 : rhs.dims[i - (rank - rhs.dims.size())];
    if (a != b && a != 1 && b != 1)
      return RuleResult::fail("shapes " + toString(lhs) + " and " +
                              toString(rhs) + " do not broadcast (dimension " +
                              std::to_string(a) + " against " +
                              std::to_string(b) + ")");
    dims[i] = std::max(a, b);
  }
  return okIfValid({ElementType::F32, dims});
}

RuleResult matmul(const TensorType &lhs, const TensorType &rhs,
                  bool transposeLhs, bool transposeRhs) {
  if (lhs.element != ElementType::F32 || rhs.element != ElementType::F32)
    return RuleResult::fail("operands must be f32, got " + toString(lhs) +
                            " and " + toString(rhs));
  if (lhs.rank() < 2 || rhs.rank() < 2)
    return RuleResult::fail("operands must have rank 2 or more, got " +
                            toString(lhs) + " and " + toString(rhs));
  size_t lr = lhs.dims.size(), rr = rhs.dims.size();
  int64_t m = lhs.dims[lr - (transposeLhs ? 1 : 2)],
          k = lhs.dims[lr - (transposeLhs ? 2 : 1)];
  int64_t rk = rhs.dims[rr - (transposeRhs ? 1 : 2)],
          n = rhs.dims[rr - (transposeRhs ? 2 : 1)];
  auto named = [](const TensorType &t, bool transposed) {
    return toString(t) + (transposed ? " (transposed)" : "");
  };
  if (k != rk)
    return RuleResult::fail(
        "inner dimensions differ: " + named(lhs, transposeLhs) + " has " +
        std::to_string(k) + " columns but " + named(rhs, transposeRhs) +
        " has " + std::to_string(rk) + " rows");
  // The leading (batch) dimensions broadcast as numpy's.
  std::vector<int64_t> dims;
  if (lr > 2 || rr > 2) {
    RuleResult batch = broadcastBinary(
        {ElementType::F32,
         std::vector<int64_t>(lhs.dims.begin(), lhs.dims.end() - 2)},
        {ElementType::F32,
         std::vector<int64_t>(rhs.dims.begin(), rhs.dims.end() - 2)});
    if (!batch)
      return RuleResult::fail("batch dimensions of " + toString(lhs) + " and " +
                              toString(rhs) +
                              " do not broadcast: " + batch.error());
    dims = batch.type().dims;
  }
  dims.push_back(m);
  dims.push_back(n);
  return okIfValid({ElementType::F32, dims});
}

RuleResult softmax(const TensorType &input, int64_t axis, bool causal) {
  if (RuleResult r = expectFloat(input, "operand"); !r)
    return r;
  if (input.rank() == 0)
    return RuleResult::fail("operand must have rank 1 or more, got " +
                            toString(input));
  std::optional<int64_t> normalised = normaliseAxis(axis, input.rank());
  if (!normalised)
    return RuleResult::fail("axis " + std::to_string(axis) +
                            " is out of range for " + toString(input));
  if (!causal)
    return RuleResult::ok(input);
  if (input.rank() < 2 ||
      input.dims[input.rank() - 1] != input.dims[input.rank() - 2])
    return RuleResult::fail("causal softmax needs the last two dimensions "
                            "equal (query, key), got " +
                            toString(input));
  if (*normalised != input.rank() - 1)
    return RuleResult::fail("causal softmax runs along the last axis (the "
                            "key), got axis " +
                            std::to_string(axis) + " of " + toString(input));
  return RuleResult::ok(input);
}

RuleResult sparseSoftmaxCrossEntropy(const TensorType &logits,
                                     const TensorType &labels) {
  if (logits.element != ElementType::F32 || logits.rank() < 2)
    return RuleResult::fail("logits must be f32[B, ..., C], got " +
                            toString(logits));
  if (labels.element != ElementType::I32 || labels.rank() < 1)
    return RuleResult::fail("labels must be i32[B, ...], got " +
                            toString(labels));
  if (!std::equal(labels.dims.begin(), labels.dims.end(), logits.dims.begin(),
                  logits.dims.end() - 1))
    return RuleResult::fail("batch sizes differ: logits " + toString(logits) +
                            ", labels " + toString(labels) +
                            " (the labels' shape must be the logits' but the "
                            "last dimension)");
  return RuleResult::ok({ElementType::F32, {}});
}

RuleResult meanSquaredError(const TensorType &prediction,
                            const TensorType &target) {
  if (prediction.element != ElementType::F32 ||
      target.element != ElementType::F32)
    return RuleResult::fail("operands must be f32, got " +
                            toString(prediction) + " and " + toString(target));
  if (prediction.dims != target.dims)
    return RuleResult::fail("prediction " + toString(prediction) +
                            " and target " + toString(target) +
                            " must have the same shape");
  return RuleResult::ok({ElementType::F32, {}});
}

RuleResult reduce(const TensorType &input, const std::vector<int64_t> &axes) {
  if (RuleResult r = expectFloat(input, "operand"); !r)
    return r;
  if (axes.empty())
    return RuleResult::fail("axes must not be empty");
  std::vector<bool> removed(input.dims.size(), false);
  for (int64_t axis : axes) {
    std::optional<int64_t> a = normaliseAxis(axis, input.rank());
    if (!a)
      return RuleResult::fail("axis " + std::to_string(axis) +
                              " is out of range for " + toString(input));
    if (removed[*a])
      return RuleResult::fail("axis " + std::to_string(axis) +
                              " is listed twice in " + toString(axes));
    removed[*a] = true;
  }
  TensorType result{ElementType::F32, {}};
  for (size_t i = 0; i < input.dims.size(); ++i)
    if (!removed[i])
      result.dims.push_back(input.dims[i]);
  return RuleResult::ok(result);
}

RuleResult reshape(const TensorType &input, const std::vector<int64_t> &shape) {
  std::optional<int64_t> to = elementCount(shape);
  if (!to)
    return RuleResult::fail("target shape " + toString(shape) +
                            " must have positive dimensions and at most 2^40 "
                            "elements");
  std::optional<int64_t> from = elementCount(input.dims);
  if (from != to)
    return RuleResult::fail("cannot reshape " + toString(input) + " (" +
                            std::to_string(from.value_or(0)) +
                            " elements) to " + toString(shape) + " (" +
                            std::to_string(*to) + " elements)");
  return RuleResult::ok({input.element, shape});
}

RuleResult transpose(const TensorType &input,
                     const std::vector<int64_t> &perm) {
  if (static_cast<int64_t>(perm.size()) != input.rank())
    return RuleResult::fail("permutation " + toString(perm) + " has " +
                            std::to_string(perm.size()) +
                            " entries but the operand " + toString(input) +
                            " has rank " + std::to_string(input.rank()));
  std::vector<bool> seen(perm.size(), false);
  TensorType result{input.element, {}};
  for (int64_t p : perm) {
    if (p < 0 || p >= input.rank() || seen[p])
      return RuleResult::fail(toString(perm) + " is not a permutation of 0.." +
                              std::to_string(input.rank() - 1));
    seen[p] = true;
    result.dims.push_back(input.dims[p]);
  }
  return RuleResult::ok(result);
}

RuleResult broadcastTo(const TensorType &input,
                       const std::vector<int64_t> &shape) {
  if (!elementCount(shape))
    return RuleResult::fail("target shape " + toString(shape) +
                            " must have positive dimensions and at most 2^40 "
                            "elements");
  if (input.dims.size() > shape.size())
    return RuleResult::fail("cannot broadcast " + toString(input) +
                            " to the lower-rank shape " + toString(shape));
  size_t offset = shape.size() - input.dims.size();
  for (size_t i = 0; i < input.dims.size(); ++i)
    if (input.dims[i] != 1 && input.dims[i] != shape[offset + i])
      return RuleResult::fail("cannot broadcast " + toString(input) + " to " +
                              toString(shape) + " (dimension " +
                              std::to_string(input.dims[i]) + " against " +
                              std::to_string(shape[offset + i]) + ")");
  return RuleResult::ok({input.element, shape});
}

RuleResult flatten(const TensorType &input) {
  if (input.rank() == 0)
    return RuleResult::fail("operand must have rank 1 or more, got " +
                            toString(input));
  int64_t rest = 1;
  for (size_t i = 1; i < input.dims.size(); ++i)
    rest *= input.dims[i];
  return RuleResult::ok({input.element, {input.dims[0], rest}});
}

} // namespace braid::shape
