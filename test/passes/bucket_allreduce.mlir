// RUN: braid-opt --split-input-file --verify-diagnostics --braid-bucket-allreduce=bucket-bytes=64 %s | FileCheck %s
// RUN: braid-opt --split-input-file --verify-diagnostics --braid-bucket-allreduce %s | FileCheck %s --check-prefix=DEFAULT
// RUN: not braid-opt --braid-bucket-allreduce=bucket-bytes=0 %s 2>&1 | FileCheck %s --check-prefix=ZERO

// ZERO: error: bucket-bytes=0 must be positive

// Tests that the operands are bucketed in the order they are computed, not
// in operand order (%b, then %a, then %c), greedily up to 64 bytes: %b (16)
// and %a (32) share a bucket, %c (64) does not fit beside them, and %d (128)
// is larger than a bucket and has one to itself. Each start follows the op
// that computes its bucket's last tensor, each wait precedes the first use of
// one of its results (in bucket order before the same op), and later uses read the wait's results.
// CHECK-LABEL: func.func @buckets
// CHECK: %[[B:.*]] = braid.relu %{{.*}} : tensor<4xf32>
// CHECK-NEXT: %[[A:.*]] = braid.relu %{{.*}} : tensor<8xf32>
// CHECK-NEXT: %[[Q0:.*]] = braid.all_reduce_start %[[B]], %[[A]] reduction = <mean> : tensor<4xf32>, tensor<8xf32>
// CHECK-NEXT: %[[C:.*]] = braid.relu %{{.*}} : tensor<16xf32>
// CHECK-NEXT: %[[Q1:.*]] = braid.all_reduce_start %[[C]] reduction = <mean> : tensor<16xf32>
// CHECK-NEXT: %[[D:.*]] = braid.relu %{{.*}} : tensor<32xf32>
// CHECK-NEXT: %[[Q2:.*]] = braid.all_reduce_start %[[D]] reduction = <mean> : tensor<32xf32>
// CHECK-NEXT: braid.tanh %{{.*}} : tensor<2xf32>
// CHECK-NEXT: %[[W0:.*]]:2 = braid.all_reduce_wait %[[Q0]] : tensor<4xf32>, tensor<8xf32>
// CHECK-NEXT: braid.tanh %[[W0]]#1 : tensor<8xf32>
// CHECK-NEXT: %[[W1:.*]] = braid.all_reduce_wait %[[Q1]] : tensor<16xf32>
// CHECK-NEXT: %[[W2:.*]] = braid.all_reduce_wait %[[Q2]] : tensor<32xf32>
// CHECK-NEXT: return %[[W0]]#0, %[[W1]], %[[W2]]
// DEFAULT-LABEL: func.func @buckets
// DEFAULT: %[[Q:.*]] = braid.all_reduce_start %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} reduction = <mean> : tensor<4xf32>, tensor<8xf32>, tensor<16xf32>, tensor<32xf32>
// DEFAULT: braid.all_reduce_wait %[[Q]]
func.func @buckets(%x: tensor<2xf32>, %pa: tensor<8xf32>, %pb: tensor<4xf32>, %pc: tensor<16xf32>, %pd: tensor<32xf32>)
    -> (tensor<4xf32>, tensor<16xf32>, tensor<32xf32>) {
  %b = braid.relu %pb : tensor<4xf32>
  %a = braid.relu %pa : tensor<8xf32>
  %c = braid.relu %pc : tensor<16xf32>
  %d = braid.relu %pd : tensor<32xf32>
  %r:4 = braid.all_reduce %a, %b, %c, %d reduction = <mean> : tensor<8xf32>, tensor<4xf32>, tensor<16xf32>, tensor<32xf32>
  %0 = braid.tanh %x : tensor<2xf32>
  %1 = braid.tanh %r#0 : tensor<8xf32>
  return %r#1, %r#2, %r#3 : tensor<4xf32>, tensor<16xf32>, tensor<32xf32>
}

