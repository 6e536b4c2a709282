// The training steps around the optimizer updates (issue 14): the learning
// rate of the step, the global gradient norm and its clipping scale, and the
// accumulators of gradient accumulation. docs/training.md gives the
// formulas; they are PyTorch's (LambdaLR with the peer's lambdas,
// torch.nn.utils.clip_grad_norm_).
//
//   lr_schedule: step f32[] (the counter, already incremented: t >= 1)
//                -> f32[]: lr * factor(t - 1)
//   global_norm: grad... f32[any] -> f32[]: sqrt(sum of |grad_i|^2)
//   clip_scale:  norm f32[] -> f32[]: min(1, max_norm / (norm + 1e-6))
//   accumulate:  acc, x f32[...] -> (acc): acc += x, in place
//   reset:       acc f32[...] -> (acc): acc = 0, in place
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace braid::runtime::kernels {
namespace {

/// The factor of the base rate at 0-based step `s`, in double as Python
/// computes LambdaLR's lambda.
double scheduleFactor(const StepDesc &k, int64_t s) {
  const double pi = 3.14159265358979323846;
  switch (k.schedule) {
  case plan::LrScheduleKind::Constant:
    return 1.0;
  case plan::LrScheduleKind::StepDecay:
    return std::pow(k.gamma, static_cast<double>(s / k.every));
  case plan::LrScheduleKind::WarmupCosine:
  case plan::LrScheduleKind::WarmupLinear: {
    if (s < k.warmup)
      return static_cast<double>(s + 1) / static_cast<double>(k.warmup);
    double span = static_cast<double>(std::max<int64_t>(1, k.total - k.warmup));
    double after = static_cast<double>(s - k.warmup);
    if (k.schedule == plan::LrScheduleKind::WarmupLinear)
      return k.floor + (1 - k.floor) * std::max(0.0, 1 - after / span);
    double done = std::min(after, static_cast<double>(k.total - k.warmup));
    return k.floor + (1 - k.floor) / 2 * (1 + std::cos(pi * done / span));
  }
  }
  return 1.0;
}

class LrScheduleKernel : public NativeKernel {
public:
  explicit LrScheduleKernel(const StepDesc &step)
      : NativeKernel("lr_schedule", 1, 1), step_(step) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    counter_ = static_cast<const float *>(inputs[0]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const double t = counter_[0];
    if (!(t >= 1 && t <= 16777216))
      return invalidArgument("lr_schedule: step count " + std::to_string(t) +
                             " must be from 1 to 2^24 (an increment step "
                             "runs before it)");
    out_[0] = static_cast<float>(
        step_.lr * scheduleFactor(step_, static_cast<int64_t>(t) - 1));
    return Status::ok();
  }

private:
  StepDesc step_;
  const float *counter_ = nullptr;
  float *out_ = nullptr;
};

class GlobalNormKernel : public NativeKernel {
public:
  explicit GlobalNormKernel(const StepDesc &step)
      : NativeKernel("global_norm", step.inputs.size(), 1) {
    for (const TensorDesc &t : step.inputs)
      sizes_.push_back(t.elements());
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    grads_.clear();
    for (void *p : inputs)
      grads_.push_back(static_cast<const float *>(p));
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    // clip_grad_norm_'s order: each tensor's norm, then the norm of those.
    double total = 0;
    for (size_t k = 0; k < grads_.size(); ++k) {
      double sum = 0;
      for (int64_t i = 0; i < sizes_[k]; ++i)
        sum += static_cast<double>(grads_[k][i]) * grads_[k][i];
      double norm = static_cast<float>(std::sqrt(sum));
      total += norm * norm;
    }
    out_[0] = static_cast<float>(std::sqrt(total));
    return Status::ok();
  }

private:
  std::vector<int64_t> sizes_;
  std::vector<const float *> grads_;
  float *out_ = nullptr;
};

class ClipScaleKernel : public NativeKernel {
public:
  explicit ClipScaleKernel(double maxNorm)
      : NativeKernel("clip_scale", 1, 1),
        maxNorm_(static_cast<float>(maxNorm)) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    norm_ = static_cast<const float *>(inputs[0]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    // In f32 as PyTorch: clip_coef = max_norm / (total_norm + 1e-6), clamped
    // to 1 (a NaN norm gives a NaN scale, as there).
    float coef = maxNorm_ / (norm_[0] + 1e-6f);
    out_[0] = coef < 1.f || std::isnan(coef) ? coef : 1.f;
    return Status::ok();
  }

private:
  float maxNorm_;
  const float *norm_ = nullptr;
  float *out_ = nullptr;
};

class AccumulateKernel : public NativeKernel {
public:
  AccumulateKernel(bool reset, int64_t n)
      : NativeKernel(reset ? "reset" : "accumulate", reset ? 1 : 2, 1),
        reset_(reset), n_(n) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    acc_ = static_cast<const float *>(inputs[0]);
    x_ = reset_ ? nullptr : static_cast<const float *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    if (reset_) {
      std::fill(out_, out_ + n_, 0.f);
      return Status::ok();
    }
    for (int64_t i = 0; i < n_; ++i)
      out_[i] = acc_[i] + x_[i];
    return Status::ok();
  }

private:
  bool reset_;
  int64_t n_;
  const float *acc_ = nullptr, *x_ = nullptr;
  float *out_ = nullptr;
};

Status checkScalarF32(const StepDesc &step, const TensorDesc &t,
                      const char *what) {
  return checkTensor(step, t, what, plan::ElementType::F32, 0);
}

} // namespace

