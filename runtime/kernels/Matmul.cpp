// Matmul forward, via oneDNN's matmul primitive.
//
// Dimension letters as defined in Dnnl.h.
//
//   inp    f32[B, K]
//   weight f32[K, N]
//   out    f32[B, N] = inp @ weight
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {
namespace {

class MatmulKernel : public DnnlKernel {
public:
  MatmulKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    auto inp = plainDesc(step.inputs[0].shape);
    auto weight = plainDesc(step.inputs[1].shape);
    auto out = plainDesc(step.outputs[0].shape);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(inp, weight, out),
                                    userScratchpadAttr(), engine_);
    inputs_ = {unbound(inp), unbound(weight)};
    outputs_ = {unbound(out)};
    DnnlStep &s = addStep(dnnl::matmul(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_WEIGHTS, inputs_[1]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

} // namespace

Status createMatmul(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(checkArity(step, 2, 2, 1));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "lhs", plan::ElementType::F32, 2));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "rhs", plan::ElementType::F32, 2));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 2));
  const auto &a = step.inputs[0].shape, &b = step.inputs[1].shape,
             &c = step.outputs[0].shape;
  if (a[1] != b[0] || c[0] != a[0] || c[1] != b[1])
    return invalidArgument("matmul step: shapes " + shapeString(a) + " @ " +
                           shapeString(b) + " -> " + shapeString(c) +
                           " do not agree");
  try {
    *out = std::make_unique<MatmulKernel>(step, context);
  } catch (...) {
    return statusFromException("matmul step");
  }
  return Status::ok();
}

} // namespace braid::runtime::kernels
