// concat, slice and slice's gradient: copies of contiguous blocks. Seen
// around `axis`, a tensor is [outer, extent, inner] (outer the product of the
// dimensions before the axis, inner of those after), and each of these ops
// moves one block of extent * inner elements per outer index. Elements are
// 4 bytes (f32 or i32).
//
//   concat:     t_k [..., n_k, ...] -> out [..., sum n_k, ...]
//   slice:      x [..., n, ...] -> out [..., size, ...] = x[...,
//   start:start+size, ...] slice_grad: dy [..., size, ...] -> out [..., n,
//   ...], zeros with dy at
//               [start, start + size)
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/kernels/StepCheck.h"

#include <cstring>

namespace braid::runtime::kernels {
namespace {

/// The product of `dims[begin, end)`.
int64_t product(const std::vector<int64_t> &dims, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t d = begin; d < end; ++d)
    n *= dims[d];
  return n;
}

class ConcatKernel : public NativeKernel {
public:
  ConcatKernel(const StepDesc &step)
      : NativeKernel("concat", step.inputs.size(), 1) {
    const std::vector<int64_t> &out = step.outputs[0].shape;
    size_t axis = static_cast<size_t>(step.axis);
    outer_ = product(out, 0, axis);
    int64_t inner = product(out, axis + 1, out.size());
    outBlock_ = out[axis] * inner;
    for (const TensorDesc &input : step.inputs)
      blocks_.push_back(input.shape[axis] * inner);
    inputs_.resize(step.inputs.size());
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    for (size_t i = 0; i < inputs.size(); ++i)
      inputs_[i] = static_cast<const uint32_t *>(inputs[i]);
    out_ = static_cast<uint32_t *>(outputs[0]);
  }

  Status compute() override {
    for (int64_t o = 0; o < outer_; ++o) {
      uint32_t *row = out_ + o * outBlock_;
      for (size_t i = 0; i < inputs_.size(); ++i) {
        std::memcpy(row, inputs_[i] + o * blocks_[i],
                    blocks_[i] * sizeof(uint32_t));
        row += blocks_[i];
      }
    }
    return Status::ok();
  }

private:
  int64_t outer_ = 1, outBlock_ = 0;
  std::vector<int64_t> blocks_;
  std::vector<const uint32_t *> inputs_;
  uint32_t *out_ = nullptr;
};

/// slice (`grad` false) and slice_grad (`grad` true): the wide tensor is
/// [outer, extent * inner], the narrow one [outer, size * inner] at offset
/// start * inner of each wide row.
class SliceKernel : public NativeKernel {
public:
  SliceKernel(const StepDesc &step, bool grad)
      : NativeKernel(kindName(step.kind), 1, 1), grad_(grad) {
    const std::vector<int64_t> &wide =
        grad ? step.outputs[0].shape : step.inputs[0].shape;
    const std::vector<int64_t> &narrow =
        grad ? step.inputs[0].shape : step.outputs[0].shape;
    size_t axis = static_cast<size_t>(step.axis);
    outer_ = product(wide, 0, axis);
    int64_t inner = product(wide, axis + 1, wide.size());
    wideBlock_ = wide[axis] * inner;
    narrowBlock_ = narrow[axis] * inner;
    offset_ = step.start * inner;
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    in_ = static_cast<const uint32_t *>(inputs[0]);
    out_ = static_cast<uint32_t *>(outputs[0]);
  }

  Status compute() override {
    const size_t narrowBytes = narrowBlock_ * sizeof(uint32_t);
    for (int64_t o = 0; o < outer_; ++o) {
      if (!grad_) {
        std::memcpy(out_ + o * narrowBlock_, in_ + o * wideBlock_ + offset_,
                    narrowBytes);
        continue;
      }
      // Each byte of the row written once: zeros, dy, zeros.
      uint32_t *row = out_ + o * wideBlock_;
      std::memset(row, 0, offset_ * sizeof(uint32_t));
      std::memcpy(row + offset_, in_ + o * narrowBlock_, narrowBytes);
      std::memset(row + offset_ + narrowBlock_, 0,
                  (wideBlock_ - offset_ - narrowBlock_) * sizeof(uint32_t));
    }
    return Status::ok();
  }

private:
  bool grad_;
  int64_t outer_ = 1, wideBlock_ = 0, narrowBlock_ = 0, offset_ = 0;
  const uint32_t *in_ = nullptr;
  uint32_t *out_ = nullptr;
};

} // namespace

Status createConcat(const StepDesc &step, KernelContext &,
                    std::unique_ptr<Kernel> *out) {
  if (step.axis < 0)
    return invalidArgument("concat step: axis must be non-negative");
  std::vector<shape::TensorType> inputs;
  for (const TensorDesc &input : step.inputs)
    inputs.push_back(ruleType(input));
  BRAID_RETURN_IF_ERROR(checkRule(step, shape::concat(inputs, step.axis)));
  *out = std::make_unique<ConcatKernel>(step);
  return Status::ok();
}

Status createSlice(const StepDesc &step, KernelContext &,
                   std::unique_ptr<Kernel> *out) {
  bool grad = step.kind == plan::KernelKind::SliceGrad;
  const std::vector<int64_t> &outShape = step.outputs[0].shape;
  if (step.axis < 0 || step.axis >= static_cast<int64_t>(outShape.size()))
    return invalidArgument(kindName(step.kind) +
                           " step: axis must be non-negative and below the "
                           "rank");
  shape::TensorType in = ruleType(step.inputs[0]);
  BRAID_RETURN_IF_ERROR(checkRule(
      step,
      grad ? shape::sliceGrad(in, outShape, step.axis, step.start)
           : shape::slice(in, step.axis, step.start, outShape[step.axis])));
  *out = std::make_unique<SliceKernel>(step, grad);
  return Status::ok();
}

} // namespace braid::runtime::kernels
