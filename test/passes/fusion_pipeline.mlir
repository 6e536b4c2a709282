// RUN: braid-opt --braid-lower-to-plan="fuse=true" %s | FileCheck %s
// RUN: braid-opt --braid-lower-to-plan="fuse=false" %s | FileCheck %s --check-prefix=UNFUSED

// Tests braid-fuse in braid-lower-to-plan: it runs on the outlined entry
// point (not @forward) before memory planning, which places the fused op's
// result in the arena apart from its operands (it writes no operand in
// place) and gives nothing inside its body an offset; the product and
// softmax stay out. With fuse=false nothing fuses.
// CHECK-LABEL: func.func @forward
// CHECK-NOT: braid.fused
// CHECK-LABEL: func.func @predict
// CHECK-SAME: attributes {braid.arena_bytes = 256 : i64, braid.entry_point = "predict"}
// CHECK-NEXT: %[[MM:.*]] = braid.matmul %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: %[[F:.*]] = braid.fused "braid_fused_0"(%[[MM]], %{{.*}}) {braid.offset = 128 : i64} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: braid.add %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: braid.relu %{{[a-z0-9]+}} : tensor<4x8xf32>
// CHECK-NEXT: braid.tanh %{{[a-z0-9]+}} : tensor<4x8xf32>
// CHECK-NEXT: braid.yield
// CHECK-NEXT: }
// CHECK-NEXT: braid.softmax %[[F]], axis = 1 {braid.offset = 0 : i64}
// CHECK-NEXT: return
// UNFUSED-LABEL: func.func @predict
// UNFUSED-NOT: braid.fused
// UNFUSED: braid.add
// UNFUSED-NEXT: braid.relu
// UNFUSED-NEXT: braid.tanh
module attributes {braid.model = "tiny", braid.batch = 4 : i64} {
  func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %w: tensor<8x8xf32> {braid.param = "w", braid.init = #braid.init<he_normal>},
                     %b: tensor<8xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
      -> (tensor<4x8xf32> {braid.output = "probs"}) {
    %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x8xf32>
    %1 = braid.add %0, %b : tensor<4x8xf32>, tensor<8xf32>
    %2 = braid.relu %1 : tensor<4x8xf32>
    %3 = braid.tanh %2 : tensor<4x8xf32>
    %4 = braid.softmax %3, axis = 1 : tensor<4x8xf32>
    return %4 : tensor<4x8xf32>
  }
}
