// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.embedding: rows of an f32[V, D] table gathered by i32 ids of any
// shape: (c1) the table is f32[V, D]; (c2) the ids are i32; the result is
// f32[ids..., D]. braid.embedding_grad, its VJP for the table: (c1) i32 ids;
// (c2) dy f32[ids..., D]; (c3) num_rows positive; the result f32[num_rows, D].

// Tests that embedding and its gradient print and parse back, with ids of
// rank 2 and rank 0.
// CHECK-LABEL: func.func @embedding
// CHECK: %[[H:.*]] = braid.embedding %{{.*}}, %{{.*}} : tensor<256x16xf32>, tensor<4x8xi32>
// CHECK-NEXT: %[[S:.*]] = braid.embedding %{{.*}}, %{{.*}} : tensor<256x16xf32>, tensor<i32>
// CHECK-NEXT: %[[G:.*]] = braid.embedding_grad %[[H]], %{{.*}} num_rows = 256 : tensor<4x8x16xf32>, tensor<4x8xi32>
// CHECK-NEXT: return %[[S]], %[[G]] : tensor<16xf32>, tensor<256x16xf32>
func.func @embedding(%t: tensor<256x16xf32>, %ids: tensor<4x8xi32>, %one: tensor<i32>) -> (tensor<16xf32>, tensor<256x16xf32>) {
  %0 = braid.embedding %t, %ids : tensor<256x16xf32>, tensor<4x8xi32>
  %1 = braid.embedding %t, %one : tensor<256x16xf32>, tensor<i32>
  %2 = braid.embedding_grad %0, %ids num_rows = 256 : tensor<4x8x16xf32>, tensor<4x8xi32>
  return %1, %2 : tensor<16xf32>, tensor<256x16xf32>
}

// -----

// Tests that the table must be f32[V, D] (c1).
func.func @embedding_c1(%t: tensor<256xf32>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'braid.embedding' op table must be f32[V, D], got f32[256]}}
  %0 = braid.embedding %t, %ids : tensor<256xf32>, tensor<4xi32>
  return
}

// -----

// Tests that the ids must be i32 (c2).
func.func @embedding_c2(%t: tensor<8x4xf32>, %ids: tensor<4xf32>) {
  // expected-error @+1 {{'braid.embedding' op ids must be i32, got f32[4]}}
  %0 = braid.embedding %t, %ids : tensor<8x4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that embedding_grad's dy must be f32[ids..., D] (c2).
func.func @embedding_grad_c2(%dy: tensor<4x3x16xf32>, %ids: tensor<4x8xi32>) {
  // expected-error @+1 {{'braid.embedding_grad' op gradient must be f32[4, 8, D] for ids i32[4, 8], got f32[4, 3, 16]}}
  %0 = braid.embedding_grad %dy, %ids num_rows = 10 : tensor<4x3x16xf32>, tensor<4x8xi32>
  return
}

// -----

// Tests that embedding_grad needs a positive num_rows (c3).
func.func @embedding_grad_c3(%dy: tensor<4x16xf32>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'braid.embedding_grad' op the table must have at least one row, got 0}}
  %0 = braid.embedding_grad %dy, %ids num_rows = 0 : tensor<4x16xf32>, tensor<4xi32>
  return
}
