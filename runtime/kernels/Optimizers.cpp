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
//   adamw_update: param, grad, m, v of one shape, step, lr, scale f32[]
//                -> (param, m, v); g = scale * grad (clipping), then
//     param *= 1 - lr * weight_decay                  (decoupled)
//     m = lerp(m, g, 1 - beta1); v = beta2 * v + (1 - beta2) * g^2
//     param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//   sgd_wd_update: param, grad, velocity of one shape, lr, scale f32[]
//                -> (param, velocity); g = scale * grad + weight_decay * param
//     momentum 0: param -= lr * g
//     otherwise:  velocity = momentum * velocity + g; param -= lr * velocity
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"
#include "runtime/support/RankOrder.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace braid::runtime::kernels {
namespace {

// The loops are free functions so that they can be cloned per CPU; the
// outputs may alias the inputs (in place), but each element is read before
// it is written, hence ivdep.

BRAID_VECTOR_CLONES void sgdLoop(int64_t n, float lr, const float *param,
                                 const float *grad, float *paramOut) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i)
    paramOut[i] = param[i] - lr * grad[i];
}

BRAID_VECTOR_CLONES void sgdMomentumLoop(int64_t n, float lr, float momentum,
                                         const float *param, const float *grad,
                                         const float *velocity, float *paramOut,
                                         float *velocityOut) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) {
    float v = momentum * velocity[i] + grad[i];
    velocityOut[i] = v;
    paramOut[i] = param[i] - lr * v;
  }
}

struct AdamConstants {
  float b1, c1, b2, c2, stepSize, invSqrtCorrection2, eps;
};

BRAID_VECTOR_CLONES void adamLoop(int64_t n, AdamConstants k,
                                  const float *param, const float *grad,
                                  const float *mIn, const float *vIn,
                                  float *paramOut, float *mOut, float *vOut) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    const float m = k.b1 * mIn[i] + k.c1 * g;
    const float v = k.b2 * vIn[i] + k.c2 * g * g;
    mOut[i] = m;
    vOut[i] = v;
    paramOut[i] = param[i] - k.stepSize * m /
                                 (std::sqrt(v) * k.invSqrtCorrection2 + k.eps);
  }
}

struct AdamWConstants {
  float scale, decay, c1, b2, c2, stepSize, sqrtCorrection2, eps;
};

// torch.optim.AdamW's single-tensor loop, operation for operation in f32.
BRAID_VECTOR_CLONES void adamwLoop(int64_t n, AdamWConstants k,
                                   const float *param, const float *grad,
                                   const float *mIn, const float *vIn,
                                   float *paramOut, float *mOut, float *vOut) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] * k.scale;
    const float p = param[i] * k.decay;
    const float m = mIn[i] + k.c1 * (g - mIn[i]);
    const float v = vIn[i] * k.b2 + k.c2 * (g * g);
    mOut[i] = m;
    vOut[i] = v;
    const float denom = std::sqrt(v) / k.sqrtCorrection2 + k.eps;
    paramOut[i] = p + k.stepSize * (m / denom);
  }
}

BRAID_VECTOR_CLONES void sgdWdLoop(int64_t n, float lr, float scale,
                                   float decay, float momentum,
                                   const float *param, const float *grad,
                                   const float *velocity, float *paramOut,
                                   float *velocityOut) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) {
    float g = grad[i] * scale + decay * param[i];
    if (momentum != 0.f) {
      g = momentum * velocity[i] + g;
      velocityOut[i] = g;
    } else {
      velocityOut[i] = velocity[i];
    }
    paramOut[i] = param[i] - lr * g;
  }
}

/// An update of P parameter elements, restricted to [begin_, end_) for a
/// sharded update (Kernel::restrictElements), whose gradient may be summed
/// from every rank's buffer (Kernel::sumGradients).
class ElementwiseUpdateKernel : public NativeKernel {
public:
  ElementwiseUpdateKernel(const char *name, size_t inputs, size_t outputs,
                          int64_t P)
      : NativeKernel(name, inputs, outputs), P_(P), end_(P) {}

  bool restrictElements(int64_t begin, int64_t end) override {
    if (!(0 <= begin && begin <= end && end <= P_))
      return false;
    begin_ = begin;
    end_ = end;
    return true;
  }
  bool sumGradients(std::vector<const float *> gradients) override {
    if (gradients.size() < 2)
      return false;
    for (const float *g : gradients)
      if (!g)
        return false;
    gradients_ = std::move(gradients);
    return true;
  }

protected:
  /// Calls update(first, count, gradient) over [begin_, end_): once with
  /// the bound gradient, or a block at a time with the sum of the ranks'.
  template <typename Update>
  void forEachGradient(const float *bound, Update update) const {
    if (gradients_.empty()) {
      update(begin_, end_ - begin_, bound + begin_);
      return;
    }
    // Summed in the shared arena's order, so that the update equals one
    // from a reduced gradient to the bit (RankOrder.h).
    forEachCombinedBlock(
        sumInto, gradients_.size(), [&](size_t k) { return gradients_[k]; },
        static_cast<size_t>(begin_), static_cast<size_t>(end_),
        [&](size_t b, size_t n, const float *g) {
          update(static_cast<int64_t>(b), static_cast<int64_t>(n), g);
        });
  }

