// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// softmax and log_softmax (Braid_SoftmaxOpBase): (c1) the operand is an f32
// tensor of rank 1 or more; (c2) `axis` is in [-rank, rank). The result has
// the operand's type.

// Tests that softmax prints and parses back, keeping a negative axis.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[A:.*]] = braid.softmax %{{.*}}, axis = 1 : tensor<64x10xf32>
// CHECK-NEXT: %[[B:.*]] = braid.softmax %{{.*}}, axis = -2 : tensor<64x10xf32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<64x10xf32>, tensor<64x10xf32>
func.func @softmax(%x: tensor<64x10xf32>) -> (tensor<64x10xf32>, tensor<64x10xf32>) {
  %0 = braid.softmax %x, axis = 1 : tensor<64x10xf32>
  %1 = braid.softmax %x, axis = -2 : tensor<64x10xf32>
  return %0, %1 : tensor<64x10xf32>, tensor<64x10xf32>
}

// -----

// Tests that log_softmax prints and parses back, on rank 1 and rank 3.
// CHECK-LABEL: func.func @log_softmax
// CHECK: %[[A:.*]] = braid.log_softmax %{{.*}}, axis = 0 : tensor<10xf32>
// CHECK-NEXT: %[[B:.*]] = braid.log_softmax %{{.*}}, axis = -1 : tensor<2x3x4xf32>
// CHECK-NEXT: return %[[A]], %[[B]] : tensor<10xf32>, tensor<2x3x4xf32>
func.func @log_softmax(%x: tensor<10xf32>, %y: tensor<2x3x4xf32>) -> (tensor<10xf32>, tensor<2x3x4xf32>) {
  %0 = braid.log_softmax %x, axis = 0 : tensor<10xf32>
  %1 = braid.log_softmax %y, axis = -1 : tensor<2x3x4xf32>
  return %0, %1 : tensor<10xf32>, tensor<2x3x4xf32>
}

// -----

// Tests that softmax rejects an i32 operand (c1).
func.func @softmax_c1(%x: tensor<4x3xi32>) {
  // expected-error @+1 {{'braid.softmax' op operand must be f32, got i32[4, 3]}}
  %0 = braid.softmax %x, axis = 0 : tensor<4x3xi32>
  return
}

// -----

// Tests that softmax rejects a rank-0 operand, which only the rule can tell
// (c1).
func.func @softmax_c1_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'braid.softmax' op operand must have rank 1 or more, got f32[]}}
  %0 = braid.softmax %x, axis = 0 : tensor<f32>
  return
}

// -----

// Tests that log_softmax rejects an i32 operand (c1).
func.func @log_softmax_c1(%x: tensor<4xi32>) {
  // expected-error @+1 {{'braid.log_softmax' op operand must be f32, got i32[4]}}
  %0 = braid.log_softmax %x, axis = 0 : tensor<4xi32>
  return
}

// -----

// Tests that log_softmax rejects a rank-0 operand (c1).
func.func @log_softmax_c1_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'braid.log_softmax' op operand must have rank 1 or more, got f32[]}}
  %0 = braid.log_softmax %x, axis = -1 : tensor<f32>
  return
}

// -----

// Tests that softmax rejects an axis of rank or more (c2).
func.func @softmax_c2(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.softmax' op axis 2 is out of range for f32[4, 3]}}
  %0 = braid.softmax %x, axis = 2 : tensor<4x3xf32>
  return
}

// -----

// Tests that log_softmax rejects an axis below -rank (c2).
func.func @log_softmax_c2(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.log_softmax' op axis -3 is out of range for f32[4, 3]}}
  %0 = braid.log_softmax %x, axis = -3 : tensor<4x3xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @softmax_dynamic(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'braid.softmax' op input must be a statically shaped tensor, got tensor<?x10xf32>}}
  %0 = braid.softmax %x, axis = 1 : tensor<?x10xf32>
  return
}

// -----

// Tests that the generic form needs the axis attribute.
func.func @softmax_generic_no_axis(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'braid.softmax' op requires attribute 'axis'}}
  %0 = "braid.softmax"(%x) : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

// Tests that a causal softmax and its gradient print and parse back, and
// that causal is left out when unset.
// CHECK-LABEL: func.func @softmax_causal
// CHECK: %[[A:.*]] = braid.softmax %{{.*}}, axis = -1 causal : tensor<2x3x4x4xf32>
// CHECK-NEXT: %[[B:.*]] = braid.softmax_grad %{{.*}}, %[[A]], axis = 3 causal : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
// CHECK-NEXT: %[[C:.*]] = braid.softmax_grad %{{.*}}, %[[A]], axis = 3 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
func.func @softmax_causal(%x: tensor<2x3x4x4xf32>, %dy: tensor<2x3x4x4xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) {
  %0 = braid.softmax %x, axis = -1 causal : tensor<2x3x4x4xf32>
  %1 = braid.softmax_grad %dy, %0, axis = 3 causal : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
  %2 = braid.softmax_grad %dy, %0, axis = 3 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
  return %1, %2 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
}

// -----

// Tests that a causal softmax needs its last two dimensions equal (c3).
func.func @softmax_causal_c3_square(%x: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'braid.softmax' op causal softmax needs the last two dimensions equal (query, key), got f32[2, 4, 5]}}
  %0 = braid.softmax %x, axis = -1 causal : tensor<2x4x5xf32>
  return
}

// -----

// Tests that a causal softmax needs rank 2 or more (c3).
func.func @softmax_causal_c3_rank(%x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.softmax' op causal softmax needs the last two dimensions equal (query, key), got f32[4]}}
  %0 = braid.softmax %x, axis = 0 causal : tensor<4xf32>
  return
}

// -----

// Tests that a causal softmax runs along the last axis (c3).
func.func @softmax_causal_c3_axis(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'braid.softmax' op causal softmax runs along the last axis (the key), got axis 0 of f32[4, 4]}}
  %0 = braid.softmax %x, axis = 0 causal : tensor<4x4xf32>
  return
}

// -----

// Tests that a causal softmax_grad checks the forward's constraints.
func.func @softmax_grad_causal_axis(%dy: tensor<4x4xf32>, %y: tensor<4x4xf32>) {
  // expected-error @+1 {{'braid.softmax_grad' op causal softmax runs along the last axis (the key), got axis -2 of f32[4, 4]}}
  %0 = braid.softmax_grad %dy, %y, axis = -2 causal : tensor<4x4xf32>, tensor<4x4xf32>
  return
}

// -----

// Tests that log_softmax has no causal form.
func.func @log_softmax_causal(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{expected ':'}}
  %0 = braid.log_softmax %x, axis = -1 causal : tensor<4x4xf32>
  return
}
