// Optimizer updates, native and in place: their outputs are the parameter and
// state tensors they update (the output buffers are the corresponding input
// buffers; each element is read before it is written, so distinct buffers
// work too). PyTorch's definitions (docs/gradients.md).
//
//   sgd_update:  param, grad, velocity f32[...] of one shape (P elements)
//                -> (param, velocity)
//     momentum 0: param -= lr * grad                  (velocity untouched)
//     otherwise:  velocity = momentum * velocity + grad
//                 param -= lr * velocity
//   adam_update: param, grad, m, v f32[...] of one shape, step f32[] (t >= 1)
//                -> (param, m, v)
//     m = beta1 * m + (1 - beta1) * grad
//     v = beta2 * v + (1 - beta2) * grad^2
//     param -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
//   increment:   counter f32[] -> (counter): counter += 1
#include "runtime/kernels/Dnnl.h"

#include <algorithm>
#include <cmath>

namespace braid::runtime::kernels {
namespace {

class SgdUpdateKernel : public Kernel {
public:
  SgdUpdateKernel(int64_t P, double lr, double momentum)
      : P_(P), lr_(static_cast<float>(lr)),
        momentum_(static_cast<float>(momentum)) {}

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override {
    bound_ = inputs.size() == 3 && outputs.size() == 2;
    if (!bound_)
      return;
    param_ = static_cast<const float *>(inputs[0]);
    grad_ = static_cast<const float *>(inputs[1]);
    velocity_ = static_cast<const float *>(inputs[2]);
    paramOut_ = static_cast<float *>(outputs[0]);
    velocityOut_ = static_cast<float *>(outputs[1]);
  }

  Status run() override {
    if (!bound_)
      return internalError("sgd_update kernel ran before bind() gave it 3 "
                           "inputs and 2 outputs");
    const float lr = lr_, momentum = momentum_;
    const float *param = param_, *grad = grad_, *velocity = velocity_;
    float *paramOut = paramOut_, *velocityOut = velocityOut_;
    if (momentum == 0.f) {
#pragma GCC ivdep
      for (int64_t i = 0; i < P_; ++i)
        paramOut[i] = param[i] - lr * grad[i];
      if (velocityOut != velocity)
        std::copy(velocity, velocity + P_, velocityOut);
      return Status::ok();
    }
#pragma GCC ivdep
    for (int64_t i = 0; i < P_; ++i) {
      float v = momentum * velocity[i] + grad[i];
      velocityOut[i] = v;
      paramOut[i] = param[i] - lr * v;
    }
    return Status::ok();
  }

private:
  int64_t P_;
  float lr_, momentum_;
  bool bound_ = false;
  const float *param_ = nullptr, *grad_ = nullptr, *velocity_ = nullptr;
  float *paramOut_ = nullptr, *velocityOut_ = nullptr;
};

class AdamUpdateKernel : public Kernel {
public:
  AdamUpdateKernel(int64_t P, const StepDesc &step)
      : P_(P), lr_(step.lr), beta1_(step.beta1), beta2_(step.beta2),
        eps_(static_cast<float>(step.eps)) {}

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override {
    bound_ = inputs.size() == 5 && outputs.size() == 3;
    if (!bound_)
      return;
    param_ = static_cast<const float *>(inputs[0]);
    grad_ = static_cast<const float *>(inputs[1]);
    m_ = static_cast<const float *>(inputs[2]);
    v_ = static_cast<const float *>(inputs[3]);
    step_ = static_cast<const float *>(inputs[4]);
    paramOut_ = static_cast<float *>(outputs[0]);
    mOut_ = static_cast<float *>(outputs[1]);
    vOut_ = static_cast<float *>(outputs[2]);
  }

