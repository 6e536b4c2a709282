// RUN: braid-opt --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(braid-autodiff,braid-optimizer)' %s | FileCheck %s

// braid-optimizer with the train block's settings for transformers
// (docs/training.md): the rate is braid.lr_schedule's tensor, clipping is
// braid.global_norm and braid.clip_scale over every gradient, AdamW and SGD
// with weight decay update through braid.adamw_update / braid.sgd_wd_update
// (decay 0 for parameters of rank < 2 and those no_decay names), and
// accumulate = K builds @accumulate.

// Tests AdamW with warm-up then cosine and clipping: the step count is
// incremented first; the rate, the norm of both gradients and the clipping
// scale are computed once every gradient exists, before the updates; the
// matrix w decays and the bias b does not; @train_step returns the loss,
// the rate and the norm as the outputs "loss", "lr" and "grad_norm".
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[W:[^:]*]]: tensor<8x2xf32> {braid.init = #braid.init<zeros>, braid.param = "w"}
// CHECK-SAME: %[[B:[^:]*]]: tensor<2xf32> {braid.init = #braid.init<zeros>, braid.param = "b"}
// CHECK-SAME: %[[STEP:[^:]*]]: tensor<f32> {braid.state = "optimizer.step"}
// CHECK-SAME: %[[WM:[^:]*]]: tensor<8x2xf32> {braid.state = "w.m"}, %[[WV:[^:]*]]: tensor<8x2xf32> {braid.state = "w.v"}
// CHECK-SAME: %[[BM:[^:]*]]: tensor<2xf32> {braid.state = "b.m"}, %[[BV:[^:]*]]: tensor<2xf32> {braid.state = "b.v"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"}, tensor<f32> {braid.output = "lr"}, tensor<f32> {braid.output = "grad_norm"})
// CHECK-NEXT: braid.increment %[[STEP]] : tensor<f32>
// CHECK: %[[LOSS:.*]] = braid.mean_squared_error
// CHECK: %[[DB:.*]] = braid.reduce_sum
// CHECK: %[[DW:.*]] = braid.matmul
// CHECK-NEXT: %[[LR:.*]] = braid.lr_schedule %[[STEP]] lr = 3.000000e-04 schedule = {floor = 1.000000e-01 : f64, kind = "warmup_cosine", total = 10 : i64, warmup = 2 : i64} : tensor<f32>
// CHECK-NEXT: %[[NORM:.*]] = braid.global_norm %[[DW]], %[[DB]] : tensor<8x2xf32>, tensor<2xf32> -> tensor<f32>
// CHECK-NEXT: %[[SCALE:.*]] = braid.clip_scale %[[NORM]] max_norm = 1.000000e+00 : tensor<f32>
// CHECK-NEXT: braid.adamw_update %[[W]], %[[DW]], %[[WM]], %[[WV]], %[[STEP]], %[[LR]], %[[SCALE]] beta1 = 9.000000e-01 beta2 = 0.94999999999999996 eps = 1.000000e-08 weight_decay = 1.000000e-01 : tensor<8x2xf32>, tensor<f32>
// CHECK-NEXT: braid.adamw_update %[[B]], %[[DB]], %[[BM]], %[[BV]], %[[STEP]], %[[LR]], %[[SCALE]] beta1 = 9.000000e-01 beta2 = 0.94999999999999996 eps = 1.000000e-08 weight_decay = 0.000000e+00 : tensor<2xf32>, tensor<f32>
// CHECK-NEXT: return %[[LOSS]], %[[LR]], %[[NORM]] : tensor<f32>, tensor<f32>, tensor<f32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "adamw", lr = 3.0e-4 : f64, beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64, schedule = {kind = "warmup_cosine", warmup = 2 : i64, total = 10 : i64, floor = 0.1 : f64}, clip_norm = 1.0 : f64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %b: tensor<2xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.add %0, %b : tensor<4x2xf32>, tensor<2xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %2 : tensor<f32>
}
}

// -----

