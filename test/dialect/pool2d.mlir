// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// max_pool2d and avg_pool2d (Braid_Pool2DOp): (c1) `input` is f32[N, C, H, W];
// (c2) `kernel` and `strides` are [height, width] of at least 1, `padding` of
// at least 0 and smaller than the kernel; (c3) the kernel fits the padded
// input.

// Tests that max_pool2d prints and parses back and halves 28x28.
// CHECK-LABEL: func.func @max_pool2d
// CHECK: %[[Y:.*]] = braid.max_pool2d %{{.*}} kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<64x6x28x28xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x6x14x14xf32>
func.func @max_pool2d(%x: tensor<64x6x28x28xf32>) -> tensor<64x6x14x14xf32> {
  %0 = braid.max_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<64x6x28x28xf32>
  return %0 : tensor<64x6x14x14xf32>
}

// -----

// Tests that avg_pool2d prints and parses back, with padding and height and
// width apart: H = (8 + 2 - 3) / 2 + 1 = 4, W = (9 + 0 - 2) / 3 + 1 = 3.
// CHECK-LABEL: func.func @avg_pool2d
// CHECK: %[[Y:.*]] = braid.avg_pool2d %{{.*}} kernel = [3, 2] strides = [2, 3] padding = [1, 0] : tensor<1x3x8x9xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x3x4x3xf32>
func.func @avg_pool2d(%x: tensor<1x3x8x9xf32>) -> tensor<1x3x4x3xf32> {
  %0 = braid.avg_pool2d %x kernel = [3, 2] strides = [2, 3] padding = [1, 0] : tensor<1x3x8x9xf32>
  return %0 : tensor<1x3x4x3xf32>
}

// -----

// Tests that max_pool2d rejects a rank-3 input, which only the rule can tell
// (c1).
func.func @max_pool2d_c1(%x: tensor<3x8x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d' op input must be f32[N, C, H, W], got f32[3, 8, 8]}}
  %0 = braid.max_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<3x8x8xf32>
  return
}

// -----

// Tests that avg_pool2d rejects an i32 input (c1).
func.func @avg_pool2d_c1(%x: tensor<1x3x8x8xi32>) {
  // expected-error @+1 {{'braid.avg_pool2d' op input must be f32[N, C, H, W], got i32[1, 3, 8, 8]}}
  %0 = braid.avg_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<1x3x8x8xi32>
  return
}

// -----

// Tests that max_pool2d rejects a kernel of 0 (c2).
func.func @max_pool2d_c2(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d' op kernel [0, 2] must be in [1, 2^20]}}
  %0 = braid.max_pool2d %x kernel = [0, 2] strides = [2, 2] padding = [0, 0] : tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that max_pool2d rejects padding as large as the kernel (c2).
func.func @max_pool2d_c2_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d' op padding [2, 0] must be smaller than the kernel [2, 2]}}
  %0 = braid.max_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [2, 0] : tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that avg_pool2d rejects strides of three entries (c2).
func.func @avg_pool2d_c2(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'braid.avg_pool2d' op strides must have 2 entries [height, width], got [2, 2, 1]}}
  %0 = braid.avg_pool2d %x kernel = [2, 2] strides = [2, 2, 1] padding = [0, 0] : tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that avg_pool2d rejects negative padding (c2).
func.func @avg_pool2d_c2_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'braid.avg_pool2d' op padding [0, -1] must be in [0, 2^20]}}
  %0 = braid.avg_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [0, -1] : tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that max_pool2d rejects a kernel taller than the input (c3).
func.func @max_pool2d_c3(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d' op kernel [9, 2] does not fit the input f32[1, 3, 8, 8] padded by [0, 0]}}
  %0 = braid.max_pool2d %x kernel = [9, 2] strides = [2, 2] padding = [0, 0] : tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that avg_pool2d rejects a kernel that the padding cannot make fit
// (c3): 1 + 2 * 1 < 4.
func.func @avg_pool2d_c3(%x: tensor<1x1x1x4xf32>) {
  // expected-error @+1 {{'braid.avg_pool2d' op kernel [4, 4] does not fit the input f32[1, 1, 1, 4] padded by [1, 1]}}
  %0 = braid.avg_pool2d %x kernel = [4, 4] strides = [1, 1] padding = [1, 1] : tensor<1x1x1x4xf32>
  return
}

// -----

// Tests that a dynamically shaped input is rejected.
func.func @max_pool2d_dynamic(%x: tensor<1x3x?x8xf32>) {
  // expected-error @+1 {{'braid.max_pool2d' op input must be a statically shaped tensor, got tensor<1x3x?x8xf32>}}
  %0 = braid.max_pool2d %x kernel = [2, 2] strides = [2, 2] padding = [0, 0] : tensor<1x3x?x8xf32>
  return
}

// -----

// Tests that a result of more than 2^40 elements is rejected: 2^20 channels
// of 2^20 x 2^20 windows over a padded 1x1 input.
func.func @max_pool2d_result_too_large(%x: tensor<1x1048576x1x1xf32>) {
  // expected-error @+1 {{'braid.max_pool2d' op result tensor f32[1, 1048576, 1048576, 1048576] has more than 2^40 elements}}
  %0 = braid.max_pool2d %x kernel = [1048576, 1048576] strides = [1, 1] padding = [1048575, 1048575] : tensor<1x1048576x1x1xf32>
  return
}
