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
    `braid.entry_point`): the optimizer pass completes it. With `accumulate
    = K` in `braid.train`, the seed is divided by K when the loss averages
    the batch rows (the K micro-batches' gradients then sum to their mean
    loss's); a loss that mixes sums and means over the rows, or is not
    linear in them, is an error. `@forward` is kept
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
  let options = [
    Option<"lossScale", "loss-scale", "double", "1.0",
           "The seed dloss: every gradient is scaled by it. braid-data-parallel "
           "uses 1/N for a loss that combines as a mean over the replicas "
           "(1 for a sum over the rows), so that the replicas' gradients sum "
           "to the gradient of the global batch's loss.">
  ];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

//===----------------------------------------------------------------------===//
// Data parallelism
//===----------------------------------------------------------------------===//

def BucketAllReducePass : Pass<"braid-bucket-allreduce", "mlir::func::FuncOp"> {
  let summary = "split each all_reduce into buckets that overlap the backward pass";
  let description = [{
    Replaces every `braid.all_reduce` with `braid.all_reduce_start` /
    `braid.all_reduce_wait` pairs over buckets of its operands. The operands
    are taken in the order their defining ops appear (the order the backward
    pass produces gradients) and packed greedily into buckets of at most
    `bucket-bytes` bytes; a tensor larger than that has a bucket of its own.
    Each start goes right after the last op that computes or reads a tensor
    of its bucket (or a reshape/flatten alias of one), and each wait right
    before the first op that uses one of the bucket's reduced results (an
    optimizer update); later uses read the wait's results. So nothing reads
    a bucket between its start and its wait, and braid-plan-memory can pack
    each bucket contiguously in the arena.

    A constant operand is the same on every replica: its mean, max and min
    are itself, so it is left out (its result is replaced by the constant).
    Errors: an operand that is a function argument or computed in another
    block, a constant under `sum`, two operands sharing one buffer, an
    operand read after the all_reduce, and bucket-bytes < 1.

    The default bucket size, 64 KiB, is a first guess for Braid's small
    models, whose gradients total about 200 KiB (mlp) and 240 KiB (lenet):
    PyTorch DDP's 25 MiB or Horovod's 64 MiB fusion buffer would put them in
    one bucket, started only when the backward pass ends, so nothing would
    overlap. docs/data-parallel.md records the measurement that should
    replace it.

    Before:

    ```mlir
    %dw2 = braid.matmul ...            // produced first by the backward pass
    %db1 = braid.reduce_sum ...
    %dw1 = braid.matmul ...
    %r:3 = braid.all_reduce %dw1, %db1, %dw2 reduction = <mean> : ...
    braid.adam_update %w1, %r#0, ...
    ```

    After (bucket-bytes=1024, %dw1 larger than that):

    ```mlir
    %dw2 = braid.matmul ...
    %db1 = braid.reduce_sum ...
    %0 = braid.all_reduce_start %dw2, %db1 reduction = <mean> : ...
    %dw1 = braid.matmul ...
    %1 = braid.all_reduce_start %dw1 reduction = <mean> : ...
    %2 = braid.all_reduce_wait %1 : ...
    %3:2 = braid.all_reduce_wait %0 : ...
    braid.adam_update %w1, %2, ...
    ```
  }];
  let options = [
    Option<"bucketBytes", "bucket-bytes", "int64_t", /*default=*/"65536",
           "The most bytes of tensors one bucket holds (one tensor larger "
           "than this has a bucket of its own)">,
  ];
  let dependentDialects = ["::braid::BraidDialect"];
}

