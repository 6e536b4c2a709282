// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.matmul: (c1) both operands are f32 tensors of rank 2 or more; (c2)
// the columns of op(lhs) equal the rows of op(rhs); (c3) the batch dimensions
// broadcast.

// Tests that matmul prints and parses back and infers f32[M, N].
// CHECK-LABEL: func.func @matmul
// CHECK: %[[Y:.*]] = braid.matmul %{{.*}}, %{{.*}} : tensor<64x784xf32>, tensor<784x10xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x10xf32>
func.func @matmul(%x: tensor<64x784xf32>, %w: tensor<784x10xf32>) -> tensor<64x10xf32> {
  %0 = braid.matmul %x, %w : tensor<64x784xf32>, tensor<784x10xf32>
  return %0 : tensor<64x10xf32>
}

// -----

// Tests that a product of a row and a column is f32[1, 1].
// CHECK-LABEL: func.func @matmul_row_column
// CHECK: %[[Y:.*]] = braid.matmul %{{.*}}, %{{.*}} : tensor<1x7xf32>, tensor<7x1xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x1xf32>
func.func @matmul_row_column(%x: tensor<1x7xf32>, %y: tensor<7x1xf32>) -> tensor<1x1xf32> {
  %0 = braid.matmul %x, %y : tensor<1x7xf32>, tensor<7x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// Tests that matmul rejects an i32 operand (c1).
func.func @matmul_c1(%x: tensor<4x3xi32>, %y: tensor<3x2xf32>) {
  // expected-error @+1 {{'braid.matmul' op operands must be f32, got i32[4, 3] and f32[3, 2]}}
  %0 = braid.matmul %x, %y : tensor<4x3xi32>, tensor<3x2xf32>
  return
}

// -----

// Tests the batched forms: a weight shared by every batch, attention's
// q k^T with a transposed rhs, and batch dimensions broadcast as numpy's.
// CHECK-LABEL: func.func @matmul_batched
// CHECK: braid.matmul %{{.*}}, %{{.*}} : tensor<4x3x2xf32>, tensor<2x5xf32>
// CHECK: braid.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
// CHECK: braid.matmul %{{.*}}, %{{.*}} : tensor<1x4x8x16xf32>, tensor<3x1x16x2xf32>
// CHECK: braid.matmul %{{.*}}, %{{.*}} transpose_lhs : tensor<5x3xf32>, tensor<2x5x2xf32>
func.func @matmul_batched(%x: tensor<4x3x2xf32>, %w: tensor<2x5xf32>,
                          %q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>,
                          %a: tensor<1x4x8x16xf32>, %b: tensor<3x1x16x2xf32>,
                          %c: tensor<5x3xf32>, %d: tensor<2x5x2xf32>)
    -> (tensor<4x3x5xf32>, tensor<2x4x8x8xf32>, tensor<3x4x8x2xf32>, tensor<2x3x2xf32>) {
  %0 = braid.matmul %x, %w : tensor<4x3x2xf32>, tensor<2x5xf32>
  %1 = braid.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %2 = braid.matmul %a, %b : tensor<1x4x8x16xf32>, tensor<3x1x16x2xf32>
  %3 = braid.matmul %c, %d transpose_lhs : tensor<5x3xf32>, tensor<2x5x2xf32>
  return %0, %1, %2, %3 : tensor<4x3x5xf32>, tensor<2x4x8x8xf32>, tensor<3x4x8x2xf32>, tensor<2x3x2xf32>
}

// -----

// Tests that batch dimensions that do not broadcast are rejected (c3).
func.func @matmul_c3(%x: tensor<2x4x3xf32>, %y: tensor<3x3x5xf32>) {
  // expected-error @+1 {{'braid.matmul' op batch dimensions of f32[2, 4, 3] and f32[3, 3, 5] do not broadcast: shapes f32[2] and f32[3] do not broadcast (dimension 2 against 3)}}
  %0 = braid.matmul %x, %y : tensor<2x4x3xf32>, tensor<3x3x5xf32>
  return
}

// -----

// Tests that matmul does not treat a rank-1 operand as a vector (c1).
func.func @matmul_c1_rank1(%x: tensor<4x3xf32>, %y: tensor<3xf32>) {
  // expected-error @+1 {{'braid.matmul' op operands must have rank 2 or more, got f32[4, 3] and f32[3]}}
  %0 = braid.matmul %x, %y : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

// Tests that matmul rejects differing inner dimensions (c2).
func.func @matmul_c2(%x: tensor<4x3xf32>, %y: tensor<2x5xf32>) {
  // expected-error @+1 {{'braid.matmul' op inner dimensions differ: f32[4, 3] has 3 columns but f32[2, 5] has 2 rows}}
  %0 = braid.matmul %x, %y : tensor<4x3xf32>, tensor<2x5xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @matmul_dynamic(%x: tensor<?x3xf32>, %y: tensor<3x2xf32>) {
  // expected-error @+1 {{'braid.matmul' op lhs must be a statically shaped tensor, got tensor<?x3xf32>}}
  %0 = braid.matmul %x, %y : tensor<?x3xf32>, tensor<3x2xf32>
  return
}

// -----

// Tests that a product of more than 2^40 elements is rejected, though each
// operand is small enough.
func.func @matmul_result_too_large(%x: tensor<1099511627776x1xf32>, %y: tensor<1x1099511627776xf32>) {
  // expected-error @+1 {{'braid.matmul' op result tensor f32[1099511627776, 1099511627776] has more than 2^40 elements}}
  %0 = braid.matmul %x, %y : tensor<1099511627776x1xf32>, tensor<1x1099511627776xf32>
  return
}

// -----

// Tests that the verifier compares a generic form's result type with the
// inferred f32[M, N].
func.func @matmul_generic_result(%x: tensor<4x3xf32>, %y: tensor<3x2xf32>) {
  // expected-error @+2 {{'braid.matmul' op inferred type(s) 'tensor<4x2xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>'}}
  // expected-error @+1 {{'braid.matmul' op failed to infer returned types}}
  %0 = "braid.matmul"(%x, %y) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x3xf32>
  return
}

// -----

// Tests that the generic form reports a failing rule (c2) when it verifies.
func.func @matmul_generic_c2(%x: tensor<4x3xf32>, %y: tensor<2x2xf32>) {
  // expected-error @+2 {{'braid.matmul' op inner dimensions differ: f32[4, 3] has 3 columns but f32[2, 2] has 2 rows}}
  // expected-error @+1 {{'braid.matmul' op failed to infer returned types}}
  %0 = "braid.matmul"(%x, %y) : (tensor<4x3xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return
}

// -----

// Tests the transposed forms: op(lhs) and op(rhs) are read as transposes, so
// f32[3, 4]^T x f32[2, 3]^T is f32[4, 2], and they print back as written.
// CHECK-LABEL: func.func @matmul_transposed
// CHECK: braid.matmul %{{.*}}, %{{.*}} transpose_lhs : tensor<3x4xf32>, tensor<3x2xf32>
// CHECK: braid.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<4x3xf32>, tensor<2x3xf32>
// CHECK: braid.matmul %{{.*}}, %{{.*}} transpose_lhs transpose_rhs : tensor<3x4xf32>, tensor<2x3xf32>
func.func @matmul_transposed(%a: tensor<3x4xf32>, %b: tensor<3x2xf32>, %c: tensor<4x3xf32>, %d: tensor<2x3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %0 = braid.matmul %a, %b transpose_lhs : tensor<3x4xf32>, tensor<3x2xf32>
  %1 = braid.matmul %c, %d transpose_rhs : tensor<4x3xf32>, tensor<2x3xf32>
  %2 = braid.matmul %a, %d transpose_lhs transpose_rhs : tensor<3x4xf32>, tensor<2x3xf32>
  return %0, %1, %2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Tests that (c2) is checked on the transposed operand: f32[4, 3]^T has 4
// columns, which f32[3, 2] does not have rows for.
func.func @matmul_transposed_c2(%x: tensor<4x3xf32>, %y: tensor<3x2xf32>) {
  // expected-error @+1 {{'braid.matmul' op inner dimensions differ: f32[4, 3] (transposed) has 4 columns but f32[3, 2] has 3 rows}}
  %0 = braid.matmul %x, %y transpose_lhs : tensor<4x3xf32>, tensor<3x2xf32>
  return
}
