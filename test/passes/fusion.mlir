// RUN: braid-opt --split-input-file --braid-fuse %s | FileCheck %s

// braid-fuse groups chains of elementwise ops of each entry point into
// braid.fused ops: connected, one result, one shape, two ops or more (or
// one that calls a math function), and no op moved across a write of what
// it reads.

// Tests the bias add and activation after a product: the add of a broadcast
// bias and the relu become one kernel, at the relu's place; the matmul stays.
// CHECK-LABEL: func.func @bias_relu
// CHECK: %[[MM:.*]] = braid.matmul %{{.*}}, %{{.*}} : tensor<4x6xf32>, tensor<6x8xf32>
// CHECK-NEXT: %[[F:.*]] = braid.fused "braid_fused_0"(%[[MM]], %{{.*}}) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>):
// CHECK-NEXT: %[[S:.*]] = braid.add %[[A]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[R:.*]] = braid.relu %[[S]] : tensor<4x8xf32>
// CHECK-NEXT: braid.yield %[[R]] : tensor<4x8xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[F]]
func.func @bias_relu(%x: tensor<4x6xf32>, %w: tensor<6x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32>
    attributes {braid.entry_point = "predict"} {
  %0 = braid.matmul %x, %w : tensor<4x6xf32>, tensor<6x8xf32>
  %1 = braid.add %0, %b : tensor<4x8xf32>, tensor<8xf32>
  %2 = braid.relu %1 : tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Tests a residual add chain: three adds and a scale, each read once by the
// next, become one kernel whose inputs are the five tensors it reads, in the
// order the chain first reads them.
// CHECK-LABEL: func.func @residual_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[P:.*]]: tensor<2x3xf32>, %[[Q:.*]]: tensor<2x3xf32>, %[[R:.*]]: tensor<2x3xf32>, %[[S:.*]]: tensor<f32>)
// CHECK-NEXT: %[[F:.*]] = braid.fused "braid_fused_0"(%[[X]], %[[P]], %[[Q]], %[[R]], %[[S]])
// CHECK: braid.add
// CHECK-NEXT: braid.add
// CHECK-NEXT: braid.add
// CHECK-NEXT: braid.mul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<f32>
// CHECK-NEXT: braid.yield
// CHECK-NEXT: }
// CHECK-NEXT: return %[[F]]
func.func @residual_chain(%x: tensor<2x3xf32>, %p: tensor<2x3xf32>, %q: tensor<2x3xf32>, %r: tensor<2x3xf32>, %s: tensor<f32>) -> tensor<2x3xf32>
    attributes {braid.entry_point = "predict"} {
  %0 = braid.add %x, %p : tensor<2x3xf32>, tensor<2x3xf32>
  %1 = braid.add %0, %q : tensor<2x3xf32>, tensor<2x3xf32>
  %2 = braid.add %r, %1 : tensor<2x3xf32>, tensor<2x3xf32>
  %3 = braid.mul %2, %s : tensor<2x3xf32>, tensor<f32>
  return %3 : tensor<2x3xf32>
}

// -----

// Tests a backward chain: gelu_grad of the upstream gradient, scaled by a
// mask, fuses; so does a diamond (exp read twice, both times in the group).
// CHECK-LABEL: func.func @gelu_backward
// CHECK: braid.fused "braid_fused_0"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK: braid.gelu_grad
// CHECK-NEXT: braid.mul
// CHECK-NEXT: braid.yield
// CHECK: braid.fused "braid_fused_1"(%{{.*}}) : (tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK: braid.exp
// CHECK-NEXT: braid.mul
// CHECK-NEXT: braid.add
// CHECK-NEXT: braid.yield
func.func @gelu_backward(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %m: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
    attributes {braid.entry_point = "train_step"} {
  %0 = braid.gelu_grad %dy, %x : tensor<4x8xf32>, tensor<4x8xf32>
  %1 = braid.mul %0, %m : tensor<4x8xf32>, tensor<4x8xf32>
  %2 = braid.exp %1 : tensor<4x8xf32>
  %3 = braid.mul %2, %2 : tensor<4x8xf32>, tensor<4x8xf32>
  %4 = braid.add %3, %2 : tensor<4x8xf32>, tensor<4x8xf32>
  return %1, %4 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Tests a broadcast operand: the relu of the bias has another shape than the
// chain it feeds, so it stays out (a lone op, unfused) and is an input.
// CHECK-LABEL: func.func @broadcast_operand
// CHECK: %[[RB:.*]] = braid.relu %{{.*}} : tensor<8xf32>
// CHECK-NEXT: braid.fused "braid_fused_0"(%{{.*}}, %[[RB]]) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
// CHECK: braid.sub
// CHECK-NEXT: braid.tanh
func.func @broadcast_operand(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32>
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %b : tensor<8xf32>
  %1 = braid.sub %x, %0 : tensor<4x8xf32>, tensor<8xf32>
  %2 = braid.tanh %1 : tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Tests the numbering: kernels are numbered over the module in order, past
// a braid_fused_N already there; a function that is not an entry point is
// left alone.
// CHECK-LABEL: func.func @first
// CHECK: braid.fused "braid_fused_3"
// CHECK: braid.fused "braid_fused_8"
// CHECK: braid.fused "braid_fused_9"
// CHECK-LABEL: func.func @second
// CHECK: braid.fused "braid_fused_10"
// CHECK-LABEL: func.func @not_an_entry_point
// CHECK-NOT: braid.fused
// CHECK: braid.relu
// CHECK-NEXT: braid.tanh
func.func @first(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
    attributes {braid.entry_point = "eval"} {
  %0 = braid.fused "braid_fused_3" (%x) : (tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%a0: tensor<3xf32>):
    %r = braid.relu %a0 : tensor<3xf32>
    %t = braid.tanh %r : tensor<3xf32>
    braid.yield %t : tensor<3xf32>
  }
  %1 = braid.fused "braid_fused_7" (%x) : (tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%a0: tensor<3xf32>):
    %r = braid.relu %a0 : tensor<3xf32>
    %t = braid.tanh %r : tensor<3xf32>
    braid.yield %t : tensor<3xf32>
  }
  %2 = braid.sigmoid %x : tensor<3xf32>
  %3 = braid.sqrt %2 : tensor<3xf32>
  %4 = braid.abs %x : tensor<3xf32>
  %5 = braid.log %4 : tensor<3xf32>
  return %3, %5, %1 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
func.func @second(%x: tensor<3xf32>) -> tensor<3xf32>
    attributes {braid.entry_point = "predict"} {
  %0 = braid.rsqrt %x : tensor<3xf32>
  %1 = braid.pow %0, exponent = 3.0 : tensor<3xf32>
  return %1 : tensor<3xf32>
}
func.func @not_an_entry_point(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = braid.relu %x : tensor<3xf32>
  %1 = braid.tanh %0 : tensor<3xf32>
  return %1 : tensor<3xf32>
}

// -----

// Tests that a single fusible op stays as it is, run by its prebuilt kernel.
// CHECK-LABEL: func.func @single_op
// CHECK-NOT: braid.fused
// CHECK: braid.relu
// CHECK-NEXT: return
func.func @single_op(%x: tensor<4xf32>) -> tensor<4xf32>
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests lone ops: one whose scalar body calls a math function (gelu_grad:
// erf and exp; tanh; pow with a fractional exponent) is a kernel of its
// own; one that is arithmetic or a single instruction (relu, sqrt, pow
// with an integer exponent) stays as it is.
// CHECK-LABEL: func.func @lone_ops
// CHECK: braid.fused "braid_fused_0"
// CHECK-NEXT: ^bb0
// CHECK-NEXT: braid.gelu_grad
// CHECK: braid.fused "braid_fused_1"
// CHECK-NEXT: ^bb0
// CHECK-NEXT: braid.tanh
// CHECK: braid.fused "braid_fused_2"
// CHECK-NEXT: ^bb0
// CHECK-NEXT: braid.pow %{{.*}}, exponent = 1.5
// CHECK: }
// CHECK-NEXT: braid.relu
// CHECK-NEXT: braid.sqrt
// CHECK-NEXT: braid.pow %{{.*}}, exponent = 3.0
// CHECK-NEXT: return
func.func @lone_ops(%x: tensor<4xf32>, %dy: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
    attributes {braid.entry_point = "train_step"} {
  %0 = braid.gelu_grad %dy, %x : tensor<4xf32>, tensor<4xf32>
  %1 = braid.tanh %x : tensor<4xf32>
  %2 = braid.pow %x, exponent = 1.5 : tensor<4xf32>
  %3 = braid.relu %x : tensor<4xf32>
  %4 = braid.sqrt %x : tensor<4xf32>
  %5 = braid.pow %x, exponent = 3.0 : tensor<4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that a value used outside the chain ends the group: the add is also
// returned, so the group is the relu and sigmoid after it, reading the add.
// CHECK-LABEL: func.func @used_outside
// CHECK: %[[A:.*]] = braid.add
// CHECK-NEXT: %[[F:.*]] = braid.fused "braid_fused_0"(%[[A]])
// CHECK: braid.relu
// CHECK-NEXT: braid.sigmoid
// CHECK-NEXT: braid.yield
// CHECK-NEXT: }
// CHECK-NEXT: return %[[A]], %[[F]]
func.func @used_outside(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
    attributes {braid.entry_point = "predict"} {
  %0 = braid.add %x, %y : tensor<4xf32>, tensor<4xf32>
  %1 = braid.relu %0 : tensor<4xf32>
  %2 = braid.sigmoid %1 : tensor<4xf32>
  return %0, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that what is not elementwise stays out and cuts the chains: a
// product, softmax, layer norm, dropout and a reduction between elementwise
// ops leave each of these alone, so nothing fuses.
// CHECK-LABEL: func.func @not_fusible
// CHECK-NOT: braid.fused
// CHECK: braid.relu
// CHECK-NEXT: braid.layer_norm
// CHECK-NEXT: braid.sqrt
// CHECK-NEXT: braid.dropout
// CHECK-NEXT: braid.abs
// CHECK-NEXT: braid.matmul
// CHECK-NEXT: braid.relu
// CHECK-NEXT: braid.softmax
// CHECK-NEXT: braid.abs
// CHECK-NEXT: braid.reduce_sum
// CHECK-NEXT: return
func.func @not_fusible(%x: tensor<4x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<f32>
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %x : tensor<4x4xf32>
  %1 = braid.layer_norm %0, %g, %b, eps = 1.0e-5 : tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>
  %2 = braid.sqrt %1 : tensor<4x4xf32>
  %3 = braid.dropout %2, p = 0.1, salt = 7 : tensor<4x4xf32>
  %4 = braid.abs %3 : tensor<4x4xf32>
  %5 = braid.matmul %4, %x : tensor<4x4xf32>, tensor<4x4xf32>
  %6 = braid.relu %5 : tensor<4x4xf32>
  %7 = braid.softmax %6, axis = -1 : tensor<4x4xf32>
  %8 = braid.abs %7 : tensor<4x4xf32>
  %9 = braid.reduce_sum %8, axes = [0, 1] : tensor<4x4xf32>
  return %9 : tensor<f32>
}

// -----

// Tests in-place updates: the gradient chain before the update fuses (at its
// place, before the update), the update stays out, and the relu reading the
// parameter before the update does not move past it to join the mul after.
// CHECK-LABEL: func.func @update_in_place
// CHECK: %[[G:.*]] = braid.fused "braid_fused_0"
// CHECK: braid.mul
// CHECK-NEXT: braid.add
// CHECK-NEXT: braid.yield
// CHECK: %[[R:.*]] = braid.relu %[[W:.*]] : tensor<4xf32>
// CHECK-NEXT: braid.sgd_update %[[W]], %[[G]], %{{.*}} lr
// CHECK-NEXT: braid.mul %[[R]], %{{.*}} : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT: return
func.func @update_in_place(%w: tensor<4xf32>, %v: tensor<4xf32>, %dw: tensor<4xf32>, %c: tensor<4xf32>) -> tensor<4xf32>
    attributes {braid.entry_point = "train_step"} {
  %0 = braid.mul %dw, %c : tensor<4xf32>, tensor<4xf32>
  %1 = braid.add %0, %c : tensor<4xf32>, tensor<4xf32>
  %2 = braid.relu %w : tensor<4xf32>
  braid.sgd_update %w, %1, %v lr = 1.0e-01 momentum = 0.0 : tensor<4xf32>
  %3 = braid.mul %2, %c : tensor<4xf32>, tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// Tests buckets: the mul reading a bucket member (through a reshape view)
// before its start does not move past the start to join the add after it,
// which would read the bucket between start and wait; the chain after the
// wait, on the reduced values, fuses.
// CHECK-LABEL: func.func @bucket
// CHECK: %[[D:.*]] = braid.relu
// CHECK-NEXT: %[[V:.*]] = braid.reshape %[[D]]
// CHECK-NEXT: %[[M:.*]] = braid.mul %[[V]], %[[V]]
// CHECK-NEXT: %[[Q:.*]] = braid.all_reduce_start %[[D]]
// CHECK-NEXT: %[[N:.*]] = braid.add %[[M]], %{{.*}}
// CHECK-NEXT: %[[R:.*]] = braid.all_reduce_wait %[[Q]]
// CHECK-NEXT: %[[F:.*]] = braid.fused "braid_fused_0"(%[[R]], %{{.*}})
// CHECK: braid.sub
// CHECK-NEXT: braid.exp
// CHECK-NEXT: braid.yield
// CHECK: return %[[N]], %[[F]]
func.func @bucket(%x: tensor<2x4xf32>, %y: tensor<8xf32>) -> (tensor<8xf32>, tensor<2x4xf32>)
    attributes {braid.entry_point = "train_step"} {
  %0 = braid.relu %x : tensor<2x4xf32>
  %1 = braid.reshape %0 to [8] : tensor<2x4xf32>
  %2 = braid.mul %1, %1 : tensor<8xf32>, tensor<8xf32>
  %q = braid.all_reduce_start %0 reduction = <mean> : tensor<2x4xf32>
  %3 = braid.add %2, %y : tensor<8xf32>, tensor<8xf32>
  %r = braid.all_reduce_wait %q : tensor<2x4xf32>
  %4 = braid.sub %r, %x : tensor<2x4xf32>, tensor<2x4xf32>
  %5 = braid.exp %4 : tensor<2x4xf32>
  return %3, %5 : tensor<8xf32>, tensor<2x4xf32>
}
