// Binary elementwise forward (add, sub, mul, div, maximum, minimum) with numpy
// broadcasting, as native row loops. oneDNN's binary primitive ran most of
// these before, but its execute builds a map of its arguments on the heap every
// call (with relu, the only allocations of a dense model's step), and the
// reference model trained 2-10% faster without it (docs/benchmarks.md).
//
//   lhs f32[...], rhs f32[...] (rank 0 included)
//   out f32[broadcast(lhs, rhs)] = lhs op rhs
#include "runtime/kernels/Broadcast.h"
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"

#include <algorithm>

namespace braid::runtime::kernels {
namespace {

/// `shape` with leading 1s up to `rank` (at least 1).
std::vector<int64_t> padded(const std::vector<int64_t> &shape, size_t rank) {
  rank = rank ? rank : 1;
  std::vector<int64_t> p(rank - shape.size(), 1);
  p.insert(p.end(), shape.begin(), shape.end());
  return p;
}

struct AddOp {
  static float apply(float a, float b) { return a + b; }
};
struct SubOp {
  static float apply(float a, float b) { return a - b; }
};
struct MulOp {
  static float apply(float a, float b) { return a * b; }
};
struct DivOp {
  static float apply(float a, float b) { return a / b; }
};
// NaN in either operand gives NaN, as PyTorch's maximum and minimum (std::max
// would return its first operand).
struct MaximumOp {
  static float apply(float a, float b) { return a > b || a != a ? a : b; }
};
struct MinimumOp {
  static float apply(float a, float b) { return a < b || a != a ? a : b; }
};

/// One output row: each operand either runs along it (stride 1) or is one
/// value (stride 0). Inlined into binaryRow's per-CPU clones.
template <typename Op>
[[gnu::always_inline]] inline void rowLoop(const float *a, int64_t strideA,
                                           const float *b, int64_t strideB,
                                           float *out, int64_t n) {
  if (strideA && strideB) {
    // The output may be one of the operands' buffers; each element is read
    // before it is written.
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i)
      out[i] = Op::apply(a[i], b[i]);
  } else if (strideB) {
    const float av = a[0];
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i)
      out[i] = Op::apply(av, b[i]);
  } else if (strideA) {
    const float bv = b[0];
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i)
      out[i] = Op::apply(a[i], bv);
  } else {
    const float v = Op::apply(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i)
      out[i] = v;
  }
}

BRAID_VECTOR_CLONES void binaryRow(plan::KernelKind kind, const float *a,
                                   int64_t strideA, const float *b,
                                   int64_t strideB, float *out, int64_t n) {
  switch (kind) {
  case plan::KernelKind::Add:
    rowLoop<AddOp>(a, strideA, b, strideB, out, n);
    break;
  case plan::KernelKind::Sub:
    rowLoop<SubOp>(a, strideA, b, strideB, out, n);
    break;
  case plan::KernelKind::Mul:
    rowLoop<MulOp>(a, strideA, b, strideB, out, n);
    break;
  case plan::KernelKind::Maximum:
    rowLoop<MaximumOp>(a, strideA, b, strideB, out, n);
    break;
  case plan::KernelKind::Minimum:
    rowLoop<MinimumOp>(a, strideA, b, strideB, out, n);
    break;
  default:
    rowLoop<DivOp>(a, strideA, b, strideB, out, n);
    break;
  }
}

class NativeBinaryKernel : public NativeKernel {
public:
  explicit NativeBinaryKernel(const StepDesc &step)
      : NativeKernel(kindName(step.kind), 2, 1), kind_(step.kind),
        walk_(step.outputs[0].shape, step.inputs[0].shape,
              step.inputs[1].shape) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    lhs_ = static_cast<const float *>(inputs[0]);
    rhs_ = static_cast<const float *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const int64_t sa = walk_.rowStrideA(), sb = walk_.rowStrideB(),
                  n = walk_.rowLength();
    walk_.forEachRow([&](int64_t oa, int64_t ob, int64_t oo) {
      binaryRow(kind_, lhs_ + oa, sa, rhs_ + ob, sb, out_ + oo, n);
    });
    return Status::ok();
  }

private:
  plan::KernelKind kind_;
  BroadcastWalk walk_;
  const float *lhs_ = nullptr, *rhs_ = nullptr;
  float *out_ = nullptr;
};

/// The numpy broadcast of `a` and `b`, or false when they do not broadcast.
bool broadcastShape(const std::vector<int64_t> &a,
                    const std::vector<int64_t> &b, std::vector<int64_t> *out) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> pa = padded(a, rank), pb = padded(b, rank);
  out->assign(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    if (pa[d] != pb[d] && pa[d] != 1 && pb[d] != 1)
      return false;
    (*out)[d] = pa[d] == 1 ? pb[d] : pa[d];
  }
  return true;
}

} // namespace

Status createBinary(const StepDesc &step, KernelContext &,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "lhs", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "rhs", plan::ElementType::F32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
  const std::vector<int64_t> &lhs = step.inputs[0].shape,
                             &rhs = step.inputs[1].shape,
                             &result = step.outputs[0].shape;
  std::vector<int64_t> expected;
  if (!broadcastShape(lhs, rhs, &expected) || expected != result)
    return invalidArgument(
        kindName(step.kind) + " step: " + shape::toString(lhs) + " and " +
        shape::toString(rhs) + " do not broadcast to the result " +
        shape::toString(result));
  try {
    *out = std::make_unique<NativeBinaryKernel>(step);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