def DataParallelPass : Pass<"braid-data-parallel", "mlir::ModuleOp"> {
  let summary = "split the batch over N replicas and insert the collectives";
  let description = [{
    Compiles the model for `replicas` processes that each take B/N rows of
    every batch B (`braid.batch`) and keep identical parameters:

    1. `@forward`'s inputs that carry the batch (`braid.batch_dims`, set by
       the front end on the inputs declared with `B`) get B/N rows, and every
       op's result type is inferred again. An input whose batch is not its
       leading dimension is an error at the input; one without
       `braid.batch_dims` is never split, whatever its size. A `braid.reshape` of a split value
       and a `braid.broadcast_to` that creates a leading dimension of size B
       get B/N as their target's leading dimension; an op whose shape rule
       then fails is an error.
    2. The entry points `@train_step`, `@eval` and `@predict` present in the
       module are derived again from the new `@forward` (braid-autodiff,
       braid-optimizer, braid-outline-eval, braid-outline-predict), so that
       everything they computed from B (gradient shapes, the 1/B of a mean's
       gradient) follows B/N.
    3. How the loss reduces over the batch rows (LossBatchReduction.h)
       decides how the replicas combine: a loss whose terms are means over
       the rows or batch-free is seeded with dloss = 1/N and the replicas'
       losses are averaged; a loss whose every term is a sum over the rows
       is seeded with 1 and the losses are summed; a mix has its sums over
       the rows multiplied by N in the per-replica `@forward`, then combines
       like a mean. A loss that is not linear in per-row terms (a maximum
       over the rows, a product of two reductions over them, the square of
       a batch mean) is an error at the op that makes it so.
       In `@train_step`, one `braid.all_reduce` (sum) of every gradient
       right before the first optimizer update, and one of the loss (mean or
       sum, as above) before the return. Constant gradients (a parameter the
       loss does not read) are the same on every replica and are left out.
       In `@eval`, one all_reduce of the loss (the same reduction) and one
       (mean) of the accuracy before the return. `@predict` stays
       per-replica.
    4. A new entry point `@broadcast_params` takes every `braid.param` and
       `braid.state` argument (with the attributes of `@train_step`'s, or of
       `@predict`'s without training) and holds one `braid.broadcast ...
       root = 0` of them: the runtime runs it once before training.
    5. `braid.replicas = N : i64` on the module; `braid.batch` stays the
       global batch.

    With replicas=1 the pass only records `braid.replicas = 1`. Errors:
    replicas < 1, replicas not dividing the batch ("replicas=3 does not
    divide the batch 64"), no `braid.batch` or no `@forward`, an input
    with B elsewhere than its leading dimension, a loss not linear in the
    batch rows ("'braid.mul' op cannot be split over replicas: it multiplies
    two reductions over the batch rows, ...").

    After (replicas=2, batch 64; abridged):

    ```mlir
    module attributes {braid.batch = 64 : i64, braid.replicas = 2 : i64, ...} {
      func.func @train_step(%x: tensor<32x784xf32> {braid.input = "x"}, ...) {
        ...
        %r:4 = braid.all_reduce %dw1, %db1, %dw2, %db2 reduction = <sum> : ...
        braid.adam_update %w1, %r#0, ...
        %l = braid.all_reduce %loss reduction = <mean> : tensor<f32>
        return %l : tensor<f32>
      }
      func.func @broadcast_params(%w1: ... {braid.param = "w1", ...}, ...)
          attributes {braid.entry_point = "broadcast_params"} {
        %p:9 = braid.broadcast %w1, ... root = 0 : ...
        return
      }
    }
    ```
  }];
  let options = [
    Option<"replicas", "replicas", "int64_t", /*default=*/"1",
           "How many replicas share each batch">,
  ];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

//===----------------------------------------------------------------------===//
// Lowering to a plan
//===----------------------------------------------------------------------===//

def FusePass : Pass<"braid-fuse", "mlir::ModuleOp"> {
  let summary = "group chains of elementwise ops into braid.fused kernels";
  let description = [{
    In each function tagged `braid.entry_point`, groups chains of fusible
    ops (the elementwise unary, binary and gradient ops and `pow`, on f32
    tensors of static shape; `braid.fused`) into one `braid.fused` op each,
    whose kernel the compiler generates. A group:

    * is connected, and has one result: every value a member computes is
      used only by later members, except the last member's, which the fused
      op returns; a value used outside the chain ends the group there (its
      op heads a group of its own);
    * computes one shape: every member's result has the last member's type;
      an operand of another shape (a broadcast bias, a scalar) is an input;
    * has at least two ops, or one whose scalar body calls a math function
      that no instruction computes (erf, exp, log, tanh, pow: gelu, its
      gradient, sigmoid, tanh, exp, log, and pow unless its exponent
      makes it plain arithmetic), whose prebuilt kernel calls libm one element at a time
      where the generated one runs a vectorized polynomial; another lone
      fusible op stays as it is, run by its prebuilt kernel;
    * moves no op across a write of a tensor it reads: the fused op takes
      the place of the group's last op, so an earlier member is not taken
      in when an in-place step (an optimizer update, a collective) or a
      `braid.all_reduce_start` or `braid.all_reduce_wait` of a bucket holding
      one of its operands (or a reshape or flatten view of one) lies between
      it and that place. So nothing reads a bucket between its start and its
      wait, and in-place updates keep their order.

    Matrix products, reductions, softmax, layer norm, dropout, optimizer
    updates, collectives and every other op stay out. The kernels are named
    `braid_fused_N`, N counting from 0 over the module in order (past any
    `braid_fused_N` already there). Functions without `braid.entry_point`
    are left alone.

    Before:

    ```mlir
    %mm = braid.matmul %x, %w : tensor<64x784xf32>, tensor<784x128xf32>
    %s = braid.add %mm, %b : tensor<64x128xf32>, tensor<128xf32>
    %h = braid.relu %s : tensor<64x128xf32>
    ```

    After:

    ```mlir
    %mm = braid.matmul %x, %w : tensor<64x784xf32>, tensor<784x128xf32>
    %h = braid.fused "braid_fused_0" (%mm, %b) : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32> {
    ^bb0(%a0: tensor<64x128xf32>, %a1: tensor<128xf32>):
      %0 = braid.add %a0, %a1 : tensor<64x128xf32>, tensor<128xf32>
      %1 = braid.relu %0 : tensor<64x128xf32>
      braid.yield %1 : tensor<64x128xf32>
    }
    ```
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def CheckRowsPass : Pass<"braid-check-rows", "mlir::ModuleOp"> {
  let summary = "check that @predict keeps the rows of its batch apart";
  let description = [{
    Proves that every row of `@predict`'s outputs depends on the same row of
    its inputs only, so that a request of n rows may be padded with zeros
    to a larger compiled batch and the padding rows dropped from the
    outputs (`braidc --batch LO..HI`, docs/serving.md). The pass tracks the
    axis that indexes the rows of every value, starting from the inputs'
    `braid.batch_dims`, which must be `[0]` (an input without them is
    batch-free and fed whole), through each op's rule: elementwise ops and
    broadcasting keep it, a reduction, softmax, slice or concat along it
    mixes rows, as does a matmul that contracts it or multiplies two row
    operands against each other; a reshape keeps the rows only when its
    leading dimension is the rows' and stays the same. Every output must
    have the rows as its leading dimension. An op the pass has no rule for,
    reading a value with rows, is an error: the check never assumes.
    A module without `@predict` is left alone.

    ```mlir
    // Accepted: each row of the result is its own row's sum.
    %s = braid.reduce_sum %x, axes = [1] : tensor<8x4xf32>
    // Rejected: "'braid.reduce_sum' op mixes the rows of the batch: it
    // reduces over axis 0, the rows'".
    %t = braid.reduce_sum %x, axes = [0] : tensor<8x4xf32>
    ```
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

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

    The train block's settings for transformers (docs/training.md) change
    the updates' form. With `adamw`, a `schedule`, `clip_norm` or SGD's
    `weight_decay`, the rate is a tensor, `braid.lr_schedule` of the step
    count (which then exists for SGD too), and the updates are
    `braid.adamw_update` / `braid.sgd_wd_update`, which also take a
    gradient scale: `braid.clip_scale` of the `braid.global_norm` of every
    gradient with `clip_norm`, the constant 1 without. A parameter of rank
    < 2, or one `no_decay` names, gets weight_decay = 0. `@train_step` then
    also returns the rate (output "lr") and the norm ("grad_norm"). With
    `accumulate = K`, a copy of `@train_step` before any update becomes
    `@accumulate`, which adds the loss and each gradient into `braid.state`
    accumulators (`braid.accumulate`); `@train_step` adds them to its own
    (`braid.add`), reports the K losses' mean (their sum for a loss that
    sums the rows), and `braid.reset`s them after the updates.

    After (adamw, warmup_cosine, clip_norm = 1):
    ```mlir
    braid.increment %step : tensor<f32>
    ...
    %lr = braid.lr_schedule %step lr = 3.0e-04 schedule = {kind = "warmup_cosine", ...} : tensor<f32>
    %norm = braid.global_norm %dw, %db : tensor<8x2xf32>, tensor<2xf32> -> tensor<f32>
    %scale = braid.clip_scale %norm max_norm = 1.0 : tensor<f32>
    braid.adamw_update %w, %dw, %wm, %wv, %step, %lr, %scale ... weight_decay = 1.0e-01 : ...
    braid.adamw_update %b, %db, %bm, %bv, %step, %lr, %scale ... weight_decay = 0.0 : ...
    return %loss, %lr, %norm : tensor<f32>, tensor<f32>, tensor<f32>
    ```

    Errors: `accumulate = K` with a loss that mixes sums over the batch rows
    with means, or is not linear in them (braid-autodiff reports it).
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

def OutlineEvalPass : Pass<"braid-outline-eval", "mlir::ModuleOp"> {
  let summary = "create the evaluation entry point @eval from @forward";
  let description = [{
    Clones `@forward` into `@eval`, which returns the loss (output "loss")
    and, when the loss is a `braid.sparse_softmax_cross_entropy`, the
    `braid.accuracy` of its logits (output "accuracy"). Every
    `braid.dropout` is left out (its result is its operand): evaluation runs
    the model without dropout. Canonicalization later drops what neither
    needs.
  }];
  let dependentDialects = ["::braid::BraidDialect", "::mlir::func::FuncDialect"];
}

def OutlinePredictPass : Pass<"braid-outline-predict", "mlir::ModuleOp"> {
  let summary = "create the inference entry point @predict from @forward";
  let description = [{
    Copies into a new `func.func @predict` the ops of `@forward` that its
    `braid.output` results need (their backward slice); the loss and
    everything only it needs are left out. `@predict` takes the `braid.input`
    arguments the slice reads (a `braid.dropout` in it is left out, its
    result being its operand), then every `braid.param` argument (so that all
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
