// The fusion interface: the ops whose value at one element depends only on
// their operands at that element (after broadcasting), so that a chain of them
// runs as one generated loop (codegen/). The fusion pass (braid-fuse) groups
// exactly these ops; the code generator asks each for its scalar body.
#ifndef BRAID_FUSION_INTERFACES_TD
#define BRAID_FUSION_INTERFACES_TD

include "mlir/IR/OpBase.td"

def BraidFusibleOpInterface : OpInterface<"FusibleOpInterface"> {
  let cppNamespace = "::braid";
  let description = [{
    An elementwise op (with numpy broadcasting for binary ops) that a fused
    kernel computes one element at a time. Its scalar body is exactly the
    formula of the runtime's prebuilt kernel for the op
    (runtime/kernels/Elementwise.cpp, ElementwiseGrad.cpp, Binary.cpp), NaN
    and signed zeros included, so that a fused plan matches an unfused one.
    The bodies are in BraidScalarBodies.cpp.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, with arith and math ops at `builder`'s insertion point, the
        op's f32 result at one element from `operands`, the f32 values of the
        op's operands at that element (in operand order), and returns it.
        Attributes of the op (pow's exponent) are read from the op itself.
      }],
      "::mlir::Value", "buildScalar",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::ValueRange":$operands)>,
  ];
}

#endif // BRAID_FUSION_INTERFACES_TD
