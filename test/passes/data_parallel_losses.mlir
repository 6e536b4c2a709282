// RUN: braid-opt --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(braid-autodiff,braid-optimizer,braid-outline-eval,braid-outline-predict,braid-data-parallel{replicas=2})' %s | FileCheck %s

// braid-data-parallel's loss analysis (passes/LossBatchReduction.cpp): how
// the loss reduces over the batch rows decides the seed dloss and how the
// replicas' losses combine; a loss that is not linear in the rows is an
// error at the op that makes it so.

// Tests that a sum over the rows (the issue's reduce_sum(d * d, [0, 1])) is
// seeded with 1 and that the replicas' losses are summed, in @train_step and
// in @eval, with no scaling of the sum.
// CHECK-LABEL: func.func @forward
// CHECK-NOT: dense<2.0
// CHECK-LABEL: func.func @eval
// CHECK: %[[ES:.*]] = braid.reduce_sum %{{.*}}, axes = [0, 1] : tensor<2x2xf32>
// CHECK-NEXT: %[[ER:.*]] = braid.all_reduce %[[ES]] reduction = <sum> : tensor<f32>
// CHECK-NEXT: return %[[ER]]
// CHECK-LABEL: func.func @train_step
// CHECK: %[[S:.*]] = braid.reduce_sum %{{.*}}, axes = [0, 1] : tensor<2x2xf32>
// CHECK-NEXT: braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK: braid.all_reduce %{{.*}} reduction = <sum> : tensor<2x2xf32>
// CHECK: %[[L:.*]] = braid.all_reduce %[[S]] reduction = <sum> : tensor<f32>
// CHECK-NEXT: return %[[L]]
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %d = braid.sub %p, %t : tensor<4x2xf32>, tensor<4x2xf32>
    %s = braid.mul %d, %d : tensor<4x2xf32>, tensor<4x2xf32>
    %l = braid.reduce_sum %s, axes = [0, 1] : tensor<4x2xf32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a sum divided by a constant and negated twice (0 - (0 - s/8))
// is still a pure sum: seed 1, the losses summed.
// CHECK-LABEL: func.func @train_step
// CHECK: braid.constant dense<1.000000e+00> : tensor<f32>
// CHECK: braid.all_reduce %{{.*}} reduction = <sum> : tensor<f32>
// CHECK-NEXT: return
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %s = braid.reduce_sum %p, axes = [0, 1] : tensor<4x2xf32>
    %c8 = braid.constant dense<8.0> : tensor<f32>
    %zero = braid.constant dense<0.0> : tensor<f32>
    %q = braid.div %s, %c8 : tensor<f32>, tensor<f32>
    %n = braid.sub %zero, %q : tensor<f32>, tensor<f32>
    %l = braid.sub %zero, %n : tensor<f32>, tensor<f32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a weighted sum of two means (0.3 * mse + 0.7 * reduce_mean)
// keeps the seed 1/N and the mean of the losses.
// CHECK-LABEL: func.func @train_step
// CHECK: braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK: braid.all_reduce %{{.*}} reduction = <mean> : tensor<f32>
// CHECK-NEXT: return
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %a = braid.mean_squared_error %p, %t : tensor<4x2xf32>, tensor<4x2xf32>
    %r = braid.relu %p : tensor<4x2xf32>
    %b = braid.reduce_mean %r, axes = [0, 1] : tensor<4x2xf32>
    %c3 = braid.constant dense<0.3> : tensor<f32>
    %c7 = braid.constant dense<0.7> : tensor<f32>
    %a3 = braid.mul %c3, %a : tensor<f32>, tensor<f32>
    %b7 = braid.mul %b, %c7 : tensor<f32>, tensor<f32>
    %l = braid.add %a3, %b7 : tensor<f32>, tensor<f32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a sum plus a mean, and a sum plus a batch-free weight penalty,
// scale the sum over the rows by N = 2 in the per-replica @forward (so that
// every term acts as a mean), keep the seed 1/N and average the losses;
// the sum of the penalty (not over the rows) is not scaled, and the
// output reads the unscaled sum.
// CHECK-LABEL: func.func @forward
// CHECK: %[[ROWS:.*]] = braid.reduce_sum %{{.*}}, axes = [0, 1] : tensor<2x2xf32>
// CHECK-NEXT: %[[N:.*]] = braid.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[SCALED:.*]] = braid.mul %[[ROWS]], %[[N]]
// CHECK: braid.reduce_sum %{{.*}}, axes = [0, 1] : tensor<2x2xf32>
// CHECK-NOT: braid.mul %{{.*}}, %[[N]]
// CHECK: %[[P:.*]] = braid.mean_squared_error
// CHECK-NEXT: %[[SUM:.*]] = braid.add %[[SCALED]], %{{.*}}
// CHECK-NEXT: braid.add %[[SUM]], %[[P]]
// CHECK-NEXT: return %[[ROWS]]
// CHECK-LABEL: func.func @train_step
// CHECK: braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK: braid.all_reduce %{{.*}} reduction = <mean> : tensor<f32>
// CHECK-NEXT: return
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<f32> {braid.output = "rows"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %rows = braid.reduce_sum %p, axes = [0, 1] : tensor<4x2xf32>
    %ww = braid.mul %w, %w : tensor<2x2xf32>, tensor<2x2xf32>
    %penalty = braid.reduce_sum %ww, axes = [0, 1] : tensor<2x2xf32>
    %mse = braid.mean_squared_error %p, %t : tensor<4x2xf32>, tensor<4x2xf32>
    %sum = braid.add %rows, %penalty : tensor<f32>, tensor<f32>
    %l = braid.add %sum, %mse : tensor<f32>, tensor<f32>
    return %rows, %l : tensor<f32>, tensor<f32>
  }
}

