// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.exp, a unary elementwise op (Braid_UnaryOp): (c1) the operand is an
// f32 tensor; the result has its type.

// Tests that exp prints and parses back and that its result has the
// operand's type.
// CHECK-LABEL: func.func @exp
// CHECK: %[[Y:.*]] = braid.exp %{{.*}} : tensor<64x10xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x10xf32>
func.func @exp(%x: tensor<64x10xf32>) -> tensor<64x10xf32> {
  %0 = braid.exp %x : tensor<64x10xf32>
  return %0 : tensor<64x10xf32>
}

// -----

// Tests that exp takes a rank-0 operand and that the generic form with the
// inferred result type verifies.
// CHECK-LABEL: func.func @exp_generic
// CHECK: braid.exp %{{.*}} : tensor<f32>
func.func @exp_generic(%x: tensor<f32>) -> tensor<f32> {
  %0 = "braid.exp"(%x) : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that exp rejects an i32 operand (c1).
func.func @exp_c1(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'braid.exp' op operand must be f32, got i32[2, 3]}}
  %0 = braid.exp %x : tensor<2x3xi32>
  return
}

// -----

// Tests that the verifier compares a generic form's result type with the
// inferred one.
func.func @exp_generic_result(%x: tensor<4xf32>) {
  // expected-error @+2 {{'braid.exp' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @+1 {{'braid.exp' op failed to infer returned types}}
  %0 = "braid.exp"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return
}
