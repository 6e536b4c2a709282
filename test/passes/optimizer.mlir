// RUN: braid-opt --split-input-file --verify-diagnostics --braid-optimizer %s | FileCheck %s

// braid-optimizer: the gradients braid-autodiff returns from @train_step
// become in-place updates at its end, the optimizer's state becomes
// braid.state arguments, and @train_step becomes the entry point
// "train_step" returning the loss alone.

// Tests that SGD adds one velocity per gradient, in the order of the
// gradient results, and one sgd_update per gradient after the last gradient
// is computed, with the train block's lr and momentum; that @train_step then
// returns the loss alone as the output "loss"; and that @forward is left
// alone.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss"}) {
// CHECK-NEXT: braid.matmul
// CHECK-NEXT: braid.add
// CHECK-NEXT: braid.mean_squared_error
// CHECK-NEXT: return
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[W:[^:]*]]: tensor<8x2xf32> {braid.init = #braid.init<zeros>, braid.param = "w"},
// CHECK-SAME: %[[B:[^:]*]]: tensor<2xf32> {braid.init = #braid.init<zeros>, braid.param = "b"},
// CHECK-SAME: %{{[^:]*}}: tensor<4x2xf32> {braid.input = "t"},
// CHECK-SAME: %[[BV:[^:]*]]: tensor<2xf32> {braid.state = "b.velocity"},
// CHECK-SAME: %[[WV:[^:]*]]: tensor<8x2xf32> {braid.state = "w.velocity"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"})
// CHECK-SAME: attributes {braid.entry_point = "train_step"}
// CHECK: %[[LOSS:.*]] = braid.mean_squared_error
// CHECK: %[[DB:.*]] = braid.reduce_sum
// CHECK-NEXT: %[[DW:.*]] = braid.matmul
// CHECK-NEXT: braid.sgd_update %[[B]], %[[DB]], %[[BV]] lr = 1.000000e-01 momentum = 9.000000e-01 : tensor<2xf32>
// CHECK-NEXT: braid.sgd_update %[[W]], %[[DW]], %[[WV]] lr = 1.000000e-01 momentum = 9.000000e-01 : tensor<8x2xf32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64, optimizer = "sgd"}} {
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
func.func @train_step(%x: tensor<4x8xf32> {braid.input = "x"},
                      %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                      %b: tensor<2xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                      %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}, tensor<2xf32> {braid.grad = "b"}, tensor<8x2xf32> {braid.grad = "w"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.add %0, %b : tensor<4x2xf32>, tensor<2xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4x2xf32>, tensor<4x2xf32>
  %c = braid.constant dense<1.0> : tensor<f32>
  %3 = braid.mean_squared_error_grad %c, %1, %t : tensor<f32>, tensor<4x2xf32>, tensor<4x2xf32>
  %4 = braid.reduce_sum %3, axes = [0] : tensor<4x2xf32>
  %5 = braid.matmul %x, %3 transpose_lhs : tensor<4x8xf32>, tensor<4x2xf32>
  return %2, %4, %5 : tensor<f32>, tensor<2xf32>, tensor<8x2xf32>
}
}

// -----

