// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// The binary elementwise ops add, sub, mul and div (Braid_BinaryOp): (c1)
// both operands are f32 tensors; (c2) their shapes broadcast.

// Tests that add of equal shapes prints and parses back and keeps the shape.
// CHECK-LABEL: func.func @add
// CHECK: %[[Y:.*]] = braid.add %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x3xf32>
func.func @add(%x: tensor<4x3xf32>, %y: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = braid.add %x, %y : tensor<4x3xf32>, tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Tests that sub broadcasts a bias f32[N] over f32[B, N].
// CHECK-LABEL: func.func @sub
// CHECK: %[[Y:.*]] = braid.sub %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<10xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x10xf32>
func.func @sub(%x: tensor<64x10xf32>, %b: tensor<10xf32>) -> tensor<64x10xf32> {
  %0 = braid.sub %x, %b : tensor<64x10xf32>, tensor<10xf32>
  return %0 : tensor<64x10xf32>
}

// -----

// Tests that mul broadcasts a rank-0 operand on either side.
// CHECK-LABEL: func.func @mul
// CHECK: %[[A:.*]] = braid.mul %{{.*}}, %{{.*}} : tensor<f32>, tensor<3x4xf32>
// CHECK-NEXT: %[[B:.*]] = braid.mul %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<f32>
// CHECK-NEXT: %[[C:.*]] = braid.mul %{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]] : tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>
func.func @mul(%s: tensor<f32>, %x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>) {
  %0 = braid.mul %s, %x : tensor<f32>, tensor<3x4xf32>
  %1 = braid.mul %x, %s : tensor<3x4xf32>, tensor<f32>
  %2 = braid.mul %s, %s : tensor<f32>, tensor<f32>
  return %0, %1, %2 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>
}

// -----

// Tests that div aligns operands of different ranks at their last dimension
// and stretches the dimensions of 1 on both sides.
// CHECK-LABEL: func.func @div
// CHECK: %[[Y:.*]] = braid.div %{{.*}}, %{{.*}} : tensor<4x1x3xf32>, tensor<5x1xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x5x3xf32>
func.func @div(%x: tensor<4x1x3xf32>, %y: tensor<5x1xf32>) -> tensor<4x5x3xf32> {
  %0 = braid.div %x, %y : tensor<4x1x3xf32>, tensor<5x1xf32>
  return %0 : tensor<4x5x3xf32>
}

// -----

// Tests that add rejects an i32 operand (c1).
func.func @add_c1(%x: tensor<4x3xf32>, %y: tensor<3xi32>) {
  // expected-error @+1 {{'braid.add' op operands must be f32, got f32[4, 3] and i32[3]}}
  %0 = braid.add %x, %y : tensor<4x3xf32>, tensor<3xi32>
  return
}

// -----

// Tests that sub rejects an i32 operand (c1).
func.func @sub_c1(%x: tensor<3xi32>, %y: tensor<3xf32>) {
  // expected-error @+1 {{'braid.sub' op operands must be f32, got i32[3] and f32[3]}}
  %0 = braid.sub %x, %y : tensor<3xi32>, tensor<3xf32>
  return
}

// -----

// Tests that mul rejects i32 operands (c1).
func.func @mul_c1(%x: tensor<3xi32>) {
  // expected-error @+1 {{'braid.mul' op operands must be f32, got i32[3] and i32[3]}}
  %0 = braid.mul %x, %x : tensor<3xi32>, tensor<3xi32>
  return
}

// -----

// Tests that div rejects an i32 operand (c1).
func.func @div_c1(%x: tensor<f32>, %y: tensor<i32>) {
  // expected-error @+1 {{'braid.div' op operands must be f32, got f32[] and i32[]}}
  %0 = braid.div %x, %y : tensor<f32>, tensor<i32>
  return
}

// -----

// Tests that add rejects shapes that differ in a dimension without a 1 (c2).
func.func @add_c2(%x: tensor<4x3xf32>, %y: tensor<4x4xf32>) {
  // expected-error @+1 {{'braid.add' op shapes f32[4, 3] and f32[4, 4] do not broadcast (dimension 3 against 4)}}
  %0 = braid.add %x, %y : tensor<4x3xf32>, tensor<4x4xf32>
  return
}

// -----

// Tests that sub does not transpose to make shapes broadcast (c2).
func.func @sub_c2(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>) {
  // expected-error @+1 {{'braid.sub' op shapes f32[2, 3] and f32[3, 2] do not broadcast (dimension 2 against 3)}}
  %0 = braid.sub %x, %y : tensor<2x3xf32>, tensor<3x2xf32>
  return
}

// -----

// Tests that mul aligns at the last dimension, not the first (c2).
func.func @mul_c2(%b: tensor<64xf32>, %x: tensor<64x10xf32>) {
  // expected-error @+1 {{'braid.mul' op shapes f32[64] and f32[64, 10] do not broadcast (dimension 64 against 10)}}
  %0 = braid.mul %b, %x : tensor<64xf32>, tensor<64x10xf32>
  return
}

// -----

// Tests that div checks the dimensions of the shorter operand against the
// matching trailing ones of the longer (c2).
func.func @div_c2(%x: tensor<5x4xf32>, %y: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'braid.div' op shapes f32[5, 4] and f32[2, 3, 4] do not broadcast (dimension 5 against 3)}}
  %0 = braid.div %x, %y : tensor<5x4xf32>, tensor<2x3x4xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @add_dynamic(%x: tensor<?x4xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'braid.add' op lhs must be a statically shaped tensor, got tensor<?x4xf32>}}
  %0 = braid.add %x, %y : tensor<?x4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that a broadcast result of more than 2^40 elements is rejected, though
// each operand is small enough.
func.func @mul_result_too_large(%x: tensor<1099511627776x1xf32>, %y: tensor<1x1099511627776xf32>) {
  // expected-error @+1 {{'braid.mul' op result tensor f32[1099511627776, 1099511627776] has more than 2^40 elements}}
  %0 = braid.mul %x, %y : tensor<1099511627776x1xf32>, tensor<1x1099511627776xf32>
  return
}

// -----

// Tests that the verifier compares a generic form's result type with the
// broadcast one.
func.func @add_generic_result(%x: tensor<64x10xf32>, %b: tensor<10xf32>) {
  // expected-error @+2 {{'braid.add' op inferred type(s) 'tensor<64x10xf32>' are incompatible with return type(s) of operation 'tensor<10xf32>'}}
  // expected-error @+1 {{'braid.add' op failed to infer returned types}}
  %0 = "braid.add"(%x, %b) : (tensor<64x10xf32>, tensor<10xf32>) -> tensor<10xf32>
  return
}
