// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// The gradient ops (BraidGradOps.td), accuracy and stop_gradient. Each
// gradient op's result is the gradient of a forward operand and has its type;
// the rules (ShapeRules/GradRules.cpp) check the incoming gradient against
// the forward op's result type.
//
// relu_grad, sigmoid_grad, tanh_grad, gelu_grad: (c1) both operands are f32
// tensors; (c2) of the same shape.
// softmax_grad, log_softmax_grad: (c1) `y` is f32 of rank 1 or more and
// `axis` in [-rank, rank); (c2) `dy` has `y`'s type.
// sparse_softmax_cross_entropy_grad: (c1) `dloss` is f32[]; (c2) `logits` is
// f32[B, C] and `labels` i32[B].
// mean_squared_error_grad: (c1) `dloss` is f32[]; (c2) prediction and target
// are f32 of one shape.
// conv2d_backward_data / conv2d_backward_filter: (c1) `input_shape` /
// `filter_shape` is a valid shape; (c2) the forward conv2d is valid; (c3)
// `dy` has its result type.
// max_pool2d_grad: (c1) the forward pooling is valid; (c2) `dy` has its
// result type.
// avg_pool2d_grad: (c1) `input_shape` is a valid shape; (c2) the forward
// pooling is valid; (c3) `dy` has its result type.
// accuracy: (c1) `logits` is f32[B, C]; (c2) `labels` is i32[B]; (c3) the
// batch sizes agree.
// stop_gradient: (c1) the operand is a static f32 or i32 tensor.

// Tests that the elementwise gradients print and parse back and that each
// result has the forward value's type.
// CHECK-LABEL: func.func @elementwise_grads
// CHECK-NEXT: %[[R:.*]] = braid.relu_grad %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[S:.*]] = braid.sigmoid_grad %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[T:.*]] = braid.tanh_grad %{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>
// CHECK-NEXT: %[[G:.*]] = braid.gelu_grad %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %[[R]], %[[S]], %[[T]], %[[G]] : tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>, tensor<4x3xf32>
func.func @elementwise_grads(%dy: tensor<4x3xf32>, %x: tensor<4x3xf32>, %ds: tensor<f32>, %s: tensor<f32>)
    -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>, tensor<4x3xf32>) {
  %0 = braid.relu_grad %dy, %x : tensor<4x3xf32>, tensor<4x3xf32>
  %1 = braid.sigmoid_grad %dy, %x : tensor<4x3xf32>, tensor<4x3xf32>
  %2 = braid.tanh_grad %ds, %s : tensor<f32>, tensor<f32>
  %3 = braid.gelu_grad %dy, %x : tensor<4x3xf32>, tensor<4x3xf32>
  return %0, %1, %2, %3 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>, tensor<4x3xf32>
}

// -----

