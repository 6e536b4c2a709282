// Accuracy, native: the fraction of rows whose arg-max logit (the first on
// ties) is the label.
//
//   logits f32[B, ..., C], labels i32[B, ...], each in [0, C): B rows, the
//   product of the labels' dimensions
//   out    f32[] = (1 / B) * sum_b (argmax_c logits[b, c] == labels[b])
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

namespace braid::runtime::kernels {
namespace {

class AccuracyKernel : public NativeKernel {
public:
  AccuracyKernel(int64_t B, int64_t C)
      : NativeKernel("accuracy", 2, 1), B_(B), C_(C) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    logits_ = static_cast<const float *>(inputs[0]);
    labels_ = static_cast<const int32_t *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    int64_t correct = 0;
    BRAID_RETURN_IF_ERROR(checkLabels("accuracy", labels_, B_, C_));
    for (int64_t b = 0; b < B_; ++b) {
      const float *row = logits_ + b * C_;
      int64_t best = 0;
      for (int64_t c = 1; c < C_; ++c)
        if (row[c] > row[best]) // strict: the first maximum wins ties
          best = c;
      correct += best == labels_[b];
    }
    out_[0] = static_cast<float>(static_cast<double>(correct) /
                                 static_cast<double>(B_));
    return Status::ok();
  }

private:
  int64_t B_, C_;
  const float *logits_ = nullptr;
  const int32_t *labels_ = nullptr;
  float *out_ = nullptr;
};

} // namespace

Status createAccuracy(const StepDesc &step, KernelContext &,
                      std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "logits", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "labels", plan::ElementType::I32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 0));
  const std::vector<int64_t> &logits = step.inputs[0].shape;
  if (!shape::accuracy({shape::ElementType::F32, logits},
                       {shape::ElementType::I32, step.inputs[1].shape}))
    return invalidArgument(
        "accuracy step: labels " + shape::toString(step.inputs[1].shape) +
        " do not match the logits' batch " + shape::toString(logits));
  // Every position of the leading dimensions is a row of C logits.
  *out = std::make_unique<AccuracyKernel>(step.inputs[1].elements(),
                                          logits.back());
  return Status::ok();
}

} // namespace braid::runtime::kernels