  int64_t P_, begin_ = 0, end_;
  std::vector<const float *> gradients_;
};

class SgdUpdateKernel : public ElementwiseUpdateKernel {
public:
  SgdUpdateKernel(int64_t P, double lr, double momentum)
      : ElementwiseUpdateKernel("sgd_update", 3, 2, P),
        lr_(static_cast<float>(lr)), momentum_(static_cast<float>(momentum)) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    param_ = static_cast<const float *>(inputs[0]);
    grad_ = static_cast<const float *>(inputs[1]);
    velocity_ = static_cast<const float *>(inputs[2]);
    paramOut_ = static_cast<float *>(outputs[0]);
    velocityOut_ = static_cast<float *>(outputs[1]);
  }

  Status compute() override {
    if (momentum_ == 0.f) {
      forEachGradient(grad_, [&](int64_t b, int64_t n, const float *g) {
        sgdLoop(n, lr_, param_ + b, g, paramOut_ + b);
      });
      if (velocityOut_ != velocity_)
        std::copy(velocity_ + begin_, velocity_ + end_, velocityOut_ + begin_);
      return Status::ok();
    }
    forEachGradient(grad_, [&](int64_t b, int64_t n, const float *g) {
      sgdMomentumLoop(n, lr_, momentum_, param_ + b, g, velocity_ + b,
                      paramOut_ + b, velocityOut_ + b);
    });
    return Status::ok();
  }

private:
  float lr_, momentum_;
  const float *param_ = nullptr, *grad_ = nullptr, *velocity_ = nullptr;
  float *paramOut_ = nullptr, *velocityOut_ = nullptr;
};

class AdamUpdateKernel : public ElementwiseUpdateKernel {
public:
  AdamUpdateKernel(int64_t P, const StepDesc &step)
      : ElementwiseUpdateKernel("adam_update", 5, 3, P), lr_(step.lr),
        beta1_(step.beta1), beta2_(step.beta2),
        eps_(static_cast<float>(step.eps)) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    param_ = static_cast<const float *>(inputs[0]);
    grad_ = static_cast<const float *>(inputs[1]);
    m_ = static_cast<const float *>(inputs[2]);
    v_ = static_cast<const float *>(inputs[3]);
    step_ = static_cast<const float *>(inputs[4]);
    paramOut_ = static_cast<float *>(outputs[0]);
    mOut_ = static_cast<float *>(outputs[1]);
    vOut_ = static_cast<float *>(outputs[2]);
  }

  Status compute() override {
    const double t = step_[0];
    if (!(t >= 1) || !std::isfinite(t))
      return invalidArgument("adam_update: step count " + std::to_string(t) +
                             " must be at least 1 (an increment step runs "
                             "before the update)");
    // The per-run constants in double, the loop in float (PyTorch's order:
    // denom = sqrt(v) / sqrt(1 - beta2^t) + eps; param -= step * m / denom).
    AdamConstants k;
    k.stepSize = static_cast<float>(lr_ / (1 - std::pow(beta1_, t)));
    k.invSqrtCorrection2 =
        static_cast<float>(1 / std::sqrt(1 - std::pow(beta2_, t)));
    k.b1 = static_cast<float>(beta1_);
    k.c1 = static_cast<float>(1 - beta1_);
    k.b2 = static_cast<float>(beta2_);
    k.c2 = static_cast<float>(1 - beta2_);
    k.eps = eps_;
    forEachGradient(grad_, [&](int64_t b, int64_t n, const float *g) {
      adamLoop(n, k, param_ + b, g, m_ + b, v_ + b, paramOut_ + b, mOut_ + b,
               vOut_ + b);
    });
    return Status::ok();
  }

private:
  double lr_, beta1_, beta2_;
  float eps_;
  const float *param_ = nullptr, *grad_ = nullptr, *m_ = nullptr, *v_ = nullptr,
              *step_ = nullptr;
  float *paramOut_ = nullptr, *mOut_ = nullptr, *vOut_ = nullptr;
};