// Tests that softmax_grad and log_softmax_grad print and parse back, with a
// negative axis.
// CHECK-LABEL: func.func @softmax_grads
// CHECK-NEXT: %[[S:.*]] = braid.softmax_grad %{{.*}}, %{{.*}}, axis = 1 : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[L:.*]] = braid.log_softmax_grad %{{.*}}, %{{.*}}, axis = -1 : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %[[S]], %[[L]] : tensor<4x3xf32>, tensor<4x3xf32>
func.func @softmax_grads(%dy: tensor<4x3xf32>, %y: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %0 = braid.softmax_grad %dy, %y, axis = 1 : tensor<4x3xf32>, tensor<4x3xf32>
  %1 = braid.log_softmax_grad %dy, %y, axis = -1 : tensor<4x3xf32>, tensor<4x3xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// Tests that the loss gradients print and parse back and return the logits'
// and the prediction's types.
// CHECK-LABEL: func.func @loss_grads
// CHECK-NEXT: %[[C:.*]] = braid.sparse_softmax_cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<f32>, tensor<4x3xf32>, tensor<4xi32>
// CHECK-NEXT: %[[M:.*]] = braid.mean_squared_error_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<f32>, tensor<4x1xf32>, tensor<4x1xf32>
// CHECK-NEXT: return %[[C]], %[[M]] : tensor<4x3xf32>, tensor<4x1xf32>
func.func @loss_grads(%dl: tensor<f32>, %logits: tensor<4x3xf32>, %y: tensor<4xi32>,
                      %p: tensor<4x1xf32>, %t: tensor<4x1xf32>) -> (tensor<4x3xf32>, tensor<4x1xf32>) {
  %0 = braid.sparse_softmax_cross_entropy_grad %dl, %logits, %y : tensor<f32>, tensor<4x3xf32>, tensor<4xi32>
  %1 = braid.mean_squared_error_grad %dl, %p, %t : tensor<f32>, tensor<4x1xf32>, tensor<4x1xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<4x1xf32>
}

// -----

// Tests that the convolution gradients print and parse back and give the
// input_shape and filter_shape types: LeNet's first layer, padding 2.
// CHECK-LABEL: func.func @conv2d_grads
// CHECK-NEXT: %[[D:.*]] = braid.conv2d_backward_data %{{.*}}, %{{.*}} input_shape = [64, 1, 28, 28] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<64x6x28x28xf32>, tensor<6x1x5x5xf32>
// CHECK-NEXT: %[[F:.*]] = braid.conv2d_backward_filter %{{.*}}, %{{.*}} filter_shape = [6, 1, 5, 5] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<64x6x28x28xf32>, tensor<64x1x28x28xf32>
// CHECK-NEXT: return %[[D]], %[[F]] : tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>
func.func @conv2d_grads(%dy: tensor<64x6x28x28xf32>, %w: tensor<6x1x5x5xf32>, %x: tensor<64x1x28x28xf32>)
    -> (tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>) {
  %0 = braid.conv2d_backward_data %dy, %w input_shape = [64, 1, 28, 28] strides = [1, 1] padding = [2, 2] dilations = [1, 1]
      : tensor<64x6x28x28xf32>, tensor<6x1x5x5xf32>
  %1 = braid.conv2d_backward_filter %dy, %x filter_shape = [6, 1, 5, 5] strides = [1, 1] padding = [2, 2] dilations = [1, 1]
      : tensor<64x6x28x28xf32>, tensor<64x1x28x28xf32>
  return %0, %1 : tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>
}

// -----

// Tests that conv2d_backward_data recovers an input extent the output does
// not determine: with stride 2, inputs of 7 and 8 both give 3 outputs of a
// 3-wide filter.
// CHECK-LABEL: func.func @conv2d_backward_data_stride
// CHECK-NEXT: %[[D:.*]] = braid.conv2d_backward_data %{{.*}}, %{{.*}} input_shape = [1, 2, 8, 7] strides = [2, 2] padding = [0, 0] dilations = [1, 1] : tensor<1x3x3x3xf32>, tensor<3x2x3x3xf32>
// CHECK-NEXT: return %[[D]] : tensor<1x2x8x7xf32>
func.func @conv2d_backward_data_stride(%dy: tensor<1x3x3x3xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x2x8x7xf32> {
  %0 = braid.conv2d_backward_data %dy, %w input_shape = [1, 2, 8, 7] strides = [2, 2] padding = [0, 0] dilations = [1, 1]
      : tensor<1x3x3x3xf32>, tensor<3x2x3x3xf32>
  return %0 : tensor<1x2x8x7xf32>
}

// -----

// Tests that the pooling gradients print and parse back and give the forward
// input's type.
// CHECK-LABEL: func.func @pool2d_grads
// CHECK-NEXT: %[[M:.*]] = braid.max_pool2d_grad %{{.*}}, %{{.*}} kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x6x4x4xf32>, tensor<2x6x8x8xf32>
// CHECK-NEXT: %[[A:.*]] = braid.avg_pool2d_grad %{{.*}} input_shape = [2, 6, 8, 8] kernel = [3, 3] strides = [2, 2] padding = [1, 1] : tensor<2x6x4x4xf32>
// CHECK-NEXT: return %[[M]], %[[A]] : tensor<2x6x8x8xf32>, tensor<2x6x8x8xf32>
func.func @pool2d_grads(%dy: tensor<2x6x4x4xf32>, %x: tensor<2x6x8x8xf32>) -> (tensor<2x6x8x8xf32>, tensor<2x6x8x8xf32>) {
  %0 = braid.max_pool2d_grad %dy, %x kernel = [2, 2] strides = [2, 2] padding = [0, 0]
      : tensor<2x6x4x4xf32>, tensor<2x6x8x8xf32>
  %1 = braid.avg_pool2d_grad %dy input_shape = [2, 6, 8, 8] kernel = [3, 3] strides = [2, 2] padding = [1, 1]
      : tensor<2x6x4x4xf32>
  return %0, %1 : tensor<2x6x8x8xf32>, tensor<2x6x8x8xf32>
}

// -----

// Tests that accuracy prints and parses back and gives a scalar.
// CHECK-LABEL: func.func @accuracy
// CHECK-NEXT: %[[A:.*]] = braid.accuracy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi32>
// CHECK-NEXT: return %[[A]] : tensor<f32>
func.func @accuracy(%logits: tensor<64x10xf32>, %y: tensor<64xi32>) -> tensor<f32> {
  %0 = braid.accuracy %logits, %y : tensor<64x10xf32>, tensor<64xi32>
  return %0 : tensor<f32>
}

// -----

// Tests that stop_gradient prints and parses back with the operand's type,
// f32 or i32.
// CHECK-LABEL: func.func @stop_gradient
// CHECK-NEXT: %[[X:.*]] = braid.stop_gradient %{{.*}} : tensor<4x3xf32>
// CHECK-NEXT: %[[Y:.*]] = braid.stop_gradient %{{.*}} : tensor<4xi32>
// CHECK-NEXT: return %[[X]], %[[Y]] : tensor<4x3xf32>, tensor<4xi32>
func.func @stop_gradient(%x: tensor<4x3xf32>, %y: tensor<4xi32>) -> (tensor<4x3xf32>, tensor<4xi32>) {
  %0 = braid.stop_gradient %x : tensor<4x3xf32>
  %1 = braid.stop_gradient %y : tensor<4xi32>
  return %0, %1 : tensor<4x3xf32>, tensor<4xi32>
}

// -----

// Tests that the generic form with the inferred result type verifies.
// CHECK-LABEL: func.func @relu_grad_generic
// CHECK: braid.relu_grad %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>
func.func @relu_grad_generic(%dy: tensor<4xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "braid.relu_grad"(%dy, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that relu_grad rejects an i32 gradient (c1).
func.func @relu_grad_c1(%dy: tensor<4xi32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.relu_grad' op gradient i32[4] and value f32[4] must be f32 of the same shape}}
  %0 = braid.relu_grad %dy, %x : tensor<4xi32>, tensor<4xf32>
  return
}

// -----

// Tests that relu_grad rejects a gradient of another shape than x (c2).
func.func @relu_grad_c2(%dy: tensor<4x3xf32>, %x: tensor<4x2xf32>) {
  // expected-error @+1 {{'braid.relu_grad' op gradient f32[4, 3] and value f32[4, 2] must be f32 of the same shape}}
  %0 = braid.relu_grad %dy, %x : tensor<4x3xf32>, tensor<4x2xf32>
  return
}

// -----

// Tests that sigmoid_grad rejects an i32 forward result (c1).
func.func @sigmoid_grad_c1(%dy: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'braid.sigmoid_grad' op gradient f32[4] and value i32[4] must be f32 of the same shape}}
  %0 = braid.sigmoid_grad %dy, %y : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

// Tests that sigmoid_grad rejects a gradient of another shape than y (c2).
func.func @sigmoid_grad_c2(%dy: tensor<3xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'braid.sigmoid_grad' op gradient f32[3] and value f32[4] must be f32 of the same shape}}
  %0 = braid.sigmoid_grad %dy, %y : tensor<3xf32>, tensor<4xf32>
  return
}

// -----

// Tests that tanh_grad rejects an i32 gradient (c1).
func.func @tanh_grad_c1(%dy: tensor<i32>, %y: tensor<f32>) {
  // expected-error @+1 {{'braid.tanh_grad' op gradient i32[] and value f32[] must be f32 of the same shape}}
  %0 = braid.tanh_grad %dy, %y : tensor<i32>, tensor<f32>
  return
}

// -----

// Tests that tanh_grad rejects operands of different ranks (c2).
func.func @tanh_grad_c2(%dy: tensor<4xf32>, %y: tensor<1x4xf32>) {
  // expected-error @+1 {{'braid.tanh_grad' op gradient f32[4] and value f32[1, 4] must be f32 of the same shape}}
  %0 = braid.tanh_grad %dy, %y : tensor<4xf32>, tensor<1x4xf32>
  return
}

// -----

// Tests that gelu_grad rejects an i32 forward operand (c1).
func.func @gelu_grad_c1(%dy: tensor<4xf32>, %x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.gelu_grad' op gradient f32[4] and value i32[4] must be f32 of the same shape}}
  %0 = braid.gelu_grad %dy, %x : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

// Tests that gelu_grad rejects a gradient of another shape than x (c2).
func.func @gelu_grad_c2(%dy: tensor<2x2xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.gelu_grad' op gradient f32[2, 2] and value f32[4] must be f32 of the same shape}}
  %0 = braid.gelu_grad %dy, %x : tensor<2x2xf32>, tensor<4xf32>
  return
}

// -----

// Tests that softmax_grad rejects an axis out of range (c1).
func.func @softmax_grad_c1(%dy: tensor<4x3xf32>, %y: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.softmax_grad' op axis 2 is out of range for f32[4, 3]}}
  %0 = braid.softmax_grad %dy, %y, axis = 2 : tensor<4x3xf32>, tensor<4x3xf32>
  return
}

// -----

// Tests that softmax_grad rejects a rank-0 forward result (c1).
func.func @softmax_grad_c1_rank0(%dy: tensor<f32>, %y: tensor<f32>) {
  // expected-error @+1 {{'braid.softmax_grad' op operand must have rank 1 or more, got f32[]}}
  %0 = braid.softmax_grad %dy, %y, axis = 0 : tensor<f32>, tensor<f32>
  return
}

// -----

// Tests that softmax_grad rejects a gradient of another shape than y (c2).
func.func @softmax_grad_c2(%dy: tensor<4x2xf32>, %y: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.softmax_grad' op incoming gradient f32[4, 2] does not match the forward result f32[4, 3]}}
  %0 = braid.softmax_grad %dy, %y, axis = 1 : tensor<4x2xf32>, tensor<4x3xf32>
  return
}

// -----

// Tests that log_softmax_grad rejects an axis out of range (c1).
func.func @log_softmax_grad_c1(%dy: tensor<4x3xf32>, %y: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.log_softmax_grad' op axis -3 is out of range for f32[4, 3]}}
  %0 = braid.log_softmax_grad %dy, %y, axis = -3 : tensor<4x3xf32>, tensor<4x3xf32>
  return
}

// -----

// Tests that log_softmax_grad rejects an i32 gradient (c2).
func.func @log_softmax_grad_c2(%dy: tensor<4x3xi32>, %y: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.log_softmax_grad' op incoming gradient i32[4, 3] does not match the forward result f32[4, 3]}}
  %0 = braid.log_softmax_grad %dy, %y, axis = 1 : tensor<4x3xi32>, tensor<4x3xf32>
  return
}

// -----

// Tests that sparse_softmax_cross_entropy_grad rejects a loss gradient that
// is not a scalar (c1).
func.func @sparse_softmax_cross_entropy_grad_c1(%dl: tensor<4xf32>, %l: tensor<4x3xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy_grad' op the loss gradient must be f32[], got f32[4]}}
  %0 = braid.sparse_softmax_cross_entropy_grad %dl, %l, %y : tensor<4xf32>, tensor<4x3xf32>, tensor<4xi32>
  return
}

// -----

// Tests that sparse_softmax_cross_entropy_grad rejects labels of another
// batch size (c2).
func.func @sparse_softmax_cross_entropy_grad_c2(%dl: tensor<f32>, %l: tensor<4x3xf32>, %y: tensor<5xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy_grad' op batch sizes differ: logits f32[4, 3], labels i32[5]}}
  %0 = braid.sparse_softmax_cross_entropy_grad %dl, %l, %y : tensor<f32>, tensor<4x3xf32>, tensor<5xi32>
  return
}

// -----

// Tests that sparse_softmax_cross_entropy_grad rejects rank-1 logits (c2).
func.func @sparse_softmax_cross_entropy_grad_c2_rank(%dl: tensor<f32>, %l: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy_grad' op logits must be f32[B, ..., C], got f32[4]}}
  %0 = braid.sparse_softmax_cross_entropy_grad %dl, %l, %y : tensor<f32>, tensor<4xf32>, tensor<4xi32>
  return
}

// -----

// Tests that mean_squared_error_grad rejects an i32 loss gradient (c1).
func.func @mean_squared_error_grad_c1(%dl: tensor<i32>, %p: tensor<4xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'braid.mean_squared_error_grad' op the loss gradient must be f32[], got i32[]}}
  %0 = braid.mean_squared_error_grad %dl, %p, %t : tensor<i32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that mean_squared_error_grad rejects a target of another shape (c2).
func.func @mean_squared_error_grad_c2(%dl: tensor<f32>, %p: tensor<4xf32>, %t: tensor<4x1xf32>) {
  // expected-error @+1 {{'braid.mean_squared_error_grad' op prediction f32[4] and target f32[4, 1] must have the same shape}}
  %0 = braid.mean_squared_error_grad %dl, %p, %t : tensor<f32>, tensor<4xf32>, tensor<4x1xf32>
  return
}

// -----

// Tests that conv2d_backward_data rejects an input shape with a zero
// dimension (c1).
func.func @conv2d_backward_data_c1(%dy: tensor<2x6x8x8xf32>, %w: tensor<6x1x5x5xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_data' op input shape: dimensions must be positive, got f32[2, 0, 8, 8]}}
  %0 = braid.conv2d_backward_data %dy, %w input_shape = [2, 0, 8, 8] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<6x1x5x5xf32>
  return
}

// -----

// Tests that conv2d_backward_data rejects an input shape whose channels the
// filter does not take (c2).
func.func @conv2d_backward_data_c2(%dy: tensor<2x6x8x8xf32>, %w: tensor<6x1x5x5xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_data' op filter f32[6, 1, 5, 5] expects 1 input channels but the input f32[2, 3, 8, 8] has 3}}
  %0 = braid.conv2d_backward_data %dy, %w input_shape = [2, 3, 8, 8] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<6x1x5x5xf32>
  return
}

// -----

// Tests that conv2d_backward_data rejects a stride of 0 (c2).
func.func @conv2d_backward_data_c2_stride(%dy: tensor<2x6x8x8xf32>, %w: tensor<6x1x5x5xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_data' op strides [0, 1] must be in [1, 2^20]}}
  %0 = braid.conv2d_backward_data %dy, %w input_shape = [2, 1, 8, 8] strides = [0, 1] padding = [2, 2] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<6x1x5x5xf32>
  return
}

// -----

// Tests that conv2d_backward_data rejects a gradient of another shape than
// the convolution's result: without padding the result is 4x4 (c3).
func.func @conv2d_backward_data_c3(%dy: tensor<2x6x8x8xf32>, %w: tensor<6x1x5x5xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_data' op incoming gradient f32[2, 6, 8, 8] does not match the forward result f32[2, 6, 4, 4]}}
  %0 = braid.conv2d_backward_data %dy, %w input_shape = [2, 1, 8, 8] strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<6x1x5x5xf32>
  return
}

// -----

// Tests that conv2d_backward_filter rejects a rank-3 filter shape (c2).
func.func @conv2d_backward_filter_c2(%dy: tensor<2x6x8x8xf32>, %x: tensor<2x1x8x8xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_filter' op filter must be f32[O, C, KH, KW], got f32[6, 1, 5]}}
  %0 = braid.conv2d_backward_filter %dy, %x filter_shape = [6, 1, 5] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<2x1x8x8xf32>
  return
}

// -----

// Tests that conv2d_backward_filter rejects a negative filter dimension
// (c1).
func.func @conv2d_backward_filter_c1(%dy: tensor<2x6x8x8xf32>, %x: tensor<2x1x8x8xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_filter' op filter shape: dimensions must be positive, got f32[6, 1, -5, 5]}}
  %0 = braid.conv2d_backward_filter %dy, %x filter_shape = [6, 1, -5, 5] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<2x1x8x8xf32>
  return
}

// -----

// Tests that conv2d_backward_filter rejects a gradient with other output
// channels than the filter shape's (c3).
func.func @conv2d_backward_filter_c3(%dy: tensor<2x6x8x8xf32>, %x: tensor<2x1x8x8xf32>) {
  // expected-error @+1 {{'braid.conv2d_backward_filter' op incoming gradient f32[2, 6, 8, 8] does not match the forward result f32[2, 4, 8, 8]}}
  %0 = braid.conv2d_backward_filter %dy, %x filter_shape = [4, 1, 5, 5] strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<2x6x8x8xf32>, tensor<2x1x8x8xf32>
  return
}

// -----

// Tests that max_pool2d_grad rejects a kernel larger than the padded input
// (c1).
func.func @max_pool2d_grad_c1(%dy: tensor<2x6x4x4xf32>, %x: tensor<2x6x8x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d_grad' op kernel [9, 2] does not fit the input f32[2, 6, 8, 8] padded by [0, 0]}}
  %0 = braid.max_pool2d_grad %dy, %x kernel = [9, 2] strides = [2, 2] padding = [0, 0] : tensor<2x6x4x4xf32>, tensor<2x6x8x8xf32>
  return
}

// -----

// Tests that max_pool2d_grad rejects a gradient of another shape than the
// pooling's result (c2).
func.func @max_pool2d_grad_c2(%dy: tensor<2x6x8x8xf32>, %x: tensor<2x6x8x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d_grad' op incoming gradient f32[2, 6, 8, 8] does not match the forward result f32[2, 6, 4, 4]}}
  %0 = braid.max_pool2d_grad %dy, %x kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x6x8x8xf32>, tensor<2x6x8x8xf32>
  return
}

// -----

// Tests that avg_pool2d_grad rejects an input shape with a zero dimension
// (c1).
func.func @avg_pool2d_grad_c1(%dy: tensor<2x6x4x4xf32>) {
  // expected-error @+1 {{'braid.avg_pool2d_grad' op input shape: dimensions must be positive, got f32[0, 6, 8, 8]}}
  %0 = braid.avg_pool2d_grad %dy input_shape = [0, 6, 8, 8] kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x6x4x4xf32>
  return
}

// -----

// Tests that avg_pool2d_grad rejects padding as large as the kernel (c2).
func.func @avg_pool2d_grad_c2(%dy: tensor<2x6x4x4xf32>) {
  // expected-error @+1 {{'braid.avg_pool2d_grad' op padding [2, 0] must be smaller than the kernel [2, 2]}}
  %0 = braid.avg_pool2d_grad %dy input_shape = [2, 6, 8, 8] kernel = [2, 2] strides = [2, 2] padding = [2, 0] : tensor<2x6x4x4xf32>
  return
}

// -----

// Tests that avg_pool2d_grad rejects a gradient of another shape than the
// pooling's result (c3).
func.func @avg_pool2d_grad_c3(%dy: tensor<2x6x4x4xf32>) {
  // expected-error @+1 {{'braid.avg_pool2d_grad' op incoming gradient f32[2, 6, 4, 4] does not match the forward result f32[2, 6, 3, 3]}}
  %0 = braid.avg_pool2d_grad %dy input_shape = [2, 6, 6, 6] kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<2x6x4x4xf32>
  return
}

// -----

// Tests that accuracy rejects rank-1 logits (c1).
func.func @accuracy_c1(%l: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'braid.accuracy' op logits must be f32[B, ..., C], got f32[4]}}
  %0 = braid.accuracy %l, %y : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

