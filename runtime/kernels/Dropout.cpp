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
#include "runtime/support/CpuDispatch.h"

#include <cmath>

namespace braid::runtime::kernels {
namespace {

/// One row of n elements: Philox4x32-10 (Philox.h's rounds) on blocks of
/// kGroups counters at once, in arrays the compiler vectorizes (the AVX2
/// clone multiplies 4 counters per vpmuludq); integer arithmetic, so every
/// clone draws the same bits.
BRAID_VECTOR_CLONES void dropoutRow(const float *in, float *out, int64_t n,
                                    uint32_t row, uint32_t step, uint32_t salt,
                                    uint32_t key0, uint32_t key1,
                                    uint64_t threshold, float scale) {
  constexpr int kGroups = 16;
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  const int64_t groups = (n + 3) / 4;
  for (int64_t g0 = 0; g0 < groups; g0 += kGroups) {
    uint32_t c0[kGroups], c1[kGroups], c2[kGroups], c3[kGroups];
    for (int i = 0; i < kGroups; ++i) {
      c0[i] = static_cast<uint32_t>(g0 + i);
      c1[i] = row;
      c2[i] = step;
      c3[i] = salt;
    }
    uint32_t k0 = key0, k1 = key1;
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += kW0;
        k1 += kW1;
      }
      for (int i = 0; i < kGroups; ++i) {
        uint64_t p0 = uint64_t(kM0) * c0[i], p1 = uint64_t(kM1) * c2[i];
        uint32_t n0 = uint32_t(p1 >> 32) ^ c1[i] ^ k0;
        uint32_t n2 = uint32_t(p0 >> 32) ^ c3[i] ^ k1;
        c0[i] = n0;
        c1[i] = uint32_t(p1);
        c2[i] = n2;
        c3[i] = uint32_t(p0);
      }
    }
    uint32_t words[4 * kGroups];
    for (int i = 0; i < kGroups; ++i) {
      words[4 * i] = c0[i];
      words[4 * i + 1] = c1[i];
      words[4 * i + 2] = c2[i];
      words[4 * i + 3] = c3[i];
    }
    const int64_t base = 4 * g0;
    const int64_t m = n - base < 4 * kGroups ? n - base : 4 * kGroups;
    for (int64_t e = 0; e < m; ++e)
      out[base + e] = words[e] >= threshold ? in[base + e] * scale : 0.0f;
  }
}

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
    for (int64_t r = 0; r < rows_; ++r)
      dropoutRow(in_ + r * rowLength_, out_ + r * rowLength_, rowLength_,
                 static_cast<uint32_t>(rowOffset_ + r), step, salt_, key[0],
                 key[1], threshold_, scale_);
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
