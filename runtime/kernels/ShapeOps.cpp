// Shape manipulation forward kernels; their tensors are f32 or i32 (4-byte
// elements either way).
//
//   reshape:      inp [...] -> out [target], same elements in row-major order
//                 (a copy, skipped when the planner aliased inp and out)
//   flatten:      inp [B, d1, ..., dk] -> out [B, d1 * ... * dk] (a copy too)
//   transpose:    inp [...] -> out with out.shape[i] = inp.shape[perm[i]],
//                 via a oneDNN reorder from a strided view of inp
//   broadcast_to: inp [...] -> out [target] repeating inp along its extents
//                 of 1 and missing leading dimensions (native)
#include "runtime/kernels/Broadcast.h"
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <cstring>

namespace braid::runtime::kernels {
namespace {

class CopyKernel : public NativeKernel {
public:
  explicit CopyKernel(size_t bytes)
      : NativeKernel("copy", 1, 1), bytes_(bytes) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    in_ = inputs[0];
    out_ = outputs[0];
  }

  Status compute() override {
    if (in_ != out_)
      std::memcpy(out_, in_, bytes_);
    return Status::ok();
  }

private:
  size_t bytes_;
  const void *in_ = nullptr;
  void *out_ = nullptr;
};

class TransposeKernel : public DnnlKernel {
public:
  TransposeKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    const std::vector<int64_t> &in = step.inputs[0].shape,
                               &out = step.outputs[0].shape;
    auto type = dnnlType(step.inputs[0].type);
    // inp seen in out's dimension order.
    std::vector<int64_t> inStrides = rowMajorStrides(in), viewStrides;
    for (int64_t p : step.perm)
      viewStrides.push_back(inStrides[p]);
    dnnl::memory::desc view(out, type, viewStrides), dst = plainDesc(out, type);
    dnnl::reorder::primitive_desc pd(engine_, view, engine_, dst,
                                     userScratchpadAttr());
    inputs_ = {unbound(view)};
    outputs_ = {unbound(dst)};
    DnnlStep &s = addStep(dnnl::reorder(pd), pd);
    s.arg(DNNL_ARG_FROM, inputs_[0]);
    s.arg(DNNL_ARG_TO, outputs_[0]);
  }
};

class BroadcastToKernel : public NativeKernel {
public:
  BroadcastToKernel(const std::vector<int64_t> &in,
                    const std::vector<int64_t> &out)
      : NativeKernel("broadcast_to", 1, 1), walk_(out, in, in) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    in_ = static_cast<const uint32_t *>(inputs[0]);
    out_ = static_cast<uint32_t *>(outputs[0]);
  }

  Status compute() override {
    const int64_t n = walk_.rowLength();
    const uint32_t *in = in_;
    uint32_t *out = out_;
    if (walk_.rowStrideA()) {
      walk_.forEachRow([&](int64_t oi, int64_t, int64_t oo) {
        // memmove: a broadcast to the same shape may be aliased in place.
        std::memmove(out + oo, in + oi, n * sizeof(uint32_t));
      });
    } else {
      walk_.forEachRow([&](int64_t oi, int64_t, int64_t oo) {
        const uint32_t v = in[oi];
        uint32_t *row = out + oo;
        for (int64_t i = 0; i < n; ++i)
          row[i] = v;
      });
    }
    return Status::ok();
  }

private:
  BroadcastWalk walk_;
  const uint32_t *in_ = nullptr;
  uint32_t *out_ = nullptr;
};

Status checkShapeOp(const StepDesc &step) {
  plan::ElementType type = step.inputs[0].type;
  if (type != plan::ElementType::F32 && type != plan::ElementType::I32)
    return invalidArgument(kindName(step.kind) +
                           " step: operand must be f32 or i32");
  return checkTensor(step, step.outputs[0], "result", type);
}

} // namespace

std::unique_ptr<Kernel> makeCopyKernel(size_t bytes) {
  return std::make_unique<CopyKernel>(bytes);
}

Status createReshape(const StepDesc &step, KernelContext &,
                     std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkShapeOp(step));
  const std::vector<int64_t> &in = step.inputs[0].shape,
                             &result = step.outputs[0].shape;
  if (step.kind == plan::KernelKind::Flatten) {
    int64_t rest = 1;
    for (size_t d = 1; d < in.size(); ++d)
      rest *= in[d];
    if (in.empty() || result != std::vector<int64_t>{in[0], rest})
      return invalidArgument("flatten step: " + shape::toString(in) +
                             " does not flatten to " + shape::toString(result));
  } else if (step.inputs[0].elements() != step.outputs[0].elements()) {
    return invalidArgument("reshape step: " + shape::toString(in) + " and " +
                           shape::toString(result) +
                           " have different element counts");
  }
  *out = makeCopyKernel(step.outputs[0].bytes());
  return Status::ok();
}

Status createTranspose(const StepDesc &step, KernelContext &context,
                       std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkShapeOp(step));
  const std::vector<int64_t> &in = step.inputs[0].shape,
                             &result = step.outputs[0].shape;
  std::vector<bool> seen(in.size(), false);
  bool valid = step.perm.size() == in.size() && result.size() == in.size();
  bool identity = true;
  for (size_t i = 0; valid && i < step.perm.size(); ++i) {
    int64_t p = step.perm[i];
    valid = p >= 0 && p < static_cast<int64_t>(in.size()) && !seen[p] &&
            result[i] == in[p];
    if (valid)
      seen[p] = true;
    identity &= p == static_cast<int64_t>(i);
  }
  if (!valid)
    return invalidArgument("transpose step: perm " +
                           shape::toString(step.perm) + " does not take " +
                           shape::toString(in) + " to " +
                           shape::toString(result));
  if (identity) {
    *out = makeCopyKernel(step.outputs[0].bytes());
    return Status::ok();
  }
  if (in.size() > kMaxDnnlRank)
    return unsupported("transpose step: rank " + std::to_string(in.size()) +
                       " is above oneDNN's " + std::to_string(kMaxDnnlRank));
  try {
    *out = std::make_unique<TransposeKernel>(step, context);
  } catch (...) {
    return statusFromException("transpose step");
  }
  return Status::ok();
}

Status createBroadcastTo(const StepDesc &step, KernelContext &,
                         std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkShapeOp(step));
  const std::vector<int64_t> &in = step.inputs[0].shape,
                             &result = step.outputs[0].shape;
  bool valid = in.size() <= result.size();
  for (size_t i = 1; valid && i <= in.size(); ++i) {
    int64_t d = in[in.size() - i];
    valid = d == 1 || d == result[result.size() - i];
  }
  if (!valid)
    return invalidArgument("broadcast_to step: " + shape::toString(in) +
                           " does not broadcast to " + shape::toString(result));
  *out = std::make_unique<BroadcastToKernel>(in, result);
  return Status::ok();
}

} // namespace braid::runtime::kernels