// -----

// Tests that an input whose leading dimension merely equals the batch (k:
// 4x2, batch 4, no braid.batch_dims) is not split: only x is.
// CHECK-LABEL: func.func @forward(%{{.*}}: tensor<2x4xf32> {braid.batch_dims = array<i64: 0>, braid.input = "x"}, %{{.*}}: tensor<4x2xf32> {braid.input = "k"}
// CHECK: braid.matmul %{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x2xf32>
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %k: tensor<4x2xf32> {braid.input = "k"},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %xk = braid.matmul %x, %k : tensor<4x4xf32>, tensor<4x2xf32>
    %p = braid.matmul %xk, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %l = braid.reduce_mean %p, axes = [0, 1] : tensor<4x2xf32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a maximum over the rows (a pool whose window runs over the
// batch) is refused at the pool.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %r = braid.reshape %p to [4, 2, 1, 1] : tensor<4x2xf32>
    %t = braid.transpose %r, perm = [1, 2, 0, 3] : tensor<4x2x1x1xf32>
    // expected-error @+1 {{'braid.max_pool2d' op cannot be split over replicas: it takes a maximum over the batch rows, so the loss is not linear in the batch rows; split over replicas, a loss must be a sum of means and sums over the batch rows, each scaled by values that do not depend on the batch}}
    %m = braid.max_pool2d %t kernel = [4, 1] strides = [4, 1] padding = [0, 0] : tensor<2x1x4x1xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_sum %m, axes = [0, 1, 2, 3] : tensor<2x1x1x1xf32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a product of two reductions over the rows is refused at the
// product.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %a = braid.mean_squared_error %p, %t : tensor<4x2xf32>, tensor<4x2xf32>
    %b = braid.reduce_sum %p, axes = [0, 1] : tensor<4x2xf32>
    // expected-error @+2 {{'braid.mul' op cannot be split over replicas: it multiplies two reductions over the batch rows}}
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.mul %a, %b : tensor<f32>, tensor<f32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that the square of a batch mean is refused at the square.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %m = braid.reduce_mean %p, axes = [0] : tensor<4x2xf32>
    // expected-error @+1 {{'braid.mul' op cannot be split over replicas: it multiplies two reductions over the batch rows}}
    %sq = braid.mul %m, %m : tensor<2xf32>, tensor<2xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_sum %sq, axes = [0] : tensor<2xf32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a nonlinear function of a batch mean (exp) and a softmax over
// the rows are refused where they are applied.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %m = braid.reduce_mean %p, axes = [0, 1] : tensor<4x2xf32>
    // expected-error @+1 {{'braid.exp' op cannot be split over replicas: it applies a nonlinear function to a reduction over the batch rows}}
    %e = braid.exp %m : tensor<f32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.add %e, %m : tensor<f32>, tensor<f32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<2x4xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %t = braid.transpose %p, perm = [1, 0] : tensor<4x2xf32>
    // expected-error @+1 {{'braid.softmax' op cannot be split over replicas: it normalizes over the batch rows}}
    %s = braid.softmax %t, axis = 1 : tensor<2x4xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_sum %s, axes = [0, 1] : tensor<2x4xf32>
    return %s, %l : tensor<2x4xf32>, tensor<f32>
  }
}

// -----

