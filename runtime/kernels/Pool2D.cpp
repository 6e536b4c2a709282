// 2-D max and average pooling forward, via oneDNN's pooling_forward (max
// ignores padding, average excludes it), plain NCHW in and out.
//
// Dimension letters as defined in Dnnl.h.
//
//   inp f32[B, C, H, W]
//   out f32[B, C, OH, OW], out[b, c, h, w] = max (or mean) of inp[b, c,
//       h * sh + i - ph, w * sw + j - pw] over the window's i < KH, j < KW
//       that fall inside inp; OH = (H + 2 ph - KH) / sh + 1
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {

namespace {

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

} // namespace

Status createPool2D(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  const std::string kind = kindName(step.kind);
  BRAID_RETURN_IF_ERROR(checkArity(step, 1, 1, 1));
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "input", f32, 4));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32, 4));
  BRAID_RETURN_IF_ERROR(checkPair("kernel", step.kernel, 1, kind));
  BRAID_RETURN_IF_ERROR(checkPair("strides", step.strides, 1, kind));
  BRAID_RETURN_IF_ERROR(checkPair("padding", step.padding, 0, kind));
  const std::vector<int64_t> &in = step.inputs[0].shape;
  std::vector<int64_t> expected = {in[0], in[1], 0, 0};
  for (int i = 0; i < 2; ++i) {
    if (step.padding[i] >= step.kernel[i])
      return invalidArgument(
          kind + " step: padding " + shape::toString(step.padding) +
          " must be smaller than the kernel " + shape::toString(step.kernel));
    expected[2 + i] = spatialExtent(in[2 + i], step.kernel[i], step.strides[i],
                                    step.padding[i], 1);
  }
  if (expected != step.outputs[0].shape)
    return invalidArgument(kind + " step: input " + shape::toString(in) +
                           " does not pool to " +
                           shape::toString(step.outputs[0].shape));
  try {
    *out = std::make_unique<Pool2DKernel>(step, context);
  } catch (...) {
    return statusFromException(kind + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
