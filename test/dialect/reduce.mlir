// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// reduce_sum, reduce_mean and reduce_max (Braid_ReduceOp): (c1) the operand is an f32
// tensor; (c2) `axes` is not empty; (c3) every axis is in [-rank, rank); (c4)
// no axis is listed twice. The axes are removed from the result's shape.

// Tests that reduce_sum prints and parses back and removes the listed axes,
// down to rank 0.
// CHECK-LABEL: func.func @reduce_sum
// CHECK: %[[A:.*]] = braid.reduce_sum %{{.*}}, axes = [1] : tensor<4x10xf32>
// CHECK-NEXT: %[[B:.*]] = braid.reduce_sum %{{.*}}, axes = [1, 0] : tensor<4x10xf32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<4xf32>, tensor<f32>
func.func @reduce_sum(%x: tensor<4x10xf32>) -> (tensor<4xf32>, tensor<f32>) {
  %0 = braid.reduce_sum %x, axes = [1] : tensor<4x10xf32>
  %1 = braid.reduce_sum %x, axes = [1, 0] : tensor<4x10xf32>
  return %0, %1 : tensor<4xf32>, tensor<f32>
}

// -----

// Tests that reduce_max prints and parses back, over any axes.
// CHECK-LABEL: func.func @reduce_max
// CHECK: %[[A:.*]] = braid.reduce_max %{{.*}}, axes = [-1] : tensor<2x3x4xf32>
// CHECK-NEXT: %[[B:.*]] = braid.reduce_max %{{.*}}, axes = [0, 2] : tensor<2x3x4xf32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>
func.func @reduce_max(%x: tensor<2x3x4xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %0 = braid.reduce_max %x, axes = [-1] : tensor<2x3x4xf32>
  %1 = braid.reduce_max %x, axes = [0, 2] : tensor<2x3x4xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<3xf32>
}

// -----

// Tests that reduce_max rejects an axis listed twice (c4).
func.func @reduce_max_c4(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'braid.reduce_max' op axis -1 is listed twice in [1, -1]}}
  %0 = braid.reduce_max %x, axes = [1, -1] : tensor<2x3xf32>
  return
}

// -----

// Tests that reduce_mean prints and parses back, with negative axes counted
// from the end.
// CHECK-LABEL: func.func @reduce_mean
// CHECK: %[[A:.*]] = braid.reduce_mean %{{.*}}, axes = [-1] : tensor<2x3x4xf32>
// CHECK-NEXT: %[[B:.*]] = braid.reduce_mean %{{.*}}, axes = [0, -1] : tensor<2x3x4xf32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>
func.func @reduce_mean(%x: tensor<2x3x4xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %0 = braid.reduce_mean %x, axes = [-1] : tensor<2x3x4xf32>
  %1 = braid.reduce_mean %x, axes = [0, -1] : tensor<2x3x4xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<3xf32>
}

// -----

// Tests that reduce_sum rejects an i32 operand (c1).
func.func @reduce_sum_c1(%x: tensor<4x10xi32>) {
  // expected-error @+1 {{'braid.reduce_sum' op operand must be f32, got i32[4, 10]}}
  %0 = braid.reduce_sum %x, axes = [0] : tensor<4x10xi32>
  return
}

// -----

// Tests that reduce_mean rejects an i32 operand (c1).
func.func @reduce_mean_c1(%x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.reduce_mean' op operand must be f32, got i32[4]}}
  %0 = braid.reduce_mean %x, axes = [0] : tensor<4xi32>
  return
}

// -----

// Tests that reduce_sum rejects an empty axis list (c2).
func.func @reduce_sum_c2(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reduce_sum' op axes must not be empty}}
  %0 = braid.reduce_sum %x, axes = [] : tensor<4x10xf32>
  return
}

// -----

// Tests that reduce_mean rejects an empty axis list (c2).
func.func @reduce_mean_c2(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reduce_mean' op axes must not be empty}}
  %0 = braid.reduce_mean %x, axes = [] : tensor<4x10xf32>
  return
}

// -----

// Tests that reduce_sum rejects an axis of rank or more (c3).
func.func @reduce_sum_c3(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reduce_sum' op axis 2 is out of range for f32[4, 10]}}
  %0 = braid.reduce_sum %x, axes = [0, 2] : tensor<4x10xf32>
  return
}

// -----

// Tests that reduce_mean rejects an axis below -rank (c3).
func.func @reduce_mean_c3(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reduce_mean' op axis -3 is out of range for f32[4, 10]}}
  %0 = braid.reduce_mean %x, axes = [-3] : tensor<4x10xf32>
  return
}

// -----

// Tests that a rank-0 operand has no axis to reduce (c3).
func.func @reduce_sum_c3_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'braid.reduce_sum' op axis 0 is out of range for f32[]}}
  %0 = braid.reduce_sum %x, axes = [0] : tensor<f32>
  return
}

// -----

// Tests that reduce_sum rejects an axis listed twice (c4).
func.func @reduce_sum_c4(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reduce_sum' op axis 1 is listed twice in [1, 1]}}
  %0 = braid.reduce_sum %x, axes = [1, 1] : tensor<4x10xf32>
  return
}

// -----

// Tests that reduce_mean rejects an axis listed twice, once counted from the
// end (c4).
func.func @reduce_mean_c4(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reduce_mean' op axis -1 is listed twice in [1, -1]}}
  %0 = braid.reduce_mean %x, axes = [1, -1] : tensor<4x10xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @reduce_sum_dynamic(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{'braid.reduce_sum' op input must be a statically shaped tensor, got tensor<4x?xf32>}}
  %0 = braid.reduce_sum %x, axes = [0] : tensor<4x?xf32>
  return
}
