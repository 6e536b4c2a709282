// Softmax and log-softmax forward along one axis, via oneDNN's softmax_v2
// (softmax_accurate and softmax_log, both subtracting the maximum first).
// The tensor is seen as [outer, A, inner] with A the softmax axis.
//
//   inp f32[...], rank >= 1, axis in [0, rank)
//   out f32[...] softmax:     exp(x_i - max) / sum_j exp(x_j - max)
//                log_softmax: x_i - max - log(sum_j exp(x_j - max))
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

class SoftmaxKernel : public DnnlKernel {
public:
  SoftmaxKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    const std::vector<int64_t> &shape = step.inputs[0].shape;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < step.axis; ++i)
      outer *= shape[i];
    for (size_t i = step.axis + 1; i < shape.size(); ++i)
      inner *= shape[i];
    auto md = plainDesc({outer, shape[step.axis], inner});
    auto algorithm = step.kind == plan::KernelKind::LogSoftmax
                         ? dnnl::algorithm::softmax_log
                         : dnnl::algorithm::softmax_accurate;
    dnnl::softmax_v2_forward::primitive_desc pd(
        dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                       algorithm, md, md, 1),
        userScratchpadAttr(), engine_);
    inputs_ = {unbound(md)};
    outputs_ = {unbound(md)};
    DnnlStep &s = addStep(dnnl::softmax_v2_forward(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

} // namespace

Status createSoftmax(const StepDesc &step, KernelContext &context,
                     std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 1, 1, 1));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "operand", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
  const std::vector<int64_t> &shape = step.inputs[0].shape;
  if (shape.empty() || step.axis < 0 ||
      step.axis >= static_cast<int64_t>(shape.size()))
    return invalidArgument(kindName(step.kind) + " step: axis " +
                           std::to_string(step.axis) + " is out of range for " +
                           shape::toString(shape));
  if (step.outputs[0].shape != shape)
    return invalidArgument(kindName(step.kind) + " step: result shape " +
                           shape::toString(step.outputs[0].shape) +
                           " differs from the operand's " +
                           shape::toString(shape));
  try {
    *out = std::make_unique<SoftmaxKernel>(step, context);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
