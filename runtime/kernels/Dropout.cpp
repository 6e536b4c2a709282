// dropout in training: each element kept with probability 1 - p and scaled
// by 1 / (1 - p), or zeroed, as PyTorch's (the scale is the f32 1 / (1 - p),
// as its noise.div_(1 - p)).
//
//   x f32[R, ...] -> out f32[R, ...]
//
// The mask is a pure function of counters, drawn from Philox4x32-10:
//   key     = (seed & 0xffffffff, seed >> 32), the session's run seed
//   counter = (j / 4, global row, step mod 2^32, salt)
// where the global row is the rank's first row (its rank times the R rows
// of its share: BatchSampler gives rank r the rows [r R, (r + 1) R) of the
// global batch) plus the local row, and j the element's index within its
// row; word j mod 4 of the draw, u, keeps the element when
// u >= round(p 2^32). So a data-parallel run draws the masks of one process
// over the global batch, a run of the same seed and step the same mask, and
// the backward (a dropout of dy with the same salt) the forward's mask
// again: no mask is stored between them.
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/kernels/Philox.h"
#include "runtime/kernels/StepCheck.h"

#include <cmath>

namespace braid::runtime::kernels {
namespace {

class DropoutKernel : public NativeKernel {
public:
  DropoutKernel(const StepDesc &step, const KernelContext &context)
      : NativeKernel("dropout", 1, 1), counters_(&context.random),
        salt_(step.salt) {
    const std::vector<int64_t> &shape = step.inputs[0].shape;
    rows_ = shape[0];
    rowLength_ = rows_ > 0 ? step.inputs[0].elements() / rows_ : 0;
    rowOffset_ = static_cast<uint64_t>(
                     context.communicator ? context.communicator->rank() : 0) *
                 static_cast<uint64_t>(rows_);
    // Keep when u >= threshold: probability 1 - threshold / 2^32.
    threshold_ =
        static_cast<uint64_t>(std::llround(step.dropoutP * 4294967296.0));
    scale_ = 1.0f / static_cast<float>(1.0 - step.dropoutP);
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    in_ = static_cast<const float *>(inputs[0]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const uint64_t seed = counters_->seed;
    const PhiloxKey key = {static_cast<uint32_t>(seed),
                           static_cast<uint32_t>(seed >> 32)};
    const uint32_t step = static_cast<uint32_t>(counters_->step);
    for (int64_t r = 0; r < rows_; ++r) {
      const uint32_t row = static_cast<uint32_t>(rowOffset_ + r);
      const float *in = in_ + r * rowLength_;
      float *out = out_ + r * rowLength_;
      for (int64_t j = 0; j < rowLength_; j += 4) {
        PhiloxCounter u = philox4x32_10(
            {static_cast<uint32_t>(j >> 2), row, step, salt_}, key);
        int64_t n = rowLength_ - j < 4 ? rowLength_ - j : 4;
        for (int64_t k = 0; k < n; ++k)
          out[j + k] = u[k] >= threshold_ ? in[j + k] * scale_ : 0.0f;
      }
    }
    return Status::ok();
  }

private:
  const RandomCounters *counters_;
  uint32_t salt_;
  int64_t rows_ = 0, rowLength_ = 0;
  uint64_t rowOffset_ = 0, threshold_ = 0;
  float scale_ = 1.0f;
  const float *in_ = nullptr;
  float *out_ = nullptr;
};

} // namespace

Status createDropout(const StepDesc &step, KernelContext &context,
                     std::unique_ptr<Kernel> *out) {
  if (step.inputs[0].shape.empty())
    return invalidArgument("dropout step: operand must have rank 1 or more");
  BRAID_RETURN_IF_ERROR(
      checkRule(step, shape::dropout(ruleType(step.inputs[0]), step.dropoutP)));
  *out = std::make_unique<DropoutKernel>(step, context);
  return Status::ok();
}

} // namespace braid::runtime::kernels
