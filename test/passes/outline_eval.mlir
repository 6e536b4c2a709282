// RUN: braid-opt --split-input-file --verify-diagnostics --braid-outline-eval %s | FileCheck %s

// braid-outline-eval: @eval, a copy of @forward that returns the loss and,
// for a sparse softmax cross-entropy loss, the accuracy of its logits.

// Tests that @eval takes @forward's arguments with their attributes, copies
// its ops, and returns the loss (output "loss", still the braid.loss) and
// the accuracy of the loss's logits and labels (output "accuracy"); that it
// is the entry point "eval"; and that @forward is left alone.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
// CHECK-NEXT: braid.matmul
// CHECK-NEXT: braid.sparse_softmax_cross_entropy
// CHECK-NEXT: return
// CHECK-LABEL: func.func @eval
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32> {braid.input = "x"},
// CHECK-SAME: %[[Y:[^:]*]]: tensor<4xi32> {braid.input = "y"},
// CHECK-SAME: %[[W:[^:]*]]: tensor<8x2xf32> {braid.init = #braid.init<zeros>, braid.param = "w"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"}, tensor<f32> {braid.output = "accuracy"})
// CHECK-SAME: attributes {braid.entry_point = "eval"}
// CHECK-NEXT: %[[LOGITS:.*]] = braid.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[LOSS:.*]] = braid.sparse_softmax_cross_entropy %[[LOGITS]], %[[Y]]
// CHECK-NEXT: %[[ACC:.*]] = braid.accuracy %[[LOGITS]], %[[Y]] : tensor<4x2xf32>, tensor<4xi32>
// CHECK-NEXT: return %[[LOSS]], %[[ACC]] : tensor<f32>, tensor<f32>
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %y: tensor<4xi32> {braid.input = "y"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.sparse_softmax_cross_entropy %0, %y : tensor<4x2xf32>, tensor<4xi32>
  return %0, %1 : tensor<4x2xf32>, tensor<f32>
}

// -----

// Tests that a loss other than sparse softmax cross-entropy is evaluated
// alone: no accuracy. Every op of @forward is copied, even one only an
// output needs (canonicalization drops it later).
// CHECK-LABEL: func.func @eval
// CHECK-SAME: (%[[P:[^:]*]]: tensor<4xf32> {braid.input = "p"}, %[[T:[^:]*]]: tensor<4xf32> {braid.input = "t"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "mse", braid.output = "loss"})
// CHECK-SAME: attributes {braid.entry_point = "eval"}
// CHECK-NEXT: %[[TANH:.*]] = braid.tanh %[[P]] : tensor<4xf32>
// CHECK-NEXT: braid.relu %[[P]] : tensor<4xf32>
// CHECK-NEXT: %[[LOSS:.*]] = braid.mean_squared_error %[[TANH]], %[[T]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
// CHECK-NOT: braid.accuracy
func.func @forward(%p: tensor<4xf32> {braid.input = "p"}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<4xf32> {braid.output = "act"}, tensor<f32> {braid.loss = "mse"}) {
  %0 = braid.tanh %p : tensor<4xf32>
  %1 = braid.relu %p : tensor<4xf32>
  %2 = braid.mean_squared_error %0, %t : tensor<4xf32>, tensor<4xf32>
  return %1, %2 : tensor<4xf32>, tensor<f32>
}

// -----

// Tests that every function but @forward is left alone, and that @eval goes
// right after @forward.
// CHECK-LABEL: func.func @predict
// CHECK-SAME: (%[[P:[^:]*]]: tensor<4xf32> {braid.input = "p"}) -> (tensor<4xf32> {braid.output = "y"}) attributes {braid.entry_point = "predict"} {
// CHECK-NEXT: %[[Y:.*]] = braid.sigmoid %[[P]]
// CHECK-NEXT: return %[[Y]] : tensor<4xf32>
// CHECK-LABEL: func.func @forward
// CHECK-LABEL: func.func @eval
// CHECK-LABEL: func.func @other
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: %[[R:.*]] = braid.relu %[[A]]
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @predict(%p: tensor<4xf32> {braid.input = "p"}) -> (tensor<4xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict"} {
  %0 = braid.sigmoid %p : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @forward(%p: tensor<4xf32> {braid.input = "p"}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %p, %t : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}
func.func @other(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = braid.relu %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a module without @forward is an error.
// expected-error @+1 {{braid-outline-eval needs @forward}}
module {
func.func @other(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
}

// -----

// Tests that a model without a loss has nothing to evaluate.
// expected-error @+1 {{@forward has no braid.loss result to evaluate}}
func.func @forward(%p: tensor<4xf32> {braid.input = "p"}) -> (tensor<4xf32> {braid.output = "y"}) {
  return %p : tensor<4xf32>
}

// -----

// Tests that an existing @eval is not overwritten.
// expected-error @+1 {{the module already has an @eval; it would be overwritten}}
func.func @forward(%p: tensor<4xf32> {braid.input = "p"}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %p, %t : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}
func.func @eval(%p: tensor<4xf32>) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

// Tests that @eval runs without dropout: its loss reads the dropout's
// operand, while @forward keeps it.
// CHECK-LABEL: func.func @forward
// CHECK: braid.dropout
// CHECK-LABEL: func.func @eval
// CHECK-NOT: braid.dropout
// CHECK: %[[MM:.*]] = braid.matmul
// CHECK-NOT: braid.dropout
// CHECK: braid.mean_squared_error %[[MM]], %{{.*}}
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %t: tensor<4x2xf32> {braid.input = "t"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.dropout %0, p = 0.5, salt = 1 : tensor<4x2xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %2 : tensor<f32>
}
