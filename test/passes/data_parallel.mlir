// RUN: braid-opt --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(braid-autodiff,braid-optimizer,braid-outline-eval,braid-outline-predict,braid-data-parallel{replicas=2})' %s | FileCheck %s
// RUN: braid-opt --split-input-file --braid-data-parallel=replicas=1 %s | FileCheck %s --check-prefix=ONE
// RUN: not braid-opt --split-input-file --braid-data-parallel=replicas=0 %s 2>&1 | FileCheck %s --check-prefix=ZERO

// braid-data-parallel runs after the passes that build the entry points
// (the first RUN line builds them, then splits over 2 replicas); it derives
// them again from @forward at the per-replica batch.

// ZERO: error: replicas=0 must be at least 1

// Tests that the batch of 4 becomes 2 rows per replica in every entry point,
// that every gradient is averaged in one all_reduce right before the first
// update, which reads the reduced values, that the loss and the metrics are
// averaged before they are returned, that @predict has no collective, and
// that @broadcast_params broadcasts every parameter and state from replica 0.
// With replicas=1 the pass only records the replica count.
// ONE: module attributes {braid.batch = 4 : i64, {{.*}}braid.replicas = 1 : i64
// ONE-NOT: braid.all_reduce
// ONE-NOT: braid.broadcast %
// CHECK: module attributes {braid.batch = 4 : i64, {{.*}}braid.replicas = 2 : i64
// CHECK-LABEL: func.func @forward(%{{.*}}: tensor<2x8xf32> {braid.batch_dims = array<i64: 0>, braid.input = "x"}, %{{.*}}: tensor<2xi32> {braid.batch_dims = array<i64: 0>, braid.input = "y"}
// CHECK-LABEL: func.func @predict(%{{.*}}: tensor<2x8xf32>
// CHECK-NOT: braid.all_reduce
// CHECK: return
// CHECK-LABEL: func.func @eval(%{{.*}}: tensor<2x8xf32>
// CHECK: %[[LOSS:.*]] = braid.sparse_softmax_cross_entropy %{{.*}} : tensor<2x2xf32>, tensor<2xi32>
// CHECK: %[[ACC:.*]] = braid.accuracy
// CHECK-NEXT: %[[R:.*]]:2 = braid.all_reduce %[[LOSS]], %[[ACC]] reduction = <mean> : tensor<f32>, tensor<f32>
// CHECK-NEXT: return %[[R]]#0, %[[R]]#1
// CHECK-LABEL: func.func @train_step(%{{.*}}: tensor<2x8xf32> {braid.batch_dims = array<i64: 0>, braid.input = "x"}
// CHECK: %[[TLOSS:.*]] = braid.sparse_softmax_cross_entropy
// CHECK-NEXT: %[[SEED:.*]] = braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT: braid.sparse_softmax_cross_entropy_grad %[[SEED]]
// CHECK: %[[DB:.*]] = braid.reduce_sum %{{.*}}, axes = [0] : tensor<2x2xf32>
// CHECK: %[[DW:.*]] = braid.matmul %{{.*}} transpose_lhs : tensor<2x8xf32>, tensor<2x2xf32>
// CHECK-NEXT: %[[G:.*]]:2 = braid.all_reduce %[[DW]], %[[DB]] reduction = <sum> : tensor<8x2xf32>, tensor<2xf32>
// CHECK-NEXT: braid.sgd_update %{{.*}}, %[[G]]#0, %{{.*}}
// CHECK-NEXT: braid.sgd_update %{{.*}}, %[[G]]#1, %{{.*}}
// CHECK-NEXT: %[[L:.*]] = braid.all_reduce %[[TLOSS]] reduction = <mean> : tensor<f32>
// CHECK-NEXT: return %[[L]]
// CHECK-LABEL: func.func @broadcast_params(%{{.*}}: tensor<8x2xf32> {braid.init = #braid.init<zeros>, braid.param = "w"}, %{{.*}}: tensor<2xf32> {{.*}}braid.param = "b"}, %{{.*}}: tensor<8x2xf32> {braid.state = "w.velocity"}, %{{.*}}: tensor<2xf32> {braid.state = "b.velocity"})
// CHECK-SAME: attributes {braid.entry_point = "broadcast_params"}
// CHECK-NEXT: braid.broadcast %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} root = 0 : tensor<8x2xf32>, tensor<2xf32>, tensor<8x2xf32>, tensor<2xf32>
// CHECK-NEXT: return
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>}, %y: tensor<4xi32> {braid.input = "y", braid.batch_dims = array<i64: 0>},
                     %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                     %b: tensor<2xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
    %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32>
    %1 = braid.add %0, %b : tensor<4x2xf32>, tensor<2xf32>
    %2 = braid.sparse_softmax_cross_entropy %1, %y : tensor<4x2xf32>, tensor<4xi32>
    return %1, %2 : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a reshape of a split value, and a broadcast_to that creates the
