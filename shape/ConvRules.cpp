// The shape rules of conv2d, max_pool2d and avg_pool2d (NCHW, OIHW).
#include "shape/ShapeRules.h"

namespace braid::shape {
namespace {

/// `type` as a rule's result, or a failure when it has more than kMaxElements
/// elements: a rule whose result outgrows its operands must check it.
RuleResult okIfValid(TensorType type) {
  if (std::optional<std::string> invalid = checkValid(type))
    return RuleResult::fail("result " + *invalid);
  return RuleResult::ok(std::move(type));
}

/// Checks that `values` holds two entries of at least `min`.
std::optional<std::string>
checkPair(const char *name, const std::vector<int64_t> &values, int64_t min) {
  if (values.size() != 2)
    return std::string(name) + " must have 2 entries [height, width], got " +
           toString(values);
  for (int64_t v : values)
    // The upper bound keeps (window - 1) * dilation far from overflow.
    if (v < min || v > (int64_t(1) << 20))
      return std::string(name) + " " + toString(values) + " must be in [" +
             std::to_string(min) + ", 2^20]";
  return std::nullopt;
}

/// Output extent of one spatial dimension, or a non-positive value when the
/// window does not fit.
int64_t outputExtent(int64_t in, int64_t window, int64_t stride, int64_t pad,
                     int64_t dilation) {
  int64_t effective = (window - 1) * dilation + 1;
  if (in + 2 * pad < effective)
    return 0;
  return (in + 2 * pad - effective) / stride + 1;
}

} // namespace

RuleResult conv2d(const TensorType &input, const TensorType &filter,
                  const std::optional<TensorType> &bias,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &padding,
                  const std::vector<int64_t> &dilations) {
  if (input.element != ElementType::F32 || input.rank() != 4)
    return RuleResult::fail("input must be f32[N, C, H, W], got " +
                            toString(input));
  if (filter.element != ElementType::F32 || filter.rank() != 4)
    return RuleResult::fail("filter must be f32[O, C, KH, KW], got " +
                            toString(filter));
  if (filter.dims[1] != input.dims[1])
    return RuleResult::fail("filter " + toString(filter) + " expects " +
                            std::to_string(filter.dims[1]) +
                            " input channels but the input " + toString(input) +
                            " has " + std::to_string(input.dims[1]));
  if (bias && (bias->element != ElementType::F32 ||
               bias->dims != std::vector<int64_t>{filter.dims[0]}))
    return RuleResult::fail("bias must be f32[" +
                            std::to_string(filter.dims[0]) + "], got " +
                            toString(*bias));
  if (auto e = checkPair("strides", strides, 1))
    return RuleResult::fail(*e);
  if (auto e = checkPair("padding", padding, 0))
    return RuleResult::fail(*e);
  if (auto e = checkPair("dilations", dilations, 1))
    return RuleResult::fail(*e);
  TensorType result{ElementType::F32, {input.dims[0], filter.dims[0], 0, 0}};
  for (int i = 0; i < 2; ++i) {
    result.dims[2 + i] = outputExtent(input.dims[2 + i], filter.dims[2 + i],
                                      strides[i], padding[i], dilations[i]);
    if (result.dims[2 + i] <= 0)
      return RuleResult::fail("filter " + toString(filter) +
                              " with dilations " + toString(dilations) +
                              " does not fit the input " + toString(input) +
                              " padded by " + toString(padding));
  }
  return okIfValid(result);
}

RuleResult pool2d(const TensorType &input, const std::vector<int64_t> &kernel,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &padding) {
  if (input.element != ElementType::F32 || input.rank() != 4)
    return RuleResult::fail("input must be f32[N, C, H, W], got " +
                            toString(input));
  if (auto e = checkPair("kernel", kernel, 1))
    return RuleResult::fail(*e);
  if (auto e = checkPair("strides", strides, 1))
    return RuleResult::fail(*e);
  if (auto e = checkPair("padding", padding, 0))
    return RuleResult::fail(*e);
  for (int i = 0; i < 2; ++i)
    if (padding[i] >= kernel[i])
      return RuleResult::fail("padding " + toString(padding) +
                              " must be smaller than the kernel " +
                              toString(kernel));
  TensorType result{ElementType::F32, {input.dims[0], input.dims[1], 0, 0}};
  for (int i = 0; i < 2; ++i) {
    result.dims[2 + i] =
        outputExtent(input.dims[2 + i], kernel[i], strides[i], padding[i], 1);
    if (result.dims[2 + i] <= 0)
      return RuleResult::fail("kernel " + toString(kernel) +
                              " does not fit the input " + toString(input) +
                              " padded by " + toString(padding));
  }
  return okIfValid(result);
}

} // namespace braid::shape
