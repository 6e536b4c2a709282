// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.gelu_tanh, gelu's tanh approximation (PyTorch's approximate='tanh'),
// a unary elementwise op (Braid_UnaryOp): (c1) the operand is an f32 tensor;
// the result has its type. braid.gelu_tanh_grad is its VJP.

// Tests that gelu_tanh and its gradient print and parse back.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: %[[Y:.*]] = braid.gelu_tanh %{{.*}} : tensor<64x10xf32>
// CHECK-NEXT: %[[D:.*]] = braid.gelu_tanh_grad %[[Y]], %{{.*}} : tensor<64x10xf32>, tensor<64x10xf32>
// CHECK-NEXT: return %[[D]] : tensor<64x10xf32>
func.func @gelu_tanh(%x: tensor<64x10xf32>) -> tensor<64x10xf32> {
  %0 = braid.gelu_tanh %x : tensor<64x10xf32>
  %1 = braid.gelu_tanh_grad %0, %x : tensor<64x10xf32>, tensor<64x10xf32>
  return %1 : tensor<64x10xf32>
}

// -----

// Tests that an i32 operand is rejected (c1).
func.func @gelu_tanh_c1(%x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.gelu_tanh' op operand must be f32, got i32[4]}}
  %0 = braid.gelu_tanh %x : tensor<4xi32>
  return
}

// -----

// Tests that the gradient rejects a value of another shape.
func.func @gelu_tanh_grad_shape(%dy: tensor<4xf32>, %x: tensor<5xf32>) {
  // expected-error @+1 {{'braid.gelu_tanh_grad' op gradient f32[4] and value f32[5] must be f32 of the same shape}}
  %0 = braid.gelu_tanh_grad %dy, %x : tensor<4xf32>, tensor<5xf32>
  return
}
