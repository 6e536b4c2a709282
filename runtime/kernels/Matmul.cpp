// Matmul forward, either operand optionally read transposed, over numpy
// broadcast batch dimensions.
//
// Dimension letters as defined in Dnnl.h.
//
//   lhs    f32[B, K] (transposed: f32[K, B])
//   rhs    f32[K, N] (transposed: f32[N, K])
//   out    f32[B, N] = op(lhs) @ op(rhs)
//
// Batched: lhs f32[..., M, K], rhs f32[..., K, N], out f32[..., M, N], the
// leading dimensions broadcast. With a rank-2 rhs (a weight) and a plain lhs,
// the batches' rows are one [prod(...) * M, K] matrix: one OpenBLAS GEMM, the
// transformer's linear layers. Otherwise a loop of cblas_sgemm, one per
// batch, except for a transposed rhs alone (attention's q k^T, and dy v^T in
// its gradient), which runs on oneDNN's batched matmul primitive, one call
// for every batch: bench/batched-gemm measured the two on attention's 128
// products of 64x32x64 and 64x64x32, oneDNN 1.5-2x faster on q k^T, where
// OpenBLAS's small-matrix path is slow, and OpenBLAS 1.1-1.5x faster on
// plain operands and a transposed lhs (docs/benchmarks.md). The loop also
// runs what oneDNN refuses (more than DNNL_MAX_NDIMS dimensions).
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
#include <utility>
#include <vector>

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

