// Unary elementwise forward (relu, sigmoid, tanh, gelu, exp, log, sqrt,
// rsqrt, abs, pow) over the tensor seen as a vector of its elements: relu as
// a native loop (oneDNN's execute allocates its argument map on every call,
// and relu is a compare), the others through oneDNN's eltwise primitive,
// whose exp, log and erf are vectorized. rsqrt is its pow with exponent
// -0.5 (oneDNN has no rsqrt), pow its alpha * x^beta with alpha = 1.
//
//   inp f32[...] (any shape, rank 0 included)
//   out f32[...] = f(inp): relu max(x, 0); sigmoid 1 / (1 + exp(-x));
//                  tanh(x); gelu 0.5 * x * (1 + erf(x / sqrt(2)));
//                  gelu_tanh 0.5 * x * (1 + tanh(sqrt(2 / pi) *
//                  (x + 0.044715 * x^3))); exp(x);
//                  log(x); sqrt(x); 1 / sqrt(x); |x|; x^exponent
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace braid::runtime::kernels {
namespace {

// NaN stays NaN, as in PyTorch; the output may be the input's buffer.
BRAID_VECTOR_CLONES void reluLoop(int64_t n, const float *x, float *y) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] < 0.f ? 0.f : x[i];
}

class ReluKernel : public NativeKernel {
public:
  explicit ReluKernel(int64_t n) : NativeKernel("relu", 1, 1), n_(n) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    x_ = static_cast<const float *>(inputs[0]);
    y_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    reluLoop(n_, x_, y_);
    return Status::ok();
  }

private:
  int64_t n_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

class EltwiseKernel : public DnnlKernel {
public:
  EltwiseKernel(const StepDesc &step, const KernelContext &context,
                dnnl::algorithm algorithm, float alpha, float beta)
      : DnnlKernel(context) {
    auto md = plainDesc({step.inputs[0].elements()});
    dnnl::eltwise_forward::primitive_desc pd(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference,
                                    algorithm, md, alpha, beta),
        userScratchpadAttr(), engine_);
    inputs_ = {unbound(md)};
    outputs_ = {unbound(md)};
    DnnlStep &s = addStep(dnnl::eltwise_forward(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

} // namespace

Status createElementwise(const StepDesc &step, KernelContext &context,
                         std::unique_ptr<Kernel> *out) {
  dnnl::algorithm algorithm;
  float alpha = 0.f, beta = 0.f;
  switch (step.kind) {
  case plan::KernelKind::Relu:
    algorithm = dnnl::algorithm::undef; // a native loop, below
    break;
  case plan::KernelKind::Sigmoid:
    algorithm = dnnl::algorithm::eltwise_logistic;
    break;
  case plan::KernelKind::Tanh:
    algorithm = dnnl::algorithm::eltwise_tanh;
    break;
  case plan::KernelKind::Gelu:
    algorithm = dnnl::algorithm::eltwise_gelu_erf;
    break;
  case plan::KernelKind::GeluTanh:
    algorithm = dnnl::algorithm::eltwise_gelu_tanh;
    break;
  case plan::KernelKind::Exp:
    algorithm = dnnl::algorithm::eltwise_exp;
    break;
  case plan::KernelKind::Log:
    algorithm = dnnl::algorithm::eltwise_log;
    break;
  case plan::KernelKind::Sqrt:
    algorithm = dnnl::algorithm::eltwise_sqrt;
    break;
  case plan::KernelKind::Abs:
    algorithm = dnnl::algorithm::eltwise_abs;
    break;
  case plan::KernelKind::Rsqrt:
    algorithm = dnnl::algorithm::eltwise_pow;
    alpha = 1.f;
    beta = -0.5f;
    break;
  case plan::KernelKind::Pow:
    if (!(std::fabs(step.exponent) <= std::numeric_limits<float>::max())) {
      std::ostringstream message;
      message << "pow step: exponent must be a finite f32, got "
              << step.exponent;
      return invalidArgument(message.str());
    }
    algorithm = dnnl::algorithm::eltwise_pow;
    alpha = 1.f;
    beta = static_cast<float>(step.exponent);
    break;
  default:
    return internalError(kindName(step.kind) + " is not an elementwise kind");
  }
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "operand", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
  if (step.inputs[0].shape != step.outputs[0].shape)
    return invalidArgument(kindName(step.kind) + " step: result shape " +
                           shape::toString(step.outputs[0].shape) +
                           " differs from the operand's " +
                           shape::toString(step.inputs[0].shape));
  try {
    if (step.kind == plan::KernelKind::Relu)
      *out = std::make_unique<ReluKernel>(step.inputs[0].elements());
    else
      *out = std::make_unique<EltwiseKernel>(step, context, algorithm, alpha,
                                             beta);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
