// RUN: braid-opt --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(braid-autodiff,braid-optimizer,braid-data-parallel{replicas=2})' %s | FileCheck %s

// braid-data-parallel with the train block's clipping and accumulation
// (docs/training.md): the gradients' all_reduce comes before the first op
// that reads them, the global norm, so every replica clips by the norm of
// the summed gradients; only the loss is combined over the replicas (the
// rate and the norm are the same on every one); @accumulate, derived again
// with @train_step, has no collective.

// Tests clipping and accumulation on 2 replicas.
// CHECK-LABEL: func.func @train_step(%{{.*}}: tensor<2x8xf32>
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss", braid.output = "loss"}, tensor<f32> {braid.output = "lr"}, tensor<f32> {braid.output = "grad_norm"})
// CHECK: %[[DB:.*]] = braid.add %{{.*}}, %{{.*}} : tensor<2xf32>, tensor<2xf32>
// CHECK: %[[LOSS:.*]] = braid.mul
// CHECK: %[[LR:.*]] = braid.lr_schedule
// CHECK-NEXT: %[[R:.*]]:2 = braid.all_reduce %{{.*}}, %[[DB]] reduction = <sum> : tensor<8x2xf32>, tensor<2xf32>
// CHECK-NEXT: %[[NORM:.*]] = braid.global_norm %[[R]]#0, %[[R]]#1
// CHECK-NEXT: %[[SCALE:.*]] = braid.clip_scale %[[NORM]]
// CHECK-NEXT: braid.adamw_update %{{.*}}, %[[R]]#0, {{.*}}, %[[LR]], %[[SCALE]]
// CHECK-NEXT: braid.adamw_update %{{.*}}, %[[R]]#1, {{.*}}, %[[LR]], %[[SCALE]]
// CHECK: %[[L:.*]] = braid.all_reduce %[[LOSS]] reduction = <mean> : tensor<f32>
// CHECK-NEXT: return %[[L]], %[[LR]], %[[NORM]]
// CHECK-LABEL: func.func @accumulate(%{{.*}}: tensor<2x8xf32>
// CHECK-NOT: braid.all_reduce
// CHECK: return
// CHECK-LABEL: func.func @broadcast_params
module attributes {braid.batch = 4 : i64, braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "adamw", lr = 3.0e-4 : f64, beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64, clip_norm = 1.0 : f64, accumulate = 2 : i64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %b: tensor<2xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.add %0, %b : tensor<4x2xf32>, tensor<2xf32>
  %2 = braid.mean_squared_error %1, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %2 : tensor<f32>
}
}

// -----

// Tests that a loss mixing a sum and a mean over the rows, which the
// replicas can combine, still cannot be accumulated.
// expected-error @+1 {{accumulate = 2 cannot stand for a batch of 2 micro-batches: the loss adds sums over the batch rows to means}}
module attributes {braid.batch = 4 : i64, braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, accumulate = 2 : i64}} {
func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                   %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                   %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>})
    -> (tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
  %1 = braid.reduce_sum %0, axes = [0, 1] : tensor<4x2xf32>
  %2 = braid.mean_squared_error %0, %t : tensor<4x2xf32>, tensor<4x2xf32>
  %3 = braid.add %1, %2 : tensor<f32>, tensor<f32>
  return %3 : tensor<f32>
}
}
