// Tests of the forward kernels: every kind against a naive reference (plain
// loops, double accumulation) on seeded random inputs, printing the max
// difference and the tolerance; plus errors, repeated runs and rebinding.
#include "unittests/runtime/kernels/KernelTestHarness.h"

#include "runtime/kernels/Dnnl.h"

#include <gtest/gtest.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

/// Counts the C++ heap allocations made while `gCountAllocations` is set, to
/// check that Kernel::run() allocates nothing. new and delete are replaced as
/// a pair over malloc and free (also what AddressSanitizer then sees); GCC's
/// new/free mismatch warning does not know they are a pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
bool gCountAllocations = false;
int gAllocations = 0;

void *operator new(std::size_t size) {
  if (gCountAllocations)
    ++gAllocations;
  if (void *p = std::malloc(size ? size : 1))
    return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace braid::runtime {
namespace {

using namespace kt;

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, Matmul) {
  struct Case {
    int64_t B, K, N;
    bool transposeLhs, transposeRhs;
  };
  // Sizes on both sides of the range where the GEMM switches blockings, each
  // with the four transpose combinations.
  for (Case shape :
       {Case{1, 1, 1, false, false}, Case{3, 5, 4, false, false},
        Case{7, 300, 13, false, false}, Case{64, 784, 32, false, false},
        Case{64, 32, 10, false, false}, Case{96, 130, 70, false, false}})
    for (int flags = 0; flags < 4; ++flags) {
      Case c = shape;
      c.transposeLhs = flags & 1;
      c.transposeRhs = flags & 2;
      // The stored operands: lhs [B, K] or [K, B], rhs [K, N] or [N, K].
      std::vector<int64_t> lhsShape = c.transposeLhs
                                          ? std::vector<int64_t>{c.K, c.B}
                                          : std::vector<int64_t>{c.B, c.K};
      std::vector<int64_t> rhsShape = c.transposeRhs
                                          ? std::vector<int64_t>{c.N, c.K}
                                          : std::vector<int64_t>{c.K, c.N};
      std::vector<Host> in = {randomF32(lhsShape), randomF32(rhsShape)};
      StepDesc step = makeStep(KernelKind::Matmul, in, {{c.B, c.N}});
      step.transposeLhs = c.transposeLhs;
      step.transposeRhs = c.transposeRhs;
      auto lhs = [&](int64_t b, int64_t k) {
        return double(in[0].data[c.transposeLhs ? k * c.B + b : b * c.K + k]);
      };
      auto rhs = [&](int64_t k, int64_t n) {
        return double(in[1].data[c.transposeRhs ? n * c.K + k : k * c.N + n]);
      };
      std::vector<double> ref(c.B * c.N), scale(c.B * c.N);
      for (int64_t b = 0; b < c.B; ++b)
        for (int64_t n = 0; n < c.N; ++n) {
          double sum = 0, mag = 0;
          for (int64_t k = 0; k < c.K; ++k) {
            double t = lhs(b, k) * rhs(k, n);
            sum += t;
            mag += std::fabs(t);
          }
          ref[b * c.N + n] = sum;
          scale[b * c.N + n] = mag;
        }
      expectClose("matmul " + str(lhsShape) + (c.transposeLhs ? "^T" : "") +
                      " @ " + str(rhsShape) + (c.transposeRhs ? "^T" : ""),
                  runStep(step, in), ref, 1e-6, &scale);
    }
}

/// The double-precision reference of a batched matmul step: every batch of
/// the result from its operands' broadcast batches.
std::vector<double> batchedMatmulReference(const StepDesc &step,
                                           const std::vector<Host> &in,
                                           std::vector<double> *scale) {
  const Shape &a = in[0].desc.shape, &b = in[1].desc.shape,
              &c = step.outputs[0].shape;
  size_t ra = a.size(), rb = b.size(), rc = c.size();
  int64_t M = c[rc - 2], N = c[rc - 1];
  int64_t K = a[ra - (step.transposeLhs ? 2 : 1)];
  int64_t batches = count(c) / (M * N);
  std::vector<double> ref(count(c));
  scale->assign(ref.size(), 0);
  for (int64_t p = 0; p < batches; ++p) {
    // The batch index in the result, then in each operand (broadcast).
    std::vector<int64_t> index(rc - 2);
    for (int64_t rest = p, i = rc - 2; i-- > 0;) {
      index[i] = rest % c[i];
      rest /= c[i];
    }
    auto offset = [&](const Shape &shape) {
      int64_t off = 0, stride = shape[shape.size() - 2] * shape.back();
      for (size_t j = shape.size() - 2; j-- > 0;) {
        size_t i = j + (rc - shape.size());
        off += (shape[j] == 1 ? 0 : index[i]) * stride;
        stride *= shape[j];
      }
      return off;
    };
    int64_t oa = offset(a), ob = offset(b);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double sum = 0, mag = 0;
        for (int64_t k = 0; k < K; ++k) {
          double x =
              in[0].data[oa + (step.transposeLhs ? k * M + m : m * K + k)];
          double y =
              in[1].data[ob + (step.transposeRhs ? n * K + k : k * N + n)];
          sum += x * y;
          mag += std::fabs(x * y);
        }
        ref[p * M * N + m * N + n] = sum;
        (*scale)[p * M * N + m * N + n] = mag;
      }
  }
  (void)rb;
  return ref;
}

TEST_F(KernelTest, BatchedMatmul) {
  struct Case {
    Shape lhs, rhs; // as the products read them: [..., M, K], [..., K, N]
  };
  // Attention's shapes, a weight on either side (the rhs one runs as a single
  // GEMM over the stacked rows), and broadcast 1s and missing dimensions.
  for (const Case &shape :
       {Case{{2, 3, 4, 5}, {2, 3, 5, 6}}, Case{{2, 3, 7, 5}, {5, 4}},
        Case{{4, 5}, {3, 5, 6}}, Case{{1, 3, 4, 5}, {2, 1, 5, 6}},
        Case{{2, 2, 4, 5}, {2, 5, 3}}, Case{{3, 64, 32}, {3, 32, 64}}})
    for (int flags = 0; flags < 4; ++flags) {
      bool ta = flags & 1, tb = flags & 2;
      Shape lhs = shape.lhs, rhs = shape.rhs;
      if (ta)
        std::swap(lhs[lhs.size() - 2], lhs[lhs.size() - 1]);
      if (tb)
        std::swap(rhs[rhs.size() - 2], rhs[rhs.size() - 1]);
      shape::RuleResult rule =
          shape::matmul({shape::ElementType::F32, lhs},
                        {shape::ElementType::F32, rhs}, ta, tb);
      ASSERT_TRUE(rule) << rule.error();
      std::vector<Host> in = {randomF32(lhs), randomF32(rhs)};
      StepDesc step = makeStep(KernelKind::Matmul, in, {rule.type().dims});
      step.transposeLhs = ta;
      step.transposeRhs = tb;
      std::vector<double> scale;
      std::vector<double> ref = batchedMatmulReference(step, in, &scale);
      expectClose("matmul " + str(lhs) + (ta ? "^T" : "") + " @ " + str(rhs) +
                      (tb ? "^T" : ""),
                  runStep(step, in), ref, 1e-6, &scale);
    }
}

TEST_F(KernelTest, BatchedMatmulBeyondOneDnnsRank) {
  // 13 dimensions, more than oneDNN takes: the loop of GEMMs runs even a
  // transposed rhs, which would run on oneDNN.
  Shape lhs(11, 1), rhs(11, 1);
  lhs[0] = 2;
  rhs[10] = 3;
  lhs.insert(lhs.end(), {4, 5});
  rhs.insert(rhs.end(), {2, 5});
  std::vector<Host> in = {randomF32(lhs), randomF32(rhs)};
  shape::RuleResult rule =
      shape::matmul({shape::ElementType::F32, lhs},
                    {shape::ElementType::F32, rhs}, false, true);
  ASSERT_TRUE(rule) << rule.error();
  StepDesc step = makeStep(KernelKind::Matmul, in, {rule.type().dims});
  step.transposeRhs = true;
  std::vector<double> scale;
  std::vector<double> ref = batchedMatmulReference(step, in, &scale);
  expectClose("matmul of rank 13", runStep(step, in), ref, 1e-6, &scale);
}

TEST_F(KernelTest, BatchedMatmulRejectsShapesThatDoNotAgree) {
  std::vector<Host> in = {randomF32({2, 4, 5}), randomF32({3, 5, 6})};
  StepDesc step = makeStep(KernelKind::Matmul, in, {{2, 4, 6}});
  Bound b;
  Status s = b.create(step, in);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("matmul step: shapes [2, 4, 5] @ [3, 5, 6] -> "
                             "[2, 4, 6] do not agree"),
            std::string::npos)
      << s.message();
}

