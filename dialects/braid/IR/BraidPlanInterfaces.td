// The plan-step interface: how a braid op becomes a step of the runtime's
// plan (runtime/schema/plan.fbs). The plan exporter (target/Plan) asks every
// op of an entry point through it, so it needs no list of ops.
#ifndef BRAID_PLAN_INTERFACES_TD
#define BRAID_PLAN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Braid_PlanStepOpInterface : OpInterface<"PlanStepOpInterface"> {
  let cppNamespace = "::braid";
  let description = [{
    An op that the runtime runs as one step of a plan: a kernel
    (`plan::KernelKind`), the tensors it reads and writes, and the step's
    attribute fields. Every method has a default that fits the common op, one
    whose operands are the step's inputs, whose one result is a new tensor in
    the arena and that has no attributes; such an op only names its kernel,
    with `Braid_PlanStep<"Kind">` in its ODS traits. An op overrides the
    others by listing them: `Braid_PlanStep<"Kind", ["fillStepAttributes"]>`
    and a definition in its `extraClassDefinition`.

    Ops without a kernel (`braid.constant`, whose value the plan stores as
    constant data) do not implement it.
  }];
  let methods = [
    InterfaceMethod<[{
        The kernel that runs the op. By default the kind named in the op's
        `Braid_PlanStep<"Kind">` trait.
      }],
      "::braid::plan::KernelKind", "getKernelKind", (ins), [{}],
      [{ return ConcreteOp::kKernelKind; }]>,
    InterfaceMethod<[{
        The tensors the step reads, in the plan's input order. By default
        every operand, in order.
      }],
      "::llvm::SmallVector<::mlir::Value>", "getStepInputs", (ins), [{}],
      [{ return ::llvm::SmallVector<::mlir::Value>($_op->getOperands()); }]>,
    InterfaceMethod<[{
        The tensors the step overwrites in place, which are its outputs, in
        order (an optimizer update's parameter and state, a collective's
        operands). The op's tensor results, if it has any, then name these
        same tensors: result #i is output #i. By default none: the step
        computes a new tensor, its one tensor result, placed in the arena at
        the op's `braid.offset`.
      }],
      "::llvm::SmallVector<::mlir::Value>", "getInPlaceOutputs", (ins), [{}],
      [{ return {}; }]>,
    InterfaceMethod<[{
        The request (`!braid.request`) that pairs a started collective with
        its wait: the value the step starts or completes, or null (the
        default). The exporter numbers the requests of an entry point.
      }],
      "::mlir::Value", "getStepRequest", (ins), [{}], [{ return {}; }]>,
    InterfaceMethod<[{
        Fills the step's attribute fields (axes, window, hyper-parameters,
        reduction...) that the op has. By default none.
      }],
      "void", "fillStepAttributes",
      (ins "::braid::PlanStepAttributes &":$attributes), [{}],
      [{ return; }]>,
  ];
}

// The kernel `kind` (a plan::KernelKind name) that runs an op as a step.
class Braid_PlanKernel<string kind>
    : ParamNativeOpTrait<"PlanKernel", "::braid::plan::KernelKind::" # kind> {
  let cppNamespace = "::braid";
}

// An op that becomes a plan step run by kernel `kind`; `overridden` lists the
// interface methods the op defines itself (in its extraClassDefinition).
class Braid_PlanStep<string kind, list<string> overridden = []>
    : TraitList<[Braid_PlanKernel<kind>,
                 DeclareOpInterfaceMethods<Braid_PlanStepOpInterface,
                                           overridden>]>;

#endif // BRAID_PLAN_INTERFACES_TD
