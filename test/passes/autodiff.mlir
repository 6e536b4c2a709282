// RUN: braid-opt --split-input-file --verify-diagnostics --braid-autodiff %s | FileCheck %s

// braid-autodiff: @train_step computes the loss and, by a reverse sweep over
// the ops' VJPs (docs/gradients.md), the gradient of every parameter. One
// case per differentiable op, then accumulation, integer values,
// stop_gradient, unused parameters and the errors. Every module holds the
// same sgd train block.

// Tests the VJPs of matmul, a bias add and sparse_softmax_cross_entropy, the
// mlp's ops: the seed dloss = 1, the labels get no gradient, the bias's
// gradient sums the batch, the weight's is x^T dlogits (a matmul that reads
// x transposed), and the
// gradient of the input x is not built. @forward is unchanged and
// @train_step returns the loss, then the gradients in parameter order.
// CHECK-LABEL: func.func @forward
// CHECK-NEXT: braid.matmul
// CHECK-NEXT: braid.add
// CHECK-NEXT: braid.sparse_softmax_cross_entropy
// CHECK-NEXT: return
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32> {braid.input = "x"},
// CHECK-SAME: %[[Y:[^:]*]]: tensor<4xi32> {braid.input = "y"},
// CHECK-SAME: %[[W:[^:]*]]: tensor<8x2xf32> {braid.init = #braid.init<glorot_uniform>, braid.param = "w"},
// CHECK-SAME: %[[B:[^:]*]]: tensor<2xf32> {braid.init = #braid.init<zeros>, braid.param = "b"})
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss"}, tensor<8x2xf32> {braid.grad = "w"}, tensor<2xf32> {braid.grad = "b"})
// CHECK-NOT: braid.entry_point
// CHECK-NEXT: %[[MM:.*]] = braid.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[LOGITS:.*]] = braid.add %[[MM]], %[[B]]
// CHECK-NEXT: %[[LOSS:.*]] = braid.sparse_softmax_cross_entropy %[[LOGITS]], %[[Y]]
// CHECK-NEXT: %[[SEED:.*]] = braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DLOGITS:.*]] = braid.sparse_softmax_cross_entropy_grad %[[SEED]], %[[LOGITS]], %[[Y]] : tensor<f32>, tensor<4x2xf32>, tensor<4xi32>
// CHECK-NEXT: %[[DB:.*]] = braid.reduce_sum %[[DLOGITS]], axes = [0] : tensor<4x2xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.matmul %[[X]], %[[DLOGITS]] transpose_lhs : tensor<4x8xf32>, tensor<4x2xf32>
// CHECK-NEXT: return %[[LOSS]], %[[DW]], %[[DB]] : tensor<f32>, tensor<8x2xf32>, tensor<2xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
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
}

// -----