//===----------------------------------------------------------------------===//
// Binary
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, BinaryBroadcasting) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}},
      {{3, 4}, {4}},
      {{4}, {3, 4}},
      {{}, {2, 3}},
      {{2, 3}, {}},
      {{}, {}},
      {{3, 1}, {1, 4}},
      {{2, 1, 5}, {3, 1}},
      {{2, 3, 4}, {2, 1, 4}},
      {{1, 3, 1}, {2, 3, 5}},
      {{5, 1}, {5, 6}},
      {{64, 10}, {10}},
      {{64, 10}, {64, 1}},
      {{1, 1, 7}, {2, 3, 1}},
      {{2, 3, 4, 5}, {3, 1, 5}},
      {{1}, {}},
      {{6}, {1}}};
  const std::pair<KernelKind, const char *> kinds[] = {
      {KernelKind::Add, "add"},         {KernelKind::Sub, "sub"},
      {KernelKind::Mul, "mul"},         {KernelKind::Div, "div"},
      {KernelKind::Maximum, "maximum"}, {KernelKind::Minimum, "minimum"}};
  for (auto [kind, name] : kinds)
    for (const auto &[a, b] : shapes) {
      Host lhs = randomF32(a);
      Host rhs = kind == KernelKind::Div ? randomNonZero(b) : randomF32(b);
      Shape out = broadcastShape(a, b);
      std::vector<Host> in = {lhs, rhs};
      StepDesc step = makeStep(kind, in, {out});
      std::vector<double> ref(count(out));
      for (int64_t i = 0; i < count(out); ++i) {
        std::vector<int64_t> idx = unravel(i, out);
        double x = lhs.data[broadcastIndex(idx, a)];
        double y = rhs.data[broadcastIndex(idx, b)];
        ref[i] = kind == KernelKind::Add       ? x + y
                 : kind == KernelKind::Sub     ? x - y
                 : kind == KernelKind::Mul     ? x * y
                 : kind == KernelKind::Maximum ? std::max(x, y)
                 : kind == KernelKind::Minimum ? std::min(x, y)
                                               : x / y;
      }
      expectClose(std::string(name) + " " + str(a) + ", " + str(b),
                  runStep(step, in), ref, 1e-6);
    }
}

TEST_F(KernelTest, MaximumMinimumPropagateNaN) {
  // NaN in either operand gives NaN, as PyTorch's (std::max would not).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Host lhs = Host::f32({4}), rhs = Host::f32({4});
  lhs.data = {nan, 1.f, 2.f, -3.f};
  rhs.data = {1.f, nan, 2.f, 5.f};
  std::vector<Host> in = {lhs, rhs};
  expectClose("maximum", runStep(makeStep(KernelKind::Maximum, in, {{4}}), in),
              {NAN, NAN, 2, 5}, 0);
  expectClose("minimum", runStep(makeStep(KernelKind::Minimum, in, {{4}}), in),
              {NAN, NAN, 2, -3}, 0);
}

//===----------------------------------------------------------------------===//
// Unary elementwise
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, MathElementwise) {
  // log, sqrt and rsqrt on positive operands (NaN below 0 is checked apart),
  // abs and pow over both signs; pow's integer exponents of negative bases
  // are defined, as in powf.
  struct Case {
    KernelKind kind;
    const char *name;
    double exponent;
    float low, high;
  };
  const Case cases[] = {{KernelKind::Log, "log", 0, 0.01f, 10.f},
                        {KernelKind::Sqrt, "sqrt", 0, 0.f, 10.f},
                        {KernelKind::Rsqrt, "rsqrt", 0, 0.01f, 10.f},
                        {KernelKind::Abs, "abs", 0, -5.f, 5.f},
                        {KernelKind::Pow, "pow 2", 2, -3.f, 3.f},
                        {KernelKind::Pow, "pow 3", 3, -3.f, 3.f},
                        {KernelKind::Pow, "pow 0", 0, -3.f, 3.f},
                        {KernelKind::Pow, "pow 0.5", 0.5, 0.f, 4.f},
                        {KernelKind::Pow, "pow -1.5", -1.5, 0.1f, 4.f}};
  for (const Case &c : cases)
    for (const Shape &shape : {Shape{}, Shape{7}, Shape{3, 5, 9}}) {
      std::vector<Host> in = {randomF32(shape, c.low, c.high)};
      StepDesc step = makeStep(c.kind, in, {shape});
      step.exponent = c.exponent;
      std::vector<double> ref;
      for (float f : in[0].data) {
        double x = f;
        ref.push_back(c.kind == KernelKind::Log     ? std::log(x)
                      : c.kind == KernelKind::Sqrt  ? std::sqrt(x)
                      : c.kind == KernelKind::Rsqrt ? 1 / std::sqrt(x)
                      : c.kind == KernelKind::Abs   ? std::fabs(x)
                                                    : std::pow(x, c.exponent));
      }
      expectClose(std::string(c.name) + " " + str(shape), runStep(step, in),
                  ref, 1e-5);
    }
}

TEST_F(KernelTest, PowRejectsAnExponentBeyondF32) {
  // The kernel computes in f32; a plan's f64 exponent must convert.
  std::vector<Host> in = {randomF32({2})};
  StepDesc step = makeStep(KernelKind::Pow, in, {{2}});
  step.exponent = 1e39;
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  Status status = createKernel(step, context, &kernel);
  ASSERT_FALSE(status.isOk());
  EXPECT_NE(status.message().find(
                "pow step: exponent must be a finite f32, got 1e+39"),
            std::string::npos)
      << status.message();
}

TEST_F(KernelTest, MathElementwiseOutsideTheDomain) {
  // As PyTorch: log(0) = -inf, log and sqrt of a negative NaN, rsqrt(0) =
  // inf, a negative base to a non-integer power NaN.
  Host x = Host::f32({3});
  x.data = {0.f, -1.f, 4.f};
  std::vector<Host> in = {x};
  auto run = [&](KernelKind kind, double exponent) {
    StepDesc step = makeStep(kind, in, {{3}});
    step.exponent = exponent;
    return runStep(step, in);
  };
  std::vector<float> log = run(KernelKind::Log, 0),
                     sqrt = run(KernelKind::Sqrt, 0),
                     rsqrt = run(KernelKind::Rsqrt, 0),
                     pow = run(KernelKind::Pow, 0.5);
  EXPECT_EQ(log[0], -INFINITY);
  EXPECT_TRUE(std::isnan(log[1]));
  EXPECT_NEAR(log[2], std::log(4.0), 1e-5);
  EXPECT_EQ(sqrt[0], 0.f);
  EXPECT_TRUE(std::isnan(sqrt[1]));
  EXPECT_NEAR(sqrt[2], 2.f, 1e-5);
  EXPECT_EQ(rsqrt[0], INFINITY);
  EXPECT_TRUE(std::isnan(rsqrt[1]));
  EXPECT_NEAR(rsqrt[2], 0.5f, 1e-5);
  EXPECT_EQ(pow[0], 0.f);
  EXPECT_TRUE(std::isnan(pow[1]));
  EXPECT_NEAR(pow[2], 2.f, 1e-5);
}

