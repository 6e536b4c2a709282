// A kernel factory's check of its step against the op's shape rule: the
// plan loader applies the same rule, but a kernel may be created from any
// StepDesc (the C API's tests, the kernel tests), so the kernels of
// SliceConcat.cpp, Compare.cpp and Dropout.cpp check it again.
#ifndef BRAID_RUNTIME_KERNELS_STEPCHECK_H
#define BRAID_RUNTIME_KERNELS_STEPCHECK_H

#include "runtime/plan/KernelKinds.h"
#include "runtime/plan/StepDesc.h"
#include "runtime/support/Status.h"
#include "shape/ShapeRules.h"

namespace braid::runtime::kernels {

inline shape::TensorType ruleType(const TensorDesc &desc) {
  return {desc.type == plan::ElementType::F32 ? shape::ElementType::F32
                                              : shape::ElementType::I32,
          desc.shape};
}

/// Ok when `rule` holds and gives the step's output type.
inline Status checkRule(const StepDesc &step, const shape::RuleResult &rule) {
  if (!rule)
    return invalidArgument(kindName(step.kind) + " step: " + rule.error());
  shape::TensorType out = ruleType(step.outputs[0]);
  if (rule.type() != out)
    return invalidArgument(kindName(step.kind) + " step: the result is " +
                           shape::toString(out) + " but the operands give " +
                           shape::toString(rule.type()));
  return Status::ok();
}

} // namespace braid::runtime::kernels

#endif // BRAID_RUNTIME_KERNELS_STEPCHECK_H
