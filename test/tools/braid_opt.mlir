// Tests that braid-opt registers the core passes next to the dialect and
// Braid's own, each with its summary, and that the verifier runs on what it
// reads.
// RUN: braid-opt %s --canonicalize | FileCheck %s
// RUN: braid-opt --help | FileCheck %s --check-prefix=HELP
// HELP: --braid-autodiff - create @train_step: the loss and every parameter's gradient
// HELP: --canonicalize - Canonicalize operations
// HELP: --cse - Eliminate common sub-expressions

// CHECK-LABEL: func.func @dead_code
// CHECK-NOT: braid.relu
// CHECK: return %arg0
func.func @dead_code(%x: tensor<4xf32>) -> tensor<4xf32> {
  %unused = braid.relu %x : tensor<4xf32>
  return %x : tensor<4xf32>
}