TEST_F(KernelTest, Elementwise) {
  const std::pair<KernelKind, const char *> kinds[] = {
      {KernelKind::Relu, "relu"},          {KernelKind::Sigmoid, "sigmoid"},
      {KernelKind::Tanh, "tanh"},          {KernelKind::Gelu, "gelu"},
      {KernelKind::GeluTanh, "gelu_tanh"}, {KernelKind::Exp, "exp"}};
  for (auto [kind, name] : kinds)
    for (const Shape &shape :
         {Shape{}, Shape{7}, Shape{3, 5, 9}, Shape{64, 100}}) {
      std::vector<Host> in = {randomF32(shape, -6.f, 6.f)};
      StepDesc step = makeStep(kind, in, {shape});
      std::vector<double> ref;
      for (float f : in[0].data) {
        double x = f;
        ref.push_back(kind == KernelKind::Relu      ? std::max(x, 0.0)
                      : kind == KernelKind::Sigmoid ? 1 / (1 + std::exp(-x))
                      : kind == KernelKind::Tanh    ? std::tanh(x)
                      : kind == KernelKind::Exp     ? std::exp(x)
                      : kind == KernelKind::GeluTanh
                          ? 0.5 * x *
                                (1 + std::tanh(std::sqrt(2 / M_PI) *
                                               (x + 0.044715 * x * x * x)))
                          : 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))));
      }
      expectClose(std::string(name) + " " + str(shape), runStep(step, in), ref,
                  1e-5);
    }
}

//===----------------------------------------------------------------------===//
// Softmax and log-softmax
//===----------------------------------------------------------------------===//

std::vector<double> softmaxRef(const Host &x, int64_t axis, bool log) {
  const Shape &shape = x.desc.shape;
  int64_t outer = 1, inner = 1, A = shape[axis];
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  std::vector<double> ref(x.data.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t a) { return (o * A + a) * inner + in; };
      double m = -INFINITY, sum = 0;
      for (int64_t a = 0; a < A; ++a)
        m = std::max(m, double(x.data[at(a)]));
      for (int64_t a = 0; a < A; ++a)
        sum += std::exp(x.data[at(a)] - m);
      for (int64_t a = 0; a < A; ++a)
        ref[at(a)] = log ? x.data[at(a)] - m - std::log(sum)
                         : std::exp(x.data[at(a)] - m) / sum;
    }
  return ref;
}

TEST_F(KernelTest, SoftmaxAndLogSoftmax) {
  struct Case {
    Shape shape;
    int64_t axis;
    float range;
  };
  const Case cases[] = {
      {{5}, 0, 2},       {{4, 7}, 0, 2},        {{4, 7}, 1, 2},
      {{2, 3, 4}, 0, 2}, {{2, 3, 4}, 1, 2},     {{2, 3, 4}, 2, 2},
      {{64, 10}, 1, 50}, {{3, 2, 2, 5}, 3, 80}, {{1, 1000}, 1, 10}};
  for (bool log : {false, true})
    for (const Case &c : cases) {
      std::vector<Host> in = {randomF32(c.shape, -c.range, c.range)};
      StepDesc step = makeStep(
          log ? KernelKind::LogSoftmax : KernelKind::Softmax, in, {c.shape});
      step.axis = c.axis;
      expectClose(std::string(log ? "log_softmax " : "softmax ") +
                      str(c.shape) + " axis " + std::to_string(c.axis) +
                      " range " + std::to_string(int(c.range)),
                  runStep(step, in), softmaxRef(in[0], c.axis, log), 1e-5);
    }
}

/// PyTorch's masked_fill(triu(ones(T, T), 1), -inf).softmax(-1) of x
/// [..., T, T], in double.
std::vector<double> causalSoftmaxRef(const Host &x) {
  int64_t T = x.desc.shape.back();
  Host masked = x;
  for (size_t i = 0; i < masked.data.size(); ++i)
    if (int64_t(i) % T > int64_t(i) / T % T)
      masked.data[i] = -INFINITY;
  return softmaxRef(masked, int64_t(x.desc.shape.size()) - 1, false);
}

TEST_F(KernelTest, CausalSoftmax) {
  for (const Shape &shape :
       {Shape{1, 1}, Shape{5, 5}, Shape{2, 3, 7, 7}, Shape{4, 64, 64}}) {
    Host x = randomF32(shape, -8, 8);
    // Masked entries far above the others: they must not count.
    int64_t T = shape.back();
    for (size_t i = 0; i < x.data.size(); ++i)
      if (int64_t(i) % T > int64_t(i) / T % T)
        x.data[i] = 1e30f;
    std::vector<Host> in = {x};
    StepDesc step = makeStep(KernelKind::Softmax, in, {shape});
    step.axis = int64_t(shape.size()) - 1;
    step.causal = true;
    std::vector<float> got = runStep(step, in);
    expectClose("causal softmax " + str(shape), got, causalSoftmaxRef(x), 1e-6);
    for (size_t i = 0; i < got.size(); ++i) {
      if (int64_t(i) % T > int64_t(i) / T % T) {
        ASSERT_EQ(got[i], 0.0f) << "masked entry " << i;
      }
    }
  }
}

TEST_F(KernelTest, CausalSoftmaxRejectsAnotherAxisOrNonSquare) {
  struct Case {
    KernelKind kind;
    Shape shape;
    int64_t axis;
  };
  for (const Case &c : {Case{KernelKind::Softmax, {4, 5}, 1},
                        Case{KernelKind::Softmax, {4, 4}, 0},
                        Case{KernelKind::LogSoftmax, {4, 4}, 1}}) {
    std::vector<Host> in = {randomF32(c.shape)};
    StepDesc step = makeStep(c.kind, in, {c.shape});
    step.axis = c.axis;
    step.causal = true;
    Bound b;
    Status s = b.create(step, in);
    ASSERT_FALSE(s.isOk()) << str(c.shape);
    std::printf("  %s: %s\n", str(c.shape).c_str(), s.message().c_str());
  }
}

//===----------------------------------------------------------------------===//
// Embedding and layer normalisation
//===----------------------------------------------------------------------===//

Host randomIds(Shape shape, int32_t V) {
  Host ids = Host::i32(std::move(shape));
  std::uniform_int_distribution<int32_t> id(0, V - 1);
  for (size_t i = 0; i < ids.data.size(); ++i)
    ids.setInt(i, id(rng()));
  return ids;
}

TEST_F(KernelTest, Embedding) {
  for (const Shape &idShape :
       {Shape{}, Shape{7}, Shape{3, 5}, Shape{2, 2, 3}}) {
    const int64_t V = 11, D = 6;
    std::vector<Host> in = {randomF32({V, D}), randomIds(idShape, V)};
    Shape outShape = idShape;
    outShape.push_back(D);
    StepDesc step = makeStep(KernelKind::Embedding, in, {outShape});
    std::vector<double> ref;
    for (size_t i = 0; i < in[1].data.size(); ++i)
      for (int64_t d = 0; d < D; ++d)
        ref.push_back(in[0].data[in[1].getInt(i) * D + d]);
    expectClose("embedding ids " + str(idShape), runStep(step, in), ref, 0);
  }
}

TEST_F(KernelTest, EmbeddingRejectsAnIdOutOfRange) {
  for (KernelKind kind : {KernelKind::Embedding, KernelKind::EmbeddingGrad})
    for (int32_t bad : {11, -1, 1 << 30}) {
      std::vector<Host> in = {randomF32({11, 4}), randomIds({2, 3}, 11)};
      Shape out = {11, 4};
      if (kind == KernelKind::EmbeddingGrad)
        in[0] = randomF32({2, 3, 4});
      else
        out = {2, 3, 4};
      in[1].setInt(4, bad);
      StepDesc step = makeStep(kind, in, {out});
      Bound b;
      ASSERT_TRUE(b.create(step, in).isOk());
      Status s = b.kernel->run();
      ASSERT_FALSE(s.isOk());
      EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
      std::string expected = kindName(kind) + ": id " + std::to_string(bad) +
                             " at flat index 4 of ids i32[2, 3] is outside "
                             "the table's rows [0, 11)";
      EXPECT_EQ(s.message(), expected);
      std::printf("  %s\n", s.message().c_str());
    }
}

