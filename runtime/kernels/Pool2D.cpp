// 2-D max and average pooling, forward and backward, plain NCHW in and out.
// The forward kinds and avg_pool2d_grad run oneDNN's pooling_forward and
// pooling_backward (max ignores padding, average excludes it), but for max
// pooling over 2x2 windows at stride 2, which is native.
// max_pool2d_grad is native: the plan gives it the forward input x rather
// than oneDNN's workspace, and the semantics (each window's gradient to its
// first maximum, row-major within the window) need not match oneDNN's
// tie-breaking.
//
// Dimension letters as defined in Dnnl.h.
//
//   max_pool2d, avg_pool2d:
//     inp f32[B, C, H, W]
//     out f32[B, C, OH, OW], out[b, c, h, w] = max (or mean) of inp[b, c,
//         h * sh + i - ph, w * sw + j - pw] over the window's i < KH, j < KW
//         that fall inside inp; OH = (H + 2 ph - KH) / sh + 1
//   max_pool2d_grad:
//     dy f32[B, C, OH, OW], x f32[B, C, H, W]
//     dx f32[B, C, H, W], differentiating
//       y[b, c, h, w] = max over the window's in-bounds i < KH, j < KW of
//                       x[b, c, h * sh + i - ph, w * sw + j - pw]:
//       dx[b, c, y, x] = sum of dy[b, c, h, w] over the windows whose first
//                        maximum is at (y, x)
//   avg_pool2d_grad:
//     dy f32[B, C, OH, OW]
//     dx f32[B, C, H, W] (the result's shape), differentiating
//       y[b, c, h, w] = mean of the window's in-bounds elements (n of them):
//       each in-bounds element of the window gets dy[b, c, h, w] / n
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace braid::runtime::kernels {
namespace {

/// Checks the window attributes of a pooling kind and gives the shape that
/// pooling `in` yields.
Status checkPoolWindow(const StepDesc &step, const std::vector<int64_t> &in,
                       std::vector<int64_t> *pooled) {
  const std::string kind = kindName(step.kind);
  BRAID_RETURN_IF_ERROR(checkPair("kernel", step.kernel, 1, kind));
  BRAID_RETURN_IF_ERROR(checkPair("strides", step.strides, 1, kind));
  BRAID_RETURN_IF_ERROR(checkPair("padding", step.padding, 0, kind));
  *pooled = {in[0], in[1], 0, 0};
  for (int i = 0; i < 2; ++i) {
    if (step.padding[i] >= step.kernel[i])
      return invalidArgument(
          kind + " step: padding " + shape::toString(step.padding) +
          " must be smaller than the kernel " + shape::toString(step.kernel));
    (*pooled)[2 + i] = spatialExtent(in[2 + i], step.kernel[i], step.strides[i],
                                     step.padding[i], 1);
  }
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

class Pool2DKernel : public DnnlKernel {
public:
  Pool2DKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    auto inp = plainDesc(step.inputs[0].shape);
    auto out = plainDesc(step.outputs[0].shape);
    auto algorithm = step.kind == plan::KernelKind::MaxPool2D
                         ? dnnl::algorithm::pooling_max
                         : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::primitive_desc pd(
        dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference,
                                    algorithm, inp, out, step.strides,
                                    step.kernel, step.padding, step.padding),
        userScratchpadAttr(), engine_);
    inputs_ = {unbound(inp)};
    outputs_ = {unbound(out)};
    DnnlStep &s = addStep(dnnl::pooling_forward(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

/// max_pool2d over 2x2 windows at stride 2 without padding, which tile the
/// input (as MaxPool2DGradKernel's tiled path): oneDNN 2.6 runs plain NCHW
/// pooling several times slower than this loop. Its values are oneDNN's:
/// the maximum starts at the lowest float and takes each element greater
/// than it, row-major, so a NaN is skipped, a window of NaN and -inf gives
/// the lowest float, and of equal zeros the first one's sign stays.
class MaxPool2DTiledKernel : public NativeKernel {
public:
  MaxPool2DTiledKernel(int64_t planes, int64_t H, int64_t W)
      : NativeKernel("max_pool2d", 1, 1), planes_(planes), H_(H), W_(W) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    x_ = static_cast<const float *>(inputs[0]);
    y_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const int64_t OH = H_ / 2, OW = W_ / 2;
    auto greater = [](float v, float m) { return v > m ? v : m; };
    for (int64_t p = 0; p < planes_; ++p)
      for (int64_t h = 0; h < OH; ++h) {
        const float *x0 = x_ + (p * H_ + 2 * h) * W_, *x1 = x0 + W_;
        float *y = y_ + (p * OH + h) * OW;
        for (int64_t w = 0; w < OW; ++w) {
          float m = std::numeric_limits<float>::lowest();
          m = greater(x0[2 * w], m);
          m = greater(x0[2 * w + 1], m);
          m = greater(x1[2 * w], m);
          y[w] = greater(x1[2 * w + 1], m);
        }
      }
    return Status::ok();
  }

private:
  int64_t planes_, H_, W_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

/// Whether a window of `step` is 2x2 at stride 2 without padding.
bool tiles2x2(const StepDesc &step) {
  return step.kernel == std::vector<int64_t>{2, 2} &&
         step.strides == std::vector<int64_t>{2, 2} &&
         step.padding == std::vector<int64_t>{0, 0};
}

} // namespace

Status createPool2D(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  const std::string kind = kindName(step.kind);
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  const std::vector<int64_t> &in = step.inputs[0].shape;
  std::vector<int64_t> expected;
  BRAID_RETURN_IF_ERROR(checkPoolWindow(step, in, &expected));
  if (expected != step.outputs[0].shape)
    return invalidArgument(kind + " step: input " + shape::toString(in) +
                           " does not pool to " +
                           shape::toString(step.outputs[0].shape));
  if (step.kind == plan::KernelKind::MaxPool2D && tiles2x2(step)) {
    *out = std::make_unique<MaxPool2DTiledKernel>(in[0] * in[1], in[2], in[3]);
    return Status::ok();
  }
  try {
    *out = std::make_unique<Pool2DKernel>(step, context);
  } catch (...) {
    return statusFromException(kind + " step");
  }
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

namespace {

struct PoolGeometry {
  int64_t B = 0, C = 0, H = 0, W = 0, OH = 0, OW = 0;
  int64_t KH = 0, KW = 0, sh = 0, sw = 0, ph = 0, pw = 0;
};

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// All ones when v > m (false for a NaN either side), else 0.
uint32_t greaterMask(float v, float m) { return 0u - uint32_t(v > m); }

/// `v` where `mask` is all ones, else `otherwise`.
float select(uint32_t mask, float v, float otherwise) {
  return floatOf((bitsOf(v) & mask) | (bitsOf(otherwise) & ~mask));
}

class MaxPool2DGradKernel : public NativeKernel {
public:
  MaxPool2DGradKernel(const PoolGeometry &g, bool tiled)
      : NativeKernel("max_pool2d_grad", 2, 1), g_(g), tiled_(tiled) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    dy_ = static_cast<const float *>(inputs[0]);
    x_ = static_cast<const float *>(inputs[1]);
    dx_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const PoolGeometry &g = g_;
    if (tiled_) {
      computeTiled2x2();
      return Status::ok();
    }
    std::fill(dx_, dx_ + g.B * g.C * g.H * g.W, 0.f);
    for (int64_t bc = 0; bc < g.B * g.C; ++bc) {
      const float *x = x_ + bc * g.H * g.W;
      const float *dy = dy_ + bc * g.OH * g.OW;
      float *dx = dx_ + bc * g.H * g.W;
      for (int64_t h = 0; h < g.OH; ++h) {
        const int64_t y0 = std::max<int64_t>(h * g.sh - g.ph, 0);
        const int64_t y1 = std::min(h * g.sh - g.ph + g.KH, g.H);
        for (int64_t w = 0; w < g.OW; ++w) {
          const int64_t x0 = std::max<int64_t>(w * g.sw - g.pw, 0);
          const int64_t x1 = std::min(w * g.sw - g.pw + g.KW, g.W);
          int64_t best = y0 * g.W + x0;
          for (int64_t yy = y0; yy < y1; ++yy)
            for (int64_t xx = x0; xx < x1; ++xx)
              if (x[yy * g.W + xx] > x[best]) // strict: the first maximum
                best = yy * g.W + xx;
          dx[best] += dy[h * g.OW + w];
        }
      }
    }
    return Status::ok();
  }

private:
  /// 2x2 windows at stride 2 without padding (lenet's, and most networks'
  /// pooling) tile the input: each element lies in one window at most, so
  /// a window writes its four gradients at once, with bit masks where the
  /// general loop above fills, searches with branches and adds. The values
  /// are the general loop's bit for bit: the same comparisons pick the
  /// first maximum (a NaN included), and 0 + dy, not dy, keeps its -0 -> +0.
  void computeTiled2x2() const {
    const PoolGeometry &g = g_;
    for (int64_t bc = 0; bc < g.B * g.C; ++bc) {
      const float *x = x_ + bc * g.H * g.W;
      const float *dy = dy_ + bc * g.OH * g.OW;
      float *dx = dx_ + bc * g.H * g.W;
      for (int64_t h = 0; h < g.OH; ++h) {
        const float *x0 = x + 2 * h * g.W, *x1 = x0 + g.W;
        float *d0 = dx + 2 * h * g.W, *d1 = d0 + g.W;
        const float *gy = dy + h * g.OW;
        for (int64_t w = 0; w < g.OW; ++w) {
          // All-ones where the element is greater than the maximum so far:
          // masks, not branches, which the data's order would mispredict.
          const uint32_t b = greaterMask(x0[2 * w + 1], x0[2 * w]);
          const float m1 = select(b, x0[2 * w + 1], x0[2 * w]);
          const uint32_t c = greaterMask(x1[2 * w], m1);
          const float m2 = select(c, x1[2 * w], m1);
          const uint32_t d = greaterMask(x1[2 * w + 1], m2);
          const uint32_t v = bitsOf(0.f + gy[w]);
          d0[2 * w] = floatOf(v & ~b & ~c & ~d);
          d0[2 * w + 1] = floatOf(v & b & ~c & ~d);
          d1[2 * w] = floatOf(v & c & ~d);
          d1[2 * w + 1] = floatOf(v & d);
        }
        // An odd last column lies in no window.
        for (int64_t c = 2 * g.OW; c < g.W; ++c)
          d0[c] = d1[c] = 0.f;
      }
      // So does an odd last row.
      std::fill(dx + 2 * g.OH * g.W, dx + g.H * g.W, 0.f);
    }
  }

  PoolGeometry g_;
  bool tiled_; // 2x2 windows at stride 2 without padding (tiles2x2)
  const float *dy_ = nullptr, *x_ = nullptr;
  float *dx_ = nullptr;
};

class AvgPool2DGradKernel : public DnnlKernel {
public:
  AvgPool2DGradKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    auto dy = plainDesc(step.inputs[0].shape);
    auto dx = plainDesc(step.outputs[0].shape);
    auto algorithm = dnnl::algorithm::pooling_avg_exclude_padding;
    // The forward primitive descriptor is only the backward one's hint.
    dnnl::pooling_forward::primitive_desc hint(
        dnnl::pooling_forward::desc(dnnl::prop_kind::forward_training,
                                    algorithm, dx, dy, step.strides,
                                    step.kernel, step.padding, step.padding),
        engine_);
    dnnl::pooling_backward::primitive_desc pd(
        dnnl::pooling_backward::desc(algorithm, dx, dy, step.strides,
                                     step.kernel, step.padding, step.padding),
        userScratchpadAttr(), engine_, hint);
    inputs_ = {unbound(dy)};
    outputs_ = {unbound(dx)};
    DnnlStep &s = addStep(dnnl::pooling_backward(pd), pd);
    s.arg(DNNL_ARG_DIFF_DST, inputs_[0]);
    s.arg(DNNL_ARG_DIFF_SRC, outputs_[0]);
  }
};

/// Checks the attributes and that `dy` is what pooling `input` gives.
Status checkPoolGrad(const StepDesc &step, const TensorDesc &dy,
                     const TensorDesc &input, PoolGeometry *g) {
  const std::string kind = kindName(step.kind);
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, dy, "gradient", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, input, "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  const std::vector<int64_t> &in = input.shape;
  std::vector<int64_t> expected;
  BRAID_RETURN_IF_ERROR(checkPoolWindow(step, in, &expected));
  if (expected != dy.shape || step.outputs[0].shape != in)
    return invalidArgument(kind + " step: input " + shape::toString(in) +
                           " does not pool to the gradient " +
                           shape::toString(dy.shape) + " (result " +
                           shape::toString(step.outputs[0].shape) + ")");
  *g = {in[0],           in[1],           in[2],           in[3],
        expected[2],     expected[3],     step.kernel[0],  step.kernel[1],
        step.strides[0], step.strides[1], step.padding[0], step.padding[1]};
  return Status::ok();
}

} // namespace

Status createMaxPool2DGrad(const StepDesc &step, KernelContext &,
                           std::unique_ptr<Kernel> *out) {
  PoolGeometry g;
  BRAID_RETURN_IF_ERROR(
      checkPoolGrad(step, step.inputs[0], step.inputs[1], &g));
  *out = std::make_unique<MaxPool2DGradKernel>(g, tiles2x2(step));
  return Status::ok();
}

Status createAvgPool2DGrad(const StepDesc &step, KernelContext &context,
                           std::unique_ptr<Kernel> *out) {
  PoolGeometry g;
  BRAID_RETURN_IF_ERROR(
      checkPoolGrad(step, step.inputs[0], step.outputs[0], &g));
  try {
    *out = std::make_unique<AvgPool2DGradKernel>(step, context);
  } catch (...) {
    return statusFromException("avg_pool2d_grad step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