// Tests the VJP of matmul for both operands: da = dy b^T and db = a^T dy,
// each one matmul with a transpose flag and no transpose op; and that of
// mean_squared_error for its prediction (the target is an input: no
// gradient).
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x8xf32> {{.*}}, %[[B:[^:]*]]: tensor<8x2xf32> {{.*}}, %[[T:[^:]*]]: tensor<4x2xf32>
// CHECK: %[[Y:.*]] = braid.matmul %[[A]], %[[B]]
// CHECK: %[[SEED:.*]] = braid.constant dense<1.000000e+00>
// CHECK-NEXT: %[[DY:.*]] = braid.mean_squared_error_grad %[[SEED]], %[[Y]], %[[T]] : tensor<f32>, tensor<4x2xf32>, tensor<4x2xf32>
// CHECK-NEXT: %[[DA:.*]] = braid.matmul %[[DY]], %[[B]] transpose_rhs : tensor<4x2xf32>, tensor<8x2xf32>
// CHECK-NEXT: %[[DB:.*]] = braid.matmul %[[A]], %[[DY]] transpose_lhs : tensor<4x8xf32>, tensor<4x2xf32>
// CHECK-NEXT: return %{{.*}}, %[[DA]], %[[DB]]
// CHECK-NOT: braid.transpose
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%a: tensor<4x8xf32> {braid.param = "a", braid.init = #braid.init<zeros>}, %b: tensor<8x2xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %a, %b : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJP of a matmul that reads both operands transposed,
// y = a^T b^T: da = b^T dy^T and db = dy^T a^T, as flagged matmuls whose
// results have the operands' own shapes.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[A:[^:]*]]: tensor<8x4xf32> {{.*}}, %[[B:[^:]*]]: tensor<2x8xf32> {{.*}}, %[[T:[^:]*]]: tensor<4x2xf32>
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DA:.*]] = braid.matmul %[[B]], %[[DY]] transpose_lhs transpose_rhs : tensor<2x8xf32>, tensor<4x2xf32>
// CHECK-NEXT: %[[DB:.*]] = braid.matmul %[[DY]], %[[A]] transpose_lhs transpose_rhs : tensor<4x2xf32>, tensor<8x4xf32>
// CHECK-NEXT: return %{{.*}}, %[[DA]], %[[DB]] : tensor<f32>, tensor<8x4xf32>, tensor<2x8xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%a: tensor<8x4xf32> {braid.param = "a", braid.init = #braid.init<zeros>}, %b: tensor<2x8xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %a, %b transpose_lhs transpose_rhs : tensor<8x4xf32>, tensor<2x8xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJP of a matmul that reads only its lhs transposed, y = a^T b:
// da = b dy^T and db = a dy.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[A:[^:]*]]: tensor<8x4xf32> {{.*}}, %[[B:[^:]*]]: tensor<8x2xf32> {{.*}}, %[[T:[^:]*]]: tensor<4x2xf32>
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DA:.*]] = braid.matmul %[[B]], %[[DY]] transpose_rhs : tensor<8x2xf32>, tensor<4x2xf32>
// CHECK-NEXT: %[[DB:.*]] = braid.matmul %[[A]], %[[DY]] : tensor<8x4xf32>, tensor<4x2xf32>
// CHECK-NEXT: return %{{.*}}, %[[DA]], %[[DB]] : tensor<f32>, tensor<8x4xf32>, tensor<8x2xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%a: tensor<8x4xf32> {braid.param = "a", braid.init = #braid.init<zeros>}, %b: tensor<8x2xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %a, %b transpose_lhs : tensor<8x4xf32>, tensor<8x2xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that unbroadcast reshapes after the sum when broadcasting stretched
// a dimension of 1: an add of f32[1, 3] to f32[4, 3].
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss"}, tensor<1x3xf32> {braid.grad = "w"})
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[SUM:.*]] = braid.reduce_sum %[[DY]], axes = [0] : tensor<4x3xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.reshape %[[SUM]] to [1, 3] : tensor<3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<1x3xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4x3xf32> {braid.input = "x"}, %t: tensor<4x3xf32> {braid.input = "t"},
                   %w: tensor<1x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.add %x, %w : tensor<4x3xf32>, tensor<1x3xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJP of sub for a broadcast right operand: its gradient is the
