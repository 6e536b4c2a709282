// 2-D convolution backward, via oneDNN's convolution_backward_data and
// convolution_backward_weights (direct algorithm; each created with a forward
// primitive descriptor as its hint). As in Conv2D.cpp, operands are reordered
// into oneDNN's chosen layouts every run when they are not the plain ones,
// and the result is reordered back.
//
// Dimension letters as defined in Dnnl.h. The forward expression both
// differentiate:
//   y[b, n, h, w] = sum_{c, i, j} filter[n, c, i, j] *
//                   x[b, c, h * sh + i * dh - ph, w * sw + j * dw - pw]
//
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

class Conv2DBackwardKernel : public DnnlKernel {
public:
  Conv2DBackwardKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    const bool data = step.kind == plan::KernelKind::Conv2DBackwardData;
    const std::vector<int64_t> &dyShape = step.inputs[0].shape;
    const std::vector<int64_t> &xShape =
        data ? step.outputs[0].shape : step.inputs[1].shape;
    const std::vector<int64_t> &filterShape =
        data ? step.inputs[1].shape : step.outputs[0].shape;
    auto any = [](const std::vector<int64_t> &shape) {
      return dnnl::memory::desc(shape, dnnl::memory::data_type::f32, tag::any);
    };
    auto xAny = any(xShape), filterAny = any(filterShape), dyAny = any(dyShape);
    dnnl::memory::dims strides = step.strides, padding = step.padding,
                       dilations = {step.dilations[0] - 1,
                                    step.dilations[1] - 1};
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

private:
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

} // namespace

Status createConv2DBackward(const StepDesc &step, KernelContext &context,
                            std::unique_ptr<Kernel> *out) {
  const std::string kind = kindName(step.kind);
  const bool data = step.kind == plan::KernelKind::Conv2DBackwardData;
  BRAID_RETURN_IF_ERROR(checkArity(step, 2, 2, 1));
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "gradient", f32, 4));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], data ? "filter" : "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  BRAID_RETURN_IF_ERROR(checkPair("strides", step.strides, 1, kind));
  BRAID_RETURN_IF_ERROR(checkPair("padding", step.padding, 0, kind));
  BRAID_RETURN_IF_ERROR(checkPair("dilations", step.dilations, 1, kind));
  const std::vector<int64_t> &in =
      data ? step.outputs[0].shape : step.inputs[1].shape;
  const std::vector<int64_t> &filter =
      data ? step.inputs[1].shape : step.outputs[0].shape;
  std::vector<int64_t> expected = {in[0], filter[0], 0, 0};
  for (int i = 0; i < 2; ++i)
    expected[2 + i] = spatialExtent(in[2 + i], filter[2 + i], step.strides[i],
                                    step.padding[i], step.dilations[i]);
  if (filter[1] != in[1] || expected != step.inputs[0].shape)
    return invalidArgument(kind + " step: input " + shape::toString(in) +
                           " and filter " + shape::toString(filter) +
                           " do not give the gradient's shape " +
                           shape::toString(step.inputs[0].shape));
  try {
    *out = std::make_unique<Conv2DBackwardKernel>(step, context);
  } catch (...) {
    return statusFromException(kind + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