// Tests that an input whose batch is not its leading dimension is refused
// at the input, naming it and the dimension.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  // expected-error @+1 {{input 'x' of type 'tensor<2x4xf32>' has the batch B at dimension 1; braid-data-parallel splits an input's rows only along its leading dimension: declare it with B first}}
  func.func @forward(%x: tensor<2x4xf32> {braid.input = "x", braid.batch_dims = array<i64: 1>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w transpose_lhs : tensor<2x4xf32>, tensor<2x2xf32>
    %l = braid.reduce_mean %p, axes = [0, 1] : tensor<4x2xf32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that slices, concats, comparisons, where, cast and dropout of the
// rows keep them apart: the mean squared error splits as a mean (seed 1/2,
// the losses averaged).
// CHECK-LABEL: func.func @train_step({{.*}}%arg2: tensor<2x4xf32> {braid.init
// CHECK: braid.dropout %{{.*}}, p = 5.000000e-01, salt = 1 : tensor<2x4xf32>
// CHECK: braid.all_reduce %{{.*}} reduction = <mean> : tensor<f32>
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %t: tensor<4x2xf32> {braid.input = "t", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x4xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %h = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x4xf32>
    %d = braid.dropout %h, p = 0.5, salt = 1 : tensor<4x4xf32>
    %a = braid.slice %d axis = 1 start = 0 size = 2 : tensor<4x4xf32>
    %b = braid.slice %d axis = 1 start = 2 size = 2 : tensor<4x4xf32>
    %m = braid.greater %a, %b : tensor<4x2xf32>, tensor<4x2xf32>
    %s = braid.where %m, %a, %b : tensor<4x2xi32>, tensor<4x2xf32>, tensor<4x2xf32>
    %c = braid.cast %m to f32 : tensor<4x2xi32>
    %j = braid.concat %s, %c axis = 1 : tensor<4x2xf32>, tensor<4x2xf32>
    %p = braid.slice %j axis = 1 start = 1 size = 2 : tensor<4x4xf32>
    %l = braid.mean_squared_error %p, %t : tensor<4x2xf32>, tensor<4x2xf32>
    return %p, %l : tensor<4x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a language model's loss splits over the replicas: batched
// products per row (a weight shared by every row, and x x^T within each row),
// then the cross-entropy's mean over the [B, T] positions, which is the mean
// of the replicas' means over their rows (seed 1/N, the losses averaged).
// CHECK-LABEL: func.func @forward
// CHECK: braid.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<2x3x2xf32>, tensor<2x3x2xf32>
// CHECK: braid.sparse_softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<2x3x5xf32>, tensor<2x3xi32>
// CHECK-LABEL: func.func @train_step
// CHECK: braid.constant dense<5.000000e-01> : tensor<f32>
// CHECK: braid.all_reduce %{{.*}} reduction = <mean> : tensor<f32>
// CHECK-NEXT: return
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x3x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %y: tensor<4x3xi32> {braid.input = "y", braid.batch_dims = array<i64: 0>},
                     %w: tensor<3x5xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x3x5xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %s = braid.matmul %x, %x transpose_rhs : tensor<4x3x2xf32>, tensor<4x3x2xf32>
    %p = braid.matmul %s, %w : tensor<4x3x3xf32>, tensor<3x5xf32>
    %l = braid.sparse_softmax_cross_entropy %p, %y : tensor<4x3x5xf32>, tensor<4x3xi32>
    return %p, %l : tensor<4x3x5xf32>, tensor<f32>
  }
}

// -----

// Tests that a dropout whose leading dimension is not the batch rows is
// refused: its masks are drawn by the leading dimension, which each replica
// would not share with one process.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<2x4xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    %t = braid.transpose %p, perm = [1, 0] : tensor<4x2xf32>
    // expected-error @+1 {{'braid.dropout' op cannot be split over replicas: its leading dimension, by which it draws its mask, is not the batch rows}}
    %d = braid.dropout %t, p = 0.5, salt = 1 : tensor<2x4xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_mean %d, axes = [0, 1] : tensor<2x4xf32>
    return %d, %l : tensor<2x4xf32>, tensor<f32>
  }
}

// -----

// Tests that slicing or joining along the batch rows is refused.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<2x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    // expected-error @+1 {{'braid.slice' op cannot be split over replicas: it slices the batch rows}}
    %s = braid.slice %p axis = 0 start = 0 size = 2 : tensor<4x2xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_mean %s, axes = [0, 1] : tensor<2x2xf32>
    return %s, %l : tensor<2x2xf32>, tensor<f32>
  }
}

// -----

module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<2x2xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<8x2xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    %p = braid.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32>
    // expected-error @+1 {{'braid.concat' op cannot be split over replicas: it joins tensors along their batch rows}}
    %c = braid.concat %p, %p axis = 0 : tensor<4x2xf32>, tensor<4x2xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_mean %c, axes = [0, 1] : tensor<8x2xf32>
    return %c, %l : tensor<8x2xf32>, tensor<f32>
  }
}

// -----

// Tests that a batched product whose batch-free operand has the batch's size
// along the rows' batch dimension (one weight per row, undeclared) is
// refused at the product.
module attributes {braid.batch = 4 : i64, braid.model = "m", braid.train = {batch = 4 : i64, epochs = 1 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}} {
  func.func @forward(%x: tensor<4x3x2xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<4x2x5xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
      -> (tensor<4x3x5xf32> {braid.output = "p"}, tensor<f32> {braid.loss = "loss"}) {
    // expected-error @+1 {{'braid.matmul' op cannot be split over replicas: its product mixes the batch rows with another dimension}}
    %p = braid.matmul %x, %w : tensor<4x3x2xf32>, tensor<4x2x5xf32>
    // expected-note @+1 {{the loss is computed here}}
    %l = braid.reduce_mean %p, axes = [0, 1, 2] : tensor<4x3x5xf32>
    return %p, %l : tensor<4x3x5xf32>, tensor<f32>
  }
}
