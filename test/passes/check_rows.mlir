// RUN: braid-opt --split-input-file --verify-diagnostics --braid-check-rows %s | FileCheck %s

// Tests that a predict whose ops keep rows apart is left unchanged: a
// product with a weight, a bias, softmax and a sum along the columns, a
// transpose that moves the rows and one that brings them back, and a
// reshape that keeps the leading rows.
// CHECK-LABEL: func.func @predict
// CHECK: braid.matmul
// CHECK: braid.reduce_sum
// CHECK: braid.reshape
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<4x6xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %b: tensor<6xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
    -> (tensor<8x6xf32> {braid.output = "p"}, tensor<8xf32> {braid.output = "s"},
        tensor<8x2x3xf32> {braid.output = "r"}) {
  %0 = braid.matmul %x, %w : tensor<8x4xf32>, tensor<4x6xf32>
  %1 = braid.add %0, %b : tensor<8x6xf32>, tensor<6xf32>
  %2 = braid.softmax %1, axis = 1 : tensor<8x6xf32>
  %3 = braid.transpose %2, perm = [1, 0] : tensor<8x6xf32>
  %4 = braid.transpose %3, perm = [1, 0] : tensor<6x8xf32>
  %5 = braid.reduce_sum %4, axes = [1] : tensor<8x6xf32>
  %6 = braid.reshape %4 to [8, 2, 3] : tensor<8x6xf32>
  return %4, %5, %6 : tensor<8x6xf32>, tensor<8xf32>, tensor<8x2x3xf32>
}

// -----

// Tests that a module without @predict is left alone.
// CHECK-LABEL: func.func @forward
// CHECK: braid.reduce_sum
func.func @forward(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>})
    -> (tensor<4xf32> {braid.output = "s"}) {
  %0 = braid.reduce_sum %x, axes = [0] : tensor<8x4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a sum over the rows is refused.
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>})
    -> (tensor<4xf32> {braid.output = "s"}) {
  // expected-error @+1 {{'braid.reduce_sum' op mixes the rows of the batch: it reduces over axis 0, the rows'}}
  %0 = braid.reduce_sum %x, axes = [0] : tensor<8x4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a softmax along the rows is refused.
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>})
    -> (tensor<8x4xf32> {braid.output = "p"}) {
  // expected-error @+1 {{'braid.softmax' op mixes the rows of the batch: it normalizes along the rows' axis 0}}
  %0 = braid.softmax %x, axis = 0 : tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// Tests that a product of the rows with each other (a Gram matrix) is
// refused.
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>})
    -> (tensor<8x8xf32> {braid.output = "g"}) {
  // expected-error @+1 {{'braid.matmul' op mixes the rows of the batch: it multiplies rows of one operand by rows of the other}}
  %0 = braid.matmul %x, %x transpose_rhs : tensor<8x4xf32>, tensor<8x4xf32>
  return %0 : tensor<8x8xf32>
}

// -----

// Tests that a product summing over the rows is refused.
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<8x3xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<4x3xf32> {braid.output = "c"}) {
  // expected-error @+1 {{'braid.matmul' op mixes the rows of the batch: it sums over the rows' axis of its lhs}}
  %0 = braid.matmul %x, %w transpose_lhs : tensor<8x4xf32>, tensor<8x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Tests that a reshape that moves elements between rows is refused.
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>})
    -> (tensor<4x8xf32> {braid.output = "r"}) {
  // expected-error @+1 {{'braid.reshape' op mixes the rows of the batch: it moves elements across the rows (axis 0)}}
  %0 = braid.reshape %x to [4, 8] : tensor<8x4xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Tests that an output with the rows elsewhere than first is refused.
func.func @predict(%x: tensor<8x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>})
    -> (tensor<4x8xf32> {braid.output = "t"}) {
  // expected-error @+1 {{output 't' has the batch's rows on axis 1; a plan for a range of batch sizes returns each request's rows as every output's leading dimension}}
  %0 = braid.transpose %x, perm = [1, 0] : tensor<8x4xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Tests that an input with the batch on a later dimension is refused.
// expected-error @+1 {{input of type 'tensor<4x8xf32>' has the batch B on another dimension than its first}}
func.func @predict(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 1>})
    -> (tensor<4x8xf32> {braid.output = "y"}) {
  %0 = braid.relu %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
