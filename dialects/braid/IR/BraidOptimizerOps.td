// Optimizer updates: the ops braid-optimizer inserts at the end of
// @train_step. They update a parameter and its optimizer state in place (the
// plan's in-place steps), so they have no results and write memory; their
// order in the block is their order of execution. Each is a plan step whose
// outputs are the tensors it updates (getInPlaceOutputs).
#ifndef BRAID_OPTIMIZER_OPS_TD
#define BRAID_OPTIMIZER_OPS_TD

include "dialects/braid/IR/BraidDialect.td"
include "dialects/braid/IR/BraidPlanInterfaces.td"

class Braid_UpdateOp<string mnemonic, list<Trait> traits = []>
    : Op<Braid_Dialect, mnemonic, !listconcat([MemoryEffects<[MemWrite]>], traits)> {
  let hasVerifier = 1;
}

def Braid_SgdUpdateOp : Braid_UpdateOp<"sgd_update",
    [AllTypesMatch<["param", "grad", "velocity"]>,
     Braid_PlanStep<"SgdUpdate", ["getInPlaceOutputs", "fillStepAttributes"]>]> {
  let summary = "SGD with momentum, in place (PyTorch's definition)";
  let description = [{
    With momentum 0: `param -= lr * grad`. Otherwise `velocity = momentum *
    velocity + grad; param -= lr * velocity`. `param` is a braid.param
    argument and `velocity` a braid.state argument of the function.

    Constraints: (c1) param, grad and velocity are f32 tensors of one type;
    (c2) lr > 0 and momentum in [0, 1).

    ```mlir
    braid.sgd_update %w, %dw, %w_velocity lr = 1.0e-01 momentum = 9.0e-01 : tensor<784x64xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$param, Braid_F32Tensor:$grad,
                       Braid_F32Tensor:$velocity, F64Attr:$lr,
                       F64Attr:$momentum);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `lr` `=` $lr `momentum` `=` $momentum
    attr-dict `:` type($param)
  }];
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getParam(), getVelocity()};
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.lr = getLrAttr().getValueAsDouble();
      step.momentum = getMomentumAttr().getValueAsDouble();
    }
  }];
}

def Braid_AdamUpdateOp : Braid_UpdateOp<"adam_update",
    [AllTypesMatch<["param", "grad", "m", "v"]>,
     Braid_PlanStep<"AdamUpdate", ["getInPlaceOutputs", "fillStepAttributes"]>]> {
  let summary = "Adam with bias correction, in place (PyTorch's definition)";
  let description = [{
    With `t` the value of `step` (already incremented for this update):
    `m = beta1 * m + (1 - beta1) * grad; v = beta2 * v + (1 - beta2) * grad^2;
    param -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)`.

    Constraints: (c1) param, grad, m and v are f32 tensors of one type; (c2)
    step is tensor<f32>; (c3) lr > 0, beta1 and beta2 in [0, 1), eps in
    (0, 1).

    ```mlir
    braid.adam_update %w, %dw, %m, %v, %step lr = 1.0e-03 beta1 = 9.0e-01
        beta2 = 9.99e-01 eps = 1.0e-08 : tensor<784x64xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$param, Braid_F32Tensor:$grad,
                       Braid_F32Tensor:$m, Braid_F32Tensor:$v,
                       Braid_F32Tensor:$step, F64Attr:$lr, F64Attr:$beta1,
                       F64Attr:$beta2, F64Attr:$eps);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step `lr` `=` $lr `beta1` `=` $beta1
    `beta2` `=` $beta2 `eps` `=` $eps attr-dict `:` type($param) `,` type($step)
  }];
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getParam(), getM(), getV()};
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.lr = getLrAttr().getValueAsDouble();
      step.beta1 = getBeta1Attr().getValueAsDouble();
      step.beta2 = getBeta2Attr().getValueAsDouble();
      step.eps = getEpsAttr().getValueAsDouble();
    }
  }];
}

def Braid_IncrementOp : Braid_UpdateOp<"increment",
    [Braid_PlanStep<"Increment", ["getInPlaceOutputs"]>]> {
  let summary = "add one to a scalar counter, in place";
  let description = [{
    `counter += 1`. Adam's step count: the first op of @train_step.

    Constraints: (c1) counter is tensor<f32>.

    ```mlir
    braid.increment %step : tensor<f32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$counter);
  let assemblyFormat = "$counter attr-dict `:` type($counter)";
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getCounter()};
    }
  }];
}

#endif // BRAID_OPTIMIZER_OPS_TD