/// PyTorch's layer_norm over the last axis, in double but for the mean,
/// which PyTorch (and the kernel) subtract as an f32: of rows far from 0 that
/// rounding moves y by about 1e-7 of the offset, beyond the tolerance.
std::vector<double> layerNormRef(const Host &x, const Host &gain,
                                 const Host &bias, double eps) {
  int64_t D = x.desc.shape.back();
  std::vector<double> ref(x.data.size());
  for (size_t r = 0; r < x.data.size() / D; ++r) {
    const float *row = &x.data[r * D];
    double mean = 0, var = 0;
    for (int64_t d = 0; d < D; ++d)
      mean += row[d];
    mean /= D;
    for (int64_t d = 0; d < D; ++d)
      var += (row[d] - mean) * (row[d] - mean);
    var /= D;
    double mean32 = static_cast<float>(mean);
    for (int64_t d = 0; d < D; ++d)
      ref[r * D + d] = (row[d] - mean32) / std::sqrt(var + eps) * gain.data[d] +
                       bias.data[d];
  }
  return ref;
}

TEST_F(KernelTest, LayerNormAndStats) {
  struct Case {
    Shape shape;
    float offset; // rows far from 0: the variance must not cancel
    double eps;
  };
  for (const Case &c :
       {Case{{1}, 0, 1e-5}, Case{{5, 3}, 0, 1e-5}, Case{{2, 3, 128}, 0, 1e-5},
        Case{{4, 37}, 100, 1e-5}, Case{{6, 16}, 0, 0.5}}) {
    int64_t D = c.shape.back();
    Host x = randomF32(c.shape);
    for (float &v : x.data)
      v += c.offset;
    std::vector<Host> in = {x, randomF32({D}), randomF32({D})};
    StepDesc step = makeStep(KernelKind::LayerNorm, in, {c.shape});
    step.eps = c.eps;
    std::string what = str(c.shape) + " offset " +
                       std::to_string(int(c.offset)) + " eps " +
                       std::to_string(c.eps);
    // oneDNN's forward (the LayerNorm kernel): within 1e-6 for rows near 0;
    // it loses about 1e-5 at offsets of 100 deviations, where the native
    // loop keeps 1e-6.
    std::vector<double> ref = layerNormRef(in[0], in[1], in[2], c.eps);
    if (c.offset == 0)
      expectClose("layer_norm " + what, runStep(step, in), ref, 1e-6);
    {
      std::unique_ptr<Kernel> native;
      ASSERT_TRUE(kernels::createNativeLayerNorm(step, &native).isOk());
      Host y = Host::f32(c.shape);
      native->bind({in[0].data.data(), in[1].data.data(), in[2].data.data()},
                   {y.data.data()});
      ASSERT_TRUE(native->run().isOk());
      expectClose("native layer_norm " + what, y.data, ref, 1e-6);
    }

    // The statistics: each row's mean and 1 / sqrt(var + eps).
    std::vector<Host> statsIn = {x};
    Shape statsShape = c.shape;
    statsShape.back() = 2;
    StepDesc stats =
        makeStep(KernelKind::LayerNormStats, statsIn, {statsShape});
    stats.eps = c.eps;
    std::vector<double> statsRef;
    for (size_t r = 0; r < x.data.size() / D; ++r) {
      double mean = 0, var = 0;
      for (int64_t d = 0; d < D; ++d)
        mean += x.data[r * D + d];
      mean /= D;
      for (int64_t d = 0; d < D; ++d)
        var += (x.data[r * D + d] - mean) * (x.data[r * D + d] - mean);
      statsRef.push_back(mean);
      statsRef.push_back(1 / std::sqrt(var / D + c.eps));
    }
    expectClose("layer_norm_stats " + what, runStep(stats, statsIn), statsRef,
                1e-6);
  }
}

TEST_F(KernelTest, LayerNormRejectsBadGainAndEps) {
  std::vector<Host> in = {randomF32({4, 8}), randomF32({4}), randomF32({8})};
  StepDesc step = makeStep(KernelKind::LayerNorm, in, {{4, 8}});
  step.eps = 1e-5;
  Bound b;
  Status s = b.create(step, in);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("gain must be f32[8]"), std::string::npos)
      << s.message();
  in[1] = randomF32({8});
  step = makeStep(KernelKind::LayerNorm, in, {{4, 8}});
  step.eps = 0;
  s = b.create(step, in);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("eps must be in (0, 1)"), std::string::npos)
      << s.message();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

std::vector<Host> crossEntropyInputs(int64_t B, int64_t C, float range) {
  std::vector<Host> in = {randomF32({B, C}, -range, range), Host::i32({B})};
  std::uniform_int_distribution<int32_t> label(0, int32_t(C - 1));
  for (int64_t b = 0; b < B; ++b)
    in[1].setInt(b, label(rng()));
  return in;
}

TEST_F(KernelTest, SparseSoftmaxCrossEntropy) {
  struct Case {
    int64_t B, C;
    float range;
  };
  for (Case c : {Case{1, 1, 2}, Case{4, 10, 2}, Case{64, 10, 5},
                 Case{3, 1000, 3}, Case{8, 10, 60}}) {
    std::vector<Host> in = crossEntropyInputs(c.B, c.C, c.range);
    StepDesc step = makeStep(KernelKind::SparseSoftmaxCrossEntropy, in, {{}});
    double total = 0;
    for (int64_t b = 0; b < c.B; ++b) {
      const float *row = &in[0].data[b * c.C];
      double m = *std::max_element(row, row + c.C), sum = 0;
      for (int64_t k = 0; k < c.C; ++k)
        sum += std::exp(row[k] - m);
      total += m + std::log(sum) - row[in[1].getInt(b)];
    }
    expectClose("sparse_softmax_cross_entropy " + str({c.B, c.C}) + " range " +
                    std::to_string(int(c.range)),
                runStep(step, in), {total / c.B}, 1e-5);
  }
}

// Logits over leading dimensions [B, T, C] are B * T rows: the loss, its
// gradient and the accuracy are those of the [B * T, C] logits, bit for bit
// (PyTorch's F.cross_entropy(logits.reshape(-1, C), labels.reshape(-1))).
TEST_F(KernelTest, SparseSoftmaxCrossEntropyOverLeadingDimensions) {
  std::vector<Host> rows = crossEntropyInputs(6, 7, 3);
  std::vector<Host> positions = rows;
  positions[0].desc.shape = {2, 3, 7};
  positions[1].desc.shape = {2, 3};
  for (KernelKind kind :
       {KernelKind::SparseSoftmaxCrossEntropy, KernelKind::Accuracy}) {
    std::vector<float> flat = runStep(makeStep(kind, rows, {{}}), rows);
    std::vector<float> got =
        runStep(makeStep(kind, positions, {{}}), positions);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], flat[0]) << kindName(kind);
  }
  Host dloss = Host::f32({});
  dloss.data = {0.75f};
  std::vector<Host> gradRows = {dloss, rows[0], rows[1]};
  std::vector<Host> gradPositions = {dloss, positions[0], positions[1]};
  std::vector<float> flat = runStep(
      makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad, gradRows, {{6, 7}}),
      gradRows);
  std::vector<float> got =
      runStep(makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad, gradPositions,
                       {{2, 3, 7}}),
              gradPositions);
  EXPECT_EQ(got, flat);
  // Labels that miss a leading dimension are refused at load.
  std::vector<Host> bad = {positions[0], rows[1]};
  Bound b;
  EXPECT_FALSE(
      b.create(makeStep(KernelKind::SparseSoftmaxCrossEntropy, bad, {{}}), bad)
          .isOk());
}