// negated sum over the batch.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[SUM:.*]] = braid.reduce_sum %[[DY]], axes = [0] : tensor<4x3xf32>
// CHECK-NEXT: %[[NEG1:.*]] = braid.constant dense<-1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DW:.*]] = braid.mul %[[SUM]], %[[NEG1]] : tensor<3xf32>, tensor<f32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<3xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4x3xf32> {braid.input = "x"}, %t: tensor<4x3xf32> {braid.input = "t"},
                   %w: tensor<3xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.sub %x, %w : tensor<4x3xf32>, tensor<3xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJP of mul: da = dy * b, db = unbroadcast(dy * a, b).
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x3xf32> {{.*}}, %{{[^:]*}}: tensor<4x3xf32> {{.*}}, %[[B:[^:]*]]: tensor<3xf32>
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DA:.*]] = braid.mul %[[DY]], %[[B]] : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: %[[DYA:.*]] = braid.mul %[[DY]], %[[A]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[DB:.*]] = braid.reduce_sum %[[DYA]], axes = [0] : tensor<4x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DA]], %[[DB]] : tensor<f32>, tensor<4x3xf32>, tensor<3xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%a: tensor<4x3xf32> {braid.param = "a", braid.init = #braid.init<zeros>}, %t: tensor<4x3xf32> {braid.input = "t"},
                   %b: tensor<3xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mul %a, %b : tensor<4x3xf32>, tensor<3xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJP of div: da = dy / b, db = -unbroadcast(dy * a / (b * b), b).
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x3xf32> {{.*}}, %{{[^:]*}}: tensor<4x3xf32> {{.*}}, %[[B:[^:]*]]: tensor<3xf32>
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DA:.*]] = braid.div %[[DY]], %[[B]] : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: %[[NUM:.*]] = braid.mul %[[DY]], %[[A]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[SQ:.*]] = braid.mul %[[B]], %[[B]] : tensor<3xf32>, tensor<3xf32>
// CHECK-NEXT: %[[Q:.*]] = braid.div %[[NUM]], %[[SQ]] : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: %[[SUM:.*]] = braid.reduce_sum %[[Q]], axes = [0] : tensor<4x3xf32>
// CHECK-NEXT: %[[NEG1:.*]] = braid.constant dense<-1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DB:.*]] = braid.mul %[[SUM]], %[[NEG1]] : tensor<3xf32>, tensor<f32>
// CHECK-NEXT: return %{{.*}}, %[[DA]], %[[DB]] : tensor<f32>, tensor<4x3xf32>, tensor<3xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%a: tensor<4x3xf32> {braid.param = "a", braid.init = #braid.init<zeros>}, %t: tensor<4x3xf32> {braid.input = "t"},
                   %b: tensor<3xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.div %a, %b : tensor<4x3xf32>, tensor<3xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJPs of the unary ops: relu_grad and gelu_grad read the forward
// operand, sigmoid_grad and tanh_grad the forward result.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4x3xf32>
// CHECK: %[[R:.*]] = braid.relu %[[W]]
// CHECK-NEXT: %[[S:.*]] = braid.sigmoid %[[R]]
// CHECK-NEXT: %[[T:.*]] = braid.tanh %[[S]]
// CHECK-NEXT: %[[G:.*]] = braid.gelu %[[T]]
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad %{{.*}}, %[[G]], %{{.*}}
// CHECK-NEXT: %[[DT:.*]] = braid.gelu_grad %[[DY]], %[[T]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[DS:.*]] = braid.tanh_grad %[[DT]], %[[T]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[DR:.*]] = braid.sigmoid_grad %[[DS]], %[[S]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.relu_grad %[[DR]], %[[W]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<4x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4x3xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.relu %w : tensor<4x3xf32>
  %1 = braid.sigmoid %0 : tensor<4x3xf32>
  %2 = braid.tanh %1 : tensor<4x3xf32>
  %3 = braid.gelu %2 : tensor<4x3xf32>
  %4 = braid.mean_squared_error %3, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %4 : tensor<f32>
}
}

// -----

// Tests the VJPs of softmax and log_softmax: their gradients read the forward
// result and keep the axis as written.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[S:.*]] = braid.softmax %{{.*}}, axis = 1
// CHECK-NEXT: %[[L:.*]] = braid.log_softmax %[[S]], axis = -1
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad %{{.*}}, %[[L]], %{{.*}}
// CHECK-NEXT: %[[DS:.*]] = braid.log_softmax_grad %[[DY]], %[[L]], axis = -1 : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.softmax_grad %[[DS]], %[[S]], axis = 1 : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<4x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4x3xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.softmax %w, axis = 1 : tensor<4x3xf32>
  %1 = braid.log_softmax %0, axis = -1 : tensor<4x3xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %2 : tensor<f32>
}
}

// -----

