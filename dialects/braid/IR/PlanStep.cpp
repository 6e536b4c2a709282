// The helpers ops use to fill their plan steps, and the plan-step interface's
// generated definitions.
#include "dialects/braid/IR/PlanStep.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"

#include "dialects/braid/IR/BraidPlanInterfaces.cpp.inc"

namespace braid {

int64_t nonNegativeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

llvm::SmallVector<int64_t> nonNegativeAxes(llvm::ArrayRef<int64_t> axes,
                                           int64_t rank) {
  llvm::SmallVector<int64_t> result;
  for (int64_t axis : axes)
    result.push_back(nonNegativeAxis(axis, rank));
  llvm::sort(result);
  return result;
}

plan::Reduction planReduction(Reduction kind) {
  switch (kind) {
  case Reduction::sum:
    return plan::Reduction::Sum;
  case Reduction::mean:
    return plan::Reduction::Mean;
  case Reduction::max:
    return plan::Reduction::Max;
  case Reduction::min:
    return plan::Reduction::Min;
  }
  llvm_unreachable("unknown reduction");
}

} // namespace braid
