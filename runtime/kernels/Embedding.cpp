// Embedding forward and backward, native: a gather of table rows by id and
// its scatter-add, in the ids' row-major order (deterministic: the same sums
// in the same order on every run, thread count and machine).
//
//   embedding:
//     table f32[V, D], ids i32[...] (N ids), each in [0, V)
//     out   f32[..., D]: out[i, :] = table[ids[i], :]
//   embedding_grad:
//     dy f32[..., D], ids i32[...] (N ids), each in [0, V)
//     out f32[V, D]: zeros, then out[ids[i], :] += dy[i, :] for i = 0..N-1
//
// An id outside [0, V) fails the step, naming the op, the id, its position
// and the range, as PyTorch raises; the check is one compare per row.
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"
#include "runtime/support/CpuDispatch.h"

#include <cstring>

namespace braid::runtime::kernels {
namespace {

shape::TensorType ruleType(const TensorDesc &desc) {
  return {desc.type == plan::ElementType::F32 ? shape::ElementType::F32
                                              : shape::ElementType::I32,
          desc.shape};
}

/// The error for ids[i] outside [0, V).
Status idOutOfRange(const char *op, int32_t id, int64_t i,
                    const TensorDesc &ids, int64_t V) {
  return invalidArgument(
      std::string(op) + ": id " + std::to_string(id) + " at flat index " +
      std::to_string(i) + " of ids " + shape::toString(ruleType(ids)) +
      " is outside the table's rows [0, " + std::to_string(V) + ")");
}

BRAID_VECTOR_CLONES
void addRow(float *__restrict out, const float *__restrict dy, int64_t D) {
  for (int64_t d = 0; d < D; ++d)
    out[d] += dy[d];
}

class EmbeddingKernel : public NativeKernel {
public:
  EmbeddingKernel(const StepDesc &step, bool grad)
      : NativeKernel(kindName(step.kind), 2, 1), grad_(grad),
        ids_(step.inputs[1]),
        V_(grad ? step.outputs[0].shape[0] : step.inputs[0].shape[0]),
        D_(step.outputs[0].shape.back()), N_(step.inputs[1].elements()) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    rows_ = static_cast<const float *>(inputs[0]);
    idData_ = static_cast<const int32_t *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const char *op = grad_ ? "embedding_grad" : "embedding";
    if (grad_)
      std::memset(out_, 0, static_cast<size_t>(V_ * D_) * sizeof(float));
    for (int64_t i = 0; i < N_; ++i) {
      int32_t id = idData_[i];
      // One unsigned compare: negative ids wrap above V.
      if (static_cast<uint64_t>(static_cast<uint32_t>(id)) >=
          static_cast<uint64_t>(V_))
        return idOutOfRange(op, id, i, ids_, V_);
      if (grad_)
        addRow(out_ + id * D_, rows_ + i * D_, D_);
      else
        std::memcpy(out_ + i * D_, rows_ + id * D_,
                    static_cast<size_t>(D_) * sizeof(float));
    }
    return Status::ok();
  }

private:
  bool grad_;
  TensorDesc ids_;
  int64_t V_, D_, N_;
  const float *rows_ = nullptr; // the table, or dy
  const int32_t *idData_ = nullptr;
  float *out_ = nullptr;
};

} // namespace

Status createEmbedding(const StepDesc &step, KernelContext &,
                       std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "table", f32, 2));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "ids", plan::ElementType::I32));
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.outputs[0], "result", f32));
  shape::RuleResult rule =
      shape::embedding(ruleType(step.inputs[0]), ruleType(step.inputs[1]));
  if (!rule || rule.type().dims != step.outputs[0].shape)
    return invalidArgument(
        "embedding step: " +
        (rule ? "result shape " + shape::toString(step.outputs[0].shape) +
                    " differs from " + shape::toString(rule.type())
              : rule.error()));
  *out = std::make_unique<EmbeddingKernel>(step, /*grad=*/false);
  return Status::ok();
}

Status createEmbeddingGrad(const StepDesc &step, KernelContext &,
                           std::unique_ptr<Kernel> *out) {
  const auto f32 = plan::ElementType::F32;
  BRAID_RETURN_IF_ERROR(checkTensor(step, step.inputs[0], "gradient", f32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "ids", plan::ElementType::I32));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "table gradient", f32, 2));
  shape::RuleResult rule =
      shape::embeddingGrad(ruleType(step.inputs[0]), ruleType(step.inputs[1]),
                           step.outputs[0].shape[0]);
  if (!rule || rule.type().dims != step.outputs[0].shape)
    return invalidArgument(
        "embedding_grad step: " +
        (rule ? "result shape " + shape::toString(step.outputs[0].shape) +
                    " differs from " + shape::toString(rule.type())
              : rule.error()));
  *out = std::make_unique<EmbeddingKernel>(step, /*grad=*/true);
  return Status::ok();
}

} // namespace braid::runtime::kernels
