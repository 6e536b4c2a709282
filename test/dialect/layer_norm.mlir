// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.layer_norm over the last axis: (c1) x is f32[..., D] of rank 1 or
// more; (c2) gain and bias are f32[D]; (c3) eps is in (0, 1). Its gradient
// ops: layer_norm_stats (x -> f32[..., 2]), layer_norm_grad (dy, x, stats,
// gain -> dx) and layer_norm_gain_grad (dy, x, stats -> f32[D]).

// Tests that layer_norm and its gradient ops print and parse back.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[Y:.*]] = braid.layer_norm %{{.*}}, %{{.*}}, %{{.*}}, eps = 1.000000e-05 : tensor<2x3x8xf32>, tensor<8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[S:.*]] = braid.layer_norm_stats %{{.*}}, eps = 1.000000e-05 : tensor<2x3x8xf32>
// CHECK-NEXT: %[[DX:.*]] = braid.layer_norm_grad %[[Y]], %{{.*}}, %[[S]], %{{.*}} : tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x2xf32>, tensor<8xf32>
// CHECK-NEXT: %[[DG:.*]] = braid.layer_norm_gain_grad %[[Y]], %{{.*}}, %[[S]] : tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x2xf32>
// CHECK-NEXT: return %[[DX]], %[[DG]] : tensor<2x3x8xf32>, tensor<8xf32>
func.func @layer_norm(%x: tensor<2x3x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<2x3x8xf32>, tensor<8xf32>) {
  %0 = braid.layer_norm %x, %g, %b, eps = 1.0e-5 : tensor<2x3x8xf32>, tensor<8xf32>, tensor<8xf32>
  %1 = braid.layer_norm_stats %x, eps = 1.0e-5 : tensor<2x3x8xf32>
  %2 = braid.layer_norm_grad %0, %x, %1, %g : tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x2xf32>, tensor<8xf32>
  %3 = braid.layer_norm_gain_grad %0, %x, %1 : tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x2xf32>
  return %2, %3 : tensor<2x3x8xf32>, tensor<8xf32>
}

// -----

// Tests that x must have rank 1 or more (c1).
func.func @layer_norm_c1(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{'braid.layer_norm' op x must be f32 of rank 1 or more, got f32[]}}
  %0 = braid.layer_norm %x, %g, %g, eps = 1.0e-5 : tensor<f32>, tensor<1xf32>, tensor<1xf32>
  return
}

// -----

// Tests that the gain must be f32[D] (c2).
func.func @layer_norm_c2_gain(%x: tensor<4x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'braid.layer_norm' op gain must be f32[8], the last dimension of f32[4, 8], got f32[4]}}
  %0 = braid.layer_norm %x, %g, %b, eps = 1.0e-5 : tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>
  return
}

// -----

// Tests that the bias must be f32[D] (c2).
func.func @layer_norm_c2_bias(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{'braid.layer_norm' op bias must be f32[8], the last dimension of f32[4, 8], got f32[1, 8]}}
  %0 = braid.layer_norm %x, %g, %b, eps = 1.0e-5 : tensor<4x8xf32>, tensor<8xf32>, tensor<1x8xf32>
  return
}

// -----

// Tests that eps must be in (0, 1) (c3).
func.func @layer_norm_c3(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'braid.layer_norm' op eps must be in (0, 1), got 0}}
  %0 = braid.layer_norm %x, %g, %g, eps = 0.0 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// Tests that layer_norm_stats checks eps too.
func.func @layer_norm_stats_eps(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'braid.layer_norm_stats' op eps must be in (0, 1), got 2}}
  %0 = braid.layer_norm_stats %x, eps = 2.0 : tensor<4x8xf32>
  return
}

// -----

// Tests that layer_norm_grad's statistics must be x's shape with last
// dimension 2.
func.func @layer_norm_grad_stats(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %s: tensor<4x1xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'braid.layer_norm_grad' op stats must be f32[4, 2] for f32[4, 8], got f32[4, 1]}}
  %0 = braid.layer_norm_grad %dy, %x, %s, %g : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x1xf32>, tensor<8xf32>
  return
}

// -----

// Tests that layer_norm_gain_grad's incoming gradient must have x's type.
func.func @layer_norm_gain_grad_dy(%dy: tensor<4x7xf32>, %x: tensor<4x8xf32>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{'braid.layer_norm_gain_grad' op incoming gradient f32[4, 7] does not match the forward result f32[4, 8]}}
  %0 = braid.layer_norm_gain_grad %dy, %x, %s : tensor<4x7xf32>, tensor<4x8xf32>, tensor<4x2xf32>
  return
}
