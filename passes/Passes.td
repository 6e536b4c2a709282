// The braid compiler's passes: one def per pass, grouped by banner and
// alphabetical within a group. Each runs alone in braid-opt (--braid-xxx).
#ifndef BRAID_PASSES_TD
#define BRAID_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

def AutodiffPass : Pass<"braid-autodiff", "mlir::ModuleOp"> {
  let summary = "create @train_step: the loss and every parameter's gradient";
  let description = [{
    Builds `func.func @train_step` after `@forward`: the same arguments (with
    their attributes), the forward ops, then the reverse sweep. The sweep
    starts from the `braid.loss` result that `braid.train` names, with the
    seed `dloss = braid.constant dense<1.0> : tensor<f32>`, and walks the ops
    from last to first, asking each one whose result has a gradient for its
    VJP (`VJPOpInterface`, docs/gradients.md). A value used several times gets
    the `braid.add` of its uses' gradients; integer values get none; nothing
    flows through `braid.stop_gradient`, and constants are leaves. Ops that
    neither the loss nor a gradient needs are dropped.

    `@train_step` returns the loss (with its `braid.loss` attribute), then
    one gradient per `braid.param` argument in argument order, each with
    `braid.grad = "<parameter name>"`. A parameter the loss does not depend
    on gets a zero gradient and a warning. It is not yet an entry point (no
    `braid.entry_point`): the optimizer pass completes it. `@forward` is kept
    unchanged; a module without `@forward` is left alone. A module without
    `braid.train`, and an op on the path from a parameter to the loss that
    has no VJP, are errors.

    Before:

    ```mlir
    module attributes {braid.train = {loss = "loss", ...}} {
      func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                         %y: tensor<4xi32> {braid.input = "y"},
                         %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
          -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
        %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
        %1 = braid.sparse_softmax_cross_entropy %0, %y : tensor<4x2xf32>, tensor<4xi32>
        return %0, %1 : tensor<4x2xf32>, tensor<f32>
      }
    }
    ```

    After (`@forward` as before, plus):

    ```mlir
    func.func @train_step(%x: tensor<4x8xf32> {braid.input = "x"},
                          %y: tensor<4xi32> {braid.input = "y"},
                          %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
        -> (tensor<f32> {braid.loss = "loss"}, tensor<8x2xf32> {braid.grad = "w"}) {
      %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
      %1 = braid.sparse_softmax_cross_entropy %0, %y : tensor<4x2xf32>, tensor<4xi32>
      %2 = braid.constant dense<1.000000e+00> : tensor<f32>
      %3 = braid.sparse_softmax_cross_entropy_grad %2, %0, %y
          : tensor<f32>, tensor<4x2xf32>, tensor<4xi32>
      %4 = braid.transpose %x, perm = [1, 0] : tensor<4x8xf32>
      %5 = braid.matmul %4, %3 : tensor<8x4xf32>, tensor<4x2xf32>
      return %1, %5 : tensor<f32>, tensor<8x2xf32>
    }
    ```
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

//===----------------------------------------------------------------------===//
// Lowering to a plan
//===----------------------------------------------------------------------===//

def OptimizerPass : Pass<"braid-optimizer", "mlir::ModuleOp"> {
  let summary = "insert the train block's optimizer updates into @train_step";
  let description = [{
    Turns the gradients that braid-autodiff returns from `@train_step` into
    in-place updates of the parameters, in the order of the gradient results,
    after every gradient is computed: `braid.sgd_update` (with a velocity
    state per parameter) or `braid.adam_update` (first and second moments per
    parameter, and one step counter that `braid.increment` advances first).
    The state becomes `braid.state` arguments (zero at the start of training,
    saved in checkpoints); `@train_step` then returns the loss alone, as the
    output "loss", and becomes the entry point "train_step".

    Before:
    ```mlir
    func.func @train_step(..., %w: tensor<4x2xf32> {braid.param = "w", ...})
        -> (tensor<f32> {braid.loss = "loss"}, tensor<4x2xf32> {braid.grad = "w"})
    ```
    After (adam):
    ```mlir
    func.func @train_step(..., %w: ..., %step: tensor<f32> {braid.state = "optimizer.step"},
        %m: tensor<4x2xf32> {braid.state = "w.m"}, %v: tensor<4x2xf32> {braid.state = "w.v"})
        -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"})
        attributes {braid.entry_point = "train_step"} {
      braid.increment %step : tensor<f32>
      ...
      braid.adam_update %w, %dw, %m, %v, %step lr = ... : tensor<4x2xf32>, tensor<f32>
      return %loss : tensor<f32>
    }
    ```
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

def OutlineEvalPass : Pass<"braid-outline-eval", "mlir::ModuleOp"> {
  let summary = "create the evaluation entry point @eval from @forward";
  let description = [{
    Clones `@forward` into `@eval`, which returns the loss (output "loss")
    and, when the loss is a `braid.sparse_softmax_cross_entropy`, the
    `braid.accuracy` of its logits (output "accuracy"). Canonicalization
    later drops what neither needs.
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

def OutlinePredictPass : Pass<"braid-outline-predict", "mlir::ModuleOp"> {
  let summary = "create the inference entry point @predict from @forward";
  let description = [{
    Copies into a new `func.func @predict` the ops of `@forward` that its
    `braid.output` results need (their backward slice); the loss and
    everything only it needs are left out. `@predict` takes the `braid.input`
    arguments the slice reads, then every `braid.param` argument (so that all
    entry points of a plan share one parameter set), with their attributes,
    and returns the outputs with their `braid.output` attributes. It is
    tagged `braid.entry_point = "predict"`, which later passes and the plan
    exporter look for. `@forward` is kept unchanged; a module without
    `@forward` is left alone, and a model without outputs is an error.

    Before:

    ```mlir
    func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                       %y: tensor<4xi32> {braid.input = "y"},
                       %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
        -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
      %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
      %1 = braid.sparse_softmax_cross_entropy %0, %y : tensor<4x2xf32>, tensor<4xi32>
      return %0, %1 : tensor<4x2xf32>, tensor<f32>
    }
    ```

    After (`@forward` as before, plus):

    ```mlir
    func.func @predict(%x: tensor<4x8xf32> {braid.input = "x"},
                       %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
        -> (tensor<4x2xf32> {braid.output = "logits"})
        attributes {braid.entry_point = "predict"} {
      %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
      return %0 : tensor<4x2xf32>
    }
    ```
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

def PlanMemoryPass : Pass<"braid-plan-memory", "mlir::func::FuncOp"> {
  let summary = "assign every intermediate tensor a byte offset in one arena";
  let description = [{
    On each function tagged `braid.entry_point`: computes the live range of
    every op result over the single block (from its defining op to its last
    use; the function's results live to the end), then places the buffers,
    in the order they are defined, at 64-byte aligned offsets of one arena,
    reusing the bytes of buffers that are dead. An op never writes over its
    own operands. `braid.constant` results and block arguments (inputs and
    parameters) live outside the arena. A `braid.reshape` or `braid.flatten`
    of an arena value aliases its operand's buffer: same offset, and the
    operand's live range grows to cover the alias.

    Each op whose result is in the arena gets `braid.offset = N : i64`; the
    function gets `braid.arena_bytes` (omitted when nothing lives in the
    arena). Functions without `braid.entry_point` are left alone. An op from
    another dialect that produces a value is an error.

    Before:

    ```mlir
    func.func @predict(%x: tensor<4x8xf32> {braid.input = "x"})
        -> (tensor<4x8xf32> {braid.output = "y"})
        attributes {braid.entry_point = "predict"} {
      %0 = braid.relu %x : tensor<4x8xf32>
      %1 = braid.tanh %0 : tensor<4x8xf32>
      %2 = braid.sigmoid %1 : tensor<4x8xf32>
      return %2 : tensor<4x8xf32>
    }
    ```

    After (`%2` reuses `%0`'s bytes, dead once `%1` is computed):

    ```mlir
    func.func @predict(...) -> (...)
        attributes {braid.arena_bytes = 256 : i64, braid.entry_point = "predict"} {
      %0 = braid.relu %x {braid.offset = 0 : i64} : tensor<4x8xf32>
      %1 = braid.tanh %0 {braid.offset = 128 : i64} : tensor<4x8xf32>
      %2 = braid.sigmoid %1 {braid.offset = 0 : i64} : tensor<4x8xf32>
      return %2 : tensor<4x8xf32>
    }
    ```
  }];
  let options = [
    Option<"bestFit", "best-fit", "bool", /*default=*/"true",
           "Place each buffer in the smallest free gap that holds it "
           "(false: the lowest such gap)">,
  ];
  let dependentDialects = ["::braid::BraidDialect"];
}

#endif // BRAID_PASSES_TD
