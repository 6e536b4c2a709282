// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.transpose: (c1) `perm` has one entry per dimension; (c2) it is a
// permutation of [0, rank). result.shape[i] = input.shape[perm[i]].

// Tests that transpose prints and parses back and swaps a matrix.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[Y:.*]] = braid.transpose %{{.*}}, perm = [1, 0] : tensor<784x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x784xf32>
func.func @transpose(%x: tensor<784x64xf32>) -> tensor<64x784xf32> {
  %0 = braid.transpose %x, perm = [1, 0] : tensor<784x64xf32>
  return %0 : tensor<64x784xf32>
}

// -----

// Tests that result.shape[i] = input.shape[perm[i]] for a rotation of rank 3,
// and that an i32 element type is kept.
// CHECK-LABEL: func.func @transpose_rank3
// CHECK: %[[Y:.*]] = braid.transpose %{{.*}}, perm = [2, 0, 1] : tensor<2x3x4xi32>
// CHECK-NEXT: return %[[Y]] : tensor<4x2x3xi32>
func.func @transpose_rank3(%x: tensor<2x3x4xi32>) -> tensor<4x2x3xi32> {
  %0 = braid.transpose %x, perm = [2, 0, 1] : tensor<2x3x4xi32>
  return %0 : tensor<4x2x3xi32>
}

// -----

// Tests that a rank-0 operand takes the empty permutation.
// CHECK-LABEL: func.func @transpose_rank0
// CHECK: braid.transpose %{{.*}}, perm = [] : tensor<f32>
func.func @transpose_rank0(%x: tensor<f32>) -> tensor<f32> {
  %0 = braid.transpose %x, perm = [] : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that a permutation with too few entries is rejected (c1).
func.func @transpose_c1(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.transpose' op permutation [0] has 1 entries but the operand f32[4, 10] has rank 2}}
  %0 = braid.transpose %x, perm = [0] : tensor<4x10xf32>
  return
}

// -----

// Tests that a repeated entry is rejected (c2).
func.func @transpose_c2(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.transpose' op [0, 0] is not a permutation of 0..1}}
  %0 = braid.transpose %x, perm = [0, 0] : tensor<4x10xf32>
  return
}

// -----

// Tests that an entry of rank or more is rejected (c2).
func.func @transpose_c2_range(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.transpose' op [0, 2] is not a permutation of 0..1}}
  %0 = braid.transpose %x, perm = [0, 2] : tensor<4x10xf32>
  return
}

// -----

// Tests that negative entries are not counted from the end (c2).
func.func @transpose_c2_negative(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'braid.transpose' op [-1, 0] is not a permutation of 0..1}}
  %0 = braid.transpose %x, perm = [-1, 0] : tensor<4x10xf32>
  return
}

// -----

// Tests that a dynamically shaped operand is rejected.
func.func @transpose_dynamic(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'braid.transpose' op input must be a statically shaped tensor, got tensor<?x10xf32>}}
  %0 = braid.transpose %x, perm = [1, 0] : tensor<?x10xf32>
  return
}
