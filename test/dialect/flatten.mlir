// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.flatten: (c1) the operand has rank 1 or more. f32[N, d1, ..., dk]
// becomes f32[N, d1 * ... * dk]; rank 1 becomes [N, 1].

// Tests that flatten prints and parses back and collapses every dimension
// after the first.
// CHECK-LABEL: func.func @flatten
// CHECK: %[[Y:.*]] = braid.flatten %{{.*}} : tensor<64x16x4x4xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x256xf32>
func.func @flatten(%x: tensor<64x16x4x4xf32>) -> tensor<64x256xf32> {
  %0 = braid.flatten %x : tensor<64x16x4x4xf32>
  return %0 : tensor<64x256xf32>
}

// -----

// Tests that a rank-1 operand becomes [N, 1] and a rank-2 one is unchanged,
// both i32.
// CHECK-LABEL: func.func @flatten_low_rank
// CHECK: %[[A:.*]] = braid.flatten %{{.*}} : tensor<5xi32>
// CHECK-NEXT: %[[B:.*]] = braid.flatten %{{.*}} : tensor<2x3xi32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<5x1xi32>, tensor<2x3xi32>
func.func @flatten_low_rank(%x: tensor<5xi32>, %y: tensor<2x3xi32>) -> (tensor<5x1xi32>, tensor<2x3xi32>) {
  %0 = braid.flatten %x : tensor<5xi32>
  %1 = braid.flatten %y : tensor<2x3xi32>
  return %0, %1 : tensor<5x1xi32>, tensor<2x3xi32>
}

// -----

// Tests that a rank-0 operand is rejected (c1).
func.func @flatten_c1(%x: tensor<f32>) {
  // expected-error @+1 {{'braid.flatten' op operand must have rank 1 or more, got f32[]}}
  %0 = braid.flatten %x : tensor<f32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @flatten_dynamic(%x: tensor<64x?x4xf32>) {
  // expected-error @+1 {{'braid.flatten' op input must be a statically shaped tensor, got tensor<64x?x4xf32>}}
  %0 = braid.flatten %x : tensor<64x?x4xf32>
  return
}

// -----

// Tests that an f64 operand is rejected.
func.func @flatten_f64(%x: tensor<2x3xf64>) {
  // expected-error @+1 {{'braid.flatten' op input must have element type f32 or i32, got tensor<2x3xf64>}}
  %0 = braid.flatten %x : tensor<2x3xf64>
  return
}