  Status run() override {
    if (!bound_)
      return internalError("adam_update kernel ran before bind() gave it 5 "
                           "inputs and 3 outputs");
    const double t = step_[0];
    if (!(t >= 1) || !std::isfinite(t))
      return invalidArgument("adam_update: step count " + std::to_string(t) +
                             " must be at least 1 (an increment step runs "
                             "before the update)");
    // The per-run constants in double, the loop in float (PyTorch's order:
    // denom = sqrt(v) / sqrt(1 - beta2^t) + eps; param -= step * m / denom).
    const float stepSize = static_cast<float>(lr_ / (1 - std::pow(beta1_, t)));
    const float invSqrtCorrection2 =
        static_cast<float>(1 / std::sqrt(1 - std::pow(beta2_, t)));
    const float b1 = static_cast<float>(beta1_),
                c1 = static_cast<float>(1 - beta1_),
                b2 = static_cast<float>(beta2_),
                c2 = static_cast<float>(1 - beta2_), eps = eps_;
    // Locals, and ivdep: the outputs may be the inputs (in place), but each
    // element is read before it is written, so the loop vectorizes.
    const float *param = param_, *grad = grad_, *mIn = m_, *vIn = v_;
    float *paramOut = paramOut_, *mOut = mOut_, *vOut = vOut_;
#pragma GCC ivdep
    for (int64_t i = 0; i < P_; ++i) {
      const float g = grad[i];
      const float m = b1 * mIn[i] + c1 * g;
      const float v = b2 * vIn[i] + c2 * g * g;
      mOut[i] = m;
      vOut[i] = v;
      paramOut[i] =
          param[i] - stepSize * m / (std::sqrt(v) * invSqrtCorrection2 + eps);
    }
    return Status::ok();
  }

private:
  int64_t P_;
  double lr_, beta1_, beta2_;
  float eps_;
  bool bound_ = false;
  const float *param_ = nullptr, *grad_ = nullptr, *m_ = nullptr, *v_ = nullptr,
              *step_ = nullptr;
  float *paramOut_ = nullptr, *mOut_ = nullptr, *vOut_ = nullptr;
};

class IncrementKernel : public Kernel {
public:
  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override {
    bound_ = inputs.size() == 1 && outputs.size() == 1;
    if (!bound_)
      return;
    counter_ = static_cast<const float *>(inputs[0]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status run() override {
    if (!bound_)
      return internalError("increment kernel ran before bind() gave it 1 "
                           "input and 1 output");
    out_[0] = counter_[0] + 1.f;
    return Status::ok();
  }

private:
  bool bound_ = false;
  const float *counter_ = nullptr;
  float *out_ = nullptr;
};

/// Checks that inputs [0, count) and the outputs are f32 of one shape.
Status checkSameShapes(const StepDesc &step, size_t count) {
  const TensorDesc &param = step.inputs[0];
  for (size_t i = 0; i < count; ++i)
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, step.inputs[i], "operand", plan::ElementType::F32));
  for (const TensorDesc &t : step.outputs)
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, t, "result", plan::ElementType::F32));
  auto differs = [&](const TensorDesc &t) { return t.shape != param.shape; };
  bool bad = false;
  for (size_t i = 0; i < count; ++i)
    bad |= differs(step.inputs[i]);
  for (const TensorDesc &t : step.outputs)
    bad |= differs(t);
  if (bad)
    return invalidArgument(kindName(step.kind) +
                           " step: the parameter, its gradient, its state and "
                           "the results must share the parameter's shape " +
                           shapeString(param.shape));
  return Status::ok();
}

/// Checks min <= value < max (false for NaN).
Status checkRange(const StepDesc &step, const char *name, double value,
                  double min, double max) {
  if (!(value >= min && value < max))
    return invalidArgument(kindName(step.kind) + " step: " + name + " " +
                           std::to_string(value) + " is outside [" +
                           std::to_string(min) + ", " + std::to_string(max) +
                           ")");
  return Status::ok();
}

} // namespace

Status createSgdUpdate(const StepDesc &step, KernelContext &,
                       std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 3, 3, 2));
  BRAID_RETURN_IF_ERROR(checkSameShapes(step, 3));
  BRAID_RETURN_IF_ERROR(checkRange(step, "lr", step.lr, 0, HUGE_VAL));
  BRAID_RETURN_IF_ERROR(
      checkRange(step, "momentum", step.momentum, 0, HUGE_VAL));
  *out = std::make_unique<SgdUpdateKernel>(step.inputs[0].elements(), step.lr,
                                           step.momentum);
  return Status::ok();
}

Status createAdamUpdate(const StepDesc &step, KernelContext &,
                        std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 5, 5, 3));
  BRAID_RETURN_IF_ERROR(checkSameShapes(step, 4));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[4], "step", plan::ElementType::F32, 0));
  BRAID_RETURN_IF_ERROR(checkRange(step, "lr", step.lr, 0, HUGE_VAL));
  BRAID_RETURN_IF_ERROR(checkRange(step, "beta1", step.beta1, 0, 1));
  BRAID_RETURN_IF_ERROR(checkRange(step, "beta2", step.beta2, 0, 1));
  BRAID_RETURN_IF_ERROR(checkRange(step, "eps", step.eps, 0, HUGE_VAL));
  *out = std::make_unique<AdamUpdateKernel>(step.inputs[0].elements(), step);
  return Status::ok();
}

Status createIncrement(const StepDesc &step, KernelContext &,
                       std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 1, 1, 1));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "counter", plan::ElementType::F32, 0));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 0));
  *out = std::make_unique<IncrementKernel>();
  return Status::ok();
}

} // namespace braid::runtime::kernels
