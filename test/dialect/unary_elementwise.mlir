// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// The unary elementwise ops relu, sigmoid, tanh and gelu (Braid_UnaryOp):
// (c1) the operand is an f32 tensor; the result has its type.

// Tests that relu prints and parses back and that its result has the
// operand's type.
// CHECK-LABEL: func.func @relu
// CHECK: %[[Y:.*]] = braid.relu %{{.*}} : tensor<64x10xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x10xf32>
func.func @relu(%x: tensor<64x10xf32>) -> tensor<64x10xf32> {
  %0 = braid.relu %x : tensor<64x10xf32>
  return %0 : tensor<64x10xf32>
}

// -----

// Tests that sigmoid prints and parses back and that its result has the
// operand's type.
// CHECK-LABEL: func.func @sigmoid
// CHECK: %[[Y:.*]] = braid.sigmoid %{{.*}} : tensor<2x3x4xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x3x4xf32>
func.func @sigmoid(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = braid.sigmoid %x : tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that tanh prints and parses back and takes a rank-0 operand.
// CHECK-LABEL: func.func @tanh
// CHECK: %[[Y:.*]] = braid.tanh %{{.*}} : tensor<f32>
// CHECK-NEXT: return %[[Y]] : tensor<f32>
func.func @tanh(%x: tensor<f32>) -> tensor<f32> {
  %0 = braid.tanh %x : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that gelu prints and parses back and that its result has the
// operand's type.
// CHECK-LABEL: func.func @gelu
// CHECK: %[[Y:.*]] = braid.gelu %{{.*}} : tensor<7xf32>
// CHECK-NEXT: return %[[Y]] : tensor<7xf32>
func.func @gelu(%x: tensor<7xf32>) -> tensor<7xf32> {
  %0 = braid.gelu %x : tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// Tests that the generic form with the inferred result type verifies.
// CHECK-LABEL: func.func @relu_generic
// CHECK: braid.relu %{{.*}} : tensor<4xf32>
func.func @relu_generic(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "braid.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that relu rejects an i32 operand (c1).
func.func @relu_c1(%x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.relu' op operand must be f32, got i32[4]}}
  %0 = braid.relu %x : tensor<4xi32>
  return
}

// -----

// Tests that sigmoid rejects an i32 operand (c1).
func.func @sigmoid_c1(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'braid.sigmoid' op operand must be f32, got i32[2, 3]}}
  %0 = braid.sigmoid %x : tensor<2x3xi32>
  return
}

// -----

// Tests that tanh rejects an i32 operand (c1).
func.func @tanh_c1(%x: tensor<i32>) {
  // expected-error @+1 {{'braid.tanh' op operand must be f32, got i32[]}}
  %0 = braid.tanh %x : tensor<i32>
  return
}

// -----

// Tests that gelu rejects an i32 operand (c1).
func.func @gelu_c1(%x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.gelu' op operand must be f32, got i32[4]}}
  %0 = braid.gelu %x : tensor<4xi32>
  return
}

// -----

// Tests that an element type neither f32 nor i32 is rejected (c1).
func.func @relu_c1_f64(%x: tensor<4xf64>) {
  // expected-error @+1 {{'braid.relu' op input must have element type f32 or i32, got tensor<4xf64>}}
  %0 = braid.relu %x : tensor<4xf64>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @relu_dynamic(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'braid.relu' op input must be a statically shaped tensor, got tensor<?x4xf32>}}
  %0 = braid.relu %x : tensor<?x4xf32>
  return
}

// -----

// Tests that an unranked operand is rejected by the parser.
func.func @relu_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = braid.relu %x : tensor<*xf32>
  return
}

// -----

// Tests that an operand with a zero dimension is rejected.
func.func @relu_zero_dim(%x: tensor<0x4xf32>) {
  // expected-error @+1 {{'braid.relu' op input must have positive dimensions and at most 2^40 elements, got tensor<0x4xf32>}}
  %0 = braid.relu %x : tensor<0x4xf32>
  return
}

// -----

// Tests that an operand of more than 2^40 elements is rejected.
func.func @relu_too_large(%x: tensor<1099511627777xf32>) {
  // expected-error @+1 {{'braid.relu' op input must have positive dimensions and at most 2^40 elements, got tensor<1099511627777xf32>}}
  %0 = braid.relu %x : tensor<1099511627777xf32>
  return
}

// -----

// Tests that the verifier compares a generic form's result type with the
// inferred one.
func.func @relu_generic_result(%x: tensor<4xf32>) {
  // expected-error @+2 {{'braid.relu' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @+1 {{'braid.relu' op failed to infer returned types}}
  %0 = "braid.relu"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

// Tests that the generic form's i32 operand fails the ODS operand constraint
// (c1) before type inference runs.
func.func @relu_generic_c1(%x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.relu' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4xi32>'}}
  %0 = "braid.relu"(%x) : (tensor<4xi32>) -> tensor<4xi32>
  return
}
