// Layer normalisation over the last axis: the forward on oneDNN, the
// statistics and gradients native (and a native forward, 2.6 times slower
// than oneDNN's on f32[2048, 128] but exact to 1e-6 for rows however far
// from 0, for bench/layer_norm_backends.cpp and the kernel tests). Each row of
// D elements is normalised with its mean and biased variance, as PyTorch's
// layer_norm. The statistics are summed in kLanes interleaved f32 partial sums
// (so that the loops vectorize without reassociating; each holds D / 16 terms)
// added up in double, which keeps the statistics within 1e-6 of the exact
// ones, the mean rounded to f32 as PyTorch's.
//
//   layer_norm:            x f32[..., D], gain f32[D], bias f32[D]; eps
//     out f32[..., D] = (x - mean) * rstd * gain + bias,
//                       rstd = 1 / sqrt(var + eps)
//   layer_norm_stats:      x f32[..., D]; eps
//     out f32[..., 2] = [mean, rstd] per row
//   layer_norm_grad:       dy, x f32[..., D], stats f32[..., 2], gain f32[D]
//     out f32[..., D] = rstd * (g - mean(g) - xhat * mean(g * xhat)),
//                       g = dy * gain, xhat = (x - mean) * rstd
//   layer_norm_gain_grad:  dy, x f32[..., D], stats f32[..., 2]
//     out f32[D] = sum over rows of dy * xhat, in row order
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/LaneSum.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace braid::runtime::kernels {
namespace {

/// The sum of (v - mean)^2 over v[0..n), as laneSum; `mean` is an f32, so
/// v - mean is exact for the values near it.
BRAID_VECTOR_CLONES
double laneSquares(const float *v, int64_t n, float mean) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      float d = v[i + l] - mean;
      lanes[l] += d * d;
    }
  double sum = combineLanes(lanes);
  for (; i < n; ++i) {
    double d = v[i] - mean;
    sum += d * d;
  }
  return sum;
}

/// A row's mean and 1 / sqrt(var + eps), biased variance (two passes).
void rowStats(const float *x, int64_t D, double eps, float *mean, float *rstd) {
  *mean = static_cast<float>(laneSum(x, D) / static_cast<double>(D));
  double var = laneSquares(x, D, *mean) / static_cast<double>(D);
  *rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
}

BRAID_VECTOR_CLONES
void normaliseRow(const float *__restrict x, const float *__restrict gain,
                  const float *__restrict bias, float *__restrict y, int64_t D,
                  float mean, float rstd) {
  for (int64_t d = 0; d < D; ++d)
    y[d] = (x[d] - mean) * rstd * gain[d] + bias[d];
}

/// sum(g) and sum(g * xhat) of a row, g = dy * gain, as laneSum.
BRAID_VECTOR_CLONES
void gradSums(const float *dy, const float *x, const float *gain, int64_t D,
              float mean, float rstd, double *sumG, double *sumGX) {
  float a[kLanes] = {}, c[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= D; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      float g = dy[i + l] * gain[i + l];
      float xhat = (x[i + l] - mean) * rstd;
      a[l] += g;
      c[l] += g * xhat;
    }
  double sa = combineLanes(a), sc = combineLanes(c);
  for (; i < D; ++i) {
    float g = dy[i] * gain[i];
    float xhat = (x[i] - mean) * rstd;
    sa += g;
    sc += static_cast<double>(g) * xhat;
  }
  *sumG = sa;
  *sumGX = sc;
}

BRAID_VECTOR_CLONES
void gradRow(const float *__restrict dy, const float *__restrict x,
             const float *__restrict gain, float *__restrict dx, int64_t D,
             float mean, float rstd, float meanG, float meanGX) {
  for (int64_t d = 0; d < D; ++d) {
    float xhat = (x[d] - mean) * rstd;
    dx[d] = rstd * (dy[d] * gain[d] - meanG - xhat * meanGX);
  }
}

BRAID_VECTOR_CLONES
void accumulateGain(const float *__restrict dy, const float *__restrict x,
                    double *__restrict acc, int64_t D, float mean, float rstd) {
  for (int64_t d = 0; d < D; ++d)
    acc[d] += static_cast<double>(dy[d]) * ((x[d] - mean) * rstd);
}

