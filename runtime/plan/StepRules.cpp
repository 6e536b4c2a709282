// The rule column of KernelKinds.def: each adapter reads a step's inputs and
// attributes and calls the op family's shape rule.
#include "runtime/plan/StepRules.h"

#include "runtime/plan/KernelKinds.h"

#include <iterator>
#include <optional>

namespace braid::runtime {

shape::TensorType toRuleType(const TensorDesc &desc) {
  return {desc.type == plan::ElementType::F32 ? shape::ElementType::F32
                                              : shape::ElementType::I32,
          desc.shape};
}

namespace rules {
namespace {

shape::TensorType in(const StepDesc &s, size_t i) {
  return toRuleType(s.inputs[i]);
}
const std::vector<int64_t> &outShape(const StepDesc &s) {
  return s.outputs[0].shape;
}

} // namespace

shape::RuleResult matmul(const StepDesc &s) {
  return shape::matmul(in(s, 0), in(s, 1), s.transposeLhs, s.transposeRhs);
}

shape::RuleResult broadcastBinary(const StepDesc &s) {
  return shape::broadcastBinary(in(s, 0), in(s, 1));
}

shape::RuleResult unaryFloat(const StepDesc &s) {
  return shape::unaryFloat(in(s, 0));
}

shape::RuleResult softmax(const StepDesc &s) {
  if (s.axis < 0)
    return shape::RuleResult::fail("axis must be non-negative in a plan");
  if (s.causal && s.kind != plan::KernelKind::Softmax)
    return shape::RuleResult::fail("only softmax can be causal");
  return shape::softmax(in(s, 0), s.axis, s.causal);
}

shape::RuleResult sparseSoftmaxCrossEntropy(const StepDesc &s) {
  return shape::sparseSoftmaxCrossEntropy(in(s, 0), in(s, 1));
}

shape::RuleResult meanSquaredError(const StepDesc &s) {
  return shape::meanSquaredError(in(s, 0), in(s, 1));
}

shape::RuleResult reduce(const StepDesc &s) {
  for (size_t i = 0; i < s.axes.size(); ++i)
    if (s.axes[i] < 0 || (i > 0 && s.axes[i] <= s.axes[i - 1]))
      return shape::RuleResult::fail(
          "axes must be non-negative and ascending in a plan");
  return shape::reduce(in(s, 0), s.axes);
}

shape::RuleResult reduceMaxGrad(const StepDesc &s) {
  for (size_t i = 0; i < s.axes.size(); ++i)
    if (s.axes[i] < 0 || (i > 0 && s.axes[i] <= s.axes[i - 1]))
      return shape::RuleResult::fail(
          "axes must be non-negative and ascending in a plan");
  return shape::reduceMaxGrad(in(s, 0), in(s, 1), in(s, 2), s.axes);
}

shape::RuleResult reshape(const StepDesc &s) {
  return shape::reshape(in(s, 0), outShape(s));
}

shape::RuleResult transpose(const StepDesc &s) {
  return shape::transpose(in(s, 0), s.perm);
}

shape::RuleResult broadcastTo(const StepDesc &s) {
  return shape::broadcastTo(in(s, 0), outShape(s));
}

shape::RuleResult flatten(const StepDesc &s) {
  return shape::flatten(in(s, 0));
}

shape::RuleResult conv2d(const StepDesc &s) {
  std::optional<shape::TensorType> bias;
  if (s.inputs.size() == 3)
    bias = in(s, 2);
  return shape::conv2d(in(s, 0), in(s, 1), bias, s.strides, s.padding,
                       s.dilations);
}

shape::RuleResult pool2d(const StepDesc &s) {
  return shape::pool2d(in(s, 0), s.kernel, s.strides, s.padding);
}

shape::RuleResult elementwiseGrad(const StepDesc &s) {
  return shape::elementwiseGrad(in(s, 0), in(s, 1));
}

shape::RuleResult softmaxGrad(const StepDesc &s) {
  if (s.axis < 0)
    return shape::RuleResult::fail("axis must be non-negative in a plan");
  if (s.causal && s.kind != plan::KernelKind::SoftmaxGrad)
    return shape::RuleResult::fail("only softmax_grad can be causal");
  return shape::softmaxGrad(in(s, 0), in(s, 1), s.axis, s.causal);
}

shape::RuleResult sparseSoftmaxCrossEntropyGrad(const StepDesc &s) {
  return shape::sparseSoftmaxCrossEntropyGrad(in(s, 0), in(s, 1), in(s, 2));
}

shape::RuleResult meanSquaredErrorGrad(const StepDesc &s) {
  return shape::meanSquaredErrorGrad(in(s, 0), in(s, 1), in(s, 2));
}

shape::RuleResult conv2dBackwardData(const StepDesc &s) {
  return shape::conv2dBackwardData(in(s, 0), in(s, 1), outShape(s), s.strides,
                                   s.padding, s.dilations);
}

shape::RuleResult conv2dBackwardFilter(const StepDesc &s) {
  return shape::conv2dBackwardFilter(in(s, 0), in(s, 1), outShape(s), s.strides,
                                     s.padding, s.dilations);
}

shape::RuleResult maxPool2dGrad(const StepDesc &s) {
  return shape::maxPool2dGrad(in(s, 0), in(s, 1), s.kernel, s.strides,
                              s.padding);
}

shape::RuleResult avgPool2dGrad(const StepDesc &s) {
  return shape::avgPool2dGrad(in(s, 0), outShape(s), s.kernel, s.strides,
                              s.padding);
}

shape::RuleResult accuracy(const StepDesc &s) {
  return shape::accuracy(in(s, 0), in(s, 1));
}

shape::RuleResult concat(const StepDesc &s) {
  if (s.axis < 0)
    return shape::RuleResult::fail("axis must be non-negative in a plan");
  std::vector<shape::TensorType> inputs;
  for (size_t i = 0; i < s.inputs.size(); ++i)
    inputs.push_back(in(s, i));
  return shape::concat(inputs, s.axis);
}

shape::RuleResult slice(const StepDesc &s) {
  if (s.axis < 0 || s.axis >= static_cast<int64_t>(outShape(s).size()))
    return shape::RuleResult::fail(
        "axis must be non-negative and below the rank in a plan");
  return shape::slice(in(s, 0), s.axis, s.start, outShape(s)[s.axis]);
}

shape::RuleResult sliceGrad(const StepDesc &s) {
  if (s.axis < 0)
    return shape::RuleResult::fail("axis must be non-negative in a plan");
  return shape::sliceGrad(in(s, 0), outShape(s), s.axis, s.start);
}

shape::RuleResult compare(const StepDesc &s) {
  return shape::compare(in(s, 0), in(s, 1));
}

shape::RuleResult where(const StepDesc &s) {
  return shape::where(in(s, 0), in(s, 1), in(s, 2));
}

shape::RuleResult cast(const StepDesc &s) {
  return shape::cast(in(s, 0), toRuleType(s.outputs[0]).element);
}

shape::RuleResult dropout(const StepDesc &s) {
  if (s.inputs[0].shape.empty())
    return shape::RuleResult::fail("operand must have rank 1 or more");
  return shape::dropout(in(s, 0), s.dropoutP);
}

shape::RuleResult embedding(const StepDesc &s) {
  return shape::embedding(in(s, 0), in(s, 1));
}

shape::RuleResult embeddingGrad(const StepDesc &s) {
  // The table's rows are the output's: the gradient's shape says them.
  if (outShape(s).size() != 2)
    return shape::RuleResult::fail("result must have rank 2, got " +
                                   shape::toString(outShape(s)));
  return shape::embeddingGrad(in(s, 0), in(s, 1), outShape(s)[0]);
}

/// layer_norm's eps, finite and positive, as the language requires.
static std::optional<shape::RuleResult> badEps(const StepDesc &s) {
  if (!(s.eps > 0 && s.eps < 1))
    return shape::RuleResult::fail("eps must be in (0, 1), got " +
                                   std::to_string(s.eps));
  return std::nullopt;
}

shape::RuleResult layerNorm(const StepDesc &s) {
  if (auto bad = badEps(s))
    return *bad;
  return shape::layerNorm(in(s, 0), in(s, 1), in(s, 2));
}

shape::RuleResult layerNormStats(const StepDesc &s) {
  if (auto bad = badEps(s))
    return *bad;
  return shape::layerNormStats(in(s, 0));
}

shape::RuleResult layerNormGrad(const StepDesc &s) {
  return shape::layerNormGrad(in(s, 0), in(s, 1), in(s, 2), in(s, 3));
}

shape::RuleResult layerNormGainGrad(const StepDesc &s) {
  return shape::layerNormGainGrad(in(s, 0), in(s, 1), in(s, 2));
}

shape::RuleResult scalarF32(const StepDesc &s) {
  for (const TensorDesc &t : s.inputs)
    if (t.type != plan::ElementType::F32)
      return shape::RuleResult::fail("expects f32 operands, got " +
                                     shape::toString(toRuleType(t)));
  return shape::RuleResult::ok({shape::ElementType::F32, {}});
}

shape::RuleResult fused(const StepDesc &s) {
  for (const TensorDesc &t : s.inputs)
    if (t.type != plan::ElementType::F32)
      return shape::RuleResult::fail("expects f32 operands, got " +
                                     shape::toString(toRuleType(t)));
  if (s.outputs.size() != 1 || s.outputs[0].type != plan::ElementType::F32)
    return shape::RuleResult::fail("expects one f32 output");
  return shape::RuleResult::ok(toRuleType(s.outputs[0]));
}

} // namespace rules

namespace {

constexpr StepRule kRules[] = {
#define BRAID_KERNEL_KIND(Enum, name, minInputs, maxInputs, rule, factory,     \
                          traits)                                              \
  rules::rule,
#include "runtime/plan/KernelKinds.def"
#undef BRAID_KERNEL_KIND
};
static_assert(std::size(kRules) == std::size(kKernelKinds));

// A kind has a shape rule exactly when its steps write a fresh tensor.
constexpr bool rulesMatchTraits() {
  for (size_t i = 0; i < std::size(kRules); ++i)
    if ((kRules[i] == nullptr) != kKernelKinds[i].inPlace())
      return false;
  return true;
}
static_assert(rulesMatchTraits(),
              "KernelKinds.def: rule none exactly for in-place kinds");

} // namespace

StepRule stepRule(plan::KernelKind kind) {
  int row = kernelKindRow(kind);
  return row >= 0 ? kRules[row] : nullptr;
}

} // namespace braid::runtime
