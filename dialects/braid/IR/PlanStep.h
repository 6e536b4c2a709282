// What a braid op fills in to become a step of the runtime's plan
// (runtime/schema/plan.fbs): the step's attribute fields, and the trait that
// names an op's kernel. The interface that asks for them is
// BraidPlanInterfaces.td.
#ifndef BRAID_DIALECTS_BRAID_IR_PLANSTEP_H
#define BRAID_DIALECTS_BRAID_IR_PLANSTEP_H

#include "dialects/braid/IR/BraidAttrs.h"
#include "runtime/schema/plan_generated.h"

#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace braid {

/// The fields of a plan Step beyond its kind, inputs and outputs, as an op
/// fills them through PlanStepOpInterface::fillStepAttributes. Each starts at
/// the schema's default, which the plan leaves out; an empty list is left
/// out too. What each field means is said in plan.fbs.
struct PlanStepAttributes {
  int64_t axis = 0;
  llvm::SmallVector<int64_t> axes, perm, kernel, strides, padding, dilations;
  double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, eps = 0;
  double exponent = 0;
  int64_t start = 0;
  double dropoutP = 0;
  uint32_t salt = 0;
  plan::LrScheduleKind schedule = plan::LrScheduleKind::Constant;
  int64_t warmup = 0, total = 0, every = 0;
  double floor = 0, gamma = 0, maxNorm = 0, weightDecay = 0;
  bool transposeLhs = false, transposeRhs = false;
  bool causal = false;
  plan::Reduction reduction = plan::Reduction::Sum;
  int32_t root = 0;
};

/// `axis` of a tensor of rank `rank` counted from the front, as the plan
/// takes it (the dialect lets negative axes count from the back).
int64_t nonNegativeAxis(int64_t axis, int64_t rank);

/// Each of `axes` counted from the front, in ascending order.
llvm::SmallVector<int64_t> nonNegativeAxes(llvm::ArrayRef<int64_t> axes,
                                           int64_t rank);

/// The plan's name for a reduction over replicas.
plan::Reduction planReduction(Reduction kind);

/// The C++ side of ODS's `Braid_PlanKernel<"Kind">`: the kernel that runs the
/// op, which PlanStepOpInterface::getKernelKind returns by default.
template <plan::KernelKind Kind> struct PlanKernel {
  template <typename ConcreteOp>
  class Impl : public mlir::OpTrait::TraitBase<ConcreteOp, Impl> {
  public:
    static constexpr plan::KernelKind kKernelKind = Kind;
  };
};

} // namespace braid

/// PlanStepOpInterface (BraidPlanInterfaces.td).
#include "dialects/braid/IR/BraidPlanInterfaces.h.inc"

#endif // BRAID_DIALECTS_BRAID_IR_PLANSTEP_H
