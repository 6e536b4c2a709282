// RUN: braid-opt %s --split-input-file --canonicalize | FileCheck %s

// The gradients of slices that tile a tensor (q, k and v of one qkv
// projection): the reverse sweep sums three slice_grads, each a zero-filled
// copy of the whole; canonicalization joins adjacent ranges into a concat,
// and the full range folds to it: one concat, no zero fill.
// CHECK-LABEL: func.func @tiled
// CHECK-NEXT: %[[C:.*]] = braid.concat %arg0, %arg1, %arg2 axis = 2 : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
// CHECK-NEXT: return %[[C]] : tensor<2x3x12xf32>
func.func @tiled(%gq: tensor<2x3x4xf32>, %gk: tensor<2x3x4xf32>, %gv: tensor<2x3x4xf32>) -> tensor<2x3x12xf32> {
  %v = braid.slice_grad %gv input_shape = [2, 3, 12] axis = 2 start = 8 : tensor<2x3x4xf32>
  %k = braid.slice_grad %gk input_shape = [2, 3, 12] axis = -1 start = 4 : tensor<2x3x4xf32>
  %q = braid.slice_grad %gq input_shape = [2, 3, 12] axis = 2 start = 0 : tensor<2x3x4xf32>
  %0 = braid.add %v, %k : tensor<2x3x12xf32>, tensor<2x3x12xf32>
  %1 = braid.add %0, %q : tensor<2x3x12xf32>, tensor<2x3x12xf32>
  return %1 : tensor<2x3x12xf32>
}

// -----

// Adjacent ranges that do not cover the axis: one slice_grad of the concat.
// CHECK-LABEL: func.func @partial
// CHECK-NEXT: %[[C:.*]] = braid.concat %arg0, %arg1 axis = 1 : tensor<2x1xf32>, tensor<2x2xf32>
// CHECK-NEXT: %[[G:.*]] = braid.slice_grad %[[C]] input_shape = [2, 5] axis = 1 start = 1 : tensor<2x3xf32>
// CHECK-NEXT: return %[[G]]
func.func @partial(%a: tensor<2x1xf32>, %b: tensor<2x2xf32>) -> tensor<2x5xf32> {
  %0 = braid.slice_grad %a input_shape = [2, 5] axis = 1 start = 1 : tensor<2x1xf32>
  %1 = braid.slice_grad %b input_shape = [2, 5] axis = 1 start = 2 : tensor<2x2xf32>
  %2 = braid.add %1, %0 : tensor<2x5xf32>, tensor<2x5xf32>
  return %2 : tensor<2x5xf32>
}

// -----

// Ranges with a gap, or overlapping, or along different axes, stay sums.
// CHECK-LABEL: func.func @not_adjacent
// CHECK-COUNT-3: braid.add
// CHECK-NOT: braid.concat
func.func @not_adjacent(%a: tensor<2x1xf32>, %b: tensor<2x2xf32>, %c: tensor<1x5xf32>) -> tensor<2x5xf32> {
  %0 = braid.slice_grad %a input_shape = [2, 5] axis = 1 start = 0 : tensor<2x1xf32>
  %1 = braid.slice_grad %b input_shape = [2, 5] axis = 1 start = 2 : tensor<2x2xf32>
  %2 = braid.add %0, %1 : tensor<2x5xf32>, tensor<2x5xf32>
  %3 = braid.slice_grad %b input_shape = [2, 5] axis = 1 start = 1 : tensor<2x2xf32>
  %4 = braid.add %1, %3 : tensor<2x5xf32>, tensor<2x5xf32>
  %5 = braid.slice_grad %c input_shape = [2, 5] axis = 0 start = 1 : tensor<1x5xf32>
  %6 = braid.slice_grad %a input_shape = [2, 5] axis = 1 start = 4 : tensor<2x1xf32>
  %7 = braid.add %5, %6 : tensor<2x5xf32>, tensor<2x5xf32>
  %8 = braid.mul %2, %4 : tensor<2x5xf32>, tensor<2x5xf32>
  %9 = braid.mul %8, %7 : tensor<2x5xf32>, tensor<2x5xf32>
  return %9 : tensor<2x5xf32>
}

// -----

// The folders: a whole-extent slice and slice_grad, a one-operand concat, a
// cast to the operand's type and a dropout of p = 0 are their operand.
// CHECK-LABEL: func.func @folds
// CHECK-NEXT: return %arg0, %arg0, %arg0, %arg0, %arg0
func.func @folds(%x: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  %0 = braid.slice %x axis = 1 start = 0 size = 5 : tensor<2x5xf32>
  %1 = braid.slice_grad %x input_shape = [2, 5] axis = 0 start = 0 : tensor<2x5xf32>
  %2 = braid.concat %x axis = 1 : tensor<2x5xf32>
  %3 = braid.cast %x to f32 : tensor<2x5xf32>
  %4 = braid.dropout %x, p = 0.000000e+00, salt = 1 : tensor<2x5xf32>
  return %0, %1, %2, %3, %4 : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
}

// -----

// Nested concats along one axis flatten; along another they stay.
// CHECK-LABEL: func.func @nested
// CHECK-NEXT: %[[A:.*]] = braid.concat %arg0, %arg0, %arg0 axis = 1
// CHECK-NEXT: %[[B:.*]] = braid.concat %arg0, %arg0 axis = 0
// CHECK-NEXT: braid.concat %[[B]], %[[B]] axis = 1
func.func @nested(%x: tensor<2x2xf32>) -> (tensor<2x6xf32>, tensor<4x4xf32>) {
  %0 = braid.concat %x, %x axis = -1 : tensor<2x2xf32>, tensor<2x2xf32>
  %1 = braid.concat %0, %x axis = 1 : tensor<2x4xf32>, tensor<2x2xf32>
  %2 = braid.concat %x, %x axis = 0 : tensor<2x2xf32>, tensor<2x2xf32>
  %3 = braid.concat %2, %2 axis = 1 : tensor<4x2xf32>, tensor<4x2xf32>
  return %1, %3 : tensor<2x6xf32>, tensor<4x4xf32>
}
