// The fused region op that braid-fuse (passes/Fusion.cpp) builds from a chain
// of elementwise ops, and its terminator. The compiler generates one native
// kernel per braid.fused; the plan runs it as a `Fused` step. Its verifier
// and the list of ops a body may hold are in BraidFusedOps.cpp. Included
// from BraidOps.td.
#ifndef BRAID_FUSED_OPS_TD
#define BRAID_FUSED_OPS_TD

include "dialects/braid/IR/BraidDialect.td"
include "dialects/braid/IR/BraidPlanInterfaces.td"

// Pure: the body holds only pure elementwise ops. IsolatedFromAbove: the
// body reads nothing but its block arguments, so the kernel's buffers are
// exactly the op's operands and its result.
def Braid_FusedOp : Op<Braid_Dialect, "fused",
    [Pure, IsolatedFromAbove, Braid_PlanStep<"Fused">]> {
  let summary = "a chain of elementwise ops run as one generated kernel";
  let description = [{
    Computes its one result by running its body: the block's arguments are
    the operands, and `braid.yield` names the result. The body holds only
    fusible ops (those implementing `FusibleOpInterface`: the elementwise
    unary, binary and gradient ops, `pow`) and the yield, on f32 tensors of static
    shape. `kernel` is the symbol of the op's generated kernel, unique in
    the module (`braid_fused_N`, numbered by braid-fuse).

    In a plan it is a `Fused` step: its operands in, one new arena tensor
    out (never in place); the exporter fills the step's kernel index and
    work items from the generated code.

    Constraints: (c1) the body is one block whose arguments have the
    operands' types, in order; (c2) it ends in `braid.yield` of a value of
    the result's type; (c3) every other op of the body is fusible; (c4)
    every operand, result and value of the body is an f32 tensor of static
    shape.

    ```mlir
    %r = braid.fused "braid_fused_0" (%a, %b) : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32> {
    ^bb0(%x: tensor<64x128xf32>, %y: tensor<128xf32>):
      %s = braid.add %x, %y : tensor<64x128xf32>, tensor<128xf32>
      %t = braid.relu %s : tensor<64x128xf32>
      braid.yield %t : tensor<64x128xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Braid_F32Tensor>:$inputs, StrAttr:$kernel);
  let results = (outs Braid_F32Tensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kernel `(` $inputs `)` attr-dict `:` functional-type($inputs, $result)
    $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether `op` may be in a fused body: an elementwise op whose scalar
    /// semantics the code generator lowers (without checking its types).
    static bool isFusibleBodyOp(::mlir::Operation *op);
    /// Whether `type` is an f32 tensor of static shape (c4): the only
    /// tensors a generated kernel reads and writes, its loops having fixed
    /// bounds.
    static bool isKernelType(::mlir::Type type);
  }];
}

def Braid_YieldOp : Op<Braid_Dialect, "yield",
    [Pure, Terminator, HasParent<"FusedOp">]> {
  let summary = "the value a braid.fused body computes";
  let description = [{
    Ends the body of `braid.fused`; its operand is the fused op's result.

    ```mlir
    braid.yield %t : tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

#endif // BRAID_FUSED_OPS_TD
