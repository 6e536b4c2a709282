// Softmax and log-softmax along one axis, forward and backward, via oneDNN's
// softmax_v2 (softmax_accurate and softmax_log, both subtracting the maximum
// first; the backward from the forward result y and the incoming gradient
// dy). The tensors are seen as [outer, A, inner] with A the softmax axis.
//
//   softmax, log_softmax:
//     inp f32[...], rank >= 1, axis in [0, rank)
//     out f32[...] softmax:     exp(x_i - max) / sum_j exp(x_j - max)
//                  log_softmax: x_i - max - log(sum_j exp(x_j - max))
//   softmax_grad, log_softmax_grad:
//     dy, y f32[...] of one shape, rank >= 1, axis in [0, rank)
//     dx    f32[...] of the same shape, differentiating
//       softmax:     y = exp(x_i) / sum_j exp(x_j)
//                    dx = y * (dy - sum(dy * y))
//       log_softmax: y = x_i - log(sum_j exp(x_j))
//                    dx = dy - exp(y) * sum(dy)
//     (sums along the axis)
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

/// `shape` as [outer, A, inner] around the softmax axis.
dnnl::memory::desc axisDesc(const std::vector<int64_t> &shape, int64_t axis) {
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  return plainDesc({outer, shape[axis], inner});
}

/// Checks that the step's axis is one of `shape`'s.
Status checkAxis(const StepDesc &step, const std::vector<int64_t> &shape) {
  if (shape.empty() || step.axis < 0 ||
      step.axis >= static_cast<int64_t>(shape.size()))
    return invalidArgument(kindName(step.kind) + " step: axis " +
                           std::to_string(step.axis) + " is out of range for " +
                           shape::toString(shape));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

class SoftmaxKernel : public DnnlKernel {
public:
  SoftmaxKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    auto md = axisDesc(step.inputs[0].shape, step.axis);
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
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "operand", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
  const std::vector<int64_t> &shape = step.inputs[0].shape;
  BRAID_RETURN_IF_ERROR(checkAxis(step, shape));
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

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

namespace {

class SoftmaxGradKernel : public DnnlKernel {
public:
  SoftmaxGradKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    auto md = axisDesc(step.inputs[1].shape, step.axis);
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
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "gradient", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "result", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "gradient", f32));
  const std::vector<int64_t> &shape = step.inputs[1].shape;
  BRAID_RETURN_IF_ERROR(checkAxis(step, shape));
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