class AdamWUpdateKernel : public ElementwiseUpdateKernel {
public:
  AdamWUpdateKernel(int64_t P, const StepDesc &step)
      : ElementwiseUpdateKernel("adamw_update", 7, 3, P), beta1_(step.beta1),
        beta2_(step.beta2), eps_(static_cast<float>(step.eps)),
        weightDecay_(step.weightDecay) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    for (size_t i = 0; i < 7; ++i)
      in_[i] = static_cast<const float *>(inputs[i]);
    for (size_t i = 0; i < 3; ++i)
      out_[i] = static_cast<float *>(outputs[i]);
  }

  Status compute() override {
    const double t = in_[4][0];
    if (!(t >= 1) || !std::isfinite(t))
      return invalidArgument("adamw_update: step count " + std::to_string(t) +
                             " must be at least 1 (an increment step runs "
                             "before the update)");
    // PyTorch's scalars are Python floats (double), each rounded to f32
    // where it meets the f32 tensors.
    const double lr = in_[5][0];
    AdamWConstants k;
    k.scale = in_[6][0];
    k.decay = static_cast<float>(1 - lr * weightDecay_);
    k.c1 = static_cast<float>(1 - beta1_);
    k.b2 = static_cast<float>(beta2_);
    k.c2 = static_cast<float>(1 - beta2_);
    k.stepSize = static_cast<float>(-(lr / (1 - std::pow(beta1_, t))));
    k.sqrtCorrection2 = static_cast<float>(std::sqrt(1 - std::pow(beta2_, t)));
    k.eps = eps_;
    forEachGradient(in_[1], [&](int64_t b, int64_t n, const float *g) {
      adamwLoop(n, k, in_[0] + b, g, in_[2] + b, in_[3] + b, out_[0] + b,
                out_[1] + b, out_[2] + b);
    });
    return Status::ok();
  }

private:
  double beta1_, beta2_;
  float eps_;
  double weightDecay_;
  const float *in_[7] = {};
  float *out_[3] = {};
};

class SgdWdUpdateKernel : public ElementwiseUpdateKernel {
public:
  SgdWdUpdateKernel(int64_t P, const StepDesc &step)
      : ElementwiseUpdateKernel("sgd_wd_update", 5, 2, P),
        momentum_(static_cast<float>(step.momentum)),
        weightDecay_(static_cast<float>(step.weightDecay)) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    for (size_t i = 0; i < 5; ++i)
      in_[i] = static_cast<const float *>(inputs[i]);
    for (size_t i = 0; i < 2; ++i)
      out_[i] = static_cast<float *>(outputs[i]);
  }

  Status compute() override {
    const float lr = in_[3][0], scale = in_[4][0];
    forEachGradient(in_[1], [&](int64_t b, int64_t n, const float *g) {
      sgdWdLoop(n, lr, scale, weightDecay_, momentum_, in_[0] + b, g,
                in_[2] + b, out_[0] + b, out_[1] + b);
    });
    return Status::ok();
  }

private:
  float momentum_, weightDecay_;
  const float *in_[5] = {};
  float *out_[2] = {};
};

class IncrementKernel : public NativeKernel {
public:
  IncrementKernel() : NativeKernel("increment", 1, 1) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    counter_ = static_cast<const float *>(inputs[0]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    out_[0] = counter_[0] + 1.f;
    return Status::ok();
  }

private:
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
                           shape::toString(param.shape));
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

Status createAdamWUpdate(const StepDesc &step, KernelContext &,
                         std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkSameShapes(step, 4));
  for (size_t i = 4; i < 7; ++i)
    BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[i], "scalar operand",
                                      plan::ElementType::F32, 0));
  BRAID_RETURN_IF_ERROR(checkRange(step, "beta1", step.beta1, 0, 1));
  BRAID_RETURN_IF_ERROR(checkRange(step, "beta2", step.beta2, 0, 1));
  BRAID_RETURN_IF_ERROR(checkRange(step, "eps", step.eps, 0, HUGE_VAL));
  BRAID_RETURN_IF_ERROR(
      checkRange(step, "weight_decay", step.weightDecay, 0, HUGE_VAL));
  *out = std::make_unique<AdamWUpdateKernel>(step.inputs[0].elements(), step);
  return Status::ok();
}

Status createSgdWdUpdate(const StepDesc &step, KernelContext &,
                         std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkSameShapes(step, 3));
  for (size_t i = 3; i < 5; ++i)
    BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[i], "scalar operand",
                                      plan::ElementType::F32, 0));
  BRAID_RETURN_IF_ERROR(
      checkRange(step, "momentum", step.momentum, 0, HUGE_VAL));
  BRAID_RETURN_IF_ERROR(
      checkRange(step, "weight_decay", step.weightDecay, 0, HUGE_VAL));
  *out = std::make_unique<SgdWdUpdateKernel>(step.inputs[0].elements(), step);
  return Status::ok();
}

Status createIncrement(const StepDesc &step, KernelContext &,
                       std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "counter", plan::ElementType::F32, 0));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 0));
  *out = std::make_unique<IncrementKernel>();
  return Status::ok();
}

} // namespace braid::runtime::kernels