// batch dimension, get the per-replica batch as their leading dimension,
// while a parameter whose leading dimension happens to equal the batch (w:
// 4x2, batch 4) keeps its shape, and that the gradient of a parameter the
// loss does not read (a constant zero) is not reduced.
// CHECK-LABEL: func.func @forward
// CHECK: braid.reshape %{{.*}} to [2, 4] : tensor<2x2x2xf32>
// CHECK: braid.broadcast_to %{{.*}} to [2, 2] : tensor<2xf32>
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[W:[^:]*]]: tensor<4x2xf32> {{{.*}}braid.param = "w"}, %[[B:[^:]*]]: tensor<2xf32> {{{.*}}braid.param = "b"}, %[[U:[^:]*]]: tensor<3xf32> {{{.*}}braid.param = "unused"}
// CHECK: %[[NOGRAD:[0-9]+]] = braid.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT: %[[R:[0-9]+]]:2 = braid.all_reduce %{{.*}}, %{{.*}} reduction = <sum> : tensor<4x2xf32>, tensor<2xf32>
// CHECK-NEXT: braid.sgd_update %[[W]], %[[R]]#0, {{.*}} : tensor<4x2xf32>
// CHECK-NEXT: braid.sgd_update %[[B]], %[[R]]#1, {{.*}} : tensor<2xf32>
// CHECK-NEXT: braid.sgd_update %[[U]], %[[NOGRAD]], {{.*}} : tensor<3xf32>
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>}, %y: tensor<4xi32> {braid.input = "y", braid.batch_dims = array<i64: 0>},
                     %w: tensor<4x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>},
                     %b: tensor<2xf32> {braid.param = "b", braid.init = #braid.init<zeros>},
                     // expected-warning @+1 {{parameter 'unused' does not affect the loss}}
                     %unused: tensor<3xf32> {braid.param = "unused", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
    %0 = braid.reshape %x to [4, 4] : tensor<4x2x2xf32>
    %1 = braid.matmul %0, %w : tensor<4x4xf32>, tensor<4x2xf32>
    %2 = braid.broadcast_to %b to [4, 2] : tensor<2xf32>
    %3 = braid.add %1, %2 : tensor<4x2xf32>, tensor<4x2xf32>
    %4 = braid.sparse_softmax_cross_entropy %3, %y : tensor<4x2xf32>, tensor<4xi32>
    return %3, %4 : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a batch the replicas do not divide is an error.
// expected-error @+1 {{replicas=2 does not divide the batch 3}}
module attributes {braid.batch = 3 : i64, braid.model = "m", braid.train = {batch = 3 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<3x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>}, %y: tensor<3xi32> {braid.input = "y", braid.batch_dims = array<i64: 0>},
                     %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<3x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
    %0 = braid.matmul %x, %w : tensor<3x8xf32>, tensor<8x2xf32>
    %1 = braid.sparse_softmax_cross_entropy %0, %y : tensor<3x2xf32>, tensor<3xi32>
    return %0, %1 : tensor<3x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a reshape that folds the batch into another dimension cannot
// be split, and says so.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>}, %y: tensor<4xi32> {braid.input = "y", braid.batch_dims = array<i64: 0>},
                     %w: tensor<8x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
    // expected-error @+1 {{'braid.reshape' op cannot be split over replicas: it moves the batch rows out of the leading dimension, so the loss is not linear in the batch rows}}
    %0 = braid.reshape %x to [32] : tensor<4x8xf32>
    %1 = braid.reshape %0 to [4, 8] : tensor<32xf32>
    %2 = braid.matmul %1, %w : tensor<4x8xf32>, tensor<8x2xf32>
    // expected-note @+1 {{the loss is computed here}}
    %3 = braid.sparse_softmax_cross_entropy %2, %y : tensor<4x2xf32>, tensor<4xi32>
    return %2, %3 : tensor<4x2xf32>, tensor<f32>
  }
}