TEST_F(KernelTest, SparseSoftmaxCrossEntropyRejectsLabelOutOfRange) {
  for (int32_t bad : {10, -1, 1000}) {
    std::vector<Host> in = crossEntropyInputs(4, 10, 2);
    in[1].setInt(2, bad);
    StepDesc step = makeStep(KernelKind::SparseSoftmaxCrossEntropy, in, {{}});
    Bound b;
    ASSERT_TRUE(b.create(step, in).isOk());
    Status s = b.kernel->run();
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
    EXPECT_NE(s.message().find("label " + std::to_string(bad)),
              std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("batch index 2"), std::string::npos)
        << s.message();
    std::printf("  label %d: %s\n", bad, s.message().c_str());
  }
}

TEST_F(KernelTest, MeanSquaredError) {
  for (const Shape &shape :
       {Shape{}, Shape{7}, Shape{64, 1}, Shape{3, 17, 5}, Shape{100, 100}}) {
    std::vector<Host> in = {randomF32(shape), randomF32(shape)};
    StepDesc step = makeStep(KernelKind::MeanSquaredError, in, {{}});
    double sum = 0;
    for (size_t i = 0; i < in[0].data.size(); ++i) {
      double d = double(in[0].data[i]) - in[1].data[i];
      sum += d * d;
    }
    expectClose("mean_squared_error " + str(shape), runStep(step, in),
                {sum / count(shape)}, 1e-5);
  }
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// reduce_max and its gradient against PyTorch's amax: NaN propagates, and
// the gradient of tied maxima is split evenly among them.
TEST_F(KernelTest, ReduceMaxAndItsGradient) {
  Host x = Host::f32({2, 3, 2});
  // Columns over axis 1: (1, 5, 5) ties; (NaN, 0, 2) NaN; (-1, -4, -1)
  // ties; (2, 3, 0) single.
  x.data = {1, std::nanf(""), 5, 0, 5, 2, -1, 2, -4, 3, -1, 0};
  std::vector<Host> in = {x};
  StepDesc step = makeStep(KernelKind::ReduceMax, in, {{2, 2}});
  step.axes = {1};
  std::vector<float> y = runStep(step, in);
  ASSERT_EQ(y.size(), 4u);
  EXPECT_EQ(y[0], 5);
  EXPECT_TRUE(std::isnan(y[1]));
  EXPECT_EQ(y[2], -1);
  EXPECT_EQ(y[3], 3);
  // Over every axis, and over the last one with the others kept.
  step = makeStep(KernelKind::ReduceMax, in, {{3}});
  step.axes = {0, 2};
  std::vector<float> y02 = runStep(step, in);
  EXPECT_TRUE(std::isnan(y02[0]));
  EXPECT_EQ(y02[1], 5);
  EXPECT_EQ(y02[2], 5);

  Host dy = Host::f32({2, 2}), yh = Host::f32({2, 2});
  dy.data = {1, 2, 3, 4};
  yh.data = {5, 2, -1, 3}; // the NaN row's maximum replaced by 2
  std::vector<Host> grad = {dy, x, yh};
  StepDesc g = makeStep(KernelKind::ReduceMaxGrad, grad, {{2, 3, 2}});
  g.axes = {1};
  std::vector<float> dx = runStep(g, grad);
  std::vector<float> want = {0, 0, 0.5f, 0, 0.5f, 2, 1.5f, 0, 0, 4, 1.5f, 0};
  EXPECT_EQ(dx, want);
  // A gradient whose shapes disagree is refused at load.
  g.axes = {0};
  Bound b;
  EXPECT_FALSE(b.create(g, grad).isOk());
}

TEST_F(KernelTest, ReduceSumAndMean) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{2, 3, 4, 5}, {0}},
      {{2, 3, 4, 5}, {1}},
      {{2, 3, 4, 5}, {3}},
      {{2, 3, 4, 5}, {0, 1}},
      {{2, 3, 4, 5}, {1, 3}},
      {{2, 3, 4, 5}, {0, 2}},
      {{2, 3, 4, 5}, {0, 1, 2, 3}},
      {{6}, {0}},
      {{3, 1, 4}, {1}},
      {{5, 7}, {0}},
      {{5, 7}, {1}},
      {{64, 10}, {0}},
      {{1, 1}, {0, 1}}};
  for (bool mean : {false, true})
    for (const auto &[shape, axes] : cases) {
      std::vector<Host> in = {randomF32(shape)};
      Shape out;
      for (size_t d = 0; d < shape.size(); ++d)
        if (std::find(axes.begin(), axes.end(), int64_t(d)) == axes.end())
          out.push_back(shape[d]);
      StepDesc step = makeStep(
          mean ? KernelKind::ReduceMean : KernelKind::ReduceSum, in, {out});
      step.axes = axes;
      std::vector<double> ref(count(out), 0.0), scale(count(out), 0.0);
      int64_t reducedCount = count(shape) / count(out);
      for (int64_t i = 0; i < count(shape); ++i) {
        std::vector<int64_t> idx = unravel(i, shape);
        int64_t o = 0;
        for (size_t d = 0; d < shape.size(); ++d)
          if (std::find(axes.begin(), axes.end(), int64_t(d)) == axes.end())
            o = o * shape[d] + idx[d];
        double v = in[0].data[i] / (mean ? double(reducedCount) : 1.0);
        ref[o] += v;
        scale[o] += std::fabs(v);
      }
      expectClose(std::string(mean ? "reduce_mean " : "reduce_sum ") +
                      str(shape) + " axes " + str(axes),
                  runStep(step, in), ref, 1e-6, &scale);
    }
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

Host randomOfType(const Shape &shape, ElementType type) {
  if (type == ElementType::F32)
    return randomF32(shape);
  Host h = Host::i32(shape);
  std::uniform_int_distribution<int32_t> dist(-1000000, 1000000);
  for (int64_t i = 0; i < count(shape); ++i)
    h.setInt(i, dist(rng()));
  return h;
}

/// Bitwise comparison (shape ops move 4-byte elements, f32 or i32).
void expectBitwise(const std::string &what, const std::vector<float> &got,
                   const Host &in, const std::vector<int64_t> &source) {
  ASSERT_EQ(got.size(), source.size()) << what;
  size_t bad = 0;
  for (size_t i = 0; i < source.size(); ++i)
    bad += std::memcmp(&got[i], &in.data[source[i]], 4) != 0;
  std::printf("  %-58s %zu of %zu elements differ (tolerance: bitwise)\n",
              what.c_str(), bad, source.size());
  EXPECT_EQ(bad, 0u) << what;
}

TEST_F(KernelTest, ReshapeAndFlatten) {
  struct Case {
    KernelKind kind;
    Shape in, out;
  };
  const Case cases[] = {{KernelKind::Reshape, {2, 3, 4}, {6, 4}},
                        {KernelKind::Reshape, {64, 1, 28, 28}, {64, 784}},
                        {KernelKind::Reshape, {}, {1, 1}},
                        {KernelKind::Flatten, {2, 3, 4}, {2, 12}},
                        {KernelKind::Flatten, {5}, {5, 1}},
                        {KernelKind::Flatten, {4, 16, 4, 4}, {4, 256}}};
  for (ElementType type : {ElementType::F32, ElementType::I32})
    for (const Case &c : cases) {
      std::vector<Host> in = {randomOfType(c.in, type)};
      StepDesc step = makeStep(c.kind, in, {c.out}, type);
      std::vector<int64_t> source(count(c.in));
      for (size_t i = 0; i < source.size(); ++i)
        source[i] = i;
      expectBitwise(
          std::string(c.kind == KernelKind::Reshape ? "reshape " : "flatten ") +
              str(c.in) + " -> " + str(c.out) +
              (type == ElementType::I32 ? " i32" : " f32"),
          runStep(step, in), in[0], source);
    }
}

TEST_F(KernelTest, ReshapeInPlaceKeepsData) {
  std::vector<Host> in = {randomF32({3, 4})};
  std::vector<float> before = in[0].data;
  StepDesc step = makeStep(KernelKind::Reshape, in, {{12}});
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  ASSERT_TRUE(createKernel(step, context, &kernel).isOk());
  kernel->bind({in[0].data.data()}, {in[0].data.data()});
  ASSERT_TRUE(kernel->run().isOk());
  EXPECT_EQ(std::memcmp(before.data(), in[0].data.data(), 48), 0);
}

