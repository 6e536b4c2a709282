// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// Collectives. braid.all_reduce and braid.all_reduce_start: (c1) at least one
// operand; (c2) f32 tensors; (c3) no operand twice; start (c4) one use of the
// request, a wait. braid.all_reduce_wait: (c1) its request comes from an
// earlier start in its block; (c2) its results have the start's operand
// types. braid.broadcast: (c1) at least one operand; (c2) root >= 0; (c3) no
// operand twice.

// Tests that all_reduce prints and parses back, with results typed like its
// operands, for every reduction.
// CHECK-LABEL: func.func @all_reduce
// CHECK: %[[R:.*]]:2 = braid.all_reduce %{{.*}}, %{{.*}} reduction = <mean> : tensor<4x8xf32>, tensor<f32>
// CHECK: braid.all_reduce %{{.*}} reduction = <sum> : tensor<4x8xf32>
// CHECK: braid.all_reduce %{{.*}} reduction = <max> : tensor<4x8xf32>
// CHECK: braid.all_reduce %{{.*}} reduction = <min> : tensor<4x8xf32>
// CHECK: return %[[R]]#0, %[[R]]#1 : tensor<4x8xf32>, tensor<f32>
func.func @all_reduce(%a: tensor<4x8xf32>, %b: tensor<f32>) -> (tensor<4x8xf32>, tensor<f32>) {
  %0:2 = braid.all_reduce %a, %b reduction = <mean> : tensor<4x8xf32>, tensor<f32>
  %1 = braid.all_reduce %a reduction = <sum> : tensor<4x8xf32>
  %2 = braid.all_reduce %a reduction = <max> : tensor<4x8xf32>
  %3 = braid.all_reduce %a reduction = <min> : tensor<4x8xf32>
  return %0#0, %0#1 : tensor<4x8xf32>, tensor<f32>
}

// -----

// Tests that a start and its wait print and parse back, the request typed
// !braid.request.
// CHECK-LABEL: func.func @start_wait
// CHECK: %[[Q:.*]] = braid.all_reduce_start %{{.*}}, %{{.*}} reduction = <mean> : tensor<4x8xf32>, tensor<8xf32>
// CHECK: %{{.*}}:2 = braid.all_reduce_wait %[[Q]] : tensor<4x8xf32>, tensor<8xf32>
func.func @start_wait(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %q = braid.all_reduce_start %a, %b reduction = <mean> : tensor<4x8xf32>, tensor<8xf32>
  %r:2 = braid.all_reduce_wait %q : tensor<4x8xf32>, tensor<8xf32>
  return %r#1 : tensor<8xf32>
}

// -----

// Tests that broadcast prints and parses back, and accepts i32 tensors.
// CHECK-LABEL: func.func @broadcast
// CHECK: braid.broadcast %{{.*}}, %{{.*}} root = 0 : tensor<4x8xf32>, tensor<2xi32>
func.func @broadcast(%a: tensor<4x8xf32>, %b: tensor<2xi32>) {
  %0:2 = braid.broadcast %a, %b root = 0 : tensor<4x8xf32>, tensor<2xi32>
  return
}

// -----

func.func @all_reduce_c1() {
  // expected-error @+1 {{'braid.all_reduce' op needs at least one operand}}
  "braid.all_reduce"() {reduction = #braid.reduction<mean>} : () -> ()
  return
}

// -----

func.func @all_reduce_c2(%a: tensor<4xi32>) {
  // expected-error @+1 {{'braid.all_reduce' op operand #0 has type 'tensor<4xi32>'; reductions take f32 tensors}}
  %0 = braid.all_reduce %a reduction = <max> : tensor<4xi32>
  return
}

// -----

func.func @all_reduce_c3(%a: tensor<4xf32>) {
  // expected-error @+1 {{'braid.all_reduce' op operand #1 repeats an earlier operand}}
  %0:2 = braid.all_reduce %a, %a reduction = <sum> : tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @all_reduce_bad_reduction(%a: tensor<4xf32>) {
  // expected-error @+2 {{expected ::braid::Reduction to be one of: sum, mean, max, min}}
  // expected-error @+1 {{failed to parse Braid_ReductionAttr parameter 'value'}}
  %0 = braid.all_reduce %a reduction = <product> : tensor<4xf32>
  return
}

// -----

func.func @start_c2(%a: tensor<4xi32>) {
  // expected-error @+1 {{'braid.all_reduce_start' op operand #0 has type 'tensor<4xi32>'; reductions take f32 tensors}}
  %q = braid.all_reduce_start %a reduction = <sum> : tensor<4xi32>
  %r = braid.all_reduce_wait %q : tensor<4xi32>
  return
}

// -----

func.func @start_c4(%a: tensor<4xf32>) {
  // expected-error @+1 {{'braid.all_reduce_start' op request must have exactly one use, a braid.all_reduce_wait; it has 0 uses}}
  %q = braid.all_reduce_start %a reduction = <mean> : tensor<4xf32>
  return
}

// -----

func.func @start_c4_twice(%a: tensor<4xf32>) {
  // expected-error @+1 {{'braid.all_reduce_start' op request must have exactly one use, a braid.all_reduce_wait; it has 2 uses}}
  %q = braid.all_reduce_start %a reduction = <mean> : tensor<4xf32>
  %r = braid.all_reduce_wait %q : tensor<4xf32>
  %s = braid.all_reduce_wait %q : tensor<4xf32>
  return
}

// -----

func.func @wait_c1(%q: !braid.request) {
  // expected-error @+1 {{'braid.all_reduce_wait' op request must be the result of a braid.all_reduce_start}}
  %r = braid.all_reduce_wait %q : tensor<4xf32>
  return
}

// -----

func.func @wait_c2_count(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  %q = braid.all_reduce_start %a, %b reduction = <mean> : tensor<4xf32>, tensor<4xf32>
  // expected-error @+1 {{'braid.all_reduce_wait' op has 1 results; its start reduces 2 tensors}}
  %r = braid.all_reduce_wait %q : tensor<4xf32>
  return
}

// -----

func.func @wait_c2_type(%a: tensor<4xf32>) {
  %q = braid.all_reduce_start %a reduction = <mean> : tensor<4xf32>
  // expected-error @+1 {{'braid.all_reduce_wait' op result #0 has type 'tensor<8xf32>' but its start reduces 'tensor<4xf32>'}}
  %r = braid.all_reduce_wait %q : tensor<8xf32>
  return
}

// -----

func.func @broadcast_c2(%a: tensor<4xf32>) {
  // expected-error @+1 {{'braid.broadcast' op root must be non-negative, got -1}}
  %0 = braid.broadcast %a root = -1 : tensor<4xf32>
  return
}

// -----

func.func @broadcast_c3(%a: tensor<4xf32>) {
  // expected-error @+1 {{'braid.broadcast' op operand #1 repeats an earlier operand}}
  %0:2 = braid.broadcast %a, %a root = 0 : tensor<4xf32>, tensor<4xf32>
  return
}
