// RUN: braid-opt --braid-lower-to-plan %s | FileCheck %s
// RUN: braid-opt --help | FileCheck %s --check-prefix=HELP
// RUN: braid-opt --braid-lower-to-plan="replicas=2 bucket-bytes=4096" %s | FileCheck %s --check-prefix=PARALLEL
// HELP-DAG: --braid-bucket-allreduce
// HELP-DAG: --braid-data-parallel
// HELP-DAG: --braid-fuse
// HELP-DAG: --braid-lower-to-plan
// HELP-DAG: --braid-outline-predict
// HELP-DAG: --braid-plan-memory

// Tests that the braid-lower-to-plan pipeline outlines @predict and plans its
// memory, leaving @forward without offsets.
// CHECK-LABEL: func.func @forward
// CHECK-NOT: braid.offset
// CHECK-LABEL: func.func @predict
// CHECK-SAME: attributes {braid.arena_bytes = 256 : i64, braid.entry_point = "predict"}
// CHECK-NEXT: braid.matmul %{{.*}} {braid.offset = 0 : i64}
// CHECK-NEXT: braid.relu %{{.*}} {braid.offset = 128 : i64}
// CHECK-NEXT: braid.softmax %{{.*}}, axis = 1 {braid.offset = 0 : i64}
// CHECK-NEXT: return
// Tests that the pipeline's replicas option splits the batch, plans memory
// for the per-replica tensors and adds @broadcast_params.
// PARALLEL: module attributes {braid.batch = 4 : i64, braid.model = "tiny", braid.replicas = 2 : i64}
// PARALLEL-LABEL: func.func @predict(%{{.*}}: tensor<2x8xf32>
// PARALLEL: braid.matmul %{{.*}} {braid.offset = 0 : i64} : tensor<2x8xf32>, tensor<8x8xf32>
// PARALLEL-LABEL: func.func @broadcast_params
// PARALLEL-NEXT: braid.broadcast %{{.*}} root = 0 : tensor<8x8xf32>
module attributes {braid.model = "tiny", braid.batch = 4 : i64} {
  func.func @forward(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                     %y: tensor<4xi32> {braid.input = "y", braid.batch_dims = array<i64: 0>},
                     %w: tensor<8x8xf32> {braid.param = "w", braid.init = #braid.init<he_normal>})
      -> (tensor<4x8xf32> {braid.output = "probs"}, tensor<f32> {braid.loss = "loss"}) {
    %0 = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x8xf32>
    %1 = braid.relu %0 : tensor<4x8xf32>
    %2 = braid.softmax %1, axis = 1 : tensor<4x8xf32>
    %3 = braid.sparse_softmax_cross_entropy %1, %y : tensor<4x8xf32>, tensor<4xi32>
    return %2, %3 : tensor<4x8xf32>, tensor<f32>
  }
}