TEST_F(KernelTest, Transpose) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{3, 5}, {1, 0}},
      {{2, 3, 4}, {2, 0, 1}},
      {{2, 3, 4}, {1, 0, 2}},
      {{2, 3, 4}, {0, 2, 1}},
      {{2, 3, 4, 5}, {0, 2, 3, 1}},
      {{2, 3, 4, 5}, {3, 2, 1, 0}},
      {{4, 1, 3, 2}, {1, 3, 0, 2}},
      {{3, 4}, {0, 1}},
      {{784, 64}, {1, 0}}};
  for (ElementType type : {ElementType::F32, ElementType::I32})
    for (const auto &[shape, perm] : cases) {
      Shape out;
      for (int64_t p : perm)
        out.push_back(shape[p]);
      std::vector<Host> in = {randomOfType(shape, type)};
      StepDesc step = makeStep(KernelKind::Transpose, in, {out}, type);
      step.perm = perm;
      std::vector<int64_t> inStrides = stridesOf(shape), source(count(out));
      for (int64_t i = 0; i < count(out); ++i) {
        std::vector<int64_t> idx = unravel(i, out);
        int64_t s = 0;
        for (size_t d = 0; d < perm.size(); ++d)
          s += idx[d] * inStrides[perm[d]];
        source[i] = s;
      }
      expectBitwise("transpose " + str(shape) + " perm " + str(perm) +
                        (type == ElementType::I32 ? " i32" : " f32"),
                    runStep(step, in), in[0], source);
    }
}

TEST_F(KernelTest, BroadcastTo) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{}, {2, 3}},     {{3}, {4, 3}},
      {{4, 1}, {4, 5}}, {{2, 1, 3}, {2, 4, 3}},
      {{1}, {5}},       {{3, 1}, {2, 3, 6}},
      {{2, 3}, {2, 3}}, {{1, 3, 1}, {2, 3, 4}},
      {{10}, {64, 10}}};
  for (ElementType type : {ElementType::F32, ElementType::I32})
    for (const auto &[shape, out] : cases) {
      std::vector<Host> in = {randomOfType(shape, type)};
      StepDesc step = makeStep(KernelKind::BroadcastTo, in, {out}, type);
      std::vector<int64_t> source(count(out));
      for (int64_t i = 0; i < count(out); ++i)
        source[i] = broadcastIndex(unravel(i, out), shape);
      expectBitwise("broadcast_to " + str(shape) + " -> " + str(out) +
                        (type == ElementType::I32 ? " i32" : " f32"),
                    runStep(step, in), in[0], source);
    }
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

struct ConvCase {
  int64_t B, C, H, W, N, KH, KW;
  int64_t sh, sw, ph, pw, dh, dw;
  bool bias;
};

int64_t outExtent(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - ((k - 1) * d + 1)) / s + 1;
}

TEST_F(KernelTest, Conv2D) {
  const ConvCase cases[] = {{2, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, true},
                            {2, 3, 9, 11, 4, 3, 2, 2, 1, 1, 0, 1, 2, false},
                            {1, 6, 12, 12, 16, 5, 5, 1, 1, 0, 0, 1, 1, true},
                            {3, 2, 7, 7, 5, 3, 3, 2, 2, 1, 1, 2, 2, true},
                            {2, 16, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, false},
                            {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, true}};
  for (const ConvCase &c : cases) {
    int64_t OH = outExtent(c.H, c.KH, c.sh, c.ph, c.dh);
    int64_t OW = outExtent(c.W, c.KW, c.sw, c.pw, c.dw);
    std::vector<Host> in = {randomF32({c.B, c.C, c.H, c.W}),
                            randomF32({c.N, c.C, c.KH, c.KW})};
    if (c.bias)
      in.push_back(randomF32({c.N}));
    Shape out = {c.B, c.N, OH, OW};
    StepDesc step = makeStep(KernelKind::Conv2D, in, {out});
    step.strides = {c.sh, c.sw};
    step.padding = {c.ph, c.pw};
    step.dilations = {c.dh, c.dw};
    std::vector<double> ref(count(out)), scale(count(out));
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t n = 0; n < c.N; ++n)
        for (int64_t h = 0; h < OH; ++h)
          for (int64_t w = 0; w < OW; ++w) {
            double sum = c.bias ? in[2].data[n] : 0.0, mag = std::fabs(sum);
            for (int64_t ch = 0; ch < c.C; ++ch)
              for (int64_t i = 0; i < c.KH; ++i)
                for (int64_t j = 0; j < c.KW; ++j) {
                  int64_t y = h * c.sh + i * c.dh - c.ph;
                  int64_t x = w * c.sw + j * c.dw - c.pw;
                  if (y < 0 || y >= c.H || x < 0 || x >= c.W)
                    continue;
                  double t =
                      double(in[0].data[((b * c.C + ch) * c.H + y) * c.W + x]) *
                      in[1].data[((n * c.C + ch) * c.KH + i) * c.KW + j];
                  sum += t;
                  mag += std::fabs(t);
                }
            int64_t o = ((b * c.N + n) * OH + h) * OW + w;
            ref[o] = sum;
            scale[o] = mag;
          }
    char what[160];
    std::snprintf(what, sizeof what,
                  "conv2d %s * %s s[%lld,%lld] p[%lld,%lld] d[%lld,%lld]%s",
                  str(in[0].desc.shape).c_str(), str(in[1].desc.shape).c_str(),
                  (long long)c.sh, (long long)c.sw, (long long)c.ph,
                  (long long)c.pw, (long long)c.dh, (long long)c.dw,
                  c.bias ? " +bias" : "");
    expectClose(what, runStep(step, in), ref, 1e-6, &scale);
  }
}

struct PoolCase {
  int64_t B, C, H, W, KH, KW, sh, sw, ph, pw;
};

TEST_F(KernelTest, MaxAndAvgPool2D) {
  const PoolCase cases[] = {
      {2, 3, 8, 8, 2, 2, 2, 2, 0, 0},   {1, 2, 7, 9, 3, 2, 2, 1, 1, 1},
      {2, 1, 5, 5, 3, 3, 1, 1, 1, 1},   {1, 4, 6, 6, 2, 3, 3, 2, 1, 0},
      {2, 6, 28, 28, 2, 2, 2, 2, 0, 0}, {1, 1, 4, 5, 4, 5, 1, 1, 3, 2}};
  for (bool max : {true, false})
    for (const PoolCase &c : cases) {
      int64_t OH = outExtent(c.H, c.KH, c.sh, c.ph, 1);
      int64_t OW = outExtent(c.W, c.KW, c.sw, c.pw, 1);
      std::vector<Host> in = {randomF32({c.B, c.C, c.H, c.W}, -3.f, -1.f)};
      Shape out = {c.B, c.C, OH, OW};
      StepDesc step = makeStep(
          max ? KernelKind::MaxPool2D : KernelKind::AvgPool2D, in, {out});
      step.kernel = {c.KH, c.KW};
      step.strides = {c.sh, c.sw};
      step.padding = {c.ph, c.pw};
      std::vector<double> ref;
      for (int64_t bc = 0; bc < c.B * c.C; ++bc)
        for (int64_t h = 0; h < OH; ++h)
          for (int64_t w = 0; w < OW; ++w) {
            double m = -INFINITY, sum = 0;
            int64_t n = 0;
            for (int64_t i = 0; i < c.KH; ++i)
              for (int64_t j = 0; j < c.KW; ++j) {
                int64_t y = h * c.sh + i - c.ph, x = w * c.sw + j - c.pw;
                if (y < 0 || y >= c.H || x < 0 || x >= c.W)
                  continue;
                double v = in[0].data[(bc * c.H + y) * c.W + x];
                m = std::max(m, v);
                sum += v;
                ++n;
              }
            ref.push_back(max ? m : sum / n);
          }
      char what[160];
      std::snprintf(
          what, sizeof what, "%s %s k[%lld,%lld] s[%lld,%lld] p[%lld,%lld]",
          max ? "max_pool2d" : "avg_pool2d", str(in[0].desc.shape).c_str(),
          (long long)c.KH, (long long)c.KW, (long long)c.sh, (long long)c.sw,
          (long long)c.ph, (long long)c.pw);
      expectClose(what, runStep(step, in), ref, 1e-6);
    }
}