Status createLrSchedule(const StepDesc &step, KernelContext &,
                        std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkScalarF32(step, step.inputs[0], "step"));
  bool warm = step.schedule == plan::LrScheduleKind::WarmupCosine ||
              step.schedule == plan::LrScheduleKind::WarmupLinear;
  bool ok = step.lr > 0 && std::isfinite(step.lr);
  if (warm)
    ok &= step.warmup >= 0 && step.total >= step.warmup && step.floor >= 0 &&
          step.floor <= 1;
  else if (step.schedule == plan::LrScheduleKind::StepDecay)
    ok &= step.every >= 1 && step.gamma > 0 && step.gamma <= 1;
  else if (step.schedule != plan::LrScheduleKind::Constant)
    ok = false;
  if (!ok)
    return invalidArgument(
        "lr_schedule step: lr " + std::to_string(step.lr) + ", schedule " +
        std::to_string(static_cast<int>(step.schedule)) + ", warmup " +
        std::to_string(step.warmup) + ", total " + std::to_string(step.total) +
        ", floor " + std::to_string(step.floor) + ", every " +
        std::to_string(step.every) + ", gamma " + std::to_string(step.gamma) +
        " are out of range (docs/training.md)");
  *out = std::make_unique<LrScheduleKernel>(step);
  return Status::ok();
}

Status createGlobalNorm(const StepDesc &step, KernelContext &,
                        std::unique_ptr<Kernel> *out) {
  for (const TensorDesc &t : step.inputs)
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, t, "gradient", plan::ElementType::F32));
  *out = std::make_unique<GlobalNormKernel>(step);
  return Status::ok();
}

Status createClipScale(const StepDesc &step, KernelContext &,
                       std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkScalarF32(step, step.inputs[0], "norm"));
  if (!(step.maxNorm > 0 && step.maxNorm < 1e30))
    return invalidArgument("clip_scale step: max_norm " +
                           std::to_string(step.maxNorm) +
                           " must be positive and finite");
  *out = std::make_unique<ClipScaleKernel>(step.maxNorm);
  return Status::ok();
}

Status createAccumulate(const StepDesc &step, KernelContext &,
                        std::unique_ptr<Kernel> *out) {
  bool reset = step.kind == plan::KernelKind::Reset;
  for (const TensorDesc &t : step.inputs)
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, t, "operand", plan::ElementType::F32));
  if (!reset && step.inputs[1].shape != step.inputs[0].shape)
    return invalidArgument("accumulate step: the added tensor's shape differs "
                           "from its accumulator's");
  *out = std::make_unique<AccumulateKernel>(reset, step.inputs[0].elements());
  return Status::ok();
}

} // namespace braid::runtime::kernels
