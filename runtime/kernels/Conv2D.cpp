// 2-D convolution forward, via oneDNN's convolution_forward (direct
// algorithm). oneDNN picks the layouts it computes in; when they are not the
// plain ones the kernel reorders input and filter into internal buffers (every
// run: the filter changes between steps) and the result back.
//
// Dimension letters as defined in Dnnl.h.
//
//   inp    f32[B, C, H, W]
//   filter f32[N, C, KH, KW]
//   bias   f32[N] (optional)
//   out    f32[B, N, OH, OW],
//     out[b, n, h, w] = bias[n] + sum_{c, i, j} filter[n, c, i, j] *
//         inp[b, c, h * sh + i * dh - ph, w * sw + j * dw - pw]
//     (zero outside inp), OH = (H + 2 ph - ((KH - 1) dh + 1)) / sh + 1
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

using tag = dnnl::memory::format_tag;

class Conv2DKernel : public DnnlKernel {
public:
  Conv2DKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    const bool hasBias = step.inputs.size() == 3;
    auto f32 = dnnl::memory::data_type::f32;
    auto inp = plainDesc(step.inputs[0].shape);
    auto filter = plainDesc(step.inputs[1].shape);
    auto out = plainDesc(step.outputs[0].shape);
    auto any = [&](const std::vector<int64_t> &shape) {
      return dnnl::memory::desc(shape, f32, tag::any);
    };
    dnnl::memory::dims strides = step.strides, padding = step.padding,
                       dilations = {step.dilations[0] - 1,
                                    step.dilations[1] - 1};
    auto inpAny = any(step.inputs[0].shape),
         filterAny = any(step.inputs[1].shape),
         outAny = any(step.outputs[0].shape);
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
    inputs_ = {unbound(inp), unbound(filter)};
    if (hasBias)
      inputs_.push_back(unbound(plainDesc(step.inputs[2].shape)));
    outputs_ = {unbound(out)};

    dnnl::memory src = inputs_[0], weights = inputs_[1], dst = outputs_[0];
    if (pd.src_desc() != inp)
      src = reorderFrom(inputs_[0], pd.src_desc());
    if (pd.weights_desc() != filter)
      weights = reorderFrom(inputs_[1], pd.weights_desc());
    if (pd.dst_desc() != out)
      dst = dnnl::memory(pd.dst_desc(), engine_);
    DnnlStep &s = addStep(dnnl::convolution_forward(pd), pd);
    s.arg(DNNL_ARG_SRC, src);
    s.arg(DNNL_ARG_WEIGHTS, weights);
    if (hasBias)
      s.arg(DNNL_ARG_BIAS, inputs_[2]);
    s.arg(DNNL_ARG_DST, dst);
    if (dst != outputs_[0]) {
      dnnl::reorder::primitive_desc rpd(engine_, dst.get_desc(), engine_, out,
                                        userScratchpadAttr());
      DnnlStep &r = addStep(dnnl::reorder(rpd), rpd);
      r.arg(DNNL_ARG_FROM, dst);
      r.arg(DNNL_ARG_TO, outputs_[0]);
    }
  }

private:
  /// An internal buffer of layout `desc`, filled from `from` by a step.
  dnnl::memory reorderFrom(const dnnl::memory &from,
                           const dnnl::memory::desc &desc) {
    dnnl::memory to(desc, engine_);
    dnnl::reorder::primitive_desc pd(engine_, from.get_desc(), engine_, desc,
                                     userScratchpadAttr());
    DnnlStep &r = addStep(dnnl::reorder(pd), pd);
    r.arg(DNNL_ARG_FROM, from);
    r.arg(DNNL_ARG_TO, to);
    return to;
  }
};

} // namespace

Status createConv2D(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 2, 3, 1));
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "filter", f32, 4));
  if (step.inputs.size() == 3)
    BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[2], "bias", f32, 1));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  BRAID_RETURN_IF_ERROR(checkPair("strides", step.strides, 1, "conv2d"));
  BRAID_RETURN_IF_ERROR(checkPair("padding", step.padding, 0, "conv2d"));
  BRAID_RETURN_IF_ERROR(checkPair("dilations", step.dilations, 1, "conv2d"));
  const std::vector<int64_t> &in = step.inputs[0].shape,
                             &filter = step.inputs[1].shape;
  std::vector<int64_t> expected = {in[0], filter[0], 0, 0};
  for (int i = 0; i < 2; ++i)
    expected[2 + i] = spatialExtent(in[2 + i], filter[2 + i], step.strides[i],
                                    step.padding[i], step.dilations[i]);
  if (filter[1] != in[1] || expected != step.outputs[0].shape ||
      (step.inputs.size() == 3 &&
       step.inputs[2].shape != std::vector<int64_t>{filter[0]}))
    return invalidArgument("conv2d step: input " + shape::toString(in) +
                           " and filter " + shape::toString(filter) +
                           " do not give the result " +
                           shape::toString(step.outputs[0].shape));
  try {
    *out = std::make_unique<Conv2DKernel>(step, context);
  } catch (...) {
    return statusFromException("conv2d step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
