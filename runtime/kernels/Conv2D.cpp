// 2-D convolution, forward and backward, via oneDNN's convolution_forward,
// convolution_backward_data and convolution_backward_weights (direct
// algorithm; each backward primitive created with a forward primitive
// descriptor as its hint). oneDNN picks the layouts it computes in; when they
// are not the plain ones the kernel reorders the operands into internal
// buffers (every run: the filter changes between steps) and the result back.
//
// Dimension letters as defined in Dnnl.h.
//
//   conv2d:
//     inp    f32[B, C, H, W]
//     filter f32[N, C, KH, KW]
//     bias   f32[N] (optional)
//     out    f32[B, N, OH, OW],
//       out[b, n, h, w] = bias[n] + sum_{c, i, j} filter[n, c, i, j] *
//           inp[b, c, h * sh + i * dh - ph, w * sw + j * dw - pw]
//       (zero outside inp), OH = (H + 2 ph - ((KH - 1) dh + 1)) / sh + 1
//
//   The backward kinds differentiate the forward expression
//     y[b, n, h, w] = sum_{c, i, j} filter[n, c, i, j] *
//                     x[b, c, h * sh + i * dh - ph, w * sw + j * dw - pw]
//   conv2d_backward_data:
//     dy f32[B, N, OH, OW], filter f32[N, C, KH, KW]
//     dx f32[B, C, H, W] (the result's shape) = d sum(dy * y) / dx
//   conv2d_backward_filter:
//     dy f32[B, N, OH, OW], x f32[B, C, H, W]
//     dfilter f32[N, C, KH, KW] (the result's shape) = d sum(dy * y) / dfilter
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

using tag = dnnl::memory::format_tag;

/// A descriptor of `shape` in whatever layout oneDNN prefers.
dnnl::memory::desc anyLayout(const std::vector<int64_t> &shape) {
  return dnnl::memory::desc(shape, dnnl::memory::data_type::f32, tag::any);
}

/// oneDNN counts dilation from 0 (a dense window is 0), the plan from 1.
dnnl::memory::dims dnnlDilations(const StepDesc &step) {
  return {step.dilations[0] - 1, step.dilations[1] - 1};
}

/// The operand layouts shared by the forward and backward kernels.
class ConvKernel : public DnnlKernel {
protected:
  using DnnlKernel::DnnlKernel;

  /// `from` itself when it has layout `desc`, else an internal buffer of
  /// that layout filled from it by a step.
  dnnl::memory asLayout(const dnnl::memory &from,
                        const dnnl::memory::desc &desc) {
    if (from.get_desc() == desc)
      return from;
    dnnl::memory to(desc, engine_);
    dnnl::reorder::primitive_desc pd(engine_, from.get_desc(), engine_, desc,
                                     userScratchpadAttr());
    DnnlStep &r = addStep(dnnl::reorder(pd), pd);
    r.arg(DNNL_ARG_FROM, from);
    r.arg(DNNL_ARG_TO, to);
    return to;
  }
  /// Where the primitive writes the result: the output itself when it has
  /// layout `desc`, else an internal buffer (see reorderResult).
  dnnl::memory resultIn(const dnnl::memory::desc &desc) {
    if (outputs_[0].get_desc() == desc)
      return outputs_[0];
    return dnnl::memory(desc, engine_);
  }
  /// Adds the step reordering an internal result buffer into the output.
  void reorderResult(const dnnl::memory &result) {
    if (result == outputs_[0])
      return;
    dnnl::reorder::primitive_desc pd(engine_, result.get_desc(), engine_,
                                     outputs_[0].get_desc(),
                                     userScratchpadAttr());
    DnnlStep &r = addStep(dnnl::reorder(pd), pd);
    r.arg(DNNL_ARG_FROM, result);
    r.arg(DNNL_ARG_TO, outputs_[0]);
  }
};

/// Checks the window attributes of a conv2d kind and that `in` and `filter`
/// give the output shape `out`.
Status checkConvShapes(const StepDesc &step, const std::vector<int64_t> &in,
                       const std::vector<int64_t> &filter,
                       const std::vector<int64_t> &out, const char *outName) {
  const std::string kind = kindName(step.kind);
  BRAID_RETURN_IF_ERROR(checkPair("strides", step.strides, 1, kind));
  BRAID_RETURN_IF_ERROR(checkPair("padding", step.padding, 0, kind));
  BRAID_RETURN_IF_ERROR(checkPair("dilations", step.dilations, 1, kind));
  std::vector<int64_t> expected = {in[0], filter[0], 0, 0};
  for (int i = 0; i < 2; ++i)
    expected[2 + i] = spatialExtent(in[2 + i], filter[2 + i], step.strides[i],
                                    step.padding[i], step.dilations[i]);
  if (filter[1] != in[1] || expected != out)
    return invalidArgument(kind + " step: input " + shape::toString(in) +
                           " and filter " + shape::toString(filter) +
                           " do not give " + outName + " " +
                           shape::toString(out));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

class Conv2DKernel : public ConvKernel {
public:
  Conv2DKernel(const StepDesc &step, const KernelContext &context)
      : ConvKernel(context) {
    const bool hasBias = step.inputs.size() == 3;
    dnnl::memory::dims strides = step.strides, padding = step.padding,
                       dilations = dnnlDilations(step);
    auto inpAny = anyLayout(step.inputs[0].shape),
         filterAny = anyLayout(step.inputs[1].shape),
         outAny = anyLayout(step.outputs[0].shape);
    auto kind = dnnl::prop_kind::forward_inference;
    auto algorithm = dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::desc desc =
        hasBias ? dnnl::convolution_forward::desc(
                      kind, algorithm, inpAny, filterAny,
                      plainDesc(step.inputs[2].shape), outAny, strides,
                      dilations, padding, padding)
                : dnnl::convolution_forward::desc(kind, algorithm, inpAny,
                                                  filterAny, outAny, strides,
                                                  dilations, padding, padding);
    dnnl::convolution_forward::primitive_desc pd(desc, userScratchpadAttr(),
                                                 engine_);
    inputs_ = {unbound(plainDesc(step.inputs[0].shape)),
               unbound(plainDesc(step.inputs[1].shape))};
    if (hasBias)
      inputs_.push_back(unbound(plainDesc(step.inputs[2].shape)));
    outputs_ = {unbound(plainDesc(step.outputs[0].shape))};

    dnnl::memory src = asLayout(inputs_[0], pd.src_desc());
    dnnl::memory weights = asLayout(inputs_[1], pd.weights_desc());
    dnnl::memory dst = resultIn(pd.dst_desc());
    DnnlStep &s = addStep(dnnl::convolution_forward(pd), pd);
    s.arg(DNNL_ARG_SRC, src);
    s.arg(DNNL_ARG_WEIGHTS, weights);
    if (hasBias)
      s.arg(DNNL_ARG_BIAS, inputs_[2]);
    s.arg(DNNL_ARG_DST, dst);
    reorderResult(dst);
  }
};

} // namespace

