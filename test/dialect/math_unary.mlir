// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.log, braid.sqrt, braid.rsqrt and braid.abs, unary elementwise ops
// (Braid_UnaryOp): (c1) the operand is an f32 tensor; the result has its type.

// Tests that each prints and parses back with the operand's type.
// CHECK-LABEL: func.func @math
// CHECK: %[[L:.*]] = braid.log %{{.*}} : tensor<64x10xf32>
// CHECK-NEXT: %[[S:.*]] = braid.sqrt %[[L]] : tensor<64x10xf32>
// CHECK-NEXT: %[[R:.*]] = braid.rsqrt %[[S]] : tensor<64x10xf32>
// CHECK-NEXT: %[[A:.*]] = braid.abs %[[R]] : tensor<64x10xf32>
// CHECK-NEXT: return %[[A]] : tensor<64x10xf32>
func.func @math(%x: tensor<64x10xf32>) -> tensor<64x10xf32> {
  %0 = braid.log %x : tensor<64x10xf32>
  %1 = braid.sqrt %0 : tensor<64x10xf32>
  %2 = braid.rsqrt %1 : tensor<64x10xf32>
  %3 = braid.abs %2 : tensor<64x10xf32>
  return %3 : tensor<64x10xf32>
}

// -----

// Tests that they take a rank-0 operand in the generic form.
// CHECK-LABEL: func.func @math_generic
// CHECK: braid.log %{{.*}} : tensor<f32>
// CHECK: braid.abs %{{.*}} : tensor<f32>
func.func @math_generic(%x: tensor<f32>) -> tensor<f32> {
  %0 = "braid.log"(%x) : (tensor<f32>) -> tensor<f32>
  %1 = "braid.abs"(%0) : (tensor<f32>) -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

func.func @log_c1(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'braid.log' op operand must be f32, got i32[2, 3]}}
  %0 = braid.log %x : tensor<2x3xi32>
  return
}

// -----

func.func @sqrt_c1(%x: tensor<3xi32>) {
  // expected-error @+1 {{'braid.sqrt' op operand must be f32, got i32[3]}}
  %0 = braid.sqrt %x : tensor<3xi32>
  return
}

// -----

func.func @rsqrt_c1(%x: tensor<i32>) {
  // expected-error @+1 {{'braid.rsqrt' op operand must be f32, got i32[]}}
  %0 = braid.rsqrt %x : tensor<i32>
  return
}

// -----

func.func @abs_generic_result(%x: tensor<4xf32>) {
  // expected-error @+2 {{'braid.abs' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @+1 {{'braid.abs' op failed to infer returned types}}
  %0 = "braid.abs"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return
}
