// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.mean_squared_error: (c1) both operands are f32 tensors; (c2) of the
// same shape. The result is f32[].

// Tests that the op prints and parses back and gives a scalar.
// CHECK-LABEL: func.func @mean_squared_error
// CHECK: %[[L:.*]] = braid.mean_squared_error %{{.*}}, %{{.*}} : tensor<64x1xf32>, tensor<64x1xf32>
// CHECK-NEXT: return %[[L]] : tensor<f32>
func.func @mean_squared_error(%p: tensor<64x1xf32>, %t: tensor<64x1xf32>) -> tensor<f32> {
  %0 = braid.mean_squared_error %p, %t : tensor<64x1xf32>, tensor<64x1xf32>
  return %0 : tensor<f32>
}

// -----

// Tests that rank-0 operands are accepted.
// CHECK-LABEL: func.func @mean_squared_error_rank0
// CHECK: braid.mean_squared_error %{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>
func.func @mean_squared_error_rank0(%p: tensor<f32>, %t: tensor<f32>) -> tensor<f32> {
  %0 = braid.mean_squared_error %p, %t : tensor<f32>, tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that an i32 target is rejected (c1).
func.func @mean_squared_error_c1(%p: tensor<4x10xf32>, %t: tensor<4x10xi32>) {
  // expected-error @+1 {{'braid.mean_squared_error' op operands must be f32, got f32[4, 10] and i32[4, 10]}}
  %0 = braid.mean_squared_error %p, %t : tensor<4x10xf32>, tensor<4x10xi32>
  return
}

// -----

// Tests that operands of the same element count but another shape are
// rejected (c2).
func.func @mean_squared_error_c2(%p: tensor<4x10xf32>, %t: tensor<40xf32>) {
  // expected-error @+1 {{'braid.mean_squared_error' op prediction f32[4, 10] and target f32[40] must have the same shape}}
  %0 = braid.mean_squared_error %p, %t : tensor<4x10xf32>, tensor<40xf32>
  return
}

// -----

// Tests that the operands are not broadcast (c2).
func.func @mean_squared_error_c2_broadcast(%p: tensor<4x1xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'braid.mean_squared_error' op prediction f32[4, 1] and target f32[4] must have the same shape}}
  %0 = braid.mean_squared_error %p, %t : tensor<4x1xf32>, tensor<4xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @mean_squared_error_dynamic(%p: tensor<?x1xf32>, %t: tensor<4x1xf32>) {
  // expected-error @+1 {{'braid.mean_squared_error' op prediction must be a statically shaped tensor, got tensor<?x1xf32>}}
  %0 = braid.mean_squared_error %p, %t : tensor<?x1xf32>, tensor<4x1xf32>
  return
}
