// Matmul forward, either operand optionally read transposed.
//
// Dimension letters as defined in Dnnl.h.
//
//   lhs    f32[B, K] (transposed: f32[K, B])
//   rhs    f32[K, N] (transposed: f32[N, K])
//   out    f32[B, N] = op(lhs) @ op(rhs)
//
// OpenBLAS runs every product but single rows. oneDNN 2.6's GEMM (behind its
// matmul primitive and dnnl_sgemm) was measured against it on this project's
// AVX2 machines: it falls to about 40 GFLOP/s on aligned, untransposed operands
// of a few MB, where OpenBLAS holds 75-80, and it allocates packing buffers
// on every call, even with a user scratchpad, where OpenBLAS allocates its
// buffers once, on the first call (except its small-matrix kernels on
// AVX-512 machines, which pack into a buffer allocated at every call for
// products of up to about 10^6 multiply-adds; see docs/benchmarks.md, "No
// allocation"). On the reference model's small products,
// where oneDNN's GEMM is faster in isolation, whole training steps still
// ran faster on OpenBLAS. `bench/gemm_backends.cpp` has the comparison
// (docs/benchmarks.md).
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <cblas.h>

#include <climits>

namespace braid::runtime::kernels {
namespace {

/// Single-row products (vector-matrix, as in one-row inference) run on
/// oneDNN's matmul primitive: there OpenBLAS's per-call set-up dominates
/// (predict latency of the reference model at batch 1: 13-18 us on OpenBLAS
/// against 4.8-8.4 on oneDNN). Only single rows: on small products of many
/// rows oneDNN allocates a 16 KiB packing buffer on every call
/// (test/tools/step_audit.test catches it).
bool runsOnDnnl(int64_t B) { return B == 1; }

/// The logical [rows, cols] matrix, stored as its transpose when
/// `transposed`.
dnnl::memory::desc matrixDesc(int64_t rows, int64_t cols, bool transposed) {
  using tag = dnnl::memory::format_tag;
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32,
                            transposed ? tag::ba : tag::ab);
}

class DnnlMatmulKernel : public DnnlKernel {
public:
  DnnlMatmulKernel(int64_t B, int64_t K, int64_t N, const StepDesc &step,
                   const KernelContext &context)
      : DnnlKernel(context) {
    auto lhs = matrixDesc(B, K, step.transposeLhs);
    auto rhs = matrixDesc(K, N, step.transposeRhs);
    auto out = matrixDesc(B, N, false);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(lhs, rhs, out),
                                    userScratchpadAttr(), engine_);
    inputs_ = {unbound(lhs), unbound(rhs)};
    outputs_ = {unbound(out)};
    DnnlStep &s = addStep(dnnl::matmul(pd), pd);
    s.arg(DNNL_ARG_SRC, inputs_[0]);
    s.arg(DNNL_ARG_WEIGHTS, inputs_[1]);
    s.arg(DNNL_ARG_DST, outputs_[0]);
  }
};

class MatmulKernel : public NativeKernel {
public:
  MatmulKernel(int64_t B, int64_t K, int64_t N, const StepDesc &step)
      : NativeKernel("matmul", 2, 1), B_(B), K_(K), N_(N),
        transposeLhs_(step.transposeLhs), transposeRhs_(step.transposeRhs) {}

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    lhs_ = static_cast<const float *>(inputs[0]);
    rhs_ = static_cast<const float *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    cblas_sgemm(CblasRowMajor, transposeLhs_ ? CblasTrans : CblasNoTrans,
                transposeRhs_ ? CblasTrans : CblasNoTrans, B_, N_, K_, 1.0f,
                lhs_, transposeLhs_ ? B_ : K_, rhs_, transposeRhs_ ? K_ : N_,
                0.0f, out_, N_);
    return Status::ok();
  }

private:
  int B_, K_, N_;
  bool transposeLhs_, transposeRhs_;
  const float *lhs_ = nullptr, *rhs_ = nullptr;
  float *out_ = nullptr;
};

} // namespace

Status createMatmul(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[0], "lhs", plan::ElementType::F32, 2));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.inputs[1], "rhs", plan::ElementType::F32, 2));
  BRAID_RETURN_IF_ERROR(
      checkTensor(step, step.outputs[0], "result", plan::ElementType::F32, 2));
  const auto &a = step.inputs[0].shape, &b = step.inputs[1].shape,
             &c = step.outputs[0].shape;
  int64_t B = a[step.transposeLhs ? 1 : 0], K = a[step.transposeLhs ? 0 : 1];
  int64_t rhsK = b[step.transposeRhs ? 1 : 0], N = b[step.transposeRhs ? 0 : 1];
  if (K != rhsK || c[0] != B || c[1] != N)
    return invalidArgument("matmul step: shapes " + shape::toString(a) +
                           (step.transposeLhs ? " (transposed)" : "") + " @ " +
                           shape::toString(b) +
                           (step.transposeRhs ? " (transposed)" : "") + " -> " +
                           shape::toString(c) + " do not agree");
  // OpenBLAS takes int dimensions.
  if (B > INT_MAX || K > INT_MAX || N > INT_MAX)
    return unsupported("matmul step: " + shape::toString(a) + " @ " +
                       shape::toString(b) +
                       " has a dimension beyond OpenBLAS's int range");
  if (runsOnDnnl(B)) {
    try {
      *out = std::make_unique<DnnlMatmulKernel>(B, K, N, step, context);
    } catch (...) {
      return statusFromException("matmul step");
    }
    return Status::ok();
  }
  *out = std::make_unique<MatmulKernel>(B, K, N, step);
  return Status::ok();
}

} // namespace braid::runtime::kernels
