// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// braid.conv2d: (c1) `input` is f32[N, C, H, W] and `filter` f32[O, C, KH, KW]
// with the same C; (c2) `bias`, when present, is f32[O]; (c3) `strides` and
// `dilations` are [height, width] of at least 1, `padding` of at least 0;
// (c4) the dilated filter fits the padded input. Each output extent is
// (in + 2 * pad - ((k - 1) * dilation + 1)) / stride + 1.

// Tests that conv2d with a bias prints and parses back; padding 2 keeps a
// 5x5 filter's output at 28x28.
// CHECK-LABEL: func.func @conv2d
// CHECK: %[[Y:.*]] = braid.conv2d %{{.*}}, %{{.*}}, %{{.*}} strides = [1, 1] padding = [2, 2] dilations = [1, 1] : tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64x6x28x28xf32>
func.func @conv2d(%x: tensor<64x1x28x28xf32>, %w: tensor<6x1x5x5xf32>, %b: tensor<6xf32>) -> tensor<64x6x28x28xf32> {
  %0 = braid.conv2d %x, %w, %b strides = [1, 1] padding = [2, 2] dilations = [1, 1]
      : tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>
  return %0 : tensor<64x6x28x28xf32>
}

// -----

// Tests that conv2d without a bias prints and parses back without one.
// CHECK-LABEL: func.func @conv2d_no_bias
// CHECK: %[[Y:.*]] = braid.conv2d %{{[^,]*}}, %{{[^,]*}} strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<64x6x14x14xf32>, tensor<16x6x5x5xf32>{{$}}
// CHECK-NEXT: return %[[Y]] : tensor<64x16x10x10xf32>
func.func @conv2d_no_bias(%x: tensor<64x6x14x14xf32>, %w: tensor<16x6x5x5xf32>) -> tensor<64x16x10x10xf32> {
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 1]
      : tensor<64x6x14x14xf32>, tensor<16x6x5x5xf32>
  return %0 : tensor<64x16x10x10xf32>
}

// -----

// Tests the output extents with stride, padding and dilation, different in
// height and width: H = (10 + 0 - 3) / 1 + 1 = 8, W = (7 + 4 - 5) / 3 + 1 = 3.
// CHECK-LABEL: func.func @conv2d_stride_padding_dilation
// CHECK: %[[Y:.*]] = braid.conv2d %{{.*}}, %{{.*}} strides = [1, 3] padding = [0, 2] dilations = [1, 2] : tensor<1x2x10x7xf32>, tensor<3x2x3x3xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x3x8x3xf32>
func.func @conv2d_stride_padding_dilation(%x: tensor<1x2x10x7xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x8x3xf32> {
  %0 = braid.conv2d %x, %w strides = [1, 3] padding = [0, 2] dilations = [1, 2]
      : tensor<1x2x10x7xf32>, tensor<3x2x3x3xf32>
  return %0 : tensor<1x3x8x3xf32>
}

// -----

// Tests that a rank-3 input is rejected, which only the rule can tell (c1).
func.func @conv2d_c1(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op input must be f32[N, C, H, W], got f32[3, 8, 8]}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that an i32 input is rejected (c1).
func.func @conv2d_c1_i32(%x: tensor<1x3x8x8xi32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op input must be f32[N, C, H, W], got i32[1, 3, 8, 8]}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xi32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a rank-3 filter is rejected (c1).
func.func @conv2d_c1_filter(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op filter must be f32[O, C, KH, KW], got f32[4, 3, 3]}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3xf32>
  return
}

// -----

// Tests that differing input channels are rejected (c1).
func.func @conv2d_c1_channels(%x: tensor<1x2x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op filter f32[4, 3, 3, 3] expects 3 input channels but the input f32[1, 2, 8, 8] has 2}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<1x2x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a bias of the input channels instead of the output channels is
// rejected (c2).
func.func @conv2d_c2(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op bias must be f32[4], got f32[3]}}
  %0 = braid.conv2d %x, %w, %b strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>
  return
}

// -----

// Tests that a rank-2 bias is rejected (c2).
func.func @conv2d_c2_rank2(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'braid.conv2d' op bias must be f32[4], got f32[1, 4]}}
  %0 = braid.conv2d %x, %w, %b strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4xf32>
  return
}

// -----

// Tests that a stride of 0 is rejected (c3).
func.func @conv2d_c3(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op strides [0, 1] must be in [1, 2^20]}}
  %0 = braid.conv2d %x, %w strides = [0, 1] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that strides of one entry are rejected (c3).
func.func @conv2d_c3_entries(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op strides must have 2 entries [height, width], got [1]}}
  %0 = braid.conv2d %x, %w strides = [1] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that negative padding is rejected (c3).
func.func @conv2d_c3_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op padding [-1, 0] must be in [0, 2^20]}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [-1, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a dilation of 0 is rejected (c3).
func.func @conv2d_c3_dilations(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op dilations [1, 0] must be in [1, 2^20]}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 0] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a stride past 2^20 is rejected (c3).
func.func @conv2d_c3_large(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op strides [1, 1048577] must be in [1, 2^20]}}
  %0 = braid.conv2d %x, %w strides = [1, 1048577] padding = [0, 0] dilations = [1, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a dilated filter wider than the input is rejected (c4).
func.func @conv2d_c4(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op filter f32[4, 3, 3, 3] with dilations [4, 1] does not fit the input f32[1, 3, 8, 8] padded by [0, 0]}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [4, 1] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a dynamically shaped input is rejected.
func.func @conv2d_dynamic(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'braid.conv2d' op input must be a statically shaped tensor, got tensor<?x3x8x8xf32>}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [0, 0] dilations = [1, 1] : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// Tests that a result of more than 2^40 elements is rejected: 2^22 output
// channels of (1 + 2 * 2^20)^2 positions each.
func.func @conv2d_result_too_large(%x: tensor<1x1x1x1xf32>, %w: tensor<4194304x1x1x1xf32>) {
  // expected-error @+1 {{'braid.conv2d' op result tensor f32[1, 4194304, 2097153, 2097153] has more than 2^40 elements}}
  %0 = braid.conv2d %x, %w strides = [1, 1] padding = [1048576, 1048576] dilations = [1, 1] : tensor<1x1x1x1xf32>, tensor<4194304x1x1x1xf32>
  return
}
