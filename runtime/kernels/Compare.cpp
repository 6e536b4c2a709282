// Masks and selection, native loops: the comparisons, where and cast.
//
//   equal ... greater_equal: a, b (both f32 or both i32), numpy broadcasting
//                            -> out i32 = (a op b) ? 1 : 0; NaN compares
//                            unequal to everything, as IEEE's
//   where:                   mask i32, a, b (one element type), broadcasting
//                            -> out = mask != 0 ? a : b
//   cast:                    x -> out of the output's element type; f32 to i32
//                            truncates toward zero (cvttss2si: NaN, inf and
//                            values out of range give INT32_MIN, as PyTorch's
//                            .to(torch.int32) on x86)
#include "runtime/kernels/Broadcast.h"
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/kernels/StepCheck.h"

#include <cmath>
#include <cstring>

namespace braid::runtime::kernels {
namespace {

template <typename T>
void compareRow(plan::KernelKind kind, const T *a, int64_t sa, const T *b,
                int64_t sb, int32_t *out, int64_t n) {
  auto loop = [&](auto op) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = op(a[i * sa], b[i * sb]) ? 1 : 0;
  };
  switch (kind) {
  case plan::KernelKind::Equal:
    loop([](T x, T y) { return x == y; });
    break;
  case plan::KernelKind::NotEqual:
    loop([](T x, T y) { return x != y; });
    break;
  case plan::KernelKind::Less:
    loop([](T x, T y) { return x < y; });
    break;
  case plan::KernelKind::LessEqual:
    loop([](T x, T y) { return x <= y; });
    break;
  case plan::KernelKind::Greater:
    loop([](T x, T y) { return x > y; });
    break;
  default:
    loop([](T x, T y) { return x >= y; });
    break;
  }
}

class CompareKernel : public NativeKernel {
public:
  explicit CompareKernel(const StepDesc &step)
      : NativeKernel(kindName(step.kind), 2, 1), kind_(step.kind),
        f32_(step.inputs[0].type == plan::ElementType::F32),
        walk_(step.outputs[0].shape, step.inputs[0].shape,
              step.inputs[1].shape) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    lhs_ = inputs[0];
    rhs_ = inputs[1];
    out_ = static_cast<int32_t *>(outputs[0]);
  }

  Status compute() override {
    const int64_t sa = walk_.rowStrideA(), sb = walk_.rowStrideB(),
                  n = walk_.rowLength();
    walk_.forEachRow([&](int64_t oa, int64_t ob, int64_t oo) {
      if (f32_)
        compareRow(kind_, static_cast<const float *>(lhs_) + oa, sa,
                   static_cast<const float *>(rhs_) + ob, sb, out_ + oo, n);
      else
        compareRow(kind_, static_cast<const int32_t *>(lhs_) + oa, sa,
                   static_cast<const int32_t *>(rhs_) + ob, sb, out_ + oo, n);
    });
    return Status::ok();
  }

private:
  plan::KernelKind kind_;
  bool f32_;
  BroadcastWalk walk_;
  const void *lhs_ = nullptr, *rhs_ = nullptr;
  int32_t *out_ = nullptr;
};

/// where over three broadcast operands: the output walked row by row (its
/// last dimension), each operand by its own strides (0 along a broadcast
/// dimension). Elements are moved as 4-byte words.
class WhereKernel : public NativeKernel {
public:
  explicit WhereKernel(const StepDesc &step) : NativeKernel("where", 3, 1) {
    shape_ = step.outputs[0].shape;
    if (shape_.empty())
      shape_ = {1};
    size_t rank = shape_.size();
    for (size_t k = 0; k < 3; ++k) {
      const std::vector<int64_t> &in = step.inputs[k].shape;
      strides_[k].assign(rank, 0);
      int64_t stride = 1;
      for (size_t i = 0; i < in.size(); ++i) {
        size_t d = in.size() - 1 - i, od = rank - 1 - i;
        if (in[d] != 1)
          strides_[k][od] = stride;
        stride *= in[d];
      }
    }
    index_.assign(rank, 0);
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    mask_ = static_cast<const int32_t *>(inputs[0]);
    a_ = static_cast<const uint32_t *>(inputs[1]);
    b_ = static_cast<const uint32_t *>(inputs[2]);
    out_ = static_cast<uint32_t *>(outputs[0]);
  }

