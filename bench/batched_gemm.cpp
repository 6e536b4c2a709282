// batched-gemm: the attention products of a transformer step, 128 batches
// (B * H) of small GEMMs, on a loop of OpenBLAS's cblas_sgemm against one
// call of oneDNN's batched matmul primitive, one thread. This is the
// measurement behind runtime/kernels/Matmul.cpp's batched path
// (docs/benchmarks.md records a run).
//
//   OMP_NUM_THREADS=1 build/release/bin/batched-gemm
#include <cblas.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

struct Product {
  const char *what;
  int batches, m, n, k;
  bool transA, transB;
};

// Row-major C[b, m, n] = op(A[b]) @ op(B[b]).
constexpr Product kProducts[] = {
    {"128 x (64x32 @ 32x64)", 128, 64, 64, 32, false, false},
    {"128 x (64x32 @ (64x32)^T), q k^T", 128, 64, 64, 32, false, true},
    {"128 x (64x64 @ 64x32), a v", 128, 64, 32, 64, false, false},
    {"128 x ((64x64)^T @ 64x32), d v", 128, 64, 32, 64, true, false},
};

std::vector<float> randomFloats(size_t n) {
  std::vector<float> v(n);
  for (float &x : v)
    x = static_cast<float>(std::rand()) / RAND_MAX - 0.5f;
  return v;
}

/// Best of seven rounds, in GFLOP/s.
template <typename F> double gflops(const Product &p, F &&gemm) {
  double flops = 2.0 * p.batches * p.m * p.n * p.k;
  int calls = std::max(3, static_cast<int>(1e9 / flops));
  gemm();
  double best = 1e30;
  for (int round = 0; round < 7; ++round) {
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
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::printf("%-36s %12s %12s\n", "product", "oneDNN", "OpenBLAS loop");
  for (const Product &p : kProducts) {
    std::vector<float> a = randomFloats(size_t(p.batches) * p.m * p.k),
                       b = randomFloats(size_t(p.batches) * p.k * p.n),
                       c(size_t(p.batches) * p.m * p.n);
    dnnl::memory::desc ad({p.batches, p.m, p.k}, dt::f32,
                          p.transA ? tag::acb : tag::abc),
        bd({p.batches, p.k, p.n}, dt::f32, p.transB ? tag::acb : tag::abc),
        cd({p.batches, p.m, p.n}, dt::f32, tag::abc);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(ad, bd, cd), engine);
    dnnl::matmul matmul(pd);
    dnnl::memory am(ad, engine, a.data()), bm(bd, engine, b.data()),
        cm(cd, engine, c.data());
    double dnnl = gflops(p, [&] {
      matmul.execute(
          stream,
          {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
      stream.wait();
    });
    int lda = p.transA ? p.m : p.k, ldb = p.transB ? p.k : p.n;
    double blas = gflops(p, [&] {
      for (int i = 0; i < p.batches; ++i)
        cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans,
                    p.transB ? CblasTrans : CblasNoTrans, p.m, p.n, p.k, 1.f,
                    a.data() + size_t(i) * p.m * p.k, lda,
                    b.data() + size_t(i) * p.k * p.n, ldb, 0.f,
                    c.data() + size_t(i) * p.m * p.n, p.n);
    });
    std::printf("%-36s %7.1f GF/s %7.1f GF/s\n", p.what, dnnl, blas);
  }
}
