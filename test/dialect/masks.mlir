// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// The comparisons, braid.where, braid.cast and braid.dropout
// (BraidSelectOps.td).

// Tests that each prints and parses back: comparisons of f32 or of i32
// give i32 masks, broadcast.
// CHECK-LABEL: func.func @roundtrip
// CHECK: %[[E:.*]] = braid.equal %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: braid.not_equal %{{.*}}, %{{.*}} : tensor<4x3xi32>, tensor<i32>
// CHECK-NEXT: braid.less %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: braid.less_equal %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: braid.greater %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: braid.greater_equal %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK-NEXT: %[[W:.*]] = braid.where %[[E]], %{{.*}}, %{{.*}} : tensor<4x3xi32>, tensor<4x3xf32>, tensor<f32>
// CHECK-NEXT: %[[C:.*]] = braid.cast %[[W]] to i32 : tensor<4x3xf32>
// CHECK-NEXT: %[[D:.*]] = braid.dropout %{{.*}}, p = 1.000000e-01, salt = 7 : tensor<4x3xf32>
func.func @roundtrip(%x: tensor<4x3xf32>, %v: tensor<3xf32>, %n: tensor<4x3xi32>, %i: tensor<i32>, %z: tensor<f32>) -> (tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xf32>) {
  %0 = braid.equal %x, %v : tensor<4x3xf32>, tensor<3xf32>
  %1 = braid.not_equal %n, %i : tensor<4x3xi32>, tensor<i32>
  %2 = braid.less %x, %v : tensor<4x3xf32>, tensor<3xf32>
  %3 = braid.less_equal %x, %v : tensor<4x3xf32>, tensor<3xf32>
  %4 = braid.greater %x, %v : tensor<4x3xf32>, tensor<3xf32>
  %5 = braid.greater_equal %x, %v : tensor<4x3xf32>, tensor<3xf32>
  %6 = braid.where %0, %x, %z : tensor<4x3xi32>, tensor<4x3xf32>, tensor<f32>
  %7 = braid.cast %6 to i32 : tensor<4x3xf32>
  %8 = braid.dropout %x, p = 0.1, salt = 7 : tensor<4x3xf32>
  return %1, %2, %3, %4, %5, %7, %8 : tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xi32>, tensor<4x3xf32>
}

// -----

func.func @compare_c1(%x: tensor<4xf32>, %n: tensor<4xi32>) {
  // expected-error @+1 {{'braid.less' op operands must have one element type, got f32[4] and i32[4]}}
  %0 = braid.less %x, %n : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

func.func @compare_c2(%a: tensor<4x3xf32>, %b: tensor<4x4xf32>) {
  // expected-error @+1 {{'braid.equal' op shapes f32[4, 3], f32[4, 4] do not broadcast (dimension 3 against 4)}}
  %0 = braid.equal %a, %b : tensor<4x3xf32>, tensor<4x4xf32>
  return
}

// -----

func.func @where_c1(%m: tensor<4xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.where' op operand #0 must be ranked tensor of 32-bit signless integer values}}
  %0 = "braid.where"(%m, %x, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_c2(%m: tensor<4xi32>, %x: tensor<4xf32>, %n: tensor<4xi32>) {
  // expected-error @+1 {{'braid.where' op a and b must have one element type, got f32[4] and i32[4]}}
  %0 = braid.where %m, %x, %n : tensor<4xi32>, tensor<4xf32>, tensor<4xi32>
  return
}

// -----

func.func @where_c3(%m: tensor<3xi32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.where' op shapes i32[3], f32[4], f32[4] do not broadcast (dimension 3 against 4)}}
  %0 = braid.where %m, %x, %x : tensor<3xi32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @cast_c1(%x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.cast' op element type must be f32 or i32, got f16}}
  %0 = braid.cast %x to f16 : tensor<4xf32>
  return
}

// -----

func.func @dropout_c1(%x: tensor<f32>) {
  // expected-error @+1 {{'braid.dropout' op operand must have rank 1 or more (its leading dimension indexes the batch rows), got f32[]}}
  %0 = braid.dropout %x, p = 0.5, salt = 1 : tensor<f32>
  return
}

// -----

func.func @dropout_c2(%x: tensor<4xf32>) {
  // expected-error @+1 {{'braid.dropout' op p must be in [0, 1), got 1.000000}}
  %0 = braid.dropout %x, p = 1.0, salt = 1 : tensor<4xf32>
  return
}