// Tests the VJP of mean_squared_error for both operands: the target's
// gradient is the prediction's, negated.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[P:[^:]*]]: tensor<4x3xf32> {{.*}}, %[[Q:[^:]*]]: tensor<4x3xf32>
// CHECK: %[[SEED:.*]] = braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DP:.*]] = braid.mean_squared_error_grad %[[SEED]], %[[P]], %[[Q]]
// CHECK-NEXT: %[[NEG1:.*]] = braid.constant dense<-1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DQ:.*]] = braid.mul %[[DP]], %[[NEG1]] : tensor<4x3xf32>, tensor<f32>
// CHECK-NEXT: return %{{.*}}, %[[DP]], %[[DQ]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%p: tensor<4x3xf32> {braid.param = "p", braid.init = #braid.init<zeros>}, %q: tensor<4x3xf32> {braid.param = "q", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %p, %q : tensor<4x3xf32>, tensor<4x3xf32>
  return %0 : tensor<f32>
}
}

// -----

// Tests the VJP of reduce_sum: the gradient is reshaped to the keepdims
// shape and broadcast back; here the loss is the sum itself, so dloss is the
// seed.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[SEED:.*]] = braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[K:.*]] = braid.reshape %[[SEED]] to [1, 1] : tensor<f32>
// CHECK-NEXT: %[[DW:.*]] = braid.broadcast_to %[[K]] to [2, 3] : tensor<1x1xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<2x3xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<2x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.reduce_sum %w, axes = [0, 1] : tensor<2x3xf32>
  return %0 : tensor<f32>
}
}

// -----

// Tests the VJP of reduce_mean over a negative axis: dy times 1/3 (a
// braid.constant), reshaped to keepdims and broadcast back.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[N:.*]] = braid.constant dense<0.333333343> : tensor<f32>
// CHECK-NEXT: %[[S:.*]] = braid.mul %[[DY]], %[[N]] : tensor<2x4xf32>, tensor<f32>
// CHECK-NEXT: %[[K:.*]] = braid.reshape %[[S]] to [2, 1, 4] : tensor<2x4xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.broadcast_to %[[K]] to [2, 3, 4] : tensor<2x1x4xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<2x3x4xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<2x3x4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<2x4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.reduce_mean %w, axes = [-2] : tensor<2x3x4xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<2x4xf32>, tensor<2x4xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJPs of flatten, reshape and transpose: transpose back, then one
// reshape to the parameter's shape (reshape and flatten of a gradient that
// already has the right shape build nothing).
// CHECK-LABEL: func.func @train_step
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DT:.*]] = braid.transpose %[[DY]], perm = [1, 0] : tensor<12x2xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.reshape %[[DT]] to [2, 3, 4] : tensor<2x12xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<2x3x4xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<2x3x4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<12x2xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.flatten %w : tensor<2x3x4xf32>
  %1 = braid.reshape %0 to [2, 12] : tensor<2x12xf32>
  %2 = braid.transpose %1, perm = [1, 0] : tensor<2x12xf32>
  %3 = braid.mean_squared_error %2, %t : tensor<12x2xf32>, tensor<12x2xf32>
  return %3 : tensor<f32>
}
}

// -----

// Tests the VJP of reshape alone and of transpose by a non-involutive
// permutation: [2, 0, 1] is undone by its inverse [1, 2, 0].
// CHECK-LABEL: func.func @train_step
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DT:.*]] = braid.transpose %[[DY]], perm = [1, 2, 0] : tensor<4x2x3xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.reshape %[[DT]] to [6, 4] : tensor<2x3x4xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<6x4xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<6x4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4x2x3xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.reshape %w to [2, 3, 4] : tensor<6x4xf32>
  %1 = braid.transpose %0, perm = [2, 0, 1] : tensor<2x3x4xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4x2x3xf32>, tensor<4x2x3xf32>
  return %2 : tensor<f32>
}
}

// -----

