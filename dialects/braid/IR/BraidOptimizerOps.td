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

//===----------------------------------------------------------------------===//
// Schedules, clipping, decay and accumulation (docs/training.md)
//===----------------------------------------------------------------------===//

def Braid_LrScheduleOp : Op<Braid_Dialect, "lr_schedule",
    [Pure, AllTypesMatch<["step", "rate"]>,
     Braid_PlanStep<"LrSchedule", ["fillStepAttributes"]>]> {
  let summary = "the learning rate of this step: the base rate times the schedule's factor";
  let description = [{
    `rate = lr * factor(s)` with `s = step - 1` the 0-based step (the
    counter is incremented first). `schedule` is the train block's: a
    dictionary with `kind` and its arguments. Factors (PyTorch's LambdaLR
    with the peer's lambdas): `constant`: 1; `warmup_cosine(warmup W, total
    N, floor F)`: `(s+1)/W` while `s < W`, then `F + (1-F)/2 (1 + cos(pi
    min(s-W, N-W) / max(1, N-W)))`; `warmup_linear`: the same warm-up, then
    `F + (1-F) max(0, 1 - (s-W)/max(1, N-W))`; `step_decay(every E, gamma
    G)`: `G^floor(s/E)`.

    Constraints: (c1) step and the result are tensor<f32>; (c2) lr > 0;
    (c3) the schedule is one the train block accepts (ModelRules).

    ```mlir
    %lr = braid.lr_schedule %step lr = 3.0e-04 schedule = {kind = "warmup_cosine",
        warmup = 2 : i64, total = 10 : i64, floor = 1.0e-01 : f64} : tensor<f32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$step, F64Attr:$lr,
                       DictionaryAttr:$schedule);
  let results = (outs Braid_F32Tensor:$rate);
  let assemblyFormat = [{
    $step `lr` `=` $lr `schedule` `=` $schedule attr-dict `:` type($step)
  }];
  let hasVerifier = 1;
}

def Braid_GlobalNormOp : Op<Braid_Dialect, "global_norm",
    [Pure, Braid_PlanStep<"GlobalNorm">]> {
  let summary = "the L2 norm of all the gradients together";
  let description = [{
    `sqrt(sum_i |grad_i|^2)`, as torch.nn.utils.clip_grad_norm_ computes it
    (each tensor's norm, then the norm of those). In a data-parallel
    @train_step it reads the all-reduced gradients, so every replica
    computes the same norm.

    Constraints: (c1) at least one f32 operand; (c2) the result is
    tensor<f32>.

    ```mlir
    %norm = braid.global_norm %dw, %db : tensor<8x2xf32>, tensor<2xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Variadic<Braid_F32Tensor>:$grads);
  let results = (outs Braid_F32Tensor:$norm);
  let assemblyFormat = "$grads attr-dict `:` type($grads) `->` type($norm)";
  let hasVerifier = 1;
}

def Braid_ClipScaleOp : Op<Braid_Dialect, "clip_scale",
    [Pure, AllTypesMatch<["norm", "scale"]>,
     Braid_PlanStep<"ClipScale", ["fillStepAttributes"]>]> {
  let summary = "the factor that clips gradients to a global norm";
  let description = [{
    `min(1, max_norm / (norm + 1e-6))`, in f32 (clip_grad_norm_'s
    clip_coef, clamped). The updates multiply each gradient by it.

    Constraints: (c1) norm and the result are tensor<f32>; (c2) max_norm > 0.

    ```mlir
    %scale = braid.clip_scale %norm max_norm = 1.0 : tensor<f32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$norm, F64Attr:$max_norm);
  let results = (outs Braid_F32Tensor:$scale);
  let assemblyFormat = "$norm `max_norm` `=` $max_norm attr-dict `:` type($norm)";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.maxNorm = getMaxNormAttr().getValueAsDouble();
    }
  }];
}

