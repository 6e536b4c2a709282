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
//   causal softmax, softmax_grad (native, row by row):
//     x f32[..., T, T], axis the last; row q of each [T, T] block uses keys
//     0..q and writes y = 0 at keys q+1..T-1, as PyTorch's
//     masked_fill(triu(ones(T, T), 1), -inf).softmax(-1); the gradient is
//     y * (dy - sum(dy * y)) over keys 0..q and exactly 0 beyond.
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"

#include <algorithm>
#include <cmath>

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

/// Checks a causal step's shape: [..., T, T] along the last axis.
Status checkCausal(const StepDesc &step, const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  if (rank < 2 || shape[rank - 1] != shape[rank - 2] ||
      step.axis != static_cast<int64_t>(rank) - 1)
    return invalidArgument(kindName(step.kind) +
                           " step: causal needs [..., T, T] along the last "
                           "axis, got axis " +
                           std::to_string(step.axis) + " of " +
                           shape::toString(shape));
  return Status::ok();
}

/// One causal row: y[0..n) = softmax(x[0..n)), y[n..T) = 0.
BRAID_VECTOR_CLONES
void causalSoftmaxRow(const float *x, float *y, int64_t n, int64_t T) {
  float maxv = x[0];
  for (int64_t j = 1; j < n; ++j)
    maxv = std::max(maxv, x[j]);
  float sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    y[j] = std::exp(x[j] - maxv);
    sum += y[j];
  }
  float scale = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j)
    y[j] *= scale;
  for (int64_t j = n; j < T; ++j)
    y[j] = 0;
}

/// One causal row of the gradient: dx = y * (dy - sum(dy * y)) over
/// [0, n), 0 beyond.
BRAID_VECTOR_CLONES
void causalSoftmaxGradRow(const float *dy, const float *y, float *dx, int64_t n,
                          int64_t T) {
  float dot = 0;
  for (int64_t j = 0; j < n; ++j)
    dot += dy[j] * y[j];
  for (int64_t j = 0; j < n; ++j)
    dx[j] = y[j] * (dy[j] - dot);
  for (int64_t j = n; j < T; ++j)
    dx[j] = 0;
}

/// Forward (1 input) or gradient (dy, y) of a causal softmax over rows of
/// [..., T, T].
class CausalSoftmaxKernel : public NativeKernel {
public:
  CausalSoftmaxKernel(const StepDesc &step)
      : NativeKernel(kindName(step.kind), step.inputs.size(), 1),
        grad_(step.kind == plan::KernelKind::SoftmaxGrad),
        T_(step.outputs[0].shape.back()),
        rows_(step.outputs[0].elements() / T_) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    a_ = static_cast<const float *>(inputs[0]);
    b_ = grad_ ? static_cast<const float *>(inputs[1]) : nullptr;
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    for (int64_t r = 0; r < rows_; ++r) {
      int64_t n = r % T_ + 1; // keys 0..query
      int64_t at = r * T_;
      if (grad_)
        causalSoftmaxGradRow(a_ + at, b_ + at, out_ + at, n, T_);
      else
        causalSoftmaxRow(a_ + at, out_ + at, n, T_);
    }
    return Status::ok();
  }

private:
  bool grad_;
  int64_t T_, rows_;
  const float *a_ = nullptr, *b_ = nullptr;
  float *out_ = nullptr;
};

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
  if (step.causal) {
    if (step.kind != plan::KernelKind::Softmax)
      return invalidArgument(kindName(step.kind) + " step cannot be causal");
    BRAID_RETURN_IF_ERROR(checkCausal(step, shape));
    *out = std::make_unique<CausalSoftmaxKernel>(step);
    return Status::ok();
  }
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
  if (step.causal) {
    if (step.kind != plan::KernelKind::SoftmaxGrad)
      return invalidArgument(kindName(step.kind) + " step cannot be causal");
    BRAID_RETURN_IF_ERROR(checkCausal(step, shape));
    *out = std::make_unique<CausalSoftmaxKernel>(step);
    return Status::ok();
  }
  try {
    *out = std::make_unique<SoftmaxGradKernel>(step, context);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