// Tests that accuracy rejects f32 labels (c2).
func.func @accuracy_c2(%l: tensor<4x3xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'braid.accuracy' op labels must be i32[B, ...], got f32[4]}}
  %0 = braid.accuracy %l, %y : tensor<4x3xf32>, tensor<4xf32>
  return
}

// -----

// Tests that accuracy rejects labels of another batch size (c3).
func.func @accuracy_c3(%l: tensor<4x3xf32>, %y: tensor<2xi32>) {
  // expected-error @+1 {{'braid.accuracy' op batch sizes differ: logits f32[4, 3], labels i32[2]}}
  %0 = braid.accuracy %l, %y : tensor<4x3xf32>, tensor<2xi32>
  return
}

// -----

// Tests that stop_gradient rejects an f64 operand (c1).
func.func @stop_gradient_c1(%x: tensor<4xf64>) {
  // expected-error @+1 {{'braid.stop_gradient' op input must have element type f32 or i32, got tensor<4xf64>}}
  %0 = braid.stop_gradient %x : tensor<4xf64>
  return
}

// -----

// Tests that stop_gradient rejects a dynamically shaped operand (c1).
func.func @stop_gradient_c1_dynamic(%x: tensor<?xf32>) {
  // expected-error @+1 {{'braid.stop_gradient' op input must be a statically shaped tensor, got tensor<?xf32>}}
  %0 = braid.stop_gradient %x : tensor<?xf32>
  return
}