class LayerNormKernel : public NativeKernel {
public:
  explicit LayerNormKernel(const StepDesc &step)
      : NativeKernel(kindName(step.kind), step.inputs.size(), 1),
        kind_(step.kind), eps_(step.eps),
        D_(step.inputs[step.kind == plan::KernelKind::LayerNorm ||
                               step.kind == plan::KernelKind::LayerNormStats
                           ? 0
                           : 1]
               .shape.back()),
        rows_(step.inputs[0].elements() / D_) {
    if (kind_ == plan::KernelKind::LayerNormGainGrad)
      acc_.resize(D_);
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    for (size_t i = 0; i < inputs.size(); ++i)
      in_[i] = static_cast<const float *>(inputs[i]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    switch (kind_) {
    case plan::KernelKind::LayerNorm:
      for (int64_t r = 0; r < rows_; ++r) {
        const float *x = in_[0] + r * D_;
        float mean, rstd;
        rowStats(x, D_, eps_, &mean, &rstd);
        normaliseRow(x, in_[1], in_[2], out_ + r * D_, D_, mean, rstd);
      }
      break;
    case plan::KernelKind::LayerNormStats:
      for (int64_t r = 0; r < rows_; ++r)
        rowStats(in_[0] + r * D_, D_, eps_, &out_[2 * r], &out_[2 * r + 1]);
      break;
    case plan::KernelKind::LayerNormGrad:
      for (int64_t r = 0; r < rows_; ++r) {
        const float *dy = in_[0] + r * D_, *x = in_[1] + r * D_;
        float mean = in_[2][2 * r], rstd = in_[2][2 * r + 1];
        double sumG, sumGX;
        gradSums(dy, x, in_[3], D_, mean, rstd, &sumG, &sumGX);
        gradRow(dy, x, in_[3], out_ + r * D_, D_, mean, rstd,
                static_cast<float>(sumG / D_), static_cast<float>(sumGX / D_));
      }
      break;
    default: // LayerNormGainGrad
      std::fill(acc_.begin(), acc_.end(), 0.0);
      for (int64_t r = 0; r < rows_; ++r)
        accumulateGain(in_[0] + r * D_, in_[1] + r * D_, acc_.data(), D_,
                       in_[2][2 * r], in_[2][2 * r + 1]);
      for (int64_t d = 0; d < D_; ++d)
        out_[d] = static_cast<float>(acc_[d]);
      break;
    }
    return Status::ok();
  }

private:
  plan::KernelKind kind_;
  double eps_;
  int64_t D_, rows_;
  std::vector<double> acc_; // the gain gradient's column sums
  const float *in_[4] = {};
  float *out_ = nullptr;
};

/// The forward on oneDNN's layer_normalization (inference, scale and
/// shift): 2.6 times faster than the native loop on f32[2048, 128]
/// (bench/layer_norm_backends.cpp, docs/benchmarks.md).
class DnnlLayerNormKernel : public DnnlKernel {
public:
  DnnlLayerNormKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    int64_t D = step.inputs[0].shape.back();
    auto md = plainDesc({step.inputs[0].elements() / D, D});
    auto vd = plainDesc({D});
    dnnl::layer_normalization_forward::primitive_desc pd(
        dnnl::layer_normalization_forward::desc(
            dnnl::prop_kind::forward_inference, md,
            static_cast<float>(step.eps),
            dnnl::normalization_flags::use_scale |
                dnnl::normalization_flags::use_shift),
        userScratchpadAttr(), engine_);
    inputs_ = {unbound(md), unbound(vd), unbound(vd)};
    outputs_ = {unbound(md)};
    DnnlStep &s = addStep(dnnl::layer_normalization_forward(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_SCALE, inputs_[1]);
    s.arg(DNNL_ARG_SHIFT, inputs_[2]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

shape::TensorType ruleType(const TensorDesc &desc) {
  return {desc.type == plan::ElementType::F32 ? shape::ElementType::F32
                                              : shape::ElementType::I32,
          desc.shape};
}

} // namespace

Status createLayerNorm(const StepDesc &step, KernelContext &context,
                       std::unique_ptr<Kernel> *out) {
  for (const TensorDesc &t : step.inputs)
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, t, "operand", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
  std::vector<shape::TensorType> in;
  for (const TensorDesc &t : step.inputs)
    in.push_back(ruleType(t));
  shape::RuleResult rule = shape::RuleResult::fail("");
  switch (step.kind) {
  case plan::KernelKind::LayerNorm:
    rule = shape::layerNorm(in[0], in[1], in[2]);
    break;
  case plan::KernelKind::LayerNormStats:
    rule = shape::layerNormStats(in[0]);
    break;
  case plan::KernelKind::LayerNormGrad:
    rule = shape::layerNormGrad(in[0], in[1], in[2], in[3]);
    break;
  case plan::KernelKind::LayerNormGainGrad:
    rule = shape::layerNormGainGrad(in[0], in[1], in[2]);
    break;
  default:
    return invalidArgument(kindName(step.kind) +
                           " is not a layer normalisation");
  }
  const std::string name = kindName(step.kind) + " step: ";
  if (!rule)
    return invalidArgument(name + rule.error());
  if (rule.type().dims != step.outputs[0].shape)
    return invalidArgument(name + "result shape " +
                           shape::toString(step.outputs[0].shape) +
                           " differs from " + shape::toString(rule.type()));
  bool usesEps = step.kind == plan::KernelKind::LayerNorm ||
                 step.kind == plan::KernelKind::LayerNormStats;
  if (usesEps && !(step.eps > 0 && step.eps < 1))
    return invalidArgument(name + "eps must be in (0, 1), got " +
                           std::to_string(step.eps));
  if (step.kind == plan::KernelKind::LayerNorm) {
    try {
      *out = std::make_unique<DnnlLayerNormKernel>(step, context);
    } catch (...) {
      return statusFromException(name);
    }
    return Status::ok();
  }
  *out = std::make_unique<LayerNormKernel>(step);
  return Status::ok();
}

Status createNativeLayerNorm(const StepDesc &step,
                             std::unique_ptr<Kernel> *out) {
  if (step.kind != plan::KernelKind::LayerNorm || step.inputs.size() != 3 ||
      step.outputs.size() != 1 ||
      !shape::layerNorm(ruleType(step.inputs[0]), ruleType(step.inputs[1]),
                        ruleType(step.inputs[2])))
    return invalidArgument("native layer_norm: not a valid layer_norm step");
  *out = std::make_unique<LayerNormKernel>(step);
  return Status::ok();
}

} // namespace braid::runtime::kernels
