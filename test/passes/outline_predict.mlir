// RUN: braid-opt --split-input-file --verify-diagnostics --braid-outline-predict %s | FileCheck %s

// Tests that @predict keeps only what the output needs: the loss and the
// labels input are dropped, every parameter is kept with its attributes, and
// @forward is unchanged.
// CHECK-LABEL: func.func @forward
// CHECK: braid.sparse_softmax_cross_entropy
// CHECK-LABEL: func.func @predict
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32> {braid.input = "x"},
// CHECK-SAME: %[[W:.*]]: tensor<8x2xf32> {braid.init = #braid.init<glorot_uniform>, braid.param = "w"},
// CHECK-SAME: %[[B:.*]]: tensor<2xf32> {braid.init = #braid.init<zeros>, braid.param = "b"})
// CHECK-SAME: -> (tensor<4x2xf32> {braid.output = "logits"})
// CHECK-SAME: attributes {braid.entry_point = "predict"}
// CHECK-NEXT: %[[MM:.*]] = braid.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[ADD:.*]] = braid.add %[[MM]], %[[B]]
// CHECK-NEXT: return %[[ADD]] : tensor<4x2xf32>
// CHECK-NEXT: }
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %y: tensor<4xi32> {braid.input = "y"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<glorot_uniform>},
                   %b: tensor<2xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
    -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.add %0, %b : tensor<4x2xf32>, tensor<2xf32>
  %2 = braid.sparse_softmax_cross_entropy %1, %y : tensor<4x2xf32>, tensor<4xi32>
  return %1, %2 : tensor<4x2xf32>, tensor<f32>
}

// -----

// Tests that a parameter only the loss reads is still an argument of
// @predict (entry points share one parameter set), that the outputs keep
// their order and names, and that an op only the loss needs is dropped.
// CHECK-LABEL: func.func @predict
// CHECK-SAME: (%[[X:.*]]: tensor<4x2xf32> {braid.input = "x"},
// CHECK-SAME: %{{.*}}: tensor<2xf32> {braid.init = #braid.init<ones>, braid.param = "scale"})
// CHECK-SAME: -> (tensor<4x2xf32> {braid.output = "probs"}, tensor<4x2xf32> {braid.output = "act"})
// CHECK-NEXT: %[[ACT:.*]] = braid.tanh %[[X]]
// CHECK-NEXT: %[[P:.*]] = braid.softmax %[[ACT]], axis = -1
// CHECK-NEXT: return %[[P]], %[[ACT]]
func.func @forward(%x: tensor<4x2xf32> {braid.input = "x"},
                   %t: tensor<4x2xf32> {braid.input = "t"},
                   %s: tensor<2xf32> {braid.param = "scale", braid.init = #braid.init<ones>})
    -> (tensor<4x2xf32> {braid.output = "probs"}, tensor<f32> {braid.loss = "loss"},
        tensor<4x2xf32> {braid.output = "act"}) {
  %0 = braid.tanh %x : tensor<4x2xf32>
  %1 = braid.softmax %0, axis = -1 : tensor<4x2xf32>
  %2 = braid.mul %1, %s : tensor<4x2xf32>, tensor<2xf32>
  %3 = braid.mean_squared_error %2, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1, %3, %0 : tensor<4x2xf32>, tensor<f32>, tensor<4x2xf32>
}

// -----

// Tests that constants the output needs are copied into @predict.
// CHECK-LABEL: func.func @predict
// CHECK-NEXT: %[[C:.*]] = braid.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[M:.*]] = braid.mul %{{.*}}, %[[C]]
// CHECK-NEXT: return %[[M]]
func.func @forward(%x: tensor<4xf32> {braid.input = "x"})
    -> (tensor<4xf32> {braid.output = "y"}) {
  %c = braid.constant dense<2.0> : tensor<f32>
  %0 = braid.mul %x, %c : tensor<4xf32>, tensor<f32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a module without @forward is left alone.
// CHECK-LABEL: func.func @other
// CHECK-NOT: braid.entry_point
// CHECK-NOT: func.func @predict
func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = braid.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a model without outputs has nothing to predict.
// expected-error @+1 {{model has no outputs to predict}}
func.func @forward(%x: tensor<4xf32> {braid.input = "x"}) -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.reduce_mean %x, axes = [0] : tensor<4xf32>
  return %0 : tensor<f32>
}

// -----

// Tests that an existing @predict is not overwritten.
// expected-error @+1 {{the module already has a @predict; it would be overwritten}}
func.func @forward(%x: tensor<4xf32> {braid.input = "x"}) -> (tensor<4xf32> {braid.output = "y"}) {
  return %x : tensor<4xf32>
}
func.func @predict(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// Tests that @predict runs without dropout: each braid.dropout is left out,
// its uses reading its operand (a chain of two included), while @forward
// keeps them.
// CHECK-LABEL: func.func @forward
// CHECK-COUNT-2: braid.dropout
// CHECK-LABEL: func.func @predict
// CHECK-NEXT: %[[MM:.*]] = braid.matmul
// CHECK-NEXT: %[[R:.*]] = braid.relu %[[MM]]
// CHECK-NEXT: return %[[R]] : tensor<4x2xf32>
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<4x2xf32> {braid.output = "y"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.dropout %0, p = 0.5, salt = 1 : tensor<4x2xf32>
  %2 = braid.dropout %1, p = 0.1, salt = 2 : tensor<4x2xf32>
  %3 = braid.relu %2 : tensor<4x2xf32>
  return %3 : tensor<4x2xf32>
}