// -----

// Tests that the generic form of stop_gradient must keep the operand's type.
func.func @stop_gradient_generic_result(%x: tensor<4xf32>) {
  // expected-error @+2 {{'braid.stop_gradient' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<4xi32>'}}
  // expected-error @+1 {{'braid.stop_gradient' op failed to infer returned types}}
  %0 = "braid.stop_gradient"(%x) : (tensor<4xf32>) -> tensor<4xi32>
  return
}


// -----

// Tests that reduce_max_grad prints and parses back and gives x's type.
// CHECK-LABEL: func.func @reduce_max_grad
// CHECK: braid.reduce_max_grad %{{.*}}, %{{.*}}, %{{.*}}, axes = [1] : tensor<4xf32>, tensor<4x3xf32>, tensor<4xf32>
func.func @reduce_max_grad(%dy: tensor<4xf32>, %x: tensor<4x3xf32>, %y: tensor<4xf32>) -> tensor<4x3xf32> {
  %0 = braid.reduce_max_grad %dy, %x, %y, axes = [1] : tensor<4xf32>, tensor<4x3xf32>, tensor<4xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Tests that reduce_max_grad rejects a gradient of another shape than the
// reduction's (c2).
func.func @reduce_max_grad_c2(%dy: tensor<3xf32>, %x: tensor<4x3xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'braid.reduce_max_grad' op incoming gradient f32[3] does not match the forward result f32[4]}}
  %0 = braid.reduce_max_grad %dy, %x, %y, axes = [1] : tensor<3xf32>, tensor<4x3xf32>, tensor<4xf32>
  return
}
