// Sum and mean reductions over a set of axes, native. oneDNN 2.6 runs many
// reductions (the bias gradient's sum over the batch among them) on its
// reference implementation, about a hundred times slower than this loop.
//
//   inp f32[...], axes non-negative, ascending
//   out f32[inp's shape without the axes] = sum (or mean) over the axes
//
// Neighbouring axes that are all reduced or all kept are merged first, so
// the input is blocks d0, d1, ..., dm-1 alternating kept and reduced, and it
// is read once, in order: the last block is the inner loop (a sum into one
// value when reduced, an add into a contiguous output row when kept).
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

class ReduceKernel : public Kernel {
public:
  ReduceKernel(const std::vector<int64_t> &shape,
               const std::vector<bool> &reduced, bool mean) {
    int64_t reducedCount = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (reduced[d])
        reducedCount *= shape[d];
      if (!dims_.empty() && reduced_.back() == reduced[d]) {
        dims_.back() *= shape[d];
      } else {
        dims_.push_back(shape[d]);
        reduced_.push_back(reduced[d]);
      }
    }
    scale_ = mean ? 1.0f / static_cast<float>(reducedCount) : 1.0f;
    // Output strides of the merged blocks (0 for reduced ones).
    outStrides_.assign(dims_.size(), 0);
    int64_t stride = 1;
    for (size_t j = dims_.size(); j-- > 0;)
      if (!reduced_[j]) {
        outStrides_[j] = stride;
        stride *= dims_[j];
      }
    outElements_ = stride;
    index_.assign(dims_.size(), 0);
  }

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override {
    in_ = static_cast<const float *>(inputs.empty() ? nullptr : inputs[0]);
    out_ = static_cast<float *>(outputs.empty() ? nullptr : outputs[0]);
  }

  Status run() override {
    if (!in_ || !out_)
      return internalError("reduction step: buffers are not bound");
    for (int64_t i = 0; i < outElements_; ++i)
      out_[i] = 0;
    size_t last = dims_.size() - 1;
    int64_t inner = dims_[last];
    std::fill(index_.begin(), index_.end(), 0);
    const float *in = in_;
    int64_t outer = 1;
    for (size_t j = 0; j < last; ++j)
      outer *= dims_[j];
    for (int64_t o = 0; o < outer; ++o, in += inner) {
      int64_t outOffset = 0;
      for (size_t j = 0; j < last; ++j)
        outOffset += index_[j] * outStrides_[j];
      float *out = out_ + outOffset;
      if (reduced_[last]) {
        float sum = 0;
        for (int64_t i = 0; i < inner; ++i)
          sum += in[i];
        *out += sum;
      } else {
        for (int64_t i = 0; i < inner; ++i)
          out[i] += in[i];
      }
      // Advance the odometer over the outer blocks.
      for (size_t j = last; j-- > 0;) {
        if (++index_[j] < dims_[j])
          break;
        index_[j] = 0;
      }
    }
    if (scale_ != 1.0f)
      for (int64_t i = 0; i < outElements_; ++i)
        out_[i] *= scale_;
    return Status::ok();
  }

private:
  std::vector<int64_t> dims_, outStrides_, index_;
  std::vector<bool> reduced_;
  int64_t outElements_ = 1;
  float scale_ = 1;
  const float *in_ = nullptr;
  float *out_ = nullptr;
};

} // namespace

Status createReduce(const StepDesc &step, KernelContext &,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "operand", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
  const std::vector<int64_t> &shape = step.inputs[0].shape;
  std::vector<bool> reduced(shape.size(), false);
  for (size_t i = 0; i < step.axes.size(); ++i) {
    int64_t a = step.axes[i];
    if (a < 0 || a >= static_cast<int64_t>(shape.size()) ||
        (i > 0 && a <= step.axes[i - 1]))
      return invalidArgument(
          kindName(step.kind) + " step: axes " + shape::toString(step.axes) +
          " must be ascending and in [0, rank) for " + shape::toString(shape));
    reduced[a] = true;
  }
  if (step.axes.empty())
    return invalidArgument(kindName(step.kind) + " step: no axes to reduce");
  std::vector<int64_t> expected;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!reduced[d])
      expected.push_back(shape[d]);
  if (expected != step.outputs[0].shape)
    return invalidArgument(kindName(step.kind) + " step: reducing " +
                           shape::toString(shape) + " over " +
                           shape::toString(step.axes) + " gives " +
                           shape::toString(expected) + ", not " +
                           shape::toString(step.outputs[0].shape));
  *out = std::make_unique<ReduceKernel>(
      shape, reduced, step.kind == plan::KernelKind::ReduceMean);
  return Status::ok();
}

} // namespace braid::runtime::kernels