Status createConv2D(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "filter", f32, 4));
  if (step.inputs.size() == 3)
    BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[2], "bias", f32, 1));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  const std::vector<int64_t> &filter = step.inputs[1].shape;
  BRAID_RETURN_IF_ERROR(checkConvShapes(step, step.inputs[0].shape, filter,
                                        step.outputs[0].shape, "the result"));
  if (step.inputs.size() == 3 &&
      step.inputs[2].shape != std::vector<int64_t>{filter[0]})
    return invalidArgument(
        "conv2d step: bias " + shape::toString(step.inputs[2].shape) +
        " does not match the filter " + shape::toString(filter));
  try {
    *out = std::make_unique<Conv2DKernel>(step, context);
  } catch (...) {
    return statusFromException("conv2d step");
  }
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

namespace {

class Conv2DBackwardKernel : public ConvKernel {
public:
  Conv2DBackwardKernel(const StepDesc &step, const KernelContext &context)
      : ConvKernel(context) {
    const bool data = step.kind == plan::KernelKind::Conv2DBackwardData;
    const std::vector<int64_t> &dyShape = step.inputs[0].shape;
    const std::vector<int64_t> &xShape =
        data ? step.outputs[0].shape : step.inputs[1].shape;
    const std::vector<int64_t> &filterShape =
        data ? step.inputs[1].shape : step.outputs[0].shape;
    auto xAny = anyLayout(xShape), filterAny = anyLayout(filterShape),
         dyAny = anyLayout(dyShape);
    dnnl::memory::dims strides = step.strides, padding = step.padding,
                       dilations = dnnlDilations(step);
    auto algorithm = dnnl::algorithm::convolution_direct;
    // The forward primitive descriptor is only the backward ones' hint.
    dnnl::convolution_forward::primitive_desc hint(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                        algorithm, xAny, filterAny, dyAny,
                                        strides, dilations, padding, padding),
        engine_);
    inputs_ = {unbound(plainDesc(step.inputs[0].shape)),
               unbound(plainDesc(step.inputs[1].shape))};
    outputs_ = {unbound(plainDesc(step.outputs[0].shape))};
    if (data) {
      dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(algorithm, xAny, filterAny,
                                                dyAny, strides, dilations,
                                                padding, padding),
          userScratchpadAttr(), engine_, hint);
      dnnl::memory dy = asLayout(inputs_[0], pd.diff_dst_desc());
      dnnl::memory filter = asLayout(inputs_[1], pd.weights_desc());
      dnnl::memory dx = resultIn(pd.diff_src_desc());
      DnnlStep &s = addStep(dnnl::convolution_backward_data(pd), pd);
      s.arg(DNNL_ARG_DIFF_DST, dy);
      s.arg(DNNL_ARG_WEIGHTS, filter);
      s.arg(DNNL_ARG_DIFF_SRC, dx);
      reorderResult(dx);
    } else {
      dnnl::convolution_backward_weights::primitive_desc pd(
          dnnl::convolution_backward_weights::desc(algorithm, xAny, filterAny,
                                                   dyAny, strides, dilations,
                                                   padding, padding),
          userScratchpadAttr(), engine_, hint);
      dnnl::memory dy = asLayout(inputs_[0], pd.diff_dst_desc());
      dnnl::memory x = asLayout(inputs_[1], pd.src_desc());
      dnnl::memory dfilter = resultIn(pd.diff_weights_desc());
      DnnlStep &s = addStep(dnnl::convolution_backward_weights(pd), pd);
      s.arg(DNNL_ARG_DIFF_DST, dy);
      s.arg(DNNL_ARG_SRC, x);
      s.arg(DNNL_ARG_DIFF_WEIGHTS, dfilter);
      reorderResult(dfilter);
    }
  }
};

} // namespace

Status createConv2DBackward(const StepDesc &step, KernelContext &context,
                            std::unique_ptr<Kernel> *out) {
  const bool data = step.kind == plan::KernelKind::Conv2DBackwardData;
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "gradient", f32, 4));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], data ? "filter" : "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  const std::vector<int64_t> &in =
      data ? step.outputs[0].shape : step.inputs[1].shape;
  const std::vector<int64_t> &filter =
      data ? step.inputs[1].shape : step.outputs[0].shape;
  BRAID_RETURN_IF_ERROR(checkConvShapes(step, in, filter, step.inputs[0].shape,
                                        "the gradient's shape"));
  try {
    *out = std::make_unique<Conv2DBackwardKernel>(step, context);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