// Tests that Adam adds the step counter first, then the two moments of each
// parameter, increments the counter before anything else runs, and passes it
// to every adam_update with the train block's hyper-parameters.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4xf32> {braid.init = #braid.init<ones>, braid.param = "w"},
// CHECK-SAME: %{{[^:]*}}: tensor<4xf32> {braid.input = "t"},
// CHECK-SAME: %[[STEP:[^:]*]]: tensor<f32> {braid.state = "optimizer.step"},
// CHECK-SAME: %[[M:[^:]*]]: tensor<4xf32> {braid.state = "w.m"},
// CHECK-SAME: %[[V:[^:]*]]: tensor<4xf32> {braid.state = "w.v"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"})
// CHECK-SAME: attributes {braid.entry_point = "train_step"}
// CHECK-NEXT: braid.increment %[[STEP]] : tensor<f32>
// CHECK-NEXT: %[[LOSS:.*]] = braid.mean_squared_error
// CHECK: %[[DW:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: braid.adam_update %[[W]], %[[DW]], %[[M]], %[[V]], %[[STEP]] lr = 1.000000e-03 beta1 = 9.000000e-01 beta2 = 7.500000e-01 eps = 1.000000e-08 : tensor<4xf32>, tensor<f32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
module attributes {braid.train = {batch = 4 : i64, beta1 = 9.000000e-01 : f64, beta2 = 7.500000e-01 : f64, epochs = 1 : i64, eps = 1.000000e-08 : f64, loss = "loss", lr = 1.000000e-03 : f64, optimizer = "adam"}} {
func.func @train_step(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<ones>},
                      %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}, tensor<4xf32> {braid.grad = "w"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  %c = braid.constant dense<1.0> : tensor<f32>
  %1 = braid.mean_squared_error_grad %c, %w, %t : tensor<f32>, tensor<4xf32>, tensor<4xf32>
  return %0, %1 : tensor<f32>, tensor<4xf32>
}
}

// -----

// Tests that a model without parameters gets no update and no state: its
// @train_step only becomes the entry point returning the loss.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%{{[^:]*}}: tensor<4xf32> {braid.input = "p"}, %{{[^:]*}}: tensor<4xf32> {braid.input = "t"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"})
// CHECK-SAME: attributes {braid.entry_point = "train_step"}
// CHECK-NEXT: %[[LOSS:.*]] = braid.mean_squared_error
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @train_step(%p: tensor<4xf32> {braid.input = "p"}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %p, %t : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}
}

// -----

// Tests that every function but @train_step is left alone, an existing
// entry point included: @predict keeps its body and attributes and gets no
// state.
// CHECK-LABEL: func.func @predict
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4xf32> {braid.input = "x"},
// CHECK-SAME: %[[W:[^:]*]]: tensor<4xf32> {braid.init = #braid.init<zeros>, braid.param = "w"})
// CHECK-SAME: -> (tensor<4xf32> {braid.output = "y"}) attributes {braid.entry_point = "predict"} {
// CHECK-NEXT: %[[Y:.*]] = braid.mul %[[X]], %[[W]]
// CHECK-NEXT: return %[[Y]] : tensor<4xf32>
// CHECK-LABEL: func.func @train_step
// CHECK: braid.sgd_update
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @predict(%x: tensor<4xf32> {braid.input = "x"},
                   %w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<4xf32> {braid.output = "y"}) attributes {braid.entry_point = "predict"} {
  %0 = braid.mul %x, %w : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @train_step(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                      %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}, tensor<4xf32> {braid.grad = "w"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  return %0, %w : tensor<f32>, tensor<4xf32>
}
}

// -----

// Tests that a module without braid.train has no optimizer to insert.
// expected-error @+1 {{braid-optimizer needs a braid.train module with @train_step (run braid-autodiff first)}}
module {
func.func @train_step(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}, tensor<4xf32> {braid.grad = "w"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  return %0, %w : tensor<f32>, tensor<4xf32>
}
}

// -----

// Tests that a train block without @train_step (braid-autodiff not run) is
// an error.
// expected-error @+1 {{braid-optimizer needs a braid.train module with @train_step (run braid-autodiff first)}}
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}
}

// -----

// Tests that @train_step must return the loss first.
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
// expected-error @+1 {{@train_step must return the loss first (run braid-autodiff first)}}
func.func @train_step(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<4xf32> {braid.grad = "w"}) {
  return %w : tensor<4xf32>
}
}

// -----

// Tests that every result after the loss must be a gradient.
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
// expected-error @+1 {{result #1 of @train_step is not a braid.grad}}
func.func @train_step(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}, tensor<4xf32> {braid.output = "w2"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  return %0, %w : tensor<f32>, tensor<4xf32>
}
}
