// Binary elementwise forward (add, sub, mul, div) with numpy broadcasting.
// oneDNN's binary primitive when its src0 can have the output's shape (lhs,
// or rhs for add and mul); a native row loop otherwise (lhs broadcast in sub
// or div, or both operands broadcast).
//
//   lhs f32[...], rhs f32[...] (rank 0 included)
//   out f32[broadcast(lhs, rhs)] = lhs op rhs
#include "runtime/kernels/Broadcast.h"
#include "runtime/kernels/Dnnl.h"

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

bool commutative(plan::KernelKind kind) {
  return kind == plan::KernelKind::Add || kind == plan::KernelKind::Mul;
}

class DnnlBinaryKernel : public DnnlKernel {
public:
  /// src0 is operand `first` (whose padded shape is the output's).
  DnnlBinaryKernel(const StepDesc &step, const KernelContext &context,
                   size_t first)
      : DnnlKernel(context) {
    const std::vector<int64_t> &out = step.outputs[0].shape;
    auto outMd = plainDesc(padded(out, out.size()));
    auto lhsMd = plainDesc(padded(step.inputs[0].shape, out.size()));
    auto rhsMd = plainDesc(padded(step.inputs[1].shape, out.size()));
    dnnl::algorithm algorithm;
    switch (step.kind) {
    case plan::KernelKind::Add:
      algorithm = dnnl::algorithm::binary_add;
      break;
    case plan::KernelKind::Sub:
      algorithm = dnnl::algorithm::binary_sub;
      break;
    case plan::KernelKind::Mul:
      algorithm = dnnl::algorithm::binary_mul;
      break;
    default:
      algorithm = dnnl::algorithm::binary_div;
      break;
    }
    inputs_ = {unbound(lhsMd), unbound(rhsMd)};
    outputs_ = {unbound(outMd)};
    const dnnl::memory &src0 = inputs_[first], &src1 = inputs_[1 - first];
    dnnl::binary::primitive_desc pd(
        dnnl::binary::desc(algorithm, src0.get_desc(), src1.get_desc(), outMd),
        userScratchpadAttr(), engine_);
    DnnlStep &s = addStep(dnnl::binary(pd), pd);
    s.arg(DNNL_ARG_SRC_0, src0);
    s.arg(DNNL_ARG_SRC_1, src1);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

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

/// One output row: each operand either runs along it or is one value.
template <typename Op>
void row(const float *a, int64_t strideA, const float *b, int64_t strideB,
         float *out, int64_t n) {
  if (strideA && strideB) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = Op::apply(a[i], b[i]);
  } else if (strideB) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i)
      out[i] = Op::apply(av, b[i]);
  } else if (strideA) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i)
      out[i] = Op::apply(a[i], bv);
  } else {
    const float v = Op::apply(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i)
      out[i] = v;
  }
}

class NativeBinaryKernel : public Kernel {
public:
  explicit NativeBinaryKernel(const StepDesc &step)
      : kind_(step.kind), walk_(step.outputs[0].shape, step.inputs[0].shape,
                                step.inputs[1].shape) {}

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override {
    bound_ = inputs.size() == 2 && outputs.size() == 1;
    if (!bound_)
      return;
    lhs_ = static_cast<const float *>(inputs[0]);
    rhs_ = static_cast<const float *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status run() override {
    if (!bound_)
      return internalError(kindName(kind_) +
                           " kernel ran before bind() gave it 2 inputs and "
                           "1 output");
    switch (kind_) {
    case plan::KernelKind::Add:
      apply<AddOp>();
      break;
    case plan::KernelKind::Sub:
      apply<SubOp>();
      break;
    case plan::KernelKind::Mul:
      apply<MulOp>();
      break;
    default:
      apply<DivOp>();
      break;
    }
    return Status::ok();
  }

private:
  template <typename Op> void apply() {
    const int64_t sa = walk_.rowStrideA(), sb = walk_.rowStrideB(),
                  n = walk_.rowLength();
    walk_.forEachRow([&](int64_t oa, int64_t ob, int64_t oo) {
      row<Op>(lhs_ + oa, sa, rhs_ + ob, sb, out_ + oo, n);
    });
  }

  plan::KernelKind kind_;
  BroadcastWalk walk_;
  bool bound_ = false;
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

Status createBinary(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 2, 2, 1));
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
    return invalidArgument(kindName(step.kind) + " step: " + shapeString(lhs) +
                           " and " + shapeString(rhs) +
                           " do not broadcast to the result " +
                           shapeString(result));
  const size_t rank = result.size();
  // Which operand can be oneDNN's src0 (it must have the output's shape).
  int first = -1;
  if (rank <= kMaxDnnlRank) {
    if (padded(lhs, rank) == padded(result, rank))
      first = 0;
    else if (commutative(step.kind) &&
             padded(rhs, rank) == padded(result, rank))
      first = 1;
  }
  try {
    if (first >= 0)
      *out = std::make_unique<DnnlBinaryKernel>(step, context, first);
    else
      *out = std::make_unique<NativeBinaryKernel>(step);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