def Braid_AdamWUpdateOp : Braid_UpdateOp<"adamw_update",
    [AllTypesMatch<["param", "grad", "m", "v"]>,
     AllTypesMatch<["step", "lr", "scale"]>,
     Braid_PlanStep<"AdamWUpdate", ["getInPlaceOutputs", "fillStepAttributes"]>]> {
  let summary = "AdamW (decoupled weight decay), in place (PyTorch's definition)";
  let description = [{
    With `t` the value of `step` (already incremented), `lr` this step's
    rate and `g = scale * grad` (the clipped gradient):
    `param *= 1 - lr * weight_decay; m = lerp(m, g, 1 - beta1);
    v = beta2 * v + (1 - beta2) * g^2;
    param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`.
    braid-optimizer gives a parameter exempt from decay weight_decay = 0;
    adam with a schedule or clipping is this op with weight_decay = 0.

    Constraints: (c1) param, grad, m and v are f32 tensors of one type; (c2)
    step, lr and scale are tensor<f32>; (c3) beta1 and beta2 in [0, 1), eps
    in (0, 1), weight_decay >= 0.

    ```mlir
    braid.adamw_update %w, %dw, %m, %v, %step, %lr, %scale beta1 = 9.0e-01
        beta2 = 9.5e-01 eps = 1.0e-08 weight_decay = 1.0e-01 : tensor<8x2xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$param, Braid_F32Tensor:$grad,
                       Braid_F32Tensor:$m, Braid_F32Tensor:$v,
                       Braid_F32Tensor:$step, Braid_F32Tensor:$lr,
                       Braid_F32Tensor:$scale, F64Attr:$beta1, F64Attr:$beta2,
                       F64Attr:$eps, F64Attr:$weight_decay);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step `,` $lr `,` $scale `beta1` `=`
    $beta1 `beta2` `=` $beta2 `eps` `=` $eps `weight_decay` `=` $weight_decay
    attr-dict `:` type($param) `,` type($step)
  }];
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getParam(), getM(), getV()};
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.beta1 = getBeta1Attr().getValueAsDouble();
      step.beta2 = getBeta2Attr().getValueAsDouble();
      step.eps = getEpsAttr().getValueAsDouble();
      step.weightDecay = getWeightDecayAttr().getValueAsDouble();
    }
  }];
}

def Braid_SgdWdUpdateOp : Braid_UpdateOp<"sgd_wd_update",
    [AllTypesMatch<["param", "grad", "velocity"]>,
     AllTypesMatch<["lr", "scale"]>,
     Braid_PlanStep<"SgdWdUpdate", ["getInPlaceOutputs", "fillStepAttributes"]>]> {
  let summary = "SGD with weight decay, a rate tensor and a gradient scale, in place";
  let description = [{
    PyTorch's SGD with `g = scale * grad + weight_decay * param`: with
    momentum 0, `param -= lr * g`; otherwise `velocity = momentum * velocity
    + g; param -= lr * velocity`. braid-optimizer uses it instead of
    braid.sgd_update when the train block has a schedule, clipping or
    weight decay.

    Constraints: (c1) param, grad and velocity are f32 tensors of one type;
    (c2) lr and scale are tensor<f32>; (c3) momentum in [0, 1),
    weight_decay >= 0.

    ```mlir
    braid.sgd_wd_update %w, %dw, %vel, %lr, %scale momentum = 9.0e-01
        weight_decay = 1.0e-04 : tensor<8x2xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$param, Braid_F32Tensor:$grad,
                       Braid_F32Tensor:$velocity, Braid_F32Tensor:$lr,
                       Braid_F32Tensor:$scale, F64Attr:$momentum,
                       F64Attr:$weight_decay);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $lr `,` $scale `momentum` `=` $momentum
    `weight_decay` `=` $weight_decay attr-dict `:` type($param) `,` type($lr)
  }];
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getParam(), getVelocity()};
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.momentum = getMomentumAttr().getValueAsDouble();
      step.weightDecay = getWeightDecayAttr().getValueAsDouble();
    }
  }];
}

def Braid_AccumulateOp : Braid_UpdateOp<"accumulate",
    [AllTypesMatch<["acc", "value"]>,
     Braid_PlanStep<"Accumulate", ["getInPlaceOutputs"]>]> {
  let summary = "add a tensor into an accumulator, in place";
  let description = [{
    `acc += value`. Gradient accumulation (`accumulate = K`): @accumulate
    adds each micro-batch's gradients and loss into braid.state
    accumulators, which @train_step adds to its own and then resets.

    Constraints: (c1) acc and value are f32 tensors of one type.

    ```mlir
    braid.accumulate %w_accum, %dw : tensor<8x2xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$acc, Braid_F32Tensor:$value);
  let assemblyFormat = "$acc `,` $value attr-dict `:` type($acc)";
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getAcc()};
    }
  }];
}

def Braid_ResetOp : Braid_UpdateOp<"reset",
    [Braid_PlanStep<"Reset", ["getInPlaceOutputs"]>]> {
  let summary = "set an accumulator to zero, in place";
  let description = [{
    `acc = 0`: the last op of @train_step for each accumulator, once the
    updates have read it.

    Constraints: (c1) acc is an f32 tensor.

    ```mlir
    braid.reset %w_accum : tensor<8x2xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$acc);
  let assemblyFormat = "$acc attr-dict `:` type($acc)";
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return {getAcc()};
    }
  }];
}

#endif // BRAID_OPTIMIZER_OPS_TD
