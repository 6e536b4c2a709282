// gemm-backends: GFLOP/s of oneDNN's and OpenBLAS's single-precision GEMM
// on the products of the example models' training steps (forward, input
// gradient, weight gradient), one thread, operands 64-byte aligned as in a
// session's arena. This is the measurement behind running every matmul on
// OpenBLAS (runtime/kernels/Matmul.cpp); docs/benchmarks.md records a run.
//
//   OMP_NUM_THREADS=1 build/release/bin/gemm-backends
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace {

struct Product {
  const char *what;
  int m, n, k;
  bool transA, transB;
};

// Row-major C[m, n] = op(A) @ op(B).
constexpr Product kProducts[] = {
    {"mlp forward 64x784 @ 784x64", 64, 64, 784, false, false},
    {"mlp dW1 (64x784)^T @ 64x64", 784, 64, 64, true, false},
    {"mlp dh 64x10 @ (64x10)^T", 64, 64, 10, false, true},
    {"wide forward 256x1024 @ 1024x1024", 256, 1024, 1024, false, false},
    {"wide forward 256x784 @ 784x1024", 256, 1024, 784, false, false},
    {"wide dx 256x1024 @ (1024x1024)^T", 256, 1024, 1024, false, true},
    {"wide dW (256x1024)^T @ 256x1024", 1024, 1024, 256, true, false},
};

float *alignedFloats(size_t n) {
  auto *p = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  for (size_t i = 0; i < n; ++i)
    p[i] = static_cast<float>(std::rand()) / RAND_MAX - 0.5f;
  return p;
}

/// Best of five rounds, in GFLOP/s.
template <typename F> double gflops(const Product &p, F &&gemm) {
  double flops = 2.0 * p.m * p.n * p.k;
  int calls = std::max(3, static_cast<int>(2e9 / flops));
  gemm();
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i)
      gemm();
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count() / calls);
  }
  return flops / best / 1e9;
}

} // namespace

int main() {
  std::printf("%-36s %12s %12s\n", "product", "oneDNN", "OpenBLAS");
  for (const Product &p : kProducts) {
    std::unique_ptr<float, void (*)(void *)> a(alignedFloats(size_t(p.m) * p.k),
                                               std::free),
        b(alignedFloats(size_t(p.k) * p.n), std::free),
        c(alignedFloats(size_t(p.m) * p.n), std::free);
    int lda = p.transA ? p.m : p.k, ldb = p.transB ? p.k : p.n;
    double dnnl = gflops(p, [&] {
      dnnl_sgemm(p.transA ? 'T' : 'N', p.transB ? 'T' : 'N', p.m, p.n, p.k, 1.f,
                 a.get(), lda, b.get(), ldb, 0.f, c.get(), p.n);
    });
    double blas = gflops(p, [&] {
      cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans,
                  p.transB ? CblasTrans : CblasNoTrans, p.m, p.n, p.k, 1.f,
                  a.get(), lda, b.get(), ldb, 0.f, c.get(), p.n);
    });
    std::printf("%-36s %7.1f GF/s %7.1f GF/s\n", p.what, dnnl, blas);
  }
}
