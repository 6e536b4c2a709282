// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.fused and braid.yield. (c1) the body's arguments have the operands'
// types, in order; (c2) the body ends in braid.yield of the result's type;
// (c3) the body holds only fusible (elementwise) ops; (c4) f32 tensors of
// static shape throughout. braid.yield lives only in a braid.fused.

// Tests that a fused op prints and parses back: its kernel name, operands
// with a broadcast bias, body arguments, body and yield.
// CHECK-LABEL: func.func @bias_relu
// CHECK: %[[F:.*]] = braid.fused "braid_fused_0"(%{{.*}}, %{{.*}}) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>):
// CHECK-NEXT: %[[S:.*]] = braid.add %[[X]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[R:.*]] = braid.relu %[[S]] : tensor<4x8xf32>
// CHECK-NEXT: braid.yield %[[R]] : tensor<4x8xf32>
// CHECK-NEXT: }
// CHECK: return %[[F]]
func.func @bias_relu(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = braid.fused "braid_fused_0" (%x, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
  ^bb0(%a0: tensor<4x8xf32>, %a1: tensor<8xf32>):
    %s = braid.add %a0, %a1 : tensor<4x8xf32>, tensor<8xf32>
    %r = braid.relu %s : tensor<4x8xf32>
    braid.yield %r : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

// Tests the gradient and parameterized ops in a body (gelu_grad, pow), and a
// fused op whose body only passes an argument through.
// CHECK-LABEL: func.func @grad_chain
// CHECK: braid.fused "braid_fused_1"
// CHECK: braid.gelu_grad
// CHECK: braid.pow %{{.*}}, exponent = 2.000000e+00
// CHECK: braid.fused "braid_fused_2"
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<3xf32>):
// CHECK-NEXT: braid.yield %[[A]]
func.func @grad_chain(%dy: tensor<3xf32>, %x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = braid.fused "braid_fused_1" (%dy, %x) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%a0: tensor<3xf32>, %a1: tensor<3xf32>):
    %g = braid.gelu_grad %a0, %a1 : tensor<3xf32>, tensor<3xf32>
    %p = braid.pow %g, exponent = 2.0 : tensor<3xf32>
    braid.yield %p : tensor<3xf32>
  }
  %1 = braid.fused "braid_fused_2" (%x) : (tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%a0: tensor<3xf32>):
    braid.yield %a0 : tensor<3xf32>
  }
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}

// -----

func.func @c1_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braid.fused' op body has 2 arguments; expected one per operand (1)}}
  %0 = braid.fused "k" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a0: tensor<4xf32>, %a1: tensor<4xf32>):
    braid.yield %a0 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @c1_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braid.fused' op body argument #0 has type 'tensor<2x2xf32>'; expected operand #0's type 'tensor<4xf32>'}}
  %0 = braid.fused "k" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a0: tensor<2x2xf32>):
    braid.yield %a0 : tensor<2x2xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @c2_type(%x: tensor<4xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'braid.fused' op body yields 'tensor<4xf32>'; expected the result's type 'tensor<2x2xf32>'}}
  %0 = braid.fused "k" (%x) : (tensor<4xf32>) -> tensor<2x2xf32> {
  ^bb0(%a0: tensor<4xf32>):
    %r = braid.relu %a0 : tensor<4xf32>
    braid.yield %r : tensor<4xf32>
  }
  return %0 : tensor<2x2xf32>
}

// -----

func.func @c3_matmul(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'braid.fused' op body holds 'braid.matmul', which cannot be fused; a fused body holds only elementwise ops and braid.yield}}
  %0 = braid.fused "k" (%x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%a0: tensor<4x4xf32>):
    %m = braid.matmul %a0, %a0 : tensor<4x4xf32>, tensor<4x4xf32>
    braid.yield %m : tensor<4x4xf32>
  }
  return %0 : tensor<4x4xf32>
}

// -----

func.func @c4_dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'braid.fused' op operand #0 has type 'tensor<?xf32>'; a fused kernel takes static shapes}}
  %0 = braid.fused "k" (%x) : (tensor<?xf32>) -> tensor<?xf32> {
  ^bb0(%a0: tensor<?xf32>):
    braid.yield %a0 : tensor<?xf32>
  }
  return %0 : tensor<?xf32>
}

// -----

func.func @c4_i32(%x: tensor<4xi32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braid.fused' op operand #0 must be variadic of ranked tensor of 32-bit float values}}
  %0 = braid.fused "k" (%x) : (tensor<4xi32>) -> tensor<4xf32> {
  ^bb0(%a0: tensor<4xi32>):
    %c = braid.cast %a0 to f32 : tensor<4xi32>
    braid.yield %c : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.yield' op expects parent op 'braid.fused'}}
  braid.yield %x : tensor<4xf32>
}

// -----

func.func @c2_terminator(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braid.fused' op body must end in braid.yield}}
  %0 = "braid.fused"(%x) ({
  ^bb0(%a0: tensor<4xf32>):
    "func.return"(%a0) : (tensor<4xf32>) -> ()
  }) {kernel = "k"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @isolated(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = braid.fused "k" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a0: tensor<4xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    %s = braid.add %a0, %y : tensor<4xf32>, tensor<4xf32>
    braid.yield %s : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