// -----

// Tests that a bucket starts only after the last op that reads one of its
// tensors unreduced (here through a reshape, which shares its bytes), so
// that the reduction never overwrites what a later op still reads.
// CHECK-LABEL: func.func @reader
// CHECK: %[[A:.*]] = braid.relu
// CHECK-NEXT: %[[V:.*]] = braid.reshape %[[A]] to [2, 2]
// CHECK-NEXT: braid.sigmoid %{{.*}} : tensor<8xf32>
// CHECK-NEXT: braid.tanh %[[V]] : tensor<2x2xf32>
// CHECK-NEXT: %[[Q:.*]] = braid.all_reduce_start %[[A]] reduction = <sum> : tensor<4xf32>
// CHECK-NEXT: %[[W:.*]] = braid.all_reduce_wait %[[Q]] : tensor<4xf32>
// CHECK-NEXT: return %[[W]]
func.func @reader(%x: tensor<4xf32>, %y: tensor<8xf32>) -> (tensor<4xf32>, tensor<2x2xf32>) {
  %a = braid.relu %x : tensor<4xf32>
  %v = braid.reshape %a to [2, 2] : tensor<4xf32>
  %s = braid.sigmoid %y : tensor<8xf32>
  %t = braid.tanh %v : tensor<2x2xf32>
  %r = braid.all_reduce %a reduction = <sum> : tensor<4xf32>
  return %r, %t : tensor<4xf32>, tensor<2x2xf32>
}

// -----

// Tests that a constant operand (the zero gradient of an unused parameter)
// is not bucketed: its mean over the replicas is itself.
// CHECK-LABEL: func.func @constant
// CHECK: %[[Z:.*]] = braid.constant
// CHECK: %[[Q:.*]] = braid.all_reduce_start %{{.*}} reduction = <mean> : tensor<4xf32>
// CHECK-NEXT: %[[W:.*]] = braid.all_reduce_wait %[[Q]] : tensor<4xf32>
// CHECK-NEXT: return %[[W]], %[[Z]]
func.func @constant(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<3xf32>) {
  %z = braid.constant dense<0.0> : tensor<3xf32>
  %a = braid.relu %x : tensor<4xf32>
  %r:2 = braid.all_reduce %a, %z reduction = <mean> : tensor<4xf32>, tensor<3xf32>
  return %r#0, %r#1 : tensor<4xf32>, tensor<3xf32>
}

// -----

// Tests that a function without all_reduce is left alone.
// CHECK-LABEL: func.func @none
// CHECK-NEXT: braid.relu
// CHECK-NEXT: return
func.func @none(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = braid.relu %x : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

func.func @argument(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braid.all_reduce' op operand #0 is not computed in this block; only computed tensors can be bucketed}}
  %r = braid.all_reduce %x reduction = <mean> : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @constant_sum(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = braid.constant dense<0.0> : tensor<4xf32>
  // expected-error @+1 {{'braid.all_reduce' op operand #0 is a constant; its sum over the replicas cannot be bucketed}}
  %r = braid.all_reduce %z reduction = <sum> : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @read_after(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = braid.relu %x : tensor<4xf32>
  %r = braid.all_reduce %a reduction = <mean> : tensor<4xf32>
  // expected-error @+1 {{'braid.tanh' op reads operand #0 of a later-bucketed braid.all_reduce after it; read the reduced result instead}}
  %t = braid.tanh %a : tensor<4xf32>
  return %r, %t : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @shared(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<2x2xf32>) {
  %a = braid.relu %x : tensor<4xf32>
  %v = braid.reshape %a to [2, 2] : tensor<4xf32>
  // expected-error @+1 {{'braid.all_reduce' op operands #0 and #1 share one buffer}}
  %r:2 = braid.all_reduce %a, %v reduction = <mean> : tensor<4xf32>, tensor<2x2xf32>
  return %r#0, %r#1 : tensor<4xf32>, tensor<2x2xf32>
}
