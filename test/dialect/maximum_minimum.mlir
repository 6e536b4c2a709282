// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.maximum and braid.minimum, binary elementwise ops with broadcasting
// (Braid_BinaryOp): (c1) both operands are f32 tensors; (c2) their shapes
// broadcast.

// Tests that both print and parse back with the broadcast result type.
// CHECK-LABEL: func.func @select
// CHECK: %[[M:.*]] = braid.maximum %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: %[[N:.*]] = braid.minimum %[[M]], %{{.*}} : tensor<4x3xf32>, tensor<f32>
// CHECK-NEXT: return %[[N]] : tensor<4x3xf32>
func.func @select(%x: tensor<4x3xf32>, %b: tensor<3xf32>, %c: tensor<f32>) -> tensor<4x3xf32> {
  %0 = braid.maximum %x, %b : tensor<4x3xf32>, tensor<3xf32>
  %1 = braid.minimum %0, %c : tensor<4x3xf32>, tensor<f32>
  return %1 : tensor<4x3xf32>
}

// -----

func.func @maximum_c1(%x: tensor<4xf32>, %n: tensor<4xi32>) {
  // expected-error @+1 {{'braid.maximum' op operands must be f32, got f32[4] and i32[4]}}
  %0 = braid.maximum %x, %n : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

func.func @minimum_c2(%a: tensor<4x3xf32>, %b: tensor<4x4xf32>) {
  // expected-error @+1 {{'braid.minimum' op shapes f32[4, 3] and f32[4, 4] do not broadcast (dimension 3 against 4)}}
  %0 = braid.minimum %a, %b : tensor<4x3xf32>, tensor<4x4xf32>
  return
}