// Tests the VJP of broadcast_to: a sum over the added leading axis and the
// stretched axis, then a reshape to f32[3, 1].
// CHECK-LABEL: func.func @train_step
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[S:.*]] = braid.reduce_sum %[[DY]], axes = [0, 2] : tensor<2x3x4xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.reshape %[[S]] to [3, 1] : tensor<3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<3x1xf32>
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<3x1xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<2x3x4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.broadcast_to %w to [2, 3, 4] : tensor<3x1xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<2x3x4xf32>, tensor<2x3x4xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests the VJPs of conv2d (with and without bias), max_pool2d and
// avg_pool2d: the input gradient of the first conv2d, whose input is the
// model input, is not built; the bias gradient sums dy over [0, 2, 3].
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x1x8x8xf32> {{.*}}, %[[Y:[^:]*]]: tensor<2xi32> {{.*}}, %[[W:[^:]*]]: tensor<4x1x3x3xf32> {{.*}}, %{{[^:]*}}: tensor<4xf32> {{.*}}, %[[V:[^:]*]]: tensor<4x4x3x3xf32>
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss"}, tensor<4x1x3x3xf32> {braid.grad = "w"}, tensor<4xf32> {braid.grad = "b"}, tensor<4x4x3x3xf32> {braid.grad = "v"})
// CHECK: %[[C1:.*]] = braid.conv2d %[[X]]
// CHECK-NEXT: %[[P1:.*]] = braid.max_pool2d %[[C1]]
// CHECK-NEXT: %[[C2:.*]] = braid.conv2d %[[P1]], %[[V]]
// CHECK-NEXT: %[[P2:.*]] = braid.avg_pool2d %[[C2]]
// CHECK-NEXT: %[[F:.*]] = braid.flatten %[[P2]]
// CHECK: %[[DF:.*]] = braid.sparse_softmax_cross_entropy_grad %{{.*}}, %[[F]], %[[Y]]
// CHECK-NEXT: %[[DP2:.*]] = braid.reshape %[[DF]] to [2, 4, 1, 1] : tensor<2x4xf32>
// CHECK-NEXT: %[[DC2:.*]] = braid.avg_pool2d_grad %[[DP2]] input_shape = [2, 4, 2, 2] kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x4x1x1xf32>
// CHECK-NEXT: %[[DP1:.*]] = braid.conv2d_backward_data %[[DC2]], %[[V]] input_shape = [2, 4, 4, 4] strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<2x4x2x2xf32>, tensor<4x4x3x3xf32>
// CHECK-NEXT: %[[DV:.*]] = braid.conv2d_backward_filter %[[DC2]], %[[P1]] filter_shape = [4, 4, 3, 3] strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<2x4x2x2xf32>, tensor<2x4x4x4xf32>
// CHECK-NEXT: %[[DC1:.*]] = braid.max_pool2d_grad %[[DP1]], %[[C1]] kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x4x4x4xf32>, tensor<2x4x8x8xf32>
// CHECK-NEXT: %[[DW:.*]] = braid.conv2d_backward_filter %[[DC1]], %[[X]] filter_shape = [4, 1, 3, 3] strides = [1, 1] padding = [1, 1] dilations = [1, 1] : tensor<2x4x8x8xf32>, tensor<2x1x8x8xf32>
// CHECK-NEXT: %[[DB:.*]] = braid.reduce_sum %[[DC1]], axes = [0, 2, 3] : tensor<2x4x8x8xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]], %[[DB]], %[[DV]]
// CHECK-NOT: braid.conv2d_backward_data
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<2x1x8x8xf32> {braid.input = "x"}, %y: tensor<2xi32> {braid.input = "y"},
                   %w: tensor<4x1x3x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %b: tensor<4xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                   %v: tensor<4x4x3x3xf32> {braid.param = "v", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.conv2d %x, %w, %b strides = [1, 1] padding = [1, 1] dilations = [1, 1]
      : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>
  %1 = braid.max_pool2d %0 kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x4x8x8xf32>
  %2 = braid.conv2d %1, %v strides = [1, 1] padding = [0, 0] dilations = [1, 1]
      : tensor<2x4x4x4xf32>, tensor<4x4x3x3xf32>
  %3 = braid.avg_pool2d %2 kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x4x2x2xf32>
  %4 = braid.flatten %3 : tensor<2x4x1x1xf32>
  %5 = braid.sparse_softmax_cross_entropy %4, %y : tensor<2x4xf32>, tensor<2xi32>
  return %5 : tensor<f32>
}
}

