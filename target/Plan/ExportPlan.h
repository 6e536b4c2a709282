// Plan export: a lowered braid module to the FlatBuffer plan the runtime
// loads (runtime/schema/plan.fbs). A translation out of MLIR, not a pass.
#ifndef BRAID_TARGET_PLAN_EXPORTPLAN_H
#define BRAID_TARGET_PLAN_EXPORTPLAN_H

#include "codegen/NativeCode.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace braid {

/// Writes the plan of `module` to `os`. The module must have gone through
/// braid-lower-to-plan: every func tagged braid.entry_point becomes one
/// EntryPoint, its ops steps in op order (each through
/// PlanStepOpInterface), and its arena values carry braid.offset. Fails with
/// a located error (nothing is written) on what the plan cannot express,
/// e.g. an op that is not a plan step.
///
/// `code` is the module's generated kernels (codegen::compileKernels): the
/// plan then carries their symbols (Plan.kernels) and one image per ISA
/// variant (Plan.code, with its hash), and every Fused step names its kernel
/// (kernel_index, by the op's `kernel` attribute) and its work_items. A
/// Fused step without code for its kernel is an error.
mlir::LogicalResult exportPlan(mlir::ModuleOp module, llvm::raw_ostream &os,
                               const codegen::NativeCode *code = nullptr);

/// exportPlan with the module's generated kernels, as braidc writes a plan:
/// compiles them first (codegen::compileKernels) when the module has any.
mlir::LogicalResult compileAndExportPlan(mlir::ModuleOp module,
                                         llvm::raw_ostream &os);

/// The plan's Metadata.module_hash: 64-bit FNV-1a of the module's generic
/// form as exportPlan receives it (after lowering), printed without
/// locations and independently of MLIR's command-line printing flags, so that
/// ranks compiling the same model with the same compiler agree.
uint64_t hashModule(mlir::ModuleOp module);

} // namespace braid

#endif // BRAID_TARGET_PLAN_EXPORTPLAN_H
