// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.broadcast_to: (c1) `shape` has positive dimensions and at least the
// operand's rank; (c2) each operand dimension is 1 or equals the matching
// trailing dimension of `shape`.

// Tests that broadcast_to prints and parses back and adds a leading
// dimension.
// CHECK-LABEL: func.func @broadcast_to
// CHECK: %[[Y:.*]] = braid.broadcast_to %{{.*}} to [64, 10] : tensor<10xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x10xf32>
func.func @broadcast_to(%b: tensor<10xf32>) -> tensor<64x10xf32> {
  %0 = braid.broadcast_to %b to [64, 10] : tensor<10xf32>
  return %0 : tensor<64x10xf32>
}

// -----

// Tests that a rank-0 operand broadcasts to any shape.
// CHECK-LABEL: func.func @broadcast_to_rank0
// CHECK: %[[Y:.*]] = braid.broadcast_to %{{.*}} to [2, 3] : tensor<f32>
// CHECK-NEXT: return %[[Y]] : tensor<2x3xf32>
func.func @broadcast_to_rank0(%s: tensor<f32>) -> tensor<2x3xf32> {
  %0 = braid.broadcast_to %s to [2, 3] : tensor<f32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that dimensions of 1 are stretched, leading ones added, and an i32
// element type kept.
// CHECK-LABEL: func.func @broadcast_to_i32
// CHECK: %[[Y:.*]] = braid.broadcast_to %{{.*}} to [2, 3, 5] : tensor<3x1xi32>
// CHECK-NEXT: return %[[Y]] : tensor<2x3x5xi32>
func.func @broadcast_to_i32(%x: tensor<3x1xi32>) -> tensor<2x3x5xi32> {
  %0 = braid.broadcast_to %x to [2, 3, 5] : tensor<3x1xi32>
  return %0 : tensor<2x3x5xi32>
}

// -----

// Tests that a shape of lower rank than the operand is rejected (c1).
func.func @broadcast_to_c1(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.broadcast_to' op cannot broadcast f32[4, 10] to the lower-rank shape [10]}}
  %0 = braid.broadcast_to %x to [10] : tensor<4x10xf32>
  return
}

// -----

// Tests that a zero dimension in the shape is rejected (c1).
func.func @broadcast_to_c1_zero(%x: tensor<10xf32>) {
  // expected-error @+1 {{'braid.broadcast_to' op target shape [2, 0, 10] must have positive dimensions and at most 2^40 elements}}
  %0 = braid.broadcast_to %x to [2, 0, 10] : tensor<10xf32>
  return
}

// -----

// Tests that a dimension other than 1 must match (c2).
func.func @broadcast_to_c2(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.broadcast_to' op cannot broadcast f32[4, 10] to [2, 5, 10] (dimension 4 against 5)}}
  %0 = braid.broadcast_to %x to [2, 5, 10] : tensor<4x10xf32>
  return
}

// -----

// Tests that a dimension is never shrunk to 1 (c2).
func.func @broadcast_to_c2_shrink(%x: tensor<3xf32>) {
  // expected-error @+1 {{'braid.broadcast_to' op cannot broadcast f32[3] to [1] (dimension 3 against 1)}}
  %0 = braid.broadcast_to %x to [1] : tensor<3xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @broadcast_to_dynamic(%x: tensor<?xf32>) {
  // expected-error @+1 {{'braid.broadcast_to' op input must be a statically shaped tensor, got tensor<?xf32>}}
  %0 = braid.broadcast_to %x to [4, 10] : tensor<?xf32>
  return
}