// Tests SGD with weight decay and no schedule or clipping: the rate is a
// constant schedule of the base lr and the scale the constant 1; no_decay
// exempts the matrix w by a prefix, so neither parameter decays; a step
// count exists for the schedule, although SGD has none of its own.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[W:[^:]*]]: tensor<8x2xf32> {braid.init = #braid.init<zeros>, braid.param = "w_in"}
// CHECK-SAME: %[[STEP:[^:]*]]: tensor<f32> {braid.state = "optimizer.step"}
// CHECK-SAME: %[[WVEL:[^:]*]]: tensor<8x2xf32> {braid.state = "w_in.velocity"}
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"}, tensor<f32> {braid.output = "lr"})
// CHECK: %[[DW:.*]] = braid.matmul {{.*}} transpose_lhs
// CHECK-NEXT: %[[LR:.*]] = braid.lr_schedule %[[STEP]] lr = 1.000000e-01 schedule = {kind = "constant"} : tensor<f32>
// CHECK-NEXT: %[[ONE:.*]] = braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: braid.sgd_wd_update %[[W]], %[[DW]], %[[WVEL]], %[[LR]], %[[ONE]] momentum = 9.000000e-01 weight_decay = 0.000000e+00 : tensor<8x2xf32>, tensor<f32>
// CHECK-NOT: braid.global_norm
// CHECK: return %{{.*}}, %[[LR]] : tensor<f32>, tensor<f32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, weight_decay = 0.01 : f64, no_decay = ["w_*"]}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %w: tensor<8x2xf32> {braid.param = "w_in", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests accumulate = 2 with Adam and step decay: the seed dloss is 1/2;
// @accumulate (the same forward and backward) adds the loss and each
// gradient into accumulator states and returns nothing; @train_step adds
// the accumulators to its own gradients and loss, reports their mean loss,
// updates from the sums (Adam with a schedule is adamw_update with no
// decay), then resets every accumulator.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[STEP:[^:]*]]: tensor<f32> {braid.state = "optimizer.step"}
// CHECK-SAME: %[[WACC:[^:]*]]: tensor<8x2xf32> {braid.state = "w.accum"}
// CHECK-SAME: %[[LACC:[^:]*]]: tensor<f32> {braid.state = "accumulate.loss"})
// CHECK: %[[LOSS:.*]] = braid.mean_squared_error %
// CHECK: braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[DW:.*]] = braid.matmul
// CHECK-NEXT: %[[GW:.*]] = braid.add %[[WACC]], %[[DW]]
// CHECK-NEXT: %[[LSUM:.*]] = braid.add %[[LACC]], %[[LOSS]]
// CHECK-NEXT: %[[HALF:.*]] = braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT: %[[LMEAN:.*]] = braid.mul %[[LSUM]], %[[HALF]]
// CHECK-NEXT: %[[LR:.*]] = braid.lr_schedule %[[STEP]] lr = 1.000000e-03 schedule = {every = 100 : i64, gamma = 5.000000e-01 : f64, kind = "step_decay"} : tensor<f32>
// CHECK-NEXT: %[[ONE:.*]] = braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: braid.adamw_update %{{.*}}, %[[GW]], %{{.*}}, %{{.*}}, %[[STEP]], %[[LR]], %[[ONE]] {{.*}} weight_decay = 0.000000e+00
// CHECK-NEXT: braid.reset %[[WACC]] : tensor<8x2xf32>
// CHECK-NEXT: braid.reset %[[LACC]] : tensor<f32>
// CHECK-NEXT: return %[[LMEAN]], %[[LR]]
// CHECK-LABEL: func.func @accumulate
// CHECK-SAME: %[[LACC2:[^:]*]]: tensor<f32> {braid.state = "accumulate.loss"}, %[[WACC2:[^:]*]]: tensor<8x2xf32> {braid.state = "w.accum"})
// CHECK-SAME: attributes {braid.entry_point = "accumulate"}
// CHECK: %[[LOSS2:.*]] = braid.mean_squared_error %
// CHECK: braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[DW2:.*]] = braid.matmul
// CHECK-NEXT: braid.accumulate %[[LACC2]], %[[LOSS2]] : tensor<f32>
// CHECK-NEXT: braid.accumulate %[[WACC2]], %[[DW2]] : tensor<8x2xf32>
// CHECK-NEXT: return{{$}}
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "adam", lr = 1.0e-3 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, accumulate = 2 : i64, schedule = {kind = "step_decay", every = 100 : i64, gamma = 0.5 : f64}}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that Adam without schedule, clipping or accumulation keeps its
// adam_update with the rate as an attribute, and no extra outputs.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"})
// CHECK-NOT: braid.lr_schedule
// CHECK: braid.adam_update {{.*}} lr = 1.000000e-03
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "adam", lr = 1.0e-3 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that a schedule braid.train does not accept is an error before the
// pass runs (the dialect's verifier).
// expected-error @+1 {{'braid.train' warmup_cosine: warmup = 20 is longer than total = 10}}
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "adamw", lr = 3.0e-4 : f64, beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64, schedule = {kind = "warmup_cosine", warmup = 20 : i64, total = 10 : i64, floor = 0.1 : f64}}} {
}

// -----

// Tests accumulate = 2 with a loss that sums over the batch rows: the K
// micro-batches' losses and gradients add up to the whole batch's, so the
// seed dloss stays 1 and the reported loss is the sum, not the mean.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[LACC:[^:]*]]: tensor<f32> {braid.state = "accumulate.loss"})
// CHECK: %[[LOSS:.*]] = braid.reduce_sum %{{.*}}, axes = [0, 1]
// CHECK-NEXT: braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[LSUM:.*]] = braid.add %[[LACC]], %[[LOSS]]
// CHECK-NOT: braid.mul
// CHECK: return %[[LSUM]]
module attributes {braid.batch = 4 : i64, braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, accumulate = 2 : i64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.reduce_sum %0, axes = [0, 1] : tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that accumulate = 2 refuses a loss that adds a sum over the rows to
// a mean over them: two micro-batches cannot stand for the batch.
// expected-error @+1 {{accumulate = 2 cannot stand for a batch of 2 micro-batches: the loss adds sums over the batch rows to means or batch-free terms; make every term a mean (or every one a sum)}}
module attributes {braid.batch = 4 : i64, braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, accumulate = 2 : i64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.reduce_sum %0, axes = [0, 1] : tensor<4x2xf32>
  %2 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  %3 = braid.add %1, %2 : tensor<f32>, tensor<f32>
  return %3 : tensor<f32>
}
}

// -----

// Tests that accumulate = 2 refuses a loss that is not linear in the rows.
// expected-error @+1 {{accumulate = 2 cannot stand for a batch of 2 micro-batches: it multiplies two reductions over the batch rows; the loss must be linear in the batch rows}}
module attributes {braid.batch = 4 : i64, braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, accumulate = 2 : i64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.reduce_sum %0, axes = [0, 1] : tensor<4x2xf32>
  %2 = braid.mul %1, %1 : tensor<f32>, tensor<f32>
  return %2 : tensor<f32>
}
}
