// Sum and mean reductions over a set of axes, via oneDNN's reduction primitive
// (reduction_sum, reduction_mean). Neighbouring axes that are all reduced or
// all kept are merged first, so any rank fits oneDNN's limit.
//
//   inp f32[...], axes non-negative, ascending
//   out f32[inp's shape without the axes] = sum (or mean) over the axes
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

class ReduceKernel : public DnnlKernel {
public:
  ReduceKernel(const KernelContext &context, plan::KernelKind kind,
               const std::vector<int64_t> &src, const std::vector<int64_t> &dst)
      : DnnlKernel(context) {
    auto srcMd = plainDesc(src), dstMd = plainDesc(dst);
    auto algorithm = kind == plan::KernelKind::ReduceMean
                         ? dnnl::algorithm::reduction_mean
                         : dnnl::algorithm::reduction_sum;
    dnnl::reduction::primitive_desc pd(
        dnnl::reduction::desc(algorithm, srcMd, dstMd, 0.f, 0.f),
        userScratchpadAttr(), engine_);
    inputs_ = {unbound(srcMd)};
    outputs_ = {unbound(dstMd)};
    DnnlStep &s = addStep(dnnl::reduction(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

} // namespace

Status createReduce(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 1, 1, 1));
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
          kindName(step.kind) + " step: axes " + shapeString(step.axes) +
          " must be ascending and in [0, rank) for " + shapeString(shape));
    reduced[a] = true;
  }
  if (step.axes.empty())
    return invalidArgument(kindName(step.kind) + " step: no axes to reduce");
  std::vector<int64_t> expected;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!reduced[d])
      expected.push_back(shape[d]);
  if (expected != step.outputs[0].shape)
    return invalidArgument(
        kindName(step.kind) + " step: reducing " + shapeString(shape) +
        " over " + shapeString(step.axes) + " gives " + shapeString(expected) +
        ", not " + shapeString(step.outputs[0].shape));
  // Merge neighbours alike, dropping extents of 1.
  std::vector<int64_t> src, dst;
  bool lastReduced = false;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1)
      continue;
    if (!src.empty() && lastReduced == reduced[d]) {
      src.back() *= shape[d];
      dst.back() = reduced[d] ? 1 : src.back();
      continue;
    }
    src.push_back(shape[d]);
    dst.push_back(reduced[d] ? 1 : shape[d]);
    lastReduced = reduced[d];
  }
  if (src == dst) { // every reduced axis has extent 1
    *out = makeCopyKernel(step.outputs[0].bytes());
    return Status::ok();
  }
  try {
    *out = std::make_unique<ReduceKernel>(context, step.kind, src, dst);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
