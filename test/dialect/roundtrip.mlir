// RUN: braid-opt %s | braid-opt | FileCheck %s

// Tests that a whole model function, with its interface attributes, prints and
// parses back unchanged.
// CHECK: module attributes {braid.batch = 4 : i64, braid.model = "mlp"
// CHECK-LABEL: func.func @forward
// CHECK-SAME: {braid.init = #braid.init<uniform(-1.000000e-01, 1.000000e-01)>, braid.param = "w"}
// CHECK: braid.matmul %{{.*}}, %{{.*}} : tensor<4x784xf32>, tensor<784x10xf32>
module attributes {braid.model = "mlp", braid.batch = 4 : i64} {
func.func @forward(%x: tensor<4x784xf32> {braid.input = "x"}, %w: tensor<784x10xf32> {braid.param = "w", braid.init = #braid.init<uniform(-0.1, 0.1)>}) -> (tensor<4x10xf32> {braid.output = "logits"}) {
  %0 = braid.matmul %x, %w : tensor<4x784xf32>, tensor<784x10xf32>
  return %0 : tensor<4x10xf32>
}
}
