// The braid compiler's passes: one def per pass, grouped by banner and
// alphabetical within a group. Each runs alone in braid-opt (--braid-xxx).
#ifndef BRAID_PASSES_TD
#define BRAID_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Lowering to a plan
//===----------------------------------------------------------------------===//

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
