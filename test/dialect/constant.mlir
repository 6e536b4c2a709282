// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.constant: (c1) the value is a statically shaped f32 or i32 tensor.
// The result type is the value's type.

// Tests that a rank-0 f32 constant prints and parses back with the value's
// type as its result type.
// CHECK-LABEL: func.func @constant
// CHECK: %[[C:.*]] = braid.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: return %[[C]] : tensor<f32>
func.func @constant() -> tensor<f32> {
  %0 = braid.constant dense<2.0> : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that i32 and non-splat constants print and parse back.
// CHECK-LABEL: func.func @constant_dense
// CHECK: %[[A:.*]] = braid.constant dense<[1, 2, 3]> : tensor<3xi32>
// CHECK-NEXT: %[[B:.*]] = braid.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<3xi32>, tensor<2x2xf32>
func.func @constant_dense() -> (tensor<3xi32>, tensor<2x2xf32>) {
  %0 = braid.constant dense<[1, 2, 3]> : tensor<3xi32>
  %1 = braid.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  return %0, %1 : tensor<3xi32>, tensor<2x2xf32>
}

// -----

// Tests that an f64 value is rejected (c1).
func.func @constant_c1() {
  // expected-error @+1 {{'braid.constant' op value must have element type f32 or i32, got tensor<4xf64>}}
  %0 = braid.constant dense<1.0> : tensor<4xf64>
  return
}

// -----

// Tests that an i64 value is rejected (c1).
func.func @constant_c1_i64() {
  // expected-error @+1 {{'braid.constant' op value must have element type f32 or i32, got tensor<4xi64>}}
  %0 = braid.constant dense<1> : tensor<4xi64>
  return
}

// -----

// Tests that a vector value is rejected (c1).
func.func @constant_c1_vector() {
  // expected-error @+1 {{'braid.constant' op value must be a statically shaped tensor, got vector<4xf32>}}
  %0 = braid.constant dense<1.0> : vector<4xf32>
  return
}

// -----

// Tests that a value with a zero dimension is rejected (c1).
func.func @constant_c1_zero_dim() {
  // expected-error @+1 {{'braid.constant' op value must have positive dimensions and at most 2^40 elements, got tensor<0xf32>}}
  %0 = braid.constant dense<1.0> : tensor<0xf32>
  return
}

// -----

// Tests that a value that is no elements attribute is rejected by the parser.
func.func @constant_scalar() {
  // expected-error @+1 {{invalid kind of attribute specified}}
  %0 = braid.constant 1.0 : f32
  return
}

// -----

// Tests that the verifier compares a generic form's result type with the
// value's type.
func.func @constant_generic_result() {
  // expected-error @+2 {{'braid.constant' op inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{'braid.constant' op failed to infer returned types}}
  %0 = "braid.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return
}