TEST_F(KernelTest, MaxPool2DTiledWindowsKeepOneDnnsValues) {
  // 2x2 windows at stride 2 without padding run natively; their values are
  // those oneDNN 2.6 gives for the other windows (and gave for these): the
  // maximum starts at the lowest float and takes each greater element, so a
  // NaN is skipped, NaN and -inf alone give the lowest float, and of equal
  // zeros the first one's sign stays. An odd last row and column are in no
  // window. x is [1, 1, 3, 9]; its windows, row-major:
  //   (NaN 1 / 1 1) (1 NaN / 1 1) (-0 -0 / -0 0) (NaN -inf / NaN NaN)
  const float nan = std::nanf(""), inf = INFINITY;
  Host x = Host::f32({1, 1, 3, 9});
  const float rows[3][9] = {{nan, 1, 1, nan, -0.f, -0.f, nan, -inf, 7},
                            {1, 1, 1, 1, -0.f, 0.f, nan, nan, 7},
                            {7, 7, 7, 7, 7, 7, 7, 7, 7}};
  std::memcpy(x.data.data(), rows, sizeof rows);
  StepDesc step = makeStep(KernelKind::MaxPool2D, {x}, {{1, 1, 1, 4}});
  step.kernel = {2, 2};
  step.strides = {2, 2};
  step.padding = {0, 0};
  std::vector<float> y = runStep(step, {x});
  ASSERT_EQ(y.size(), 4u);
  EXPECT_EQ(y[0], 1.f);
  EXPECT_EQ(y[1], 1.f);
  EXPECT_EQ(y[2], 0.f);
  EXPECT_TRUE(std::signbit(y[2])) << "the first of equal zeros, -0";
  EXPECT_EQ(y[3], std::numeric_limits<float>::lowest());
}

//===----------------------------------------------------------------------===//
// Kernel behaviour: repeated runs, rebinding, errors
//===----------------------------------------------------------------------===//

struct Sample {
  StepDesc step;
  std::vector<Host> in;
  bool native; // no oneDNN primitive runs
};

/// Steps of each implementation style, for the behaviour tests.
std::vector<Sample> sampleSteps() {
  std::vector<Sample> steps;
  auto add = [&](StepDesc step, std::vector<Host> in) {
    KernelKind k = step.kind;
    bool native = k == KernelKind::Sub || k == KernelKind::Add ||
                  k == KernelKind::SparseSoftmaxCrossEntropy ||
                  k == KernelKind::MeanSquaredError ||
                  k == KernelKind::BroadcastTo || k == KernelKind::Flatten ||
                  k == KernelKind::Embedding || step.causal;
    steps.push_back({std::move(step), std::move(in), native});
  };
  {
    std::vector<Host> in = {randomF32({8, 20}), randomF32({20, 5})};
    add(makeStep(KernelKind::Matmul, in, {{8, 5}}), in);
  }
  {
    // Batched: oneDNN's batched matmul, a transposed rhs (q k^T).
    std::vector<Host> in = {randomF32({2, 3, 8, 4}), randomF32({2, 3, 8, 4})};
    StepDesc step = makeStep(KernelKind::Matmul, in, {{2, 3, 8, 8}});
    step.transposeRhs = true;
    add(step, in);
  }
  {
    std::vector<Host> in = {randomF32({3, 1}), randomF32({1, 4})};
    add(makeStep(KernelKind::Sub, in, {{3, 4}}), in); // native broadcast
  }
  {
    std::vector<Host> in = {randomF32({6, 4}), randomF32({4})};
    add(makeStep(KernelKind::Add, in, {{6, 4}}), in); // native row broadcast
  }
  {
    std::vector<Host> in = crossEntropyInputs(16, 10, 3);
    add(makeStep(KernelKind::SparseSoftmaxCrossEntropy, in, {{}}), in);
  }
  {
    std::vector<Host> in = {randomF32({2, 3, 10, 10}), randomF32({4, 3, 3, 3}),
                            randomF32({4})};
    StepDesc step = makeStep(KernelKind::Conv2D, in, {{2, 4, 5, 5}});
    step.strides = {2, 2};
    step.padding = {1, 1};
    step.dilations = {1, 1};
    add(step, in);
  }
  {
    // Big enough channel counts that oneDNN computes in blocked layouts,
    // reordering the filter into an internal buffer every run.
    std::vector<Host> in = {randomF32({2, 16, 6, 6}),
                            randomF32({32, 16, 3, 3})};
    StepDesc step = makeStep(KernelKind::Conv2D, in, {{2, 32, 6, 6}});
    step.strides = {1, 1};
    step.padding = {1, 1};
    step.dilations = {1, 1};
    add(step, in);
  }
  {
    std::vector<Host> in = {randomF32({2, 3, 4})};
    StepDesc step = makeStep(KernelKind::ReduceSum, in, {{3}});
    step.axes = {0, 2};
    add(step, in);
  }
  {
    std::vector<Host> in = {randomF32({2, 6, 6})};
    StepDesc step = makeStep(KernelKind::Softmax, in, {{2, 6, 6}});
    step.axis = 2;
    step.causal = true;
    add(step, in);
  }
  {
    std::vector<Host> in = {randomF32({10, 4}), randomIds({3, 2}, 10)};
    add(makeStep(KernelKind::Embedding, in, {{3, 2, 4}}), in);
  }
  {
    std::vector<Host> in = {randomF32({6, 16}), randomF32({16}),
                            randomF32({16})};
    StepDesc step = makeStep(KernelKind::LayerNorm, in, {{6, 16}});
    step.eps = 1e-5;
    add(step, in);
  }
  {
    std::vector<Host> in = {randomF32({5, 7})};
    StepDesc step = makeStep(KernelKind::LogSoftmax, in, {{5, 7}});
    step.axis = 1;
    add(step, in);
    step.kind = KernelKind::Gelu;
    add(step, in);
  }
  {
    std::vector<Host> in = {randomF32({2, 3, 4})};
    StepDesc step = makeStep(KernelKind::Transpose, in, {{4, 2, 3}});
    step.perm = {2, 0, 1};
    add(step, in);
    add(makeStep(KernelKind::Flatten, in, {{2, 12}}), in);
    add(makeStep(KernelKind::BroadcastTo, in, {{5, 2, 3, 4}}), in);
  }
  {
    std::vector<Host> in = {randomF32({3, 4}), randomF32({3, 4})};
    add(makeStep(KernelKind::MeanSquaredError, in, {{}}), in);
  }
  {
    std::vector<Host> in = {randomF32({2, 3, 6, 6})};
    StepDesc step = makeStep(KernelKind::AvgPool2D, in, {{2, 3, 3, 3}});
    step.kernel = {3, 3};
    step.strides = {2, 2};
    step.padding = {1, 1};
    add(step, in);
  }
  return steps;
}

TEST_F(KernelTest, RunningTwiceGivesIdenticalResults) {
  for (auto &[step, in, native] : sampleSteps()) {
    Bound b;
    ASSERT_TRUE(b.create(step, in).isOk());
    ASSERT_TRUE(b.kernel->run().isOk());
    std::vector<float> first = b.outputs[0].data;
    ASSERT_TRUE(b.kernel->run().isOk());
    EXPECT_EQ(
        std::memcmp(first.data(), b.outputs[0].data.data(), first.size() * 4),
        0)
        << kindName(step.kind);
  }
}

