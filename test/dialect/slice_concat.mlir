// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.concat, braid.slice and braid.slice_grad (BraidSelectOps.td).

// Tests that each prints and parses back, i32 operands included.
// CHECK-LABEL: func.func @roundtrip
// CHECK: %[[C:.*]] = braid.concat %{{.*}}, %{{.*}} axis = 1 : tensor<4x2xf32>, tensor<4x3xf32>
// CHECK-NEXT: %[[S:.*]] = braid.slice %[[C]] axis = -1 start = 1 size = 3 : tensor<4x5xf32>
// CHECK-NEXT: %[[G:.*]] = braid.slice_grad %[[S]] input_shape = [4, 5] axis = 1 start = 1 : tensor<4x3xf32>
// CHECK-NEXT: braid.concat %{{.*}}, %{{.*}} axis = 0 : tensor<2xi32>, tensor<3xi32>
func.func @roundtrip(%a: tensor<4x2xf32>, %b: tensor<4x3xf32>, %i: tensor<2xi32>, %j: tensor<3xi32>) -> (tensor<4x5xf32>, tensor<5xi32>) {
  %0 = braid.concat %a, %b axis = 1 : tensor<4x2xf32>, tensor<4x3xf32>
  %1 = braid.slice %0 axis = -1 start = 1 size = 3 : tensor<4x5xf32>
  %2 = braid.slice_grad %1 input_shape = [4, 5] axis = 1 start = 1 : tensor<4x3xf32>
  %3 = braid.concat %i, %j axis = 0 : tensor<2xi32>, tensor<3xi32>
  return %2, %3 : tensor<4x5xf32>, tensor<5xi32>
}

// -----

func.func @concat_c1() {
  // expected-error @+2 {{'braid.concat' op needs at least one operand}}
  // expected-error @+1 {{'braid.concat' op failed to infer returned types}}
  %0 = "braid.concat"() {axis = 0 : i64} : () -> tensor<1xf32>
  return
}

// -----

func.func @concat_c2(%a: tensor<4x2xf32>) {
  // expected-error @+1 {{'braid.concat' op axis 2 is out of range for f32[4, 2]}}
  %0 = braid.concat %a, %a axis = 2 : tensor<4x2xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @concat_c3(%a: tensor<4x2xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+1 {{'braid.concat' op operand #1 f32[3, 2] does not match f32[4, 2] in element type and in every dimension but axis 1}}
  %0 = braid.concat %a, %b axis = 1 : tensor<4x2xf32>, tensor<3x2xf32>
  return
}

// -----

func.func @concat_c3_element(%a: tensor<4x2xf32>, %b: tensor<4x2xi32>) {
  // expected-error @+1 {{'braid.concat' op operand #1 i32[4, 2] does not match f32[4, 2]}}
  %0 = braid.concat %a, %b axis = 0 : tensor<4x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @slice_c1(%x: tensor<f32>) {
  // expected-error @+1 {{'braid.slice' op operand must have rank 1 or more, got f32[]}}
  %0 = braid.slice %x axis = 0 start = 0 size = 1 : tensor<f32>
  return
}

// -----

func.func @slice_c2(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{'braid.slice' op axis -3 is out of range for f32[4, 6]}}
  %0 = braid.slice %x axis = -3 start = 0 size = 1 : tensor<4x6xf32>
  return
}

// -----

func.func @slice_c3(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{'braid.slice' op start 4 and size 3 do not fit in dimension 1 of f32[4, 6] (0 <= start, 1 <= size, start + size <= 6)}}
  %0 = braid.slice %x axis = 1 start = 4 size = 3 : tensor<4x6xf32>
  return
}

// -----

func.func @slice_grad_c3(%dy: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.slice_grad' op start 4 and size 3 do not fit in dimension 1 of f32[4, 6]}}
  %0 = braid.slice_grad %dy input_shape = [4, 6] axis = 1 start = 4 : tensor<4x3xf32>
  return
}

// -----

func.func @slice_grad_dy(%dy: tensor<5x3xf32>) {
  // expected-error @+1 {{'braid.slice_grad' op dy f32[5, 3] is not the slice's f32[4, 3]}}
  %0 = braid.slice_grad %dy input_shape = [4, 6] axis = 1 start = 0 : tensor<5x3xf32>
  return
}