  Status compute() override {
    const size_t rank = shape_.size(), last = rank - 1;
    const int64_t n = shape_[last], sm = strides_[0][last],
                  sa = strides_[1][last], sb = strides_[2][last];
    int64_t rows = 1;
    for (size_t d = 0; d < last; ++d)
      rows *= shape_[d];
    int64_t om = 0, oa = 0, ob = 0;
    for (int64_t &i : index_)
      i = 0;
    uint32_t *out = out_;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n; ++i)
        out[i] = mask_[om + i * sm] != 0 ? a_[oa + i * sa] : b_[ob + i * sb];
      out += n;
      for (size_t d = last; d-- > 0;) {
        if (++index_[d] < shape_[d]) {
          om += strides_[0][d];
          oa += strides_[1][d];
          ob += strides_[2][d];
          break;
        }
        index_[d] = 0;
        om -= strides_[0][d] * (shape_[d] - 1);
        oa -= strides_[1][d] * (shape_[d] - 1);
        ob -= strides_[2][d] * (shape_[d] - 1);
      }
    }
    return Status::ok();
  }

private:
  std::vector<int64_t> shape_, strides_[3], index_;
  const int32_t *mask_ = nullptr;
  const uint32_t *a_ = nullptr, *b_ = nullptr;
  uint32_t *out_ = nullptr;
};

/// f32 -> i32 as cvttss2si: toward zero, INT32_MIN for NaN and out of range
/// (what PyTorch's CPU conversion gives on x86), without C++'s undefined
/// behaviour.
int32_t truncateToI32(float x) {
  if (!(x > -2147483904.0f && x < 2147483648.0f))
    return INT32_MIN;
  return static_cast<int32_t>(x);
}

class CastKernel : public NativeKernel {
public:
  CastKernel(const StepDesc &step)
      : NativeKernel("cast", 1, 1), from_(step.inputs[0].type),
        to_(step.outputs[0].type), n_(step.outputs[0].elements()) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    in_ = inputs[0];
    out_ = outputs[0];
  }

  Status compute() override {
    if (from_ == to_) {
      if (in_ != out_)
        std::memcpy(out_, in_, n_ * 4);
    } else if (to_ == plan::ElementType::I32) {
      const float *in = static_cast<const float *>(in_);
      int32_t *out = static_cast<int32_t *>(out_);
      for (int64_t i = 0; i < n_; ++i)
        out[i] = truncateToI32(in[i]);
    } else {
      const int32_t *in = static_cast<const int32_t *>(in_);
      float *out = static_cast<float *>(out_);
      for (int64_t i = 0; i < n_; ++i)
        out[i] = static_cast<float>(in[i]);
    }
    return Status::ok();
  }

private:
  plan::ElementType from_, to_;
  int64_t n_;
  const void *in_ = nullptr;
  void *out_ = nullptr;
};

} // namespace

Status createCompare(const StepDesc &step, KernelContext &,
                     std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkRule(step, shape::compare(ruleType(step.inputs[0]),
                                     ruleType(step.inputs[1]))));
  *out = std::make_unique<CompareKernel>(step);
  return Status::ok();
}

Status createWhere(const StepDesc &step, KernelContext &,
                   std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkRule(
      step, shape::where(ruleType(step.inputs[0]), ruleType(step.inputs[1]),
                         ruleType(step.inputs[2]))));
  *out = std::make_unique<WhereKernel>(step);
  return Status::ok();
}

Status createCast(const StepDesc &step, KernelContext &,
                  std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkRule(step, shape::cast(ruleType(step.inputs[0]),
                                  ruleType(step.outputs[0]).element)));
  *out = std::make_unique<CastKernel>(step);
  return Status::ok();
}

} // namespace braid::runtime::kernels
