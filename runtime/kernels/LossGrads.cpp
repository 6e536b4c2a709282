// Loss backward kernels, native (oneDNN has neither).
//
//   sparse_softmax_cross_entropy_grad:
//     dloss f32[], logits f32[B, ..., C], labels i32[B, ...], each in
//     [0, C): B rows, the product of the labels' dimensions
//     dlogits f32[B, C], differentiating
//       loss = mean_b(log(sum_c exp(logits[b, c])) - logits[b, labels[b]]):
//       dlogits[b, c] = dloss * (softmax(logits[b])[c] - (c == labels[b])) / B
//   mean_squared_error_grad:
//     dloss f32[], pred, target f32[...] of one shape (P elements)
//     dpred f32[...], differentiating loss = sum((pred - target)^2) / P:
//       dpred = dloss * 2 * (pred - target) / P
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <algorithm>
#include <cmath>

namespace braid::runtime::kernels {
namespace {

class SparseSoftmaxCrossEntropyGradKernel : public NativeKernel {
public:
  SparseSoftmaxCrossEntropyGradKernel(int64_t B, int64_t C)
      : NativeKernel("sparse_softmax_cross_entropy_grad", 3, 1), B_(B), C_(C) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    dloss_ = static_cast<const float *>(inputs[0]);
    logits_ = static_cast<const float *>(inputs[1]);
    labels_ = static_cast<const int32_t *>(inputs[2]);
    dlogits_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    BRAID_RETURN_IF_ERROR(
        checkLabels("sparse_softmax_cross_entropy_grad", labels_, B_, C_));
    const float perRow = dloss_[0] / static_cast<float>(B_);
    for (int64_t b = 0; b < B_; ++b) {
      const float *row = logits_ + b * C_;
      float *out = dlogits_ + b * C_;
      float maxv = row[0];
      for (int64_t c = 1; c < C_; ++c)
        maxv = std::max(maxv, row[c]);
      float sum = 0;
      for (int64_t c = 0; c < C_; ++c) {
        out[c] = std::exp(row[c] - maxv);
        sum += out[c];
      }
      const float scale = perRow / sum;
      for (int64_t c = 0; c < C_; ++c)
        out[c] *= scale;
      out[labels_[b]] -= perRow;
    }
    return Status::ok();
  }

private:
  int64_t B_, C_;
  const float *dloss_ = nullptr, *logits_ = nullptr;
  const int32_t *labels_ = nullptr;
  float *dlogits_ = nullptr;
};

class MeanSquaredErrorGradKernel : public NativeKernel {
public:
  explicit MeanSquaredErrorGradKernel(int64_t P)
      : NativeKernel("mean_squared_error_grad", 3, 1), P_(P) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    dloss_ = static_cast<const float *>(inputs[0]);
    pred_ = static_cast<const float *>(inputs[1]);
    target_ = static_cast<const float *>(inputs[2]);
    dpred_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const float scale =
        static_cast<float>(2.0 * dloss_[0] / static_cast<double>(P_));
    for (int64_t i = 0; i < P_; ++i)
      dpred_[i] = scale * (pred_[i] - target_[i]);
    return Status::ok();
  }

private:
  int64_t P_;
  const float *dloss_ = nullptr, *pred_ = nullptr, *target_ = nullptr;
  float *dpred_ = nullptr;
};

} // namespace

Status createSparseSoftmaxCrossEntropyGrad(const StepDesc &step,
                                           KernelContext &,
                                           std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "loss gradient", f32, 0));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "logits", f32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[2], "labels", plan::ElementType::I32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32));
  const std::vector<int64_t> &logits = step.inputs[1].shape;
  if (!shape::sparseSoftmaxCrossEntropy(
          {shape::ElementType::F32, logits},
          {shape::ElementType::I32, step.inputs[2].shape}) ||
      step.outputs[0].shape != logits)
    return invalidArgument(
        "sparse_softmax_cross_entropy_grad step: logits " +
        shape::toString(logits) + ", labels " +
        shape::toString(step.inputs[2].shape) + " and result " +
        shape::toString(step.outputs[0].shape) + " do not agree");
  *out = std::make_unique<SparseSoftmaxCrossEntropyGradKernel>(
      step.inputs[2].elements(), logits.back());
  return Status::ok();
}

Status createMeanSquaredErrorGrad(const StepDesc &step, KernelContext &,
                                  std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "loss gradient", f32, 0));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "prediction", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[2], "target", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32));
  if (step.inputs[1].shape != step.inputs[2].shape ||
      step.outputs[0].shape != step.inputs[1].shape)
    return invalidArgument("mean_squared_error_grad step: prediction " +
                           shape::toString(step.inputs[1].shape) + ", target " +
                           shape::toString(step.inputs[2].shape) +
                           " and result " +
                           shape::toString(step.outputs[0].shape) + " differ");
  *out =
      std::make_unique<MeanSquaredErrorGradKernel>(step.inputs[1].elements());
  return Status::ok();
}

} // namespace braid::runtime::kernels
