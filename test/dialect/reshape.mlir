// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.reshape: (c1) every dimension of `shape` is positive; (c2) the element
// counts agree. The result has the operand's element type.

// Tests that reshape prints and parses back and gives the target shape.
// CHECK-LABEL: func.func @reshape
// CHECK: %[[Y:.*]] = braid.reshape %{{.*}} to [4, 1, 28, 28] : tensor<4x784xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x1x28x28xf32>
func.func @reshape(%x: tensor<4x784xf32>) -> tensor<4x1x28x28xf32> {
  %0 = braid.reshape %x to [4, 1, 28, 28] : tensor<4x784xf32>
  return %0 : tensor<4x1x28x28xf32>
}

// -----

// Tests that reshape keeps an i32 element type.
// CHECK-LABEL: func.func @reshape_i32
// CHECK: %[[Y:.*]] = braid.reshape %{{.*}} to [2, 3] : tensor<6xi32>
// CHECK-NEXT: return %[[Y]] : tensor<2x3xi32>
func.func @reshape_i32(%x: tensor<6xi32>) -> tensor<2x3xi32> {
  %0 = braid.reshape %x to [2, 3] : tensor<6xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// Tests that a rank-0 tensor reshapes to all ones and back.
// CHECK-LABEL: func.func @reshape_rank0
// CHECK: %[[A:.*]] = braid.reshape %{{.*}} to [1, 1] : tensor<f32>
// CHECK-NEXT: %[[B:.*]] = braid.reshape %[[A]] to [] : tensor<1x1xf32>
// CHECK-NEXT: return %[[B]] : tensor<f32>
func.func @reshape_rank0(%x: tensor<f32>) -> tensor<f32> {
  %0 = braid.reshape %x to [1, 1] : tensor<f32>
  %1 = braid.reshape %0 to [] : tensor<1x1xf32>
  return %1 : tensor<f32>
}

// -----

// Tests that a zero dimension in the target is rejected (c1).
func.func @reshape_c1(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reshape' op target shape [4, 0, 10] must have positive dimensions and at most 2^40 elements}}
  %0 = braid.reshape %x to [4, 0, 10] : tensor<4x10xf32>
  return
}

// -----

// Tests that -1 is no wildcard (c1).
func.func @reshape_c1_wildcard(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reshape' op target shape [-1, 10] must have positive dimensions and at most 2^40 elements}}
  %0 = braid.reshape %x to [-1, 10] : tensor<4x10xf32>
  return
}

// -----

// Tests that a target of more than 2^40 elements is rejected.
func.func @reshape_too_large(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reshape' op target shape [1099511627776, 2] must have positive dimensions and at most 2^40 elements}}
  %0 = braid.reshape %x to [1099511627776, 2] : tensor<4x10xf32>
  return
}

// -----

// Tests that differing element counts are rejected (c2).
func.func @reshape_c2(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.reshape' op cannot reshape f32[4, 10] (40 elements) to [4, 11] (44 elements)}}
  %0 = braid.reshape %x to [4, 11] : tensor<4x10xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @reshape_dynamic(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'braid.reshape' op input must be a statically shaped tensor, got tensor<?x10xf32>}}
  %0 = braid.reshape %x to [40] : tensor<?x10xf32>
  return
}