// -----

// Tests that a value used twice gets the sum of its uses' gradients: w feeds
// relu and tanh, whose product is the prediction.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4x3xf32>
// CHECK: %[[R:.*]] = braid.relu %[[W]]
// CHECK-NEXT: %[[T:.*]] = braid.tanh %[[W]]
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DR:.*]] = braid.mul %[[DY]], %[[T]]
// CHECK-NEXT: %[[DT:.*]] = braid.mul %[[DY]], %[[R]]
// CHECK-NEXT: %[[G1:.*]] = braid.tanh_grad %[[DT]], %[[T]]
// CHECK-NEXT: %[[G2:.*]] = braid.relu_grad %[[DR]], %[[W]]
// CHECK-NEXT: %[[DW:.*]] = braid.add %[[G1]], %[[G2]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<4x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4x3xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.relu %w : tensor<4x3xf32>
  %1 = braid.tanh %w : tensor<4x3xf32>
  %2 = braid.mul %0, %1 : tensor<4x3xf32>, tensor<4x3xf32>
  %3 = braid.mean_squared_error %2, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %3 : tensor<f32>
}
}

// -----

// Tests that integer values get no gradient: the labels' reshape, an i32 op
// on the path to the loss, is a leaf, not an error.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[L:.*]] = braid.reshape %{{.*}} to [4] : tensor<2x2xi32>
// CHECK: braid.sparse_softmax_cross_entropy_grad %{{.*}}, %{{.*}}, %[[L]]
// CHECK-NOT: braid.reshape
// CHECK: return
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4x3xf32> {braid.input = "x"}, %y: tensor<2x2xi32> {braid.input = "y"},
                   %w: tensor<3x5xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x3xf32>, tensor<3x5xf32>
  %1 = braid.reshape %y to [4] : tensor<2x2xi32>
  %2 = braid.sparse_softmax_cross_entropy %0, %1 : tensor<4x5xf32>, tensor<4xi32>
  return %2 : tensor<f32>
}
}

// -----

// Tests that a parameter the loss does not depend on (b only feeds an
// output) gets a zero gradient and a warning, and that ops only the outputs
// need are not in @train_step.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss"}, tensor<3xf32> {braid.grad = "w"}, tensor<3xf32> {braid.grad = "b"})
// CHECK-NOT: braid.add
// CHECK: %[[DW:.*]] = braid.reduce_sum
// CHECK-NEXT: %[[ZERO:.*]] = braid.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]], %[[ZERO]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4x3xf32> {braid.input = "x"}, %t: tensor<4x3xf32> {braid.input = "t"},
                   %w: tensor<3xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   // expected-warning @+1 {{parameter 'b' does not affect the loss; its gradient is zero}}
                   %b: tensor<3xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
    -> (tensor<4x3xf32> {braid.output = "z"}, tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mul %x, %w : tensor<4x3xf32>, tensor<3xf32>
  %1 = braid.add %x, %b : tensor<4x3xf32>, tensor<3xf32>
  %2 = braid.mean_squared_error %0, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %1, %2 : tensor<4x3xf32>, tensor<f32>
}
}

// -----

// Tests that no gradient flows through stop_gradient: w * stop_gradient(w)
// gets only the first factor's gradient, and v, read only through
// stop_gradient, gets a zero gradient and a warning.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%{{[^:]*}}: tensor<4x3xf32> {braid.input = "t"}, %[[W:[^:]*]]: tensor<4x3xf32>
// CHECK: %[[S:.*]] = braid.stop_gradient %[[W]]
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DW:.*]] = braid.mul %[[DY]], %[[S]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[ZERO:.*]] = braid.constant dense<0.000000e+00> : tensor<4x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]], %[[ZERO]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%t: tensor<4x3xf32> {braid.input = "t"},
                   %w: tensor<4x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   // expected-warning @+1 {{parameter 'v' does not affect the loss; its gradient is zero}}
                   %v: tensor<4x3xf32> {braid.param = "v", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.stop_gradient %w : tensor<4x3xf32>
  %1 = braid.mul %w, %0 : tensor<4x3xf32>, tensor<4x3xf32>
  %2 = braid.stop_gradient %v : tensor<4x3xf32>
  %3 = braid.add %1, %2 : tensor<4x3xf32>, tensor<4x3xf32>
  %4 = braid.mean_squared_error %3, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %4 : tensor<f32>
}
}

