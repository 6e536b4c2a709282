// Sum, mean and maximum reductions over a set of axes, native, and the
// maximum's gradient. oneDNN 2.6 runs many reductions (the bias gradient's
// sum over the batch among them) on its reference implementation, about a
// hundred times slower than this loop.
//
//   inp f32[...], axes non-negative, ascending
//   out f32[inp's shape without the axes] = sum (mean, maximum) over the axes
//   reduce_max_grad: (dy, x, y) -> dx of x's shape, dx = dy / (number of
//   maxima) where x equals its maximum y, 0 elsewhere (PyTorch's amax)
//
// Neighbouring axes that are all reduced or all kept are merged first, so
// the input is blocks d0, d1, ..., dm-1 alternating kept and reduced, and it
// is read once, in order: the last block is the inner loop (a sum into one
// value when reduced, in LaneSum.h's lanes; an add into a contiguous output
// row when kept).
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/LaneSum.h"

#include <limits>

namespace braid::runtime::kernels {
namespace {

class ReduceKernel : public Kernel {
public:
  enum class Op { Sum, Mean, Max };

  ReduceKernel(const std::vector<int64_t> &shape,
               const std::vector<bool> &reduced, Op op)
      : op_(op) {
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
    scale_ = op == Op::Mean ? 1.0f / static_cast<float>(reducedCount) : 1.0f;
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
    const float start =
        op_ == Op::Max ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int64_t i = 0; i < outElements_; ++i)
      out_[i] = start;
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
      if (op_ == Op::Max) {
        if (reduced_[last])
          *out = maxOf(*out, in, inner);
        else
          for (int64_t i = 0; i < inner; ++i)
            out[i] = larger(out[i], in[i]);
      } else if (reduced_[last]) {
        *out += static_cast<float>(laneSum(in, inner));
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
  /// The larger of a and b; NaN when either is (PyTorch's amax).
  static float larger(float a, float b) { return (a >= b || a != a) ? a : b; }
  static float maxOf(float acc, const float *in, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      acc = larger(acc, in[i]);
    return acc;
  }

  Op op_;
  std::vector<int64_t> dims_, outStrides_, index_;
  std::vector<bool> reduced_;
  int64_t outElements_ = 1;
  float scale_ = 1;
  const float *in_ = nullptr;
  float *out_ = nullptr;
};

/// dx = dy / (number of maxima) where x equals the maximum y, else 0: two
/// passes over x, the first counting each result's maxima.
class ReduceMaxGradKernel : public Kernel {
public:
  ReduceMaxGradKernel(const std::vector<int64_t> &shape,
                      const std::vector<bool> &reduced)
      : shape_(shape), outStrides_(shape.size(), 0), index_(shape.size()) {
    int64_t stride = 1;
    for (size_t d = shape.size(); d-- > 0;)
      if (!reduced[d]) {
        outStrides_[d] = stride;
        stride *= shape[d];
      }
    counts_.assign(stride, 0);
    elements_ = 1;
    for (int64_t d : shape)
      elements_ *= d;
  }

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override {
    dy_ = static_cast<const float *>(inputs.size() < 3 ? nullptr : inputs[0]);
    x_ = static_cast<const float *>(inputs.size() < 3 ? nullptr : inputs[1]);
    y_ = static_cast<const float *>(inputs.size() < 3 ? nullptr : inputs[2]);
    dx_ = static_cast<float *>(outputs.empty() ? nullptr : outputs[0]);
  }

  Status run() override {
    if (!dy_ || !x_ || !y_ || !dx_)
      return internalError("reduce_max_grad step: buffers are not bound");
    std::fill(counts_.begin(), counts_.end(), 0.0f);
    forEach([&](int64_t i, int64_t o) {
      if (x_[i] == y_[o])
        counts_[o] += 1;
    });
    forEach([&](int64_t i, int64_t o) {
      dx_[i] = x_[i] == y_[o] ? dy_[o] / counts_[o] : 0.0f;
    });
    return Status::ok();
  }

private:
  /// Calls f(input index, result index) for every element of x, in order.
  template <typename F> void forEach(F &&f) {
    std::fill(index_.begin(), index_.end(), 0);
    int64_t o = 0;
    for (int64_t i = 0; i < elements_; ++i) {
      f(i, o);
      for (size_t d = shape_.size(); d-- > 0;) {
        o += outStrides_[d];
        if (++index_[d] < shape_[d])
          break;
        o -= outStrides_[d] * shape_[d];
        index_[d] = 0;
      }
    }
  }

  std::vector<int64_t> shape_, outStrides_, index_;
  std::vector<float> counts_;
  int64_t elements_ = 1;
  const float *dy_ = nullptr, *x_ = nullptr, *y_ = nullptr;
  float *dx_ = nullptr;
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
  using Op = ReduceKernel::Op;
  *out = std::make_unique<ReduceKernel>(
      shape, reduced,
      step.kind == plan::KernelKind::ReduceMean  ? Op::Mean
      : step.kind == plan::KernelKind::ReduceMax ? Op::Max
                                                 : Op::Sum);
  return Status::ok();
}

Status createReduceMaxGrad(const StepDesc &step, KernelContext &,
                           std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "dy", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[1], "x", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[2], "y", f32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32));
  const std::vector<int64_t> &shape = step.inputs[1].shape;
  shape::RuleResult rule = shape::reduceMaxGrad(
      {shape::ElementType::F32, step.inputs[0].shape},
      {shape::ElementType::F32, shape},
      {shape::ElementType::F32, step.inputs[2].shape}, step.axes);
  bool ascending = true;
  for (size_t i = 0; i < step.axes.size(); ++i)
    ascending &=
        step.axes[i] >= 0 && (i == 0 || step.axes[i] > step.axes[i - 1]);
  if (!rule || !ascending || step.outputs[0].shape != shape)
    return invalidArgument("reduce_max_grad step: dy " +
                           shape::toString(step.inputs[0].shape) + ", x " +
                           shape::toString(shape) + ", y " +
                           shape::toString(step.inputs[2].shape) +
                           " over axes " + shape::toString(step.axes) +
                           " do not agree" + (rule ? "" : ": " + rule.error()));
  std::vector<bool> reduced(shape.size(), false);
  for (int64_t a : step.axes)
    reduced[a] = true;
  *out = std::make_unique<ReduceMaxGradKernel>(shape, reduced);
  return Status::ok();
}

} // namespace braid::runtime::kernels
