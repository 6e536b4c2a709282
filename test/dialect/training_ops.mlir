// RUN: braid-opt --split-input-file --verify-diagnostics %s | FileCheck %s

// The ops of schedules, clipping, decoupled decay and accumulation
// (docs/training.md): they print as they parse, and their verifiers reject
// what the runtime could not run.

// Tests that each op round-trips.
// CHECK-LABEL: func.func @ops
// CHECK-NEXT: braid.increment %[[STEP:[^ ]*]] : tensor<f32>
// CHECK-NEXT: %[[LR:.*]] = braid.lr_schedule %[[STEP]] lr = 3.000000e-04 schedule = {floor = 1.000000e-01 : f64, kind = "warmup_linear", total = 10 : i64, warmup = 2 : i64} : tensor<f32>
// CHECK-NEXT: %[[NORM:.*]] = braid.global_norm %{{.*}}, %{{.*}} : tensor<8x2xf32>, tensor<2xf32> -> tensor<f32>
// CHECK-NEXT: %[[SCALE:.*]] = braid.clip_scale %[[NORM]] max_norm = 1.000000e+00 : tensor<f32>
// CHECK-NEXT: braid.adamw_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[STEP]], %[[LR]], %[[SCALE]] beta1 = 9.000000e-01 beta2 = 0.94999999999999996 eps = 1.000000e-08 weight_decay = 1.000000e-01 : tensor<8x2xf32>, tensor<f32>
// CHECK-NEXT: braid.sgd_wd_update %{{.*}}, %{{.*}}, %{{.*}}, %[[LR]], %[[SCALE]] momentum = 0.000000e+00 weight_decay = 1.000000e-04 : tensor<2xf32>, tensor<f32>
// CHECK-NEXT: braid.accumulate %{{.*}}, %{{.*}} : tensor<8x2xf32>
// CHECK-NEXT: braid.reset %{{.*}} : tensor<8x2xf32>
func.func @ops(%w: tensor<8x2xf32>, %dw: tensor<8x2xf32>, %m: tensor<8x2xf32>,
               %v: tensor<8x2xf32>, %b: tensor<2xf32>, %db: tensor<2xf32>,
               %vel: tensor<2xf32>, %step: tensor<f32>) {
  braid.increment %step : tensor<f32>
  %lr = braid.lr_schedule %step lr = 3.0e-4 schedule = {kind = "warmup_linear", warmup = 2 : i64, total = 10 : i64, floor = 0.1 : f64} : tensor<f32>
  %norm = braid.global_norm %dw, %db : tensor<8x2xf32>, tensor<2xf32> -> tensor<f32>
  %scale = braid.clip_scale %norm max_norm = 1.0 : tensor<f32>
  braid.adamw_update %w, %dw, %m, %v, %step, %lr, %scale beta1 = 0.9 beta2 = 0.95 eps = 1.0e-8 weight_decay = 0.1 : tensor<8x2xf32>, tensor<f32>
  braid.sgd_wd_update %b, %db, %vel, %lr, %scale momentum = 0.0 weight_decay = 1.0e-4 : tensor<2xf32>, tensor<f32>
  braid.accumulate %m, %dw : tensor<8x2xf32>
  braid.reset %m : tensor<8x2xf32>
  return
}

// -----

func.func @unknown_schedule(%step: tensor<f32>) {
  // expected-error @+1 {{'braid.lr_schedule' op schedule must be a dictionary whose kind is "constant", "warmup_cosine", "warmup_linear" or "step_decay", got {kind = "exponential"}}}
  %lr = braid.lr_schedule %step lr = 0.1 schedule = {kind = "exponential"} : tensor<f32>
  return
}

// -----

func.func @missing_argument(%step: tensor<f32>) {
  // expected-error @+1 {{'braid.lr_schedule' op schedule "step_decay" needs an f64 'gamma'}}
  %lr = braid.lr_schedule %step lr = 0.1 schedule = {kind = "step_decay", every = 10 : i64} : tensor<f32>
  return
}

// -----

func.func @float_warmup(%step: tensor<f32>) {
  // expected-error @+1 {{'braid.lr_schedule' op schedule "warmup_cosine" needs an i64 'warmup'}}
  %lr = braid.lr_schedule %step lr = 0.1 schedule = {kind = "warmup_cosine", warmup = 2.0 : f64, total = 10 : i64, floor = 0.0 : f64} : tensor<f32>
  return
}

// -----

func.func @extra_key(%step: tensor<f32>) {
  // expected-error @+1 {{'braid.lr_schedule' op schedule "constant" has keys it does not take: {every = 3 : i64, kind = "constant"}}}
  %lr = braid.lr_schedule %step lr = 0.1 schedule = {kind = "constant", every = 3 : i64} : tensor<f32>
  return
}

// -----

func.func @floor_above_one(%step: tensor<f32>) {
  // expected-error @+1 {{'braid.lr_schedule' op schedule floor = 1.5 is out of range}}
  %lr = braid.lr_schedule %step lr = 0.1 schedule = {kind = "warmup_cosine", warmup = 2 : i64, total = 10 : i64, floor = 1.5 : f64} : tensor<f32>
  return
}

// -----

func.func @zero_lr(%step: tensor<f32>) {
  // expected-error @+1 {{'braid.lr_schedule' op lr = 0.000000e+00 is out of range (0, 1e+06)}}
  %lr = braid.lr_schedule %step lr = 0.0 schedule = {kind = "constant"} : tensor<f32>
  return
}

// -----

func.func @vector_step(%step: tensor<2xf32>) {
  // expected-error @+1 {{'braid.lr_schedule' op step must be tensor<f32>, got 'tensor<2xf32>'}}
  %lr = braid.lr_schedule %step lr = 0.1 schedule = {kind = "constant"} : tensor<2xf32>
  return
}

// -----

func.func @no_gradients() {
  // expected-error @+1 {{'braid.global_norm' op needs at least one gradient}}
  %norm = "braid.global_norm"() : () -> tensor<f32>
  return
}

// -----

func.func @zero_max_norm(%norm: tensor<f32>) {
  // expected-error @+1 {{'braid.clip_scale' op max_norm = 0.000000e+00 must be positive and finite}}
  %scale = braid.clip_scale %norm max_norm = 0.0 : tensor<f32>
  return
}

// -----

func.func @negative_decay(%w: tensor<2xf32>, %step: tensor<f32>) {
  // expected-error @+1 {{'braid.adamw_update' op weight_decay = -0.1 is out of range [0, 1e+06)}}
  braid.adamw_update %w, %w, %w, %w, %step, %step, %step beta1 = 0.9 beta2 = 0.95 eps = 1.0e-8 weight_decay = -0.1 : tensor<2xf32>, tensor<f32>
  return
}

// -----

func.func @sgd_momentum_one(%w: tensor<2xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'braid.sgd_wd_update' op momentum = 1 is out of range [0, 1)}}
  braid.sgd_wd_update %w, %w, %w, %lr, %lr momentum = 1.0 weight_decay = 0.0 : tensor<2xf32>, tensor<f32>
  return
}

// -----

func.func @accumulate_types(%a: tensor<2xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'braid.accumulate' op failed to verify that all of {acc, value} have same type}}
  "braid.accumulate"(%a, %b) : (tensor<2xf32>, tensor<3xf32>) -> ()
  return
}
