// Softmax and log-softmax backward along one axis, via oneDNN's softmax_v2
// backward (from the forward result y and the incoming gradient dy). The
// tensors are seen as [outer, A, inner] with A the softmax axis.
//
//   dy, y f32[...] of one shape, rank >= 1, axis in [0, rank)
//   dx    f32[...] of the same shape, differentiating
//     softmax:     y = exp(x_i) / sum_j exp(x_j)   dx = y * (dy - sum(dy * y))
//     log_softmax: y = x_i - log(sum_j exp(x_j))   dx = dy - exp(y) * sum(dy)
//   (sums along the axis)
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

class SoftmaxGradKernel : public DnnlKernel {
public:
  SoftmaxGradKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    const std::vector<int64_t> &shape = step.inputs[1].shape;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < step.axis; ++i)
      outer *= shape[i];
    for (size_t i = step.axis + 1; i < shape.size(); ++i)
      inner *= shape[i];
    auto md = plainDesc({outer, shape[step.axis], inner});
    auto algorithm = step.kind == plan::KernelKind::LogSoftmaxGrad
                         ? dnnl::algorithm::softmax_log
                         : dnnl::algorithm::softmax_accurate;
    // The forward primitive descriptor is only the backward one's hint.
    dnnl::softmax_v2_forward::primitive_desc hint(
        dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_training,
                                       algorithm, md, md, 1),
        engine_);
    dnnl::softmax_v2_backward::primitive_desc pd(
        dnnl::softmax_v2_backward::desc(algorithm, md, md, md, 1),
        userScratchpadAttr(), engine_, hint);
    inputs_ = {unbound(md), unbound(md)};
    outputs_ = {unbound(md)};
    DnnlStep &s = addStep(dnnl::softmax_v2_backward(pd), pd);
    s.arg(DNNL_ARG_DIFF_DST, inputs_[0]);
    s.arg(DNNL_ARG_DST, inputs_[1]);
    s.arg(DNNL_ARG_DIFF_SRC, outputs_[0]);
  }
};

} // namespace

Status createSoftmaxGrad(const StepDesc &step, KernelContext &context,
                         std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkArity(step, 2, 2, 1));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "gradient", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "result", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "gradient", f32));
  const std::vector<int64_t> &shape = step.inputs[1].shape;
  if (shape.empty() || step.axis < 0 ||
      step.axis >= static_cast<int64_t>(shape.size()))
    return invalidArgument(kindName(step.kind) + " step: axis " +
                           std::to_string(step.axis) + " is out of range for " +
                           shape::toString(shape));
  if (step.inputs[0].shape != shape || step.outputs[0].shape != shape)
    return invalidArgument(kindName(step.kind) + " step: gradient " +
                           shape::toString(step.inputs[0].shape) + ", result " +
                           shape::toString(shape) + " and input gradient " +
                           shape::toString(step.outputs[0].shape) + " differ");
  try {
    *out = std::make_unique<SoftmaxGradKernel>(step, context);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
