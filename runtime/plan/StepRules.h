// The shape rules of the ops (shape) applied to decoded
// plan steps: one adapter per rule family, named in the rule column of
// KernelKinds.def. A plan whose shapes disagree with its kernels is rejected
// by the same rule the compiler applied.
#ifndef BRAID_RUNTIME_PLAN_STEPRULES_H
#define BRAID_RUNTIME_PLAN_STEPRULES_H

#include "runtime/plan/StepDesc.h"
#include "shape/ShapeRules.h"

namespace braid::runtime {

/// The rule's type of a decoded tensor.
shape::TensorType toRuleType(const TensorDesc &desc);

/// Applies a kind's shape rule to a step whose input count the table
/// allows; the result is the output type the inputs and attributes give.
using StepRule = shape::RuleResult (*)(const StepDesc &step);

namespace rules {
/// The rule column of the kinds validated by their family instead.
inline constexpr StepRule none = nullptr;

shape::RuleResult matmul(const StepDesc &step);
shape::RuleResult broadcastBinary(const StepDesc &step);
shape::RuleResult unaryFloat(const StepDesc &step);
shape::RuleResult softmax(const StepDesc &step);
shape::RuleResult sparseSoftmaxCrossEntropy(const StepDesc &step);
shape::RuleResult meanSquaredError(const StepDesc &step);
shape::RuleResult reduce(const StepDesc &step);
shape::RuleResult reduceMaxGrad(const StepDesc &step);
shape::RuleResult reshape(const StepDesc &step);
shape::RuleResult transpose(const StepDesc &step);
shape::RuleResult broadcastTo(const StepDesc &step);
shape::RuleResult flatten(const StepDesc &step);
shape::RuleResult conv2d(const StepDesc &step);
shape::RuleResult pool2d(const StepDesc &step);
shape::RuleResult elementwiseGrad(const StepDesc &step);
shape::RuleResult softmaxGrad(const StepDesc &step);
shape::RuleResult sparseSoftmaxCrossEntropyGrad(const StepDesc &step);
shape::RuleResult meanSquaredErrorGrad(const StepDesc &step);
shape::RuleResult conv2dBackwardData(const StepDesc &step);
shape::RuleResult conv2dBackwardFilter(const StepDesc &step);
shape::RuleResult maxPool2dGrad(const StepDesc &step);
shape::RuleResult avgPool2dGrad(const StepDesc &step);
shape::RuleResult accuracy(const StepDesc &step);
shape::RuleResult concat(const StepDesc &step);
shape::RuleResult slice(const StepDesc &step);
shape::RuleResult sliceGrad(const StepDesc &step);
shape::RuleResult compare(const StepDesc &step);
shape::RuleResult where(const StepDesc &step);
shape::RuleResult cast(const StepDesc &step);
shape::RuleResult dropout(const StepDesc &step);
shape::RuleResult embedding(const StepDesc &step);
shape::RuleResult embeddingGrad(const StepDesc &step);
shape::RuleResult layerNorm(const StepDesc &step);
shape::RuleResult layerNormStats(const StepDesc &step);
shape::RuleResult layerNormGrad(const StepDesc &step);
shape::RuleResult layerNormGainGrad(const StepDesc &step);
/// A generated kernel's step: the compiler's fusion decided its output, so
/// the rule checks only that its inputs and output are f32.
shape::RuleResult fused(const StepDesc &step);
/// f32 inputs of any shape, an f32[] result (the training scalars).
shape::RuleResult scalarF32(const StepDesc &step);
} // namespace rules

/// The rule of `kind` (the table's rule column); null for the in-place
/// updates and the collectives, and for a value outside the enum.
StepRule stepRule(plan::KernelKind kind);

} // namespace braid::runtime

#endif // BRAID_RUNTIME_PLAN_STEPRULES_H
