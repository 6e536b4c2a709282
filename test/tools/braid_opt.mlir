// Tests that braid-opt registers the core passes next to the dialect, and
// that the verifier runs on what it reads.
// RUN: braid-opt %s --canonicalize | FileCheck %s
// RUN: braid-opt --help | FileCheck %s --check-prefix=HELP
// HELP: --canonicalize

// CHECK-LABEL: func.func @dead_code
// CHECK-NOT: braid.relu
// CHECK: return %arg0
func.func @dead_code(%x: tensor<4xf32>) -> tensor<4xf32> {
  %unused = braid.relu %x : tensor<4xf32>
  return %x : tensor<4xf32>
}
