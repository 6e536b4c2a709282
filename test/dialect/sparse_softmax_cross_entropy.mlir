// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.sparse_softmax_cross_entropy: (c1) logits is f32[B, ..., C]; (c2)
// labels is i32[B, ...]; (c3) the labels' shape is the logits' but the last
// dimension. The result is f32[].

// Tests that the op prints and parses back and gives a scalar.
// CHECK-LABEL: func.func @sparse_softmax_cross_entropy
// CHECK: %[[L:.*]] = braid.sparse_softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi32>
// CHECK-NEXT: return %[[L]] : tensor<f32>
func.func @sparse_softmax_cross_entropy(%logits: tensor<64x10xf32>, %y: tensor<64xi32>) -> tensor<f32> {
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<64x10xf32>, tensor<64xi32>
  return %0 : tensor<f32>
}

// -----

// Tests that a batch of one with one class is accepted.
// CHECK-LABEL: func.func @sparse_softmax_cross_entropy_1x1
// CHECK: braid.sparse_softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<1x1xf32>, tensor<1xi32>
func.func @sparse_softmax_cross_entropy_1x1(%logits: tensor<1x1xf32>, %y: tensor<1xi32>) -> tensor<f32> {
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<1x1xf32>, tensor<1xi32>
  return %0 : tensor<f32>
}

// -----

// Tests that logits over several leading dimensions (a language model's
// [B, T, V]) give a scalar.
// CHECK-LABEL: func.func @sparse_softmax_cross_entropy_positions
// CHECK: braid.sparse_softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<8x16x256xf32>, tensor<8x16xi32>
func.func @sparse_softmax_cross_entropy_positions(%logits: tensor<8x16x256xf32>, %y: tensor<8x16xi32>) -> tensor<f32> {
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<8x16x256xf32>, tensor<8x16xi32>
  return %0 : tensor<f32>
}

// -----

// Tests that labels missing a leading dimension of the logits are rejected
// (c3).
func.func @sparse_softmax_cross_entropy_c3_positions(%logits: tensor<8x16x256xf32>, %y: tensor<8xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op batch sizes differ: logits f32[8, 16, 256], labels i32[8]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<8x16x256xf32>, tensor<8xi32>
  return
}

// -----

// Tests that rank-1 logits are rejected (c1).
func.func @sparse_softmax_cross_entropy_c1(%logits: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op logits must be f32[B, ..., C], got f32[4]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

// Tests that i32 logits are rejected (c1).
func.func @sparse_softmax_cross_entropy_c1_i32(%logits: tensor<4x10xi32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op logits must be f32[B, ..., C], got i32[4, 10]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4x10xi32>, tensor<4xi32>
  return
}

// -----

// Tests that f32 labels are rejected (c2).
func.func @sparse_softmax_cross_entropy_c2(%logits: tensor<4x10xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op labels must be i32[B, ...], got f32[4]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4x10xf32>, tensor<4xf32>
  return
}

// -----

// Tests that labels of rank 2, as one-hot or [B, 1], are rejected (c3).
func.func @sparse_softmax_cross_entropy_c2_rank2(%logits: tensor<4x10xf32>, %y: tensor<4x1xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op batch sizes differ: logits f32[4, 10], labels i32[4, 1]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4x10xf32>, tensor<4x1xi32>
  return
}

// -----

// Tests that differing batch sizes are rejected (c3).
func.func @sparse_softmax_cross_entropy_c3(%logits: tensor<4x10xf32>, %y: tensor<5xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op batch sizes differ: logits f32[4, 10], labels i32[5]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4x10xf32>, tensor<5xi32>
  return
}

// -----

// Tests that labels matching the class count instead of the batch are
// rejected (c3).
func.func @sparse_softmax_cross_entropy_c3_classes(%logits: tensor<4x10xf32>, %y: tensor<10xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op batch sizes differ: logits f32[4, 10], labels i32[10]}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4x10xf32>, tensor<10xi32>
  return
}

// -----

// Tests that dynamically shaped labels are rejected.
func.func @sparse_softmax_cross_entropy_dynamic(%logits: tensor<4x10xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{'braid.sparse_softmax_cross_entropy' op labels must be a statically shaped tensor, got tensor<?xi32>}}
  %0 = braid.sparse_softmax_cross_entropy %logits, %y : tensor<4x10xf32>, tensor<?xi32>
  return
}
