// RUN: braid-opt --split-input-file --canonicalize %s | FileCheck %s

// Canonicalization patterns of the braid ops (BraidCanonicalize.cpp).

// Tests that a 2-D transpose feeding a matmul folds into the matmul's
// transpose flag, on either side, and that a transposed operand that is
// transposed again reads the original plainly.
// CHECK-LABEL: func.func @fold_transpose_into_matmul
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[W:.*]]: tensor<3x2xf32>, %[[V:.*]]: tensor<2x3xf32>, %[[U:.*]]: tensor<4x2xf32>)
// CHECK-NOT: braid.transpose
// CHECK: %[[A:.*]] = braid.matmul %[[X]], %[[W]] transpose_lhs : tensor<3x4xf32>, tensor<3x2xf32>
// CHECK: %[[B:.*]] = braid.matmul %[[X]], %[[V]] transpose_lhs transpose_rhs : tensor<3x4xf32>, tensor<2x3xf32>
// CHECK: %[[C:.*]] = braid.matmul %[[X]], %[[U]] : tensor<3x4xf32>, tensor<4x2xf32>
// CHECK-NOT: braid.transpose
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @fold_transpose_into_matmul(%x: tensor<3x4xf32>, %w: tensor<3x2xf32>, %v: tensor<2x3xf32>, %u: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<3x2xf32>) {
  %xt = braid.transpose %x, perm = [1, 0] : tensor<3x4xf32>
  %0 = braid.matmul %xt, %w : tensor<4x3xf32>, tensor<3x2xf32>
  %vt = braid.transpose %v, perm = [1, 0] : tensor<2x3xf32>
  %1 = braid.matmul %xt, %vt : tensor<4x3xf32>, tensor<3x2xf32>
  %2 = braid.matmul %xt, %u transpose_lhs : tensor<4x3xf32>, tensor<4x2xf32>
  return %0, %1, %2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<3x2xf32>
}

// -----

// Tests that attention's k^T, a transpose of the last two dimensions of a
// batched operand, folds into transpose_rhs (one GEMM per batch, no copy of
// k), and that a transpose moving a batch dimension does not fold.
// CHECK-LABEL: func.func @fold_batched_transpose
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x4x8x16xf32>)
// CHECK: %[[S:.*]] = braid.matmul %[[Q]], %[[K]] transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
// CHECK: %[[T:.*]] = braid.transpose %[[K]], perm = [1, 0, 3, 2]
// CHECK: %[[U:.*]] = braid.matmul %{{.*}}, %[[T]] : tensor<4x2x8x16xf32>, tensor<4x2x16x8xf32>
// CHECK: return %[[S]], %[[U]]
func.func @fold_batched_transpose(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>) -> (tensor<2x4x8x8xf32>, tensor<4x2x8x8xf32>) {
  %kt = braid.transpose %k, perm = [0, 1, 3, 2] : tensor<2x4x8x16xf32>
  %0 = braid.matmul %q, %kt : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>
  %qt = braid.transpose %q, perm = [1, 0, 2, 3] : tensor<2x4x8x16xf32>
  %ks = braid.transpose %k, perm = [1, 0, 3, 2] : tensor<2x4x8x16xf32>
  %1 = braid.matmul %qt, %ks : tensor<4x2x8x16xf32>, tensor<4x2x16x8xf32>
  return %0, %1 : tensor<2x4x8x8xf32>, tensor<4x2x8x8xf32>
}

// -----

// Tests that a transpose with another user stays for that user while the
// matmul reads its input directly.
// CHECK-LABEL: func.func @transpose_with_other_use
// CHECK: %[[T:.*]] = braid.transpose %[[X:.*]], perm = [1, 0]
// CHECK: braid.matmul %[[X]], %{{.*}} transpose_lhs
// CHECK: return %[[T]]
func.func @transpose_with_other_use(%x: tensor<3x4xf32>, %w: tensor<3x2xf32>) -> (tensor<4x3xf32>, tensor<4x2xf32>) {
  %xt = braid.transpose %x, perm = [1, 0] : tensor<3x4xf32>
  %0 = braid.matmul %xt, %w : tensor<4x3xf32>, tensor<3x2xf32>
  return %xt, %0 : tensor<4x3xf32>, tensor<4x2xf32>
}

// -----

// Tests that a matmul of plain operands, and of an operand computed by
// something other than a transpose, is left alone.
// CHECK-LABEL: func.func @no_transpose
// CHECK: %[[R:.*]] = braid.relu
// CHECK: braid.matmul %[[R]], %{{.*}} : tensor<4x3xf32>, tensor<3x2xf32>
func.func @no_transpose(%x: tensor<4x3xf32>, %w: tensor<3x2xf32>) -> tensor<4x2xf32> {
  %r = braid.relu %x : tensor<4x3xf32>
  %0 = braid.matmul %r, %w : tensor<4x3xf32>, tensor<3x2xf32>
  return %0 : tensor<4x2xf32>
}
