// RUN: braid-opt --split-input-file --verify-diagnostics --braid-plan-memory %s | FileCheck %s
// RUN: braid-opt --split-input-file --verify-diagnostics --braid-plan-memory=best-fit=false %s | FileCheck %s --check-prefix=FIRST

// Tests that a buffer's bytes are reused once it is dead, but never by the op
// that reads it last: %2 takes %0's place, dead after %1.
// CHECK-LABEL: func.func @reuse
// CHECK-SAME: attributes {braid.arena_bytes = 256 : i64, braid.entry_point = "predict"}
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: braid.tanh %{{.*}} {braid.offset = 128 : i64}
// CHECK-NEXT: braid.sigmoid %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: braid.gelu %{{.*}} {braid.offset = 128 : i64}
func.func @reuse(%x: tensor<4x8xf32> {braid.input = "x"}) -> (tensor<4x8xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %x : tensor<4x8xf32>
  %1 = braid.tanh %0 : tensor<4x8xf32>
  %2 = braid.sigmoid %1 : tensor<4x8xf32>
  %3 = braid.gelu %2 : tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// -----

// Tests that every buffer starts at a multiple of 64 bytes: 3 floats take 12
// bytes but the next buffer starts at 64, and the arena is rounded up too.
// CHECK-LABEL: func.func @alignment
// CHECK-SAME: braid.arena_bytes = 128 : i64
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: braid.add %{{.*}} {braid.offset = 64 : i64}
func.func @alignment(%x: tensor<3xf32> {braid.input = "x"}) -> (tensor<3xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %x : tensor<3xf32>
  %1 = braid.add %0, %0 : tensor<3xf32>, tensor<3xf32>
  return %1 : tensor<3xf32>
}

// -----

// Tests that a reshape and a flatten of an arena value share its buffer, and
// that the operand stays live while the alias is read: %3 cannot take %0's
// bytes because %2 (an alias of %0) is read by %3.
// CHECK-LABEL: func.func @alias
// CHECK-SAME: braid.arena_bytes = 128 : i64
// CHECK-NEXT: %[[R:.*]] = braid.relu %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: braid.reshape %[[R]] to [2, 4, 2] {braid.offset = 0 : i64}
// CHECK-NEXT: braid.flatten %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: braid.tanh %{{.*}} {braid.offset = 64 : i64}
// CHECK-NEXT: braid.sigmoid %{{.*}} {braid.offset = 0 : i64}
func.func @alias(%x: tensor<4x4xf32> {braid.input = "x"}) -> (tensor<2x8xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %x : tensor<4x4xf32>
  %1 = braid.reshape %0 to [2, 4, 2] : tensor<4x4xf32>
  %2 = braid.flatten %1 : tensor<2x4x2xf32>
  %3 = braid.tanh %2 : tensor<2x8xf32>
  %4 = braid.sigmoid %3 : tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Tests that a reshape of an input is not an alias (inputs live outside the
// arena) and that constants get no offset.
// CHECK-LABEL: func.func @outside
// CHECK-NEXT: braid.constant dense<1.000000e+00> : tensor<f32>{{$}}
// CHECK-NEXT: braid.reshape %{{.*}} to [16] {braid.offset = 0 : i64}
// CHECK-NEXT: braid.add %{{.*}} {braid.offset = 64 : i64}
func.func @outside(%x: tensor<4x4xf32> {braid.input = "x"}) -> (tensor<16xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict"} {
  %c = braid.constant dense<1.0> : tensor<f32>
  %0 = braid.reshape %x to [16] : tensor<4x4xf32>
  %1 = braid.add %0, %c : tensor<16xf32>, tensor<f32>
  return %1 : tensor<16xf32>
}

// -----

// Tests that a function result lives to the end and that best fit picks the
// smallest free gap that holds a buffer, where first fit takes the lowest:
// once %0 (512 B at 0) and %2 (64 B at 576) are dead, %4 fits either hole.
// CHECK-LABEL: func.func @fit
// CHECK-SAME: braid.arena_bytes = 1152 : i64
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 0 : i64} : tensor<8x16xf32>
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 512 : i64} : tensor<16xf32>
// CHECK-NEXT: braid.tanh %{{.*}} {braid.offset = 576 : i64}
// CHECK-NEXT: braid.add %{{.*}} {braid.offset = 640 : i64}
// CHECK-NEXT: braid.sigmoid %{{.*}} {braid.offset = 576 : i64}
// FIRST-LABEL: func.func @fit
// FIRST: braid.sigmoid %{{.*}} {braid.offset = 0 : i64}
func.func @fit(%x: tensor<8x16xf32> {braid.input = "x"}, %z: tensor<16xf32> {braid.input = "z"})
    -> (tensor<8x16xf32> {braid.output = "s"}, tensor<16xf32> {braid.output = "t"})
    attributes {braid.entry_point = "predict"} {
  %0 = braid.relu %x : tensor<8x16xf32>
  %1 = braid.relu %z : tensor<16xf32>
  %2 = braid.tanh %z : tensor<16xf32>
  %3 = braid.add %0, %2 : tensor<8x16xf32>, tensor<16xf32>
  %4 = braid.sigmoid %1 : tensor<16xf32>
  return %3, %4 : tensor<8x16xf32>, tensor<16xf32>
}

// -----

// Tests that a function without braid.entry_point is left alone.
// CHECK-LABEL: func.func @forward
// CHECK-NOT: braid.offset
// CHECK-NOT: braid.arena_bytes
func.func @forward(%x: tensor<4xf32> {braid.input = "x"}) -> (tensor<4xf32> {braid.output = "y"}) {
  %0 = braid.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func private @helper(tensor<4xf32>) -> tensor<4xf32>

// Tests that a value made by an op of another dialect is rejected.
func.func @foreign(%x: tensor<4xf32> {braid.input = "x"}) -> (tensor<4xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict"} {
  // expected-error @+1 {{'func.call' op produces a value that cannot be placed in the arena: only braid ops are planned}}
  %0 = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// -----

// Tests that the tensors of a bucket are packed back to back from a 64-byte
// boundary, in operand order and without padding (%b's 12 bytes, then %a's
// at 12), that they stay live until the last use of the wait's results
// (%c does not reuse their bytes), and that the wait's results and an
// all_reduce's are their operands' bytes.
// CHECK-LABEL: func.func @bucket
// CHECK-SAME: braid.arena_bytes = 192 : i64
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 12 : i64} : tensor<5xf32>
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 0 : i64} : tensor<3xf32>
// CHECK-NEXT: braid.all_reduce_start
// CHECK-NEXT: braid.tanh %{{.*}} {braid.offset = 64 : i64} : tensor<4xf32>
// CHECK-NEXT: braid.all_reduce_wait
// CHECK-NEXT: braid.sigmoid %{{.*}} {braid.offset = 128 : i64} : tensor<5xf32>
func.func @bucket(%x: tensor<3xf32> {braid.input = "x"}, %y: tensor<5xf32> {braid.input = "y"}, %z: tensor<4xf32> {braid.input = "z"})
    -> (tensor<3xf32> {braid.output = "a"}, tensor<5xf32> {braid.output = "b"}, tensor<4xf32> {braid.output = "c"})
    attributes {braid.entry_point = "train_step"} {
  %a = braid.relu %y : tensor<5xf32>
  %b = braid.relu %x : tensor<3xf32>
  %q = braid.all_reduce_start %b, %a reduction = <mean> : tensor<3xf32>, tensor<5xf32>
  %c = braid.tanh %z : tensor<4xf32>
  %r:2 = braid.all_reduce_wait %q : tensor<3xf32>, tensor<5xf32>
  %d = braid.sigmoid %r#1 : tensor<5xf32>
  return %r#0, %d, %c : tensor<3xf32>, tensor<5xf32>, tensor<4xf32>
}

// -----

func.func @read_in_flight(%x: tensor<3xf32> {braid.input = "x"}) -> (tensor<3xf32> {braid.output = "a"}, tensor<3xf32> {braid.output = "b"})
    attributes {braid.entry_point = "train_step"} {
  %a = braid.relu %x : tensor<3xf32>
  %q = braid.all_reduce_start %a reduction = <mean> : tensor<3xf32>
  // expected-error @+1 {{'braid.tanh' op reads a tensor of a bucket between its braid.all_reduce_start and braid.all_reduce_wait}}
  %b = braid.tanh %a : tensor<3xf32>
  %r = braid.all_reduce_wait %q : tensor<3xf32>
  return %r, %b : tensor<3xf32>, tensor<3xf32>
}

// -----

func.func @reduce_argument(%x: tensor<3xf32> {braid.input = "x"}) -> (tensor<3xf32> {braid.output = "a"})
    attributes {braid.entry_point = "train_step"} {
  // expected-error @+1 {{'braid.all_reduce' op operand #0 is not in the arena; an in-place reduction needs a computed tensor}}
  %r = braid.all_reduce %x reduction = <mean> : tensor<3xf32>
  return %r : tensor<3xf32>
}
