// Loss forward kernels, native (oneDNN has neither).
//
//   sparse_softmax_cross_entropy:
//     logits f32[B, ..., C], labels i32[B, ...], each in [0, C): B rows, the
//     product of the labels' dimensions (every position of a sequence)
//     out    f32[] = mean_b(log(sum_c exp(logits[b, c])) - logits[b,
//     labels[b]])
//   mean_squared_error:
//     pred, target f32[...] of one shape (P elements)
//     out    f32[] = sum((pred - target)^2) / P
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <algorithm>
#include <cmath>

namespace braid::runtime::kernels {
namespace {

class SparseSoftmaxCrossEntropyKernel : public NativeKernel {
public:
  SparseSoftmaxCrossEntropyKernel(int64_t B, int64_t C)
      : NativeKernel("sparse_softmax_cross_entropy", 2, 1), B_(B), C_(C) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    logits_ = static_cast<const float *>(inputs[0]);
    labels_ = static_cast<const int32_t *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    BRAID_RETURN_IF_ERROR(
        checkLabels("sparse_softmax_cross_entropy", labels_, B_, C_));
    double total = 0;
    for (int64_t b = 0; b < B_; ++b) {
      const float *row = logits_ + b * C_;
      float maxv = row[0];
      for (int64_t c = 1; c < C_; ++c)
        maxv = std::max(maxv, row[c]);
      double sum = 0;
      for (int64_t c = 0; c < C_; ++c)
        sum += std::exp(static_cast<double>(row[c] - maxv));
      total += std::log(sum) + maxv - row[labels_[b]];
    }
    out_[0] = static_cast<float>(total / static_cast<double>(B_));
    return Status::ok();
  }

private:
  int64_t B_, C_;
  const float *logits_ = nullptr;
  const int32_t *labels_ = nullptr;
  float *out_ = nullptr;
};

class MeanSquaredErrorKernel : public NativeKernel {
public:
  explicit MeanSquaredErrorKernel(int64_t P)
      : NativeKernel("mean_squared_error", 2, 1), P_(P) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    pred_ = static_cast<const float *>(inputs[0]);
    target_ = static_cast<const float *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    // Float partial sums over short blocks (vectorized), added up in double.
    constexpr int64_t kBlock = 16;
    double total = 0;
    int64_t i = 0;
    for (; i + kBlock <= P_; i += kBlock) {
      float partial[kBlock];
      for (int64_t j = 0; j < kBlock; ++j) {
        float d = pred_[i + j] - target_[i + j];
        partial[j] = d * d;
      }
      float block = 0;
      for (int64_t j = 0; j < kBlock; ++j)
        block += partial[j];
      total += block;
    }
    for (; i < P_; ++i) {
      double d = static_cast<double>(pred_[i]) - target_[i];
      total += d * d;
    }
    out_[0] = static_cast<float>(total / static_cast<double>(P_));
    return Status::ok();
  }

private:
  int64_t P_;
  const float *pred_ = nullptr, *target_ = nullptr;
  float *out_ = nullptr;
};

} // namespace

Status createSparseSoftmaxCrossEntropy(const StepDesc &step, KernelContext &,
                                       std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "logits", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "labels", plan::ElementType::I32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 0));
  const std::vector<int64_t> &logits = step.inputs[0].shape;
  if (!shape::sparseSoftmaxCrossEntropy(
          {shape::ElementType::F32, logits},
          {shape::ElementType::I32, step.inputs[1].shape}))
    return invalidArgument("sparse_softmax_cross_entropy step: labels " +
                           shape::toString(step.inputs[1].shape) +
                           " do not match the logits' batch " +
                           shape::toString(logits));
  *out = std::make_unique<SparseSoftmaxCrossEntropyKernel>(
      step.inputs[1].elements(), logits.back());
  return Status::ok();
}

Status createMeanSquaredError(const StepDesc &step, KernelContext &,
                              std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "prediction", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "target", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 0));
  if (step.inputs[0].shape != step.inputs[1].shape)
    return invalidArgument("mean_squared_error step: prediction " +
                           shape::toString(step.inputs[0].shape) +
                           " and target " +
                           shape::toString(step.inputs[1].shape) + " differ");
  *out = std::make_unique<MeanSquaredErrorKernel>(step.inputs[0].elements());
  return Status::ok();
}

} // namespace braid::runtime::kernels