/// The logical [..., rows, cols] operand of `shape` (stored [..., cols, rows]
/// when `transposed`), padded with leading 1s to `rank`: oneDNN broadcasts
/// the 1s of the batch dimensions.
dnnl::memory::desc batchedDesc(const std::vector<int64_t> &shape,
                               bool transposed, size_t rank) {
  std::vector<int64_t> dims(rank - shape.size(), 1);
  dims.insert(dims.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(rank);
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    strides[i] = stride;
    stride *= dims[i];
  }
  if (transposed) {
    std::swap(dims[rank - 2], dims[rank - 1]);
    std::swap(strides[rank - 2], strides[rank - 1]);
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

class DnnlBatchedMatmulKernel : public DnnlKernel {
public:
  DnnlBatchedMatmulKernel(const StepDesc &step, const KernelContext &context)
      : DnnlKernel(context) {
    size_t rank = step.outputs[0].shape.size();
    auto lhs = batchedDesc(step.inputs[0].shape, step.transposeLhs, rank);
    auto rhs = batchedDesc(step.inputs[1].shape, step.transposeRhs, rank);
    auto out = batchedDesc(step.outputs[0].shape, false, rank);
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

/// One GEMM per batch of the result, each operand's batch found by
/// broadcasting (offsets computed once, at load).
class BatchedMatmulKernel : public NativeKernel {
public:
  BatchedMatmulKernel(int64_t M, int64_t K, int64_t N, const StepDesc &step,
                      std::vector<int64_t> lhsOffsets,
                      std::vector<int64_t> rhsOffsets)
      : NativeKernel("matmul", 2, 1), M_(M), K_(K), N_(N),
        transposeLhs_(step.transposeLhs), transposeRhs_(step.transposeRhs),
        lhsOffsets_(std::move(lhsOffsets)), rhsOffsets_(std::move(rhsOffsets)) {
  }

  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    lhs_ = static_cast<const float *>(inputs[0]);
    rhs_ = static_cast<const float *>(inputs[1]);
    out_ = static_cast<float *>(outputs[0]);
  }

  Status compute() override {
    const size_t outStride = static_cast<size_t>(M_) * N_;
    for (size_t i = 0; i < lhsOffsets_.size(); ++i)
      cblas_sgemm(CblasRowMajor, transposeLhs_ ? CblasTrans : CblasNoTrans,
                  transposeRhs_ ? CblasTrans : CblasNoTrans, M_, N_, K_, 1.0f,
                  lhs_ + lhsOffsets_[i], transposeLhs_ ? M_ : K_,
                  rhs_ + rhsOffsets_[i], transposeRhs_ ? K_ : N_, 0.0f,
                  out_ + i * outStride, N_);
    return Status::ok();
  }

private:
  int M_, K_, N_;
  bool transposeLhs_, transposeRhs_;
  std::vector<int64_t> lhsOffsets_, rhsOffsets_;
  const float *lhs_ = nullptr, *rhs_ = nullptr;
  float *out_ = nullptr;
};

/// The element offset of each batch's matrix of an operand of `shape`, for
/// every batch of the result's batch dimensions `batch`, in row-major order:
/// a dimension the operand lacks or holds as 1 stays at 0 (numpy
/// broadcasting).
std::vector<int64_t> batchOffsets(const std::vector<int64_t> &shape,
                                  const std::vector<int64_t> &batch) {
  size_t rank = shape.size(), batchRank = batch.size();
  int64_t matrix = shape[rank - 2] * shape[rank - 1];
  // The operand's stride along each result batch dimension (0: broadcast).
  std::vector<int64_t> strides(batchRank, 0);
  int64_t stride = matrix;
  for (size_t i = batchRank; i-- > 0;) {
    size_t from = batchRank - i; // 1 for the last batch dimension
    if (from > rank - 2)
      break;
    int64_t dim = shape[rank - 2 - from];
    if (dim != 1)
      strides[i] = stride;
    stride *= dim;
  }
  int64_t count = 1;
  for (int64_t d : batch)
    count *= d;
  std::vector<int64_t> offsets(count);
  std::vector<int64_t> index(batchRank, 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t offset = 0;
    for (size_t i = 0; i < batchRank; ++i)
      offset += index[i] * strides[i];
    offsets[n] = offset;
    for (size_t i = batchRank; i-- > 0;) {
      if (++index[i] < batch[i])
        break;
      index[i] = 0;
    }
  }
  return offsets;
}

Status createBatchedMatmul(const StepDesc &step, KernelContext &context,
                           std::unique_ptr<Kernel> *out) {
  const auto &a = step.inputs[0].shape, &b = step.inputs[1].shape,
             &c = step.outputs[0].shape;
  shape::RuleResult rule =
      shape::matmul({shape::ElementType::F32, a}, {shape::ElementType::F32, b},
                    step.transposeLhs, step.transposeRhs);
  if (!rule || rule.type().dims != c)
    return invalidArgument("matmul step: shapes " + shape::toString(a) +
                           (step.transposeLhs ? " (transposed)" : "") + " @ " +
                           shape::toString(b) +
                           (step.transposeRhs ? " (transposed)" : "") + " -> " +
                           shape::toString(c) + " do not agree");
  size_t ra = a.size(), rb = b.size(), rc = c.size();
  int64_t M = c[rc - 2], N = c[rc - 1];
  int64_t K = a[ra - (step.transposeLhs ? 2 : 1)];
  std::vector<int64_t> batch(c.begin(), c.end() - 2);
  int64_t batches = 1;
  for (int64_t d : batch)
    batches *= d;
  // OpenBLAS takes int dimensions.
  int64_t rows = rb == 2 && !step.transposeLhs ? batches * M : M;
  if (rows > INT_MAX || K > INT_MAX || N > INT_MAX)
    return unsupported("matmul step: " + shape::toString(a) + " @ " +
                       shape::toString(b) +
                       " has a dimension beyond OpenBLAS's int range");
  if (rb == 2 && !step.transposeLhs) {
    // The lhs's batches are the result's (the rhs has none): their rows
    // stacked are one matrix.
    *out = std::make_unique<MatmulKernel>(rows, K, N, step);
    return Status::ok();
  }
  if (step.transposeRhs && !step.transposeLhs && rc <= kMaxDnnlRank) {
    try {
      *out = std::make_unique<DnnlBatchedMatmulKernel>(step, context);
      return Status::ok();
    } catch (...) {
      // Not a shape oneDNN's matmul takes: the loop below does.
    }
  }
  *out = std::make_unique<BatchedMatmulKernel>(
      M, K, N, step, batchOffsets(a, batch), batchOffsets(b, batch));
  return Status::ok();
}

} // namespace

Status createMatmul(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  if (step.inputs[0].shape.size() != 2 || step.inputs[1].shape.size() != 2) {
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, step.inputs[0], "lhs", plan::ElementType::F32));
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, step.inputs[1], "rhs", plan::ElementType::F32));
    BRAID_RETURN_IF_ERROR(
        checkTensor(step, step.outputs[0], "result", plan::ElementType::F32));
    return createBatchedMatmul(step, context, out);
  }
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
