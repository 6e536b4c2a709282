// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.pow: x^exponent elementwise, the exponent an f64 attribute: (c1) the
// operand is an f32 tensor; the result has its type.

// Tests that pow prints and parses back with its exponent.
// CHECK-LABEL: func.func @pow
// CHECK: %[[Y:.*]] = braid.pow %{{.*}}, exponent = 2.500000e+00 : tensor<4x3xf32>
// CHECK-NEXT: %[[Z:.*]] = braid.pow %[[Y]], exponent = -1.000000e+00 : tensor<4x3xf32>
// CHECK-NEXT: return %[[Z]]
func.func @pow(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = braid.pow %x, exponent = 2.5 : tensor<4x3xf32>
  %1 = braid.pow %0, exponent = -1.0 : tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

// -----

// Tests that pow rejects an i32 operand (c1).
func.func @pow_c1(%x: tensor<2xi32>) {
  // expected-error @+1 {{'braid.pow' op operand must be f32, got i32[2]}}
  %0 = braid.pow %x, exponent = 2.0 : tensor<2xi32>
  return
}

// -----

// Tests that the exponent is required.
func.func @pow_no_exponent(%x: tensor<2xf32>) {
  // expected-error @+1 {{'braid.pow' op requires attribute 'exponent'}}
  %0 = "braid.pow"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return
}
