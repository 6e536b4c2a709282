// Unary elementwise backward (relu_grad, sigmoid_grad, tanh_grad, gelu_grad)
// over the tensors seen as vectors of their elements: relu_grad as a native
// loop (as relu, Elementwise.cpp), the others through oneDNN's
// eltwise_backward. Relu and gelu differentiate at the forward input x;
// sigmoid and tanh at the forward result y (oneDNN's *_use_dst_for_bwd
// algorithms).
//
//   dy f32[...], the gradient of the forward result
//   x or y f32[...] of the same shape (the second operand)
//   dx f32[...] of the same shape, differentiating
//     relu:    y = max(x, 0)               dx = dy * (x > 0)
//     sigmoid: y = 1 / (1 + exp(-x))       dx = dy * y * (1 - y)
//     tanh:    y = tanh(x)                 dx = dy * (1 - y * y)
//     gelu:    y = x * Phi(x)              dx = dy * (Phi(x) + x * phi(x))
//     gelu_tanh: y = 0.5 x (1 + tanh(u)), u = sqrt(2 / pi) (x + 0.044715 x^3),
//              dx = dy * (0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) u')
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"

namespace braid::runtime::kernels {
namespace {

// PyTorch's threshold_backward: the gradient passes where x > 0 (and where x
// is NaN). The output may be dy's buffer.
BRAID_VECTOR_CLONES void reluGradLoop(int64_t n, const float *dy,
                                      const float *x, float *dx) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i)
    dx[i] = x[i] <= 0.f ? 0.f : dy[i];
}

class ReluGradKernel : public NativeKernel {
public:
  explicit ReluGradKernel(int64_t n) : NativeKernel("relu_grad", 2, 1), n_(n) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    dy_ = static_cast<const float *>(inputs[0]);
    x_ = static_cast<const float *>(inputs[1]);
    dx_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    reluGradLoop(n_, dy_, x_, dx_);
    return Status::ok();
  }

private:
  int64_t n_;
  const float *dy_ = nullptr, *x_ = nullptr;
  float *dx_ = nullptr;
};

class EltwiseGradKernel : public DnnlKernel {
public:
  EltwiseGradKernel(const StepDesc &step, const KernelContext &context,
                    dnnl::algorithm algorithm, bool useDst)
      : DnnlKernel(context) {
    auto md = plainDesc({step.inputs[0].elements()});
    // The forward primitive descriptor is only the backward one's hint.
    dnnl::eltwise_forward::primitive_desc hint(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training,
                                    algorithm, md, 0.f, 0.f),
        engine_);
    dnnl::eltwise_backward::primitive_desc pd(
        dnnl::eltwise_backward::desc(algorithm, md, md, 0.f, 0.f),
        userScratchpadAttr(), engine_, hint);
    inputs_ = {unbound(md), unbound(md)};
    outputs_ = {unbound(md)};
    DnnlStep &s = addStep(dnnl::eltwise_backward(pd), pd);
    s.arg(DNNL_ARG_DIFF_DST, inputs_[0]);
    s.arg(useDst ? DNNL_ARG_DST : DNNL_ARG_SRC, inputs_[1]);
    s.arg(DNNL_ARG_DIFF_SRC, outputs_[0]);
  }
};

} // namespace

Status createEltwiseGrad(const StepDesc &step, KernelContext &context,
                         std::unique_ptr<Kernel> *out) {
  dnnl::algorithm algorithm;
  bool useDst = false;
  switch (step.kind) {
  case plan::KernelKind::ReluGrad:
    algorithm = dnnl::algorithm::undef; // a native loop, below
    break;
  case plan::KernelKind::SigmoidGrad:
    algorithm = dnnl::algorithm::eltwise_logistic_use_dst_for_bwd;
    useDst = true;
    break;
  case plan::KernelKind::TanhGrad:
    algorithm = dnnl::algorithm::eltwise_tanh_use_dst_for_bwd;
    useDst = true;
    break;
  case plan::KernelKind::GeluGrad:
    algorithm = dnnl::algorithm::eltwise_gelu_erf;
    break;
  case plan::KernelKind::GeluTanhGrad:
    algorithm = dnnl::algorithm::eltwise_gelu_tanh;
    break;
  default:
    return internalError(kindName(step.kind) +
                         " is not an elementwise gradient kind");
  }
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "gradient", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "value", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32));
  if (step.inputs[0].shape != step.inputs[1].shape ||
      step.outputs[0].shape != step.inputs[1].shape)
    return invalidArgument(kindName(step.kind) + " step: gradient " +
                           shape::toString(step.inputs[0].shape) + ", value " +
                           shape::toString(step.inputs[1].shape) +
                           " and result " +
                           shape::toString(step.outputs[0].shape) + " differ");
  try {
    if (step.kind == plan::KernelKind::ReluGrad)
      *out = std::make_unique<ReluGradKernel>(step.inputs[0].elements());
    else
      *out =
          std::make_unique<EltwiseGradKernel>(step, context, algorithm, useDst);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