// -----

// Tests that a constant is a leaf: its product with w scales w's gradient.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[C:.*]] = braid.constant dense<2.000000e+00> : tensor<f32>
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: %[[DW:.*]] = braid.mul %[[DY]], %[[C]] : tensor<4xf32>, tensor<f32>
// CHECK-NEXT: return %{{.*}}, %[[DW]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %c = braid.constant dense<2.0> : tensor<f32>
  %0 = braid.mul %w, %c : tensor<4xf32>, tensor<f32>
  %1 = braid.mean_squared_error %0, %t : tensor<4xf32>, tensor<4xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that an op without a gradient is fine off the parameters' path: the
// relu_grad of two inputs is a leaf.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[DY:.*]] = braid.mean_squared_error_grad
// CHECK-NEXT: return %{{.*}}, %[[DY]]
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4xf32> {braid.input = "x"}, %t: tensor<4xf32> {braid.input = "t"},
                   %w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.relu_grad %x, %t : tensor<4xf32>, tensor<4xf32>
  %1 = braid.add %0, %w : tensor<4xf32>, tensor<4xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4xf32>, tensor<4xf32>
  return %2 : tensor<f32>
}
}

// -----

// Tests that a module without @forward is left alone.
// CHECK-LABEL: func.func @other
// CHECK-NOT: func.func @train_step
func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = braid.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a model without braid.train has no loss to differentiate.
// expected-error @+1 {{the module has no 'braid.train': no loss to differentiate}}
func.func @forward(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}

// -----

// Tests that an op without a gradient (accuracy) on the path from a
// parameter to the loss is an error.
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4x3xf32> {braid.input = "x"}, %y: tensor<4xi32> {braid.input = "y"},
                   %w: tensor<3x5xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x3xf32>, tensor<3x5xf32>
  // expected-error @+1 {{'braid.accuracy' has no gradient}}
  %1 = braid.accuracy %0, %y : tensor<4x5xf32>, tensor<4xi32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that a gradient op has no gradient itself.
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
func.func @forward(%x: tensor<4xf32> {braid.input = "x"}, %t: tensor<4xf32> {braid.input = "t"},
                   %w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  // expected-error @+1 {{'braid.relu_grad' has no gradient}}
  %0 = braid.relu_grad %x, %w : tensor<4xf32>, tensor<4xf32>
  %1 = braid.mean_squared_error %0, %t : tensor<4xf32>, tensor<4xf32>
  return %1 : tensor<f32>
}
}

// -----

// Tests that an existing @train_step is not overwritten.
module attributes {braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
// expected-error @+1 {{the module already has a @train_step; it would be overwritten}}
func.func @forward(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %t: tensor<4xf32> {braid.input = "t"})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.mean_squared_error %w, %t : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}
func.func @train_step() {
  return
}
}

// -----

// Tests that a collective has no VJP: braid-data-parallel inserts them after
// autodiff, and autodiff stops at one.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x8xf32> {braid.input = "x"}, %y: tensor<4xi32> {braid.input = "y"},
                     %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<f32> {braid.loss = "loss"}) {
    %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
    // expected-error @+1 {{'braid.all_reduce' has no gradient}}
    %1 = braid.all_reduce %0 reduction = <mean> : tensor<4x2xf32>
    %2 = braid.sparse_softmax_cross_entropy %1, %y : tensor<4x2xf32>, tensor<4xi32>
    return %2 : tensor<f32>
  }
}