// Native kernels allocate nothing in run(). oneDNN 2.6's
// dnnl_primitive_execute builds its own argument map on every call (a few
// small allocations inside the library, which the kernels cannot avoid);
// the test holds those to a constant count per run.
TEST_F(KernelTest, RunDoesNotAllocate) {
  omp_set_num_threads(1); // see expectSameAllocationsEveryRun
  for (auto &[step, in, native] : sampleSteps()) {
    Bound b;
    ASSERT_TRUE(b.create(step, in).isOk());
    expectSameAllocationsEveryRun(*b.kernel, kindName(step.kind).c_str(),
                                  native);
  }
}

TEST_F(KernelTest, BindWithNewBuffersTakesEffect) {
  for (auto &[step, in, native] : sampleSteps()) {
    Bound b;
    ASSERT_TRUE(b.create(step, in).isOk());
    ASSERT_TRUE(b.kernel->run().isOk());
    std::vector<float> first = b.outputs[0].data;
    // New input buffers with other values (labels kept valid), and a fresh
    // output buffer.
    std::vector<Host> other = in;
    for (Host &h : other)
      if (h.desc.type == ElementType::F32)
        for (float &v : h.data)
          v = v * -1.5f + 0.25f;
    std::vector<float> expected = runStep(step, other);
    Host oldOut = b.outputs[0];
    b.outputs[0] = Host::f32(step.outputs[0].shape);
    b.bind(other);
    ASSERT_TRUE(b.kernel->run().isOk());
    EXPECT_EQ(std::memcmp(expected.data(), b.outputs[0].data.data(),
                          expected.size() * 4),
              0)
        << kindName(step.kind);
    EXPECT_NE(
        std::memcmp(first.data(), b.outputs[0].data.data(), first.size() * 4),
        0)
        << kindName(step.kind);
    // The old output buffer was not written again.
    EXPECT_EQ(std::memcmp(first.data(), oldOut.data.data(), first.size() * 4),
              0);
  }
}

TEST_F(KernelTest, InPlaceElementwiseAndBinary) {
  // The memory planner may give an elementwise result its operand's buffer.
  std::vector<Host> in = {randomF32({6, 4}), randomF32({4})};
  StepDesc add = makeStep(KernelKind::Add, in, {{6, 4}});
  std::vector<float> expected = runStep(add, in);
  StepDesc relu = makeStep(KernelKind::Relu, {in[0]}, {{6, 4}});
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  ASSERT_TRUE(createKernel(add, context, &kernel).isOk());
  kernel->bind({in[0].data.data(), in[1].data.data()}, {in[0].data.data()});
  ASSERT_TRUE(kernel->run().isOk());
  EXPECT_EQ(std::memcmp(expected.data(), in[0].data.data(), 96), 0);
  ASSERT_TRUE(createKernel(relu, context, &kernel).isOk());
  kernel->bind({in[0].data.data()}, {in[0].data.data()});
  ASSERT_TRUE(kernel->run().isOk());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(in[0].data[i], std::max(expected[i], 0.f)) << i;
}

TEST_F(KernelTest, ReluFollowsPyTorchAtZeroAndNaN) {
  // PyTorch: relu keeps NaN (a diverging run must not be masked to 0) and
  // relu's gradient is 0 where x <= 0 and passes dy elsewhere, NaN included.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Host x = randomF32({5});
  x.data = {nan, -0.f, 0.f, -3.f, 2.f};
  std::vector<float> y = runStep(makeStep(KernelKind::Relu, {x}, {{5}}), {x});
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 0.f);
  EXPECT_EQ(y[2], 0.f);
  EXPECT_EQ(y[3], 0.f);
  EXPECT_EQ(y[4], 2.f);
  Host dy = randomF32({5});
  dy.data = {7.f, 7.f, 7.f, 7.f, 7.f};
  std::vector<float> dx =
      runStep(makeStep(KernelKind::ReluGrad, {dy, x}, {{5}}), {dy, x});
  EXPECT_EQ(dx, (std::vector<float>{7.f, 0.f, 0.f, 0.f, 7.f}));
}

TEST_F(KernelTest, RunWithoutBuffersFails) {
  for (auto &[step, in, native] : sampleSteps()) {
    KernelContext context;
    std::unique_ptr<Kernel> kernel;
    ASSERT_TRUE(createKernel(step, context, &kernel).isOk());
    Status s = kernel->run();
    EXPECT_EQ(s.code(), StatusCode::Internal) << s.message();
    kernel->bind({}, {});
    s = kernel->run();
    EXPECT_EQ(s.code(), StatusCode::Internal) << s.message();
  }
}

TEST_F(KernelTest, UnknownKindIsUnsupported) {
  StepDesc step;
  step.kind = static_cast<KernelKind>(999);
  step.inputs = {TensorDesc{ElementType::F32, {2}}};
  step.outputs = {TensorDesc{ElementType::F32, {2}}};
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  Status s = createKernel(step, context, &kernel);
  EXPECT_EQ(s.code(), StatusCode::Unsupported);
  EXPECT_NE(s.message().find("999"), std::string::npos) << s.message();
  EXPECT_EQ(kernel, nullptr);
  std::printf("  %s\n", s.message().c_str());
}

// Operand counts come from the kind's row of KernelKinds.def, and the
// message names the kind as the model language does.
TEST_F(KernelTest, OperandCountsComeFromTheKindTable) {
  StepDesc step;
  step.kind = KernelKind::AdamUpdate;
  step.inputs.assign(3, TensorDesc{ElementType::F32, {4}});
  step.outputs.assign(3, TensorDesc{ElementType::F32, {4}});
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  Status s = createKernel(step, context, &kernel);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_EQ(s.message(), "adam_update step has 3 inputs and 3 outputs; it "
                         "takes 5 inputs and 3 outputs");
  step.kind = KernelKind::Conv2D;
  step.inputs.assign(4, TensorDesc{ElementType::F32, {1, 1, 4, 4}});
  step.outputs.assign(1, TensorDesc{ElementType::F32, {1, 1, 2, 2}});
  s = createKernel(step, context, &kernel);
  EXPECT_EQ(s.message(), "conv2d step has 4 inputs and 1 outputs; it takes "
                         "2-3 inputs and 1 output");
}

TEST_F(KernelTest, MalformedStepsAreRejected) {
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  std::vector<StepDesc> bad;
  {
    StepDesc s; // matmul with mismatched inner dimensions
    s.kind = KernelKind::Matmul;
    s.inputs = {{ElementType::F32, {2, 3}}, {ElementType::F32, {4, 5}}};
    s.outputs = {{ElementType::F32, {2, 5}}};
    bad.push_back(s);
  }
  {
    StepDesc s; // add without a second operand
    s.kind = KernelKind::Add;
    s.inputs = {{ElementType::F32, {2, 3}}};
    s.outputs = {{ElementType::F32, {2, 3}}};
    bad.push_back(s);
  }
  {
    StepDesc s; // softmax axis out of range
    s.kind = KernelKind::Softmax;
    s.inputs = {{ElementType::F32, {2, 3}}};
    s.outputs = {{ElementType::F32, {2, 3}}};
    s.axis = 2;
    bad.push_back(s);
  }
  {
    StepDesc s; // conv2d without strides
    s.kind = KernelKind::Conv2D;
    s.inputs = {{ElementType::F32, {1, 1, 4, 4}},
                {ElementType::F32, {1, 1, 3, 3}}};
    s.outputs = {{ElementType::F32, {1, 1, 2, 2}}};
    bad.push_back(s);
  }
  {
    StepDesc s; // transpose with a repeated axis
    s.kind = KernelKind::Transpose;
    s.inputs = {{ElementType::F32, {2, 2}}};
    s.outputs = {{ElementType::F32, {2, 2}}};
    s.perm = {0, 0};
    bad.push_back(s);
  }
  for (const StepDesc &s : bad) {
    Status status = createKernel(s, context, &kernel);
    EXPECT_EQ(status.code(), StatusCode::InvalidArgument) << status.message();
    std::printf("  %s\n", status.message().c_str());
  }
}

} // namespace
} // namespace braid::runtime
