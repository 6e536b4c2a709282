// Tests of the gradient, accuracy and optimizer kernels: every gradient kernel
// against central finite differences of a double-precision naive forward,
// the optimizers over consecutive in-place steps against PyTorch's formulas
// in double, plus ties, errors and allocation in run().
#include "unittests/runtime/kernels/KernelTestHarness.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>

namespace braid::runtime {
namespace {

using namespace kt;
using Vec = std::vector<double>;

class GradientTest : public KernelTest {};

//===----------------------------------------------------------------------===//
// Gradient check
//===----------------------------------------------------------------------===//

/// The step of the central differences.
constexpr double kH = 1e-4;
/// The kernels compute in f32: |analytic - numerical| <= kGradTol *
/// max(1, |numerical|).
constexpr double kGradTol = 1e-3;

/// The worst relative error seen per kind, printed at the end of the run.
std::map<std::string, double> &worstByKind() {
  static std::map<std::string, double> worst;
  return worst;
}

Vec toDouble(const std::vector<float> &v) { return Vec(v.begin(), v.end()); }

/// Compares the kernel's gradient `got` of the scalar F at `x` with central
/// differences (F(x + h e_i) - F(x - h e_i)) / 2h in double, over every
/// coordinate or, for big tensors, `maxCoords` random ones.
void gradientCheck(const std::string &kind, const std::string &what,
                   const std::vector<float> &got, Vec x,
                   const std::function<double(const Vec &)> &F,
                   size_t maxCoords = 300) {
  ASSERT_EQ(got.size(), x.size()) << what;
  std::vector<size_t> coords(x.size());
  for (size_t i = 0; i < coords.size(); ++i)
    coords[i] = i;
  if (coords.size() > maxCoords) {
    std::shuffle(coords.begin(), coords.end(), rng());
    coords.resize(maxCoords);
  }
  double maxDiff = 0, maxRel = 0;
  size_t bad = 0;
  for (size_t i : coords) {
    double saved = x[i];
    x[i] = saved + kH;
    double plus = F(x);
    x[i] = saved - kH;
    double minus = F(x);
    x[i] = saved;
    double numerical = (plus - minus) / (2 * kH);
    double diff = std::fabs(got[i] - numerical);
    if (std::isnan(got[i]))
      diff = INFINITY;
    double rel = diff / std::max(1.0, std::fabs(numerical));
    maxDiff = std::max(maxDiff, diff);
    maxRel = std::max(maxRel, rel);
    if (!(rel <= kGradTol))
      ++bad;
  }
  double &worst = worstByKind()[kind];
  worst = std::max(worst, maxRel);
  std::printf("  %-62s %4zu coords, max diff %.2e, max rel %.2e (tolerance "
              "%.0e * max(1, |numerical|))\n",
              what.c_str(), coords.size(), maxDiff, maxRel, kGradTol);
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << coords.size()
                     << " coordinates outside the tolerance; max rel "
                     << maxRel;
}

/// sum(r * y).
double dot(const Vec &r, const Vec &y) {
  double s = 0;
  for (size_t i = 0; i < r.size(); ++i)
    s += r[i] * y[i];
  return s;
}

int64_t randInt(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng());
}

Shape randomShape(size_t minRank, size_t maxRank, int64_t maxDim) {
  Shape s(randInt(minRank, maxRank));
  for (int64_t &d : s)
    d = randInt(1, maxDim);
  return s;
}

/// Runs `step` once and returns its first output.
std::vector<float> gradOf(const StepDesc &step, const std::vector<Host> &in) {
  return runStep(step, in);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

double reluD(double x) { return x > 0 ? x : 0; }
double sigmoidD(double x) { return 1 / (1 + std::exp(-x)); }
double geluD(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double geluTanhD(double x) {
  return 0.5 * x *
         (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

TEST_F(GradientTest, ElementwiseGradients) {
  struct Kind {
    KernelKind kind;
    const char *name;
    double (*f)(double);
    bool fromResult; // the kernel takes y = f(x), not x
  };
  const Kind kinds[] = {
      {KernelKind::ReluGrad, "relu_grad", reluD, false},
      {KernelKind::SigmoidGrad, "sigmoid_grad", sigmoidD, true},
      {KernelKind::TanhGrad, "tanh_grad", [](double x) { return std::tanh(x); },
       true},
      {KernelKind::GeluGrad, "gelu_grad", geluD, false},
      {KernelKind::GeluTanhGrad, "gelu_tanh_grad", geluTanhD, false}};
  for (const Kind &k : kinds)
    for (int trial = 0; trial < 5; ++trial) {
      Shape shape = trial == 0 ? Shape{} : randomShape(1, 4, 6);
      if (trial == 4)
        shape = {64, 100};
      Host x = randomF32(shape, -5.f, 5.f);
      // Relu: no point within h of the kink at 0.
      if (k.kind == KernelKind::ReluGrad)
        for (float &v : x.data)
          while (std::fabs(v) < 10 * kH)
            v = std::uniform_real_distribution<float>(-5.f, 5.f)(rng());
      Host r = randomF32(shape);
      Host saved = x;
      if (k.fromResult)
        for (size_t i = 0; i < x.data.size(); ++i)
          saved.data[i] = static_cast<float>(k.f(x.data[i]));
      std::vector<Host> in = {r, saved};
      StepDesc step = makeStep(k.kind, in, {shape});
      Vec rd = toDouble(r.data);
      auto F = [&](const Vec &xs) {
        double s = 0;
        for (size_t i = 0; i < xs.size(); ++i)
          s += rd[i] * k.f(xs[i]);
        return s;
      };
      gradientCheck(k.name, std::string(k.name) + " " + str(shape),
                    gradOf(step, in), toDouble(x.data), F);
    }
}

//===----------------------------------------------------------------------===//
// Softmax and log-softmax
//===----------------------------------------------------------------------===//

Vec softmaxD(const Vec &x, const Shape &shape, int64_t axis, bool log) {
  int64_t outer = 1, inner = 1, A = shape[axis];
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  Vec y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t a) { return (o * A + a) * inner + in; };
      double m = -INFINITY, sum = 0;
      for (int64_t a = 0; a < A; ++a)
        m = std::max(m, x[at(a)]);
      for (int64_t a = 0; a < A; ++a)
        sum += std::exp(x[at(a)] - m);
      for (int64_t a = 0; a < A; ++a)
        y[at(a)] =
            log ? x[at(a)] - m - std::log(sum) : std::exp(x[at(a)] - m) / sum;
    }
  return y;
}

TEST_F(GradientTest, SoftmaxGradients) {
  for (bool log : {false, true})
    for (int trial = 0; trial < 6; ++trial) {
      Shape shape = trial == 5 ? Shape{64, 10} : randomShape(1, 4, 6);
      int64_t axis = trial == 5 ? 1 : randInt(0, shape.size() - 1);
      Host x = randomF32(shape, -4.f, 4.f);
      Host r = randomF32(shape);
      Vec y = softmaxD(toDouble(x.data), shape, axis, log);
      Host yh = Host::f32(shape);
      for (size_t i = 0; i < y.size(); ++i)
        yh.data[i] = static_cast<float>(y[i]);
      std::vector<Host> in = {r, yh};
      const char *name = log ? "log_softmax_grad" : "softmax_grad";
      StepDesc step =
          makeStep(log ? KernelKind::LogSoftmaxGrad : KernelKind::SoftmaxGrad,
                   in, {shape});
      step.axis = axis;
      Vec rd = toDouble(r.data);
      gradientCheck(name,
                    std::string(name) + " " + str(shape) + " axis " +
                        std::to_string(axis),
                    gradOf(step, in), toDouble(x.data), [&](const Vec &xs) {
                      return dot(rd, softmaxD(xs, shape, axis, log));
                    });
    }
}

TEST_F(GradientTest, CausalSoftmaxGradient) {
  for (const Shape &shape : {Shape{1, 1}, Shape{6, 6}, Shape{2, 3, 5, 5}}) {
    int64_t T = shape.back(), axis = int64_t(shape.size()) - 1;
    auto masked = [&](size_t i) { return int64_t(i) % T > int64_t(i) / T % T; };
    // y = softmax of x with the masked entries at -inf.
    auto forward = [&](Vec xs) {
      for (size_t i = 0; i < xs.size(); ++i)
        if (masked(i))
          xs[i] = -INFINITY;
      return softmaxD(xs, shape, axis, false);
    };
    Host x = randomF32(shape, -4.f, 4.f);
    Host r = randomF32(shape);
    Vec y = forward(toDouble(x.data));
    Host yh = Host::f32(shape);
    for (size_t i = 0; i < y.size(); ++i)
      yh.data[i] = static_cast<float>(y[i]);
    std::vector<Host> in = {r, yh};
    StepDesc step = makeStep(KernelKind::SoftmaxGrad, in, {shape});
    step.axis = axis;
    step.causal = true;
    std::vector<float> got = gradOf(step, in);
    Vec rd = toDouble(r.data);
    gradientCheck("softmax_grad", "causal softmax_grad " + str(shape), got,
                  toDouble(x.data),
                  [&](const Vec &xs) { return dot(rd, forward(xs)); });
    // The masked entries get exactly 0, whatever their incoming gradient.
    for (size_t i = 0; i < got.size(); ++i) {
      if (masked(i)) {
        ASSERT_EQ(got[i], 0.0f) << "masked entry " << i;
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Embedding and layer normalisation
//===----------------------------------------------------------------------===//

TEST_F(GradientTest, EmbeddingGradient) {
  // Repeated ids: their rows add up. The gradient of sum(r * table[ids]).
  const int64_t V = 5, D = 3;
  for (const Shape &idShape : {Shape{}, Shape{9}, Shape{2, 4}}) {
    Host ids = Host::i32(idShape);
    for (size_t i = 0; i < ids.data.size(); ++i)
      ids.setInt(i, static_cast<int32_t>((i * 3) % 4)); // row 4 unused
    Shape dyShape = idShape;
    dyShape.push_back(D);
    Host r = randomF32(dyShape);
    std::vector<Host> in = {r, ids};
    StepDesc step = makeStep(KernelKind::EmbeddingGrad, in, {{V, D}});
    Host table = randomF32({V, D});
    Vec rd = toDouble(r.data);
    gradientCheck("embedding_grad", "embedding_grad ids " + str(idShape),
                  gradOf(step, in), toDouble(table.data), [&](const Vec &t) {
                    double sum = 0;
                    for (size_t i = 0; i < ids.data.size(); ++i)
                      for (int64_t d = 0; d < D; ++d)
                        sum += rd[i * D + d] * t[ids.getInt(i) * D + d];
                    return sum;
                  });
  }
}

/// layer_norm of x [rows, D] in double: (x - mean) / sqrt(var + eps) * g + b.
Vec layerNormD(const Vec &x, const Vec &g, const Vec &b, int64_t D,
               double eps) {
  Vec y(x.size());
  for (size_t r = 0; r < x.size() / D; ++r) {
    double mean = 0, var = 0;
    for (int64_t d = 0; d < D; ++d)
      mean += x[r * D + d];
    mean /= D;
    for (int64_t d = 0; d < D; ++d)
      var += (x[r * D + d] - mean) * (x[r * D + d] - mean);
    var /= D;
    for (int64_t d = 0; d < D; ++d)
      y[r * D + d] = (x[r * D + d] - mean) / std::sqrt(var + eps) * g[d] + b[d];
  }
  return y;
}

TEST_F(GradientTest, LayerNormGradients) {
  const double eps = 1e-5;
  for (const Shape &shape : {Shape{1, 4}, Shape{3, 7}, Shape{2, 3, 16}}) {
    int64_t D = shape.back();
    Shape statsShape = shape;
    statsShape.back() = 2;
    Host x = randomF32(shape), g = randomF32({D}), b = randomF32({D});
    Host r = randomF32(shape);
    // The statistics from their own kernel, as the VJP computes them.
    std::vector<Host> statsIn = {x};
    StepDesc statsStep =
        makeStep(KernelKind::LayerNormStats, statsIn, {statsShape});
    statsStep.eps = eps;
    Host stats = Host::f32(statsShape);
    stats.data = gradOf(statsStep, statsIn);
    Vec rd = toDouble(r.data), xd = toDouble(x.data), gd = toDouble(g.data),
        bd = toDouble(b.data);

    std::vector<Host> in = {r, x, stats, g};
    StepDesc dx = makeStep(KernelKind::LayerNormGrad, in, {shape});
    gradientCheck(
        "layer_norm_grad", "layer_norm_grad " + str(shape), gradOf(dx, in), xd,
        [&](const Vec &xs) { return dot(rd, layerNormD(xs, gd, bd, D, eps)); });

    std::vector<Host> gin = {r, x, stats};
    StepDesc dg = makeStep(KernelKind::LayerNormGainGrad, gin, {{D}});
    gradientCheck("layer_norm_gain_grad", "layer_norm_gain_grad " + str(shape),
                  gradOf(dg, gin), gd, [&](const Vec &gs) {
                    return dot(rd, layerNormD(xd, gs, bd, D, eps));
                  });
  }
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

Host scalar(float v) {
  Host h = Host::f32({});
  h.data[0] = v;
  return h;
}

TEST_F(GradientTest, SparseSoftmaxCrossEntropyGradient) {
  struct Case {
    int64_t B, C;
    float range;
  };
  for (Case c : {Case{1, 1, 2}, Case{4, 10, 2}, Case{64, 10, 5},
                 Case{3, 100, 3}, Case{8, 10, 30}, Case{5, 7, 1}}) {
    Host logits = randomF32({c.B, c.C}, -c.range, c.range);
    Host labels = Host::i32({c.B});
    for (int64_t b = 0; b < c.B; ++b)
      labels.setInt(b, int32_t(randInt(0, c.C - 1)));
    // dloss of magnitude ~B so that the gradient is O(1), not O(1/B).
    float dloss = std::uniform_real_distribution<float>(0.5f, 2.f)(rng()) *
                  float(c.B) * (randInt(0, 1) ? 1 : -1);
    std::vector<Host> in = {scalar(dloss), logits, labels};
    StepDesc step =
        makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad, in, {{c.B, c.C}});
    auto F = [&](const Vec &z) {
      double total = 0;
      for (int64_t b = 0; b < c.B; ++b) {
        const double *row = &z[b * c.C];
        double m = *std::max_element(row, row + c.C), sum = 0;
        for (int64_t k = 0; k < c.C; ++k)
          sum += std::exp(row[k] - m);
        total += m + std::log(sum) - row[labels.getInt(b)];
      }
      return dloss * total / c.B;
    };
    gradientCheck("sparse_softmax_cross_entropy_grad",
                  "sparse_softmax_cross_entropy_grad " + str({c.B, c.C}) +
                      " range " + std::to_string(int(c.range)),
                  gradOf(step, in), toDouble(logits.data), F);
  }
}

TEST_F(GradientTest, SparseSoftmaxCrossEntropyGradRejectsLabelOutOfRange) {
  for (int32_t bad : {10, -1}) {
    std::vector<Host> in = {scalar(1.f), randomF32({4, 10}), Host::i32({4})};
    in[2].setInt(3, bad);
    StepDesc step =
        makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad, in, {{4, 10}});
    Bound b;
    ASSERT_TRUE(b.create(step, in).isOk());
    Status s = b.kernel->run();
    ASSERT_EQ(s.code(), StatusCode::InvalidArgument) << s.message();
    EXPECT_NE(s.message().find("label " + std::to_string(bad)),
              std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("batch index 3"), std::string::npos)
        << s.message();
    std::printf("  label %d: %s\n", bad, s.message().c_str());
  }
}

TEST_F(GradientTest, MeanSquaredErrorGradient) {
  for (int trial = 0; trial < 5; ++trial) {
    Shape shape = trial == 0 ? Shape{} : randomShape(1, 3, 8);
    Host p = randomF32(shape), t = randomF32(shape);
    int64_t P = count(shape);
    float dloss =
        std::uniform_real_distribution<float>(0.5f, 2.f)(rng()) * float(P);
    std::vector<Host> in = {scalar(dloss), p, t};
    StepDesc step = makeStep(KernelKind::MeanSquaredErrorGrad, in, {shape});
    Vec td = toDouble(t.data);
    auto F = [&](const Vec &x) {
      double s = 0;
      for (size_t i = 0; i < x.size(); ++i)
        s += (x[i] - td[i]) * (x[i] - td[i]);
      return dloss * s / P;
    };
    gradientCheck("mean_squared_error_grad",
                  "mean_squared_error_grad " + str(shape), gradOf(step, in),
                  toDouble(p.data), F);
  }
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

struct Conv {
  int64_t B, C, H, W, N, KH, KW, sh, sw, ph, pw, dh, dw;
  int64_t OH() const { return (H + 2 * ph - ((KH - 1) * dh + 1)) / sh + 1; }
  int64_t OW() const { return (W + 2 * pw - ((KW - 1) * dw + 1)) / sw + 1; }
  Shape x() const { return {B, C, H, W}; }
  Shape w() const { return {N, C, KH, KW}; }
  Shape y() const { return {B, N, OH(), OW()}; }
  std::string str() const {
    char s[160];
    std::snprintf(s, sizeof s,
                  "x[%lld,%lld,%lld,%lld] w[%lld,%lld,%lld,%lld] s[%lld,%lld] "
                  "p[%lld,%lld] d[%lld,%lld]",
                  (long long)B, (long long)C, (long long)H, (long long)W,
                  (long long)N, (long long)C, (long long)KH, (long long)KW,
                  (long long)sh, (long long)sw, (long long)ph, (long long)pw,
                  (long long)dh, (long long)dw);
    return s;
  }
};

/// sum(r * conv2d(x, w)), naive, in double.
double convObjective(const Conv &c, const Vec &x, const Vec &w, const Vec &r) {
  double total = 0;
  int64_t OH = c.OH(), OW = c.OW();
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t h = 0; h < OH; ++h)
        for (int64_t q = 0; q < OW; ++q) {
          double sum = 0;
          for (int64_t ch = 0; ch < c.C; ++ch)
            for (int64_t i = 0; i < c.KH; ++i)
              for (int64_t j = 0; j < c.KW; ++j) {
                int64_t yy = h * c.sh + i * c.dh - c.ph;
                int64_t xx = q * c.sw + j * c.dw - c.pw;
                if (yy < 0 || yy >= c.H || xx < 0 || xx >= c.W)
                  continue;
                sum += x[((b * c.C + ch) * c.H + yy) * c.W + xx] *
                       w[((n * c.C + ch) * c.KH + i) * c.KW + j];
              }
          total += r[((b * c.N + n) * OH + h) * OW + q] * sum;
        }
  return total;
}

std::vector<Conv> convCases() {
  std::vector<Conv> cases = {{2, 1, 8, 8, 3, 5, 5, 1, 1, 2, 2, 1, 1},
                             {2, 3, 9, 11, 4, 3, 2, 2, 1, 1, 0, 1, 2},
                             {1, 16, 6, 6, 32, 3, 3, 1, 1, 1, 1, 1, 1},
                             {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1}};
  while (cases.size() < 10) {
    Conv c;
    c.B = randInt(1, 3), c.C = randInt(1, 4), c.H = randInt(3, 9);
    c.W = randInt(3, 9), c.N = randInt(1, 5), c.KH = randInt(1, 3);
    c.KW = randInt(1, 3), c.sh = randInt(1, 2), c.sw = randInt(1, 2);
    c.ph = randInt(0, c.KH - 1), c.pw = randInt(0, c.KW - 1);
    c.dh = randInt(1, 2), c.dw = randInt(1, 2);
    if (c.H + 2 * c.ph >= (c.KH - 1) * c.dh + 1 &&
        c.W + 2 * c.pw >= (c.KW - 1) * c.dw + 1)
      cases.push_back(c);
  }
  return cases;
}

StepDesc convStep(KernelKind kind, const Conv &c, const std::vector<Host> &in,
                  const Shape &out) {
  StepDesc step = makeStep(kind, in, {out});
  step.strides = {c.sh, c.sw};
  step.padding = {c.ph, c.pw};
  step.dilations = {c.dh, c.dw};
  return step;
}

TEST_F(GradientTest, Conv2DBackwardDataAndFilter) {
  for (const Conv &c : convCases()) {
    Host x = randomF32(c.x()), w = randomF32(c.w()), r = randomF32(c.y());
    Vec xd = toDouble(x.data), wd = toDouble(w.data), rd = toDouble(r.data);
    std::vector<Host> dataIn = {r, w};
    gradientCheck(
        "conv2d_backward_data", "conv2d_backward_data " + c.str(),
        gradOf(convStep(KernelKind::Conv2DBackwardData, c, dataIn, c.x()),
               dataIn),
        xd, [&](const Vec &xs) { return convObjective(c, xs, wd, rd); }, 200);
    std::vector<Host> filterIn = {r, x};
    gradientCheck(
        "conv2d_backward_filter", "conv2d_backward_filter " + c.str(),
        gradOf(convStep(KernelKind::Conv2DBackwardFilter, c, filterIn, c.w()),
               filterIn),
        wd, [&](const Vec &ws) { return convObjective(c, xd, ws, rd); }, 200);
  }
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

struct Pool {
  int64_t B, C, H, W, KH, KW, sh, sw, ph, pw;
  int64_t OH() const { return (H + 2 * ph - KH) / sh + 1; }
  int64_t OW() const { return (W + 2 * pw - KW) / sw + 1; }
  Shape x() const { return {B, C, H, W}; }
  Shape y() const { return {B, C, OH(), OW()}; }
  std::string str() const {
    char s[160];
    std::snprintf(s, sizeof s,
                  "x[%lld,%lld,%lld,%lld] k[%lld,%lld] s[%lld,%lld] "
                  "p[%lld,%lld]",
                  (long long)B, (long long)C, (long long)H, (long long)W,
                  (long long)KH, (long long)KW, (long long)sh, (long long)sw,
                  (long long)ph, (long long)pw);
    return s;
  }
};

/// sum(r * pool(x)), naive, in double (max, or average over the window's
/// in-bounds elements).
double poolObjective(const Pool &p, bool max, const Vec &x, const Vec &r) {
  double total = 0;
  int64_t OH = p.OH(), OW = p.OW();
  for (int64_t bc = 0; bc < p.B * p.C; ++bc)
    for (int64_t h = 0; h < OH; ++h)
      for (int64_t w = 0; w < OW; ++w) {
        double m = -INFINITY, sum = 0;
        int64_t n = 0;
        for (int64_t i = 0; i < p.KH; ++i)
          for (int64_t j = 0; j < p.KW; ++j) {
            int64_t y = h * p.sh + i - p.ph, xx = w * p.sw + j - p.pw;
            if (y < 0 || y >= p.H || xx < 0 || xx >= p.W)
              continue;
            double v = x[(bc * p.H + y) * p.W + xx];
            m = std::max(m, v);
            sum += v;
            ++n;
          }
        total += r[(bc * OH + h) * OW + w] * (max ? m : sum / n);
      }
  return total;
}

std::vector<Pool> poolCases() {
  std::vector<Pool> cases = {{2, 3, 8, 8, 2, 2, 2, 2, 0, 0},
                             {1, 2, 7, 9, 3, 2, 2, 1, 1, 1},
                             {2, 1, 5, 5, 3, 3, 1, 1, 1, 1},
                             {1, 1, 4, 5, 4, 5, 1, 1, 3, 2}};
  while (cases.size() < 10) {
    Pool p;
    p.B = randInt(1, 2), p.C = randInt(1, 3), p.H = randInt(2, 9);
    p.W = randInt(2, 9), p.KH = randInt(1, 3), p.KW = randInt(1, 3);
    p.sh = randInt(1, 3), p.sw = randInt(1, 3);
    p.ph = randInt(0, p.KH - 1), p.pw = randInt(0, p.KW - 1);
    if (p.H + 2 * p.ph >= p.KH && p.W + 2 * p.pw >= p.KW)
      cases.push_back(p);
  }
  return cases;
}

StepDesc poolStep(KernelKind kind, const Pool &p, const std::vector<Host> &in,
                  const Shape &out) {
  StepDesc step = makeStep(kind, in, {out});
  step.kernel = {p.KH, p.KW};
  step.strides = {p.sh, p.sw};
  step.padding = {p.ph, p.pw};
  return step;
}

TEST_F(GradientTest, MaxAndAvgPool2DGradients) {
  for (const Pool &p : poolCases()) {
    // Distinct values 0.01 apart: no window has two elements within h of
    // its maximum (no kink).
    Host x = Host::f32(p.x());
    std::vector<int64_t> order(count(p.x()));
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = int64_t(i);
    std::shuffle(order.begin(), order.end(), rng());
    for (size_t i = 0; i < order.size(); ++i)
      x.data[i] = float(order[i]) * 0.01f - 1.f;
    Host r = randomF32(p.y());
    Vec xd = toDouble(x.data), rd = toDouble(r.data);
    std::vector<Host> maxIn = {r, x};
    gradientCheck(
        "max_pool2d_grad", "max_pool2d_grad " + p.str(),
        gradOf(poolStep(KernelKind::MaxPool2DGrad, p, maxIn, p.x()), maxIn), xd,
        [&](const Vec &xs) { return poolObjective(p, true, xs, rd); });
    std::vector<Host> avgIn = {r};
    gradientCheck(
        "avg_pool2d_grad", "avg_pool2d_grad " + p.str(),
        gradOf(poolStep(KernelKind::AvgPool2DGrad, p, avgIn, p.x()), avgIn), xd,
        [&](const Vec &xs) { return poolObjective(p, false, xs, rd); });
  }
}

TEST_F(GradientTest, MaxPool2DGradGoesToTheFirstMaximum) {
  // x[1, 1, 3, 4], windows 2x2 stride 1 (overlapping): every element equal
  // but one; each window's gradient goes to its first maximum in row-major
  // order, and overlapping windows add up.
  Pool p{1, 1, 3, 4, 2, 2, 1, 1, 0, 0};
  Host x = Host::f32(p.x());
  std::fill(x.data.begin(), x.data.end(), 1.f);
  x.data[1 * 4 + 2] = 5.f;    // a unique maximum at (1, 2)
  Host dy = Host::f32(p.y()); // [1, 1, 2, 3]
  for (size_t i = 0; i < dy.data.size(); ++i)
    dy.data[i] = float(1 << i); // 1, 2, 4, 8, 16, 32
  std::vector<Host> in = {dy, x};
  std::vector<float> got =
      gradOf(poolStep(KernelKind::MaxPool2DGrad, p, in, p.x()), in);
  // dy is row-major [2, 3]: windows (0,0)=1 (0,1)=2 (0,2)=4 (1,0)=8
  // (1,1)=16 (1,2)=32, by their top-left corners. Windows (0,0) and (1,0)
  // are all equal; the others contain (1, 2).
  std::vector<double> expected(12, 0.0);
  expected[0 * 4 + 0] = 1;               // window (0,0): first of all-equal
  expected[1 * 4 + 2] = 2 + 4 + 16 + 32; // windows (0,1) (0,2) (1,1) (1,2)
  expected[1 * 4 + 0] = 8;               // window (1,0): first of all-equal
  expectClose("max_pool2d_grad ties (first maximum)", got, expected, 0);
}

TEST_F(GradientTest, MaxPool2DGradTiledWindowsMatchTheDefinition) {
  // 2x2 windows at stride 2 without padding take their own path; its
  // gradients must be the definition's bit for bit: each window's dy to its
  // first maximum in row-major order (strict >, so a NaN first in its window
  // keeps it and a later NaN never wins), 0 + dy (a -0 becomes +0), and 0
  // in an odd last row or column, which no window covers. The first case's
  // 625 windows hold every sequence of four values from {NaN, 0, 1, 2, 3};
  // the second has random ties.
  for (Pool p : {Pool{1, 1, 51, 51, 2, 2, 2, 2, 0, 0},
                 Pool{2, 3, 7, 9, 2, 2, 2, 2, 0, 0}}) {
    Host x = Host::f32(p.x());
    for (float &v : x.data)
      v = float(randInt(0, 2));
    if (p.H == 51) {
      const float values[5] = {std::nanf(""), 0.f, 1.f, 2.f, 3.f};
      for (int64_t k = 0; k < 625; ++k)
        for (int64_t e = 0, digits = k; e < 4; ++e, digits /= 5)
          x.data[(2 * (k / 25) + e / 2) * p.W + 2 * (k % 25) + e % 2] =
              values[digits % 5];
    } else {
      x.data[0] = std::nanf("");
      x.data[3] = std::nanf("");
    }
    Host dy = randomF32(p.y());
    dy.data[0] = -0.f;
    dy.data[1] = -0.f;
    std::vector<Host> in = {dy, x};
    std::vector<float> got =
        gradOf(poolStep(KernelKind::MaxPool2DGrad, p, in, p.x()), in);
    std::vector<float> expected(got.size(), 0.f);
    for (int64_t bc = 0; bc < p.B * p.C; ++bc)
      for (int64_t h = 0; h < p.H / 2; ++h)
        for (int64_t w = 0; w < p.W / 2; ++w) {
          const float *xs = x.data.data() + bc * p.H * p.W;
          int64_t best = 2 * h * p.W + 2 * w;
          for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 2; ++j) {
              int64_t at = (2 * h + i) * p.W + 2 * w + j;
              if (xs[at] > xs[best])
                best = at;
            }
          expected[bc * p.H * p.W + best] +=
              dy.data[(bc * (p.H / 2) + h) * (p.W / 2) + w];
        }
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_EQ(
        0, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)))
        << "max_pool2d_grad " << p.str();
  }
}

//===----------------------------------------------------------------------===//
// Accuracy
//===----------------------------------------------------------------------===//

TEST_F(GradientTest, AccuracyWithTies) {
  // Rows: a clear winner; a tie won by the first; a tie whose label is the
  // second of the tied (wrong); all equal with label 0 (right).
  Host logits = Host::f32({4, 3});
  logits.data = {0.1f, 0.9f, 0.3f, 2.f, 1.f, 2.f,
                 0.5f, 0.7f, 0.7f, 1.f, 1.f, 1.f};
  Host labels = Host::i32({4});
  for (int32_t b = 0; b < 4; ++b)
    labels.setInt(b, std::vector<int32_t>{1, 0, 2, 0}[b]);
  std::vector<Host> in = {logits, labels};
  StepDesc step = makeStep(KernelKind::Accuracy, in, {{}});
  expectClose("accuracy with ties", runStep(step, in), {0.75}, 0);

  // Random rows against a reference.
  for (int64_t B : {1, 7, 64}) {
    Host z = randomF32({B, 10});
    Host l = Host::i32({B});
    int64_t correct = 0;
    for (int64_t b = 0; b < B; ++b) {
      l.setInt(b, int32_t(randInt(0, 9)));
      const float *row = &z.data[b * 10];
      correct += std::max_element(row, row + 10) - row == l.getInt(b);
    }
    std::vector<Host> rin = {z, l};
    expectClose("accuracy " + str({B, 10}),
                runStep(makeStep(KernelKind::Accuracy, rin, {{}}), rin),
                {double(correct) / B}, 1e-7);
  }
}

//===----------------------------------------------------------------------===//
// Optimizer updates, bound in place as a session binds them
//===----------------------------------------------------------------------===//

void *ptr(Host &h) { return h.data.data(); }

TEST_F(GradientTest, SgdUpdateInPlaceFiveSteps) {
  for (double momentum : {0.0, 0.9}) {
    Shape shape = {7, 13};
    Host param = randomF32(shape), velocity = Host::f32(shape),
         grad = Host::f32(shape);
    std::fill(velocity.data.begin(), velocity.data.end(), 0.f);
    std::vector<Host> in = {param, grad, velocity};
    StepDesc step = makeStep(KernelKind::SgdUpdate, in, {shape, shape});
    step.lr = 0.05;
    step.momentum = momentum;
    KernelContext context;
    std::unique_ptr<Kernel> kernel;
    ASSERT_TRUE(createKernel(step, context, &kernel).isOk());
    kernel->bind({ptr(param), ptr(grad), ptr(velocity)},
                 {ptr(param), ptr(velocity)});
    Vec p = toDouble(param.data), v(p.size(), 0.0);
    for (int t = 1; t <= 5; ++t) {
      grad = randomF32(shape); // a new gradient in the same buffer
      kernel->bind({ptr(param), ptr(grad), ptr(velocity)},
                   {ptr(param), ptr(velocity)});
      ASSERT_TRUE(kernel->run().isOk());
      for (size_t i = 0; i < p.size(); ++i) {
        double g = grad.data[i];
        if (momentum == 0) {
          p[i] -= step.lr * g;
        } else {
          v[i] = momentum * v[i] + g;
          p[i] -= step.lr * v[i];
        }
      }
      char what[80];
      std::snprintf(what, sizeof what, "sgd momentum %.1f step %d param",
                    momentum, t);
      expectClose(what, param.data, p, 1e-6);
      std::snprintf(what, sizeof what, "sgd momentum %.1f step %d velocity",
                    momentum, t);
      expectClose(what, velocity.data, v, 1e-6);
    }
  }
}

TEST_F(GradientTest, AdamUpdateInPlaceFiveSteps) {
  Shape shape = {5, 11};
  Host param = randomF32(shape), grad = Host::f32(shape), m = Host::f32(shape),
       v = Host::f32(shape), counter = scalar(0.f);
  std::fill(m.data.begin(), m.data.end(), 0.f);
  std::fill(v.data.begin(), v.data.end(), 0.f);
  std::vector<Host> in = {param, grad, m, v, counter};
  StepDesc adam = makeStep(KernelKind::AdamUpdate, in, {shape, shape, shape});
  adam.lr = 0.01;
  adam.beta1 = 0.9;
  adam.beta2 = 0.999;
  adam.eps = 1e-8;
  StepDesc inc = makeStep(KernelKind::Increment, {counter}, {{}});
  KernelContext context;
  std::unique_ptr<Kernel> adamKernel, incKernel;
  ASSERT_TRUE(createKernel(adam, context, &adamKernel).isOk());
  ASSERT_TRUE(createKernel(inc, context, &incKernel).isOk());
  incKernel->bind({ptr(counter)}, {ptr(counter)});
  Vec p = toDouble(param.data), md(p.size(), 0.0), vd(p.size(), 0.0);
  for (int t = 1; t <= 5; ++t) {
    // The gradient's scale varies, so that m and v do not merely track it.
    grad = randomF32(shape, -0.5f * t, 0.3f * t);
    adamKernel->bind({ptr(param), ptr(grad), ptr(m), ptr(v), ptr(counter)},
                     {ptr(param), ptr(m), ptr(v)});
    ASSERT_TRUE(incKernel->run().isOk());
    ASSERT_EQ(counter.data[0], float(t));
    ASSERT_TRUE(adamKernel->run().isOk());
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad.data[i];
      md[i] = adam.beta1 * md[i] + (1 - adam.beta1) * g;
      vd[i] = adam.beta2 * vd[i] + (1 - adam.beta2) * g * g;
      double mhat = md[i] / (1 - std::pow(adam.beta1, t));
      double vhat = vd[i] / (1 - std::pow(adam.beta2, t));
      p[i] -= adam.lr * mhat / (std::sqrt(vhat) + adam.eps);
    }
    std::string at = " step " + std::to_string(t);
    expectClose("adam param" + at, param.data, p, 1e-6);
    expectClose("adam m" + at, m.data, md, 1e-6);
    expectClose("adam v" + at, v.data, vd, 1e-6);
  }
}

TEST_F(GradientTest, AdamUpdateRejectsStepZero) {
  Shape shape = {3};
  Host param = randomF32(shape), grad = randomF32(shape), m = randomF32(shape),
       v = randomF32(shape, 0.f, 1.f), counter = scalar(0.f);
  std::vector<Host> in = {param, grad, m, v, counter};
  StepDesc adam = makeStep(KernelKind::AdamUpdate, in, {shape, shape, shape});
  adam.lr = 0.01, adam.beta1 = 0.9, adam.beta2 = 0.999, adam.eps = 1e-8;
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  ASSERT_TRUE(createKernel(adam, context, &kernel).isOk());
  kernel->bind({ptr(param), ptr(grad), ptr(m), ptr(v), ptr(counter)},
               {ptr(param), ptr(m), ptr(v)});
  Status s = kernel->run();
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument) << s.message();
  std::printf("  %s\n", s.message().c_str());
}

// A sharded update on ranks that share memory (runtime/exec/ShardedUpdate):
// the kernel updates only its share and sums the ranks' unreduced gradients
// itself, a block at a time. Its share must equal an update of the whole
// parameter by the gradient the shared arena's reduction would have written
// (the same float sums, in the tree order of RankOrder.h: (g0 + g1) + g2), and
// leave the rest untouched. 3000 elements span several blocks and end in a
// partial one.
TEST_F(GradientTest, ShardedUpdateSumsTheRanksGradients) {
  const Shape shape = {3000};
  const int64_t begin = 100, end = 2900;
  std::vector<Host> ranks = {randomF32(shape), randomF32(shape),
                             randomF32(shape)};
  Host reduced = Host::f32(shape);
  for (size_t i = 0; i < reduced.data.size(); ++i)
    reduced.data[i] = (ranks[0].data[i] + ranks[1].data[i]) + ranks[2].data[i];
  struct Case {
    const char *name;
    KernelKind kind;
    double momentum;
  };
  for (const Case &c : {Case{"sgd", KernelKind::SgdUpdate, 0.0},
                        Case{"sgd momentum", KernelKind::SgdUpdate, 0.9},
                        Case{"adam", KernelKind::AdamUpdate, 0.0}}) {
    const bool adam = c.kind == KernelKind::AdamUpdate;
    // param, grad, state... (and Adam's step count); outputs in place.
    std::vector<Host> in = {randomF32(shape), reduced, randomF32(shape)};
    if (adam) {
      in.push_back(randomF32(shape, 0.f, 1.f));
      in.push_back(scalar(3.f));
    }
    StepDesc step = makeStep(c.kind, in,
                             adam ? std::vector<Shape>{shape, shape, shape}
                                  : std::vector<Shape>{shape, shape});
    step.lr = 0.05, step.momentum = c.momentum;
    step.beta1 = 0.9, step.beta2 = 0.999, step.eps = 1e-8;
    const size_t states = adam ? 2 : 1;
    auto run = [&](std::vector<Host> operands, bool sharded) {
      KernelContext context;
      std::unique_ptr<Kernel> kernel;
      EXPECT_TRUE(createKernel(step, context, &kernel).isOk());
      std::vector<void *> inputs, outputs = {ptr(operands[0])};
      for (Host &h : operands)
        inputs.push_back(ptr(h));
      for (size_t s = 0; s < states; ++s)
        outputs.push_back(ptr(operands[2 + s]));
      if (sharded) {
        EXPECT_TRUE(kernel->restrictElements(begin, end));
        EXPECT_FALSE(kernel->sumGradients({ranks[0].data.data()}))
            << "one rank's gradient is no sum";
        EXPECT_FALSE(kernel->sumGradients({ranks[0].data.data(), nullptr}));
        EXPECT_TRUE(
            kernel->sumGradients({ranks[0].data.data(), ranks[1].data.data(),
                                  ranks[2].data.data()}));
        // The bound gradient is ignored from now on.
        std::fill(operands[1].data.begin(), operands[1].data.end(), 1e9f);
      }
      kernel->bind(inputs, outputs);
      EXPECT_TRUE(kernel->run().isOk()) << c.name;
      return operands;
    };
    const std::vector<Host> whole = run(in, false), share = run(in, true);
    for (size_t o = 0; o < 1 + states; ++o) {
      const size_t operand = o == 0 ? 0 : 1 + o;
      int mismatches = 0;
      for (int64_t i = 0; i < shape[0]; ++i) {
        const float want = i >= begin && i < end ? whole[operand].data[i]
                                                 : in[operand].data[i];
        mismatches += share[operand].data[i] != want;
      }
      EXPECT_EQ(mismatches, 0) << c.name << " operand " << operand;
    }
  }
}

TEST_F(GradientTest, IncrementInPlace) {
  Host counter = scalar(0.f);
  StepDesc step = makeStep(KernelKind::Increment, {counter}, {{}});
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  ASSERT_TRUE(createKernel(step, context, &kernel).isOk());
  kernel->bind({ptr(counter)}, {ptr(counter)});
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(kernel->run().isOk());
    EXPECT_EQ(counter.data[0], float(i));
  }
  std::printf("  increment: 5 runs in place give %g (tolerance: exact)\n",
              counter.data[0]);
}

//===----------------------------------------------------------------------===//
// Kernel behaviour: allocation, missing buffers, malformed steps
//===----------------------------------------------------------------------===//

struct GradSample {
  StepDesc step;
  std::vector<Host> in;
  bool native;
};

std::vector<GradSample> gradSamples() {
  std::vector<GradSample> out;
  auto add = [&](StepDesc step, std::vector<Host> in, bool native) {
    out.push_back({std::move(step), std::move(in), native});
  };
  Shape s = {6, 9};
  add(makeStep(KernelKind::ReluGrad, {randomF32(s), randomF32(s)}, {s}),
      {randomF32(s), randomF32(s)}, true);
  add(makeStep(KernelKind::SigmoidGrad, {randomF32(s), randomF32(s)}, {s}),
      {randomF32(s), randomF32(s, 0.f, 1.f)}, false);
  {
    std::vector<Host> in = {randomF32(s), randomF32(s, 0.f, 1.f)};
    StepDesc step = makeStep(KernelKind::SoftmaxGrad, in, {s});
    step.axis = 1;
    add(step, in, false);
  }
  {
    std::vector<Host> in = {scalar(1.f), randomF32({16, 10}), Host::i32({16})};
    add(makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad, in, {{16, 10}}), in,
        true);
    std::vector<Host> acc = {in[1], in[2]};
    add(makeStep(KernelKind::Accuracy, acc, {{}}), acc, true);
  }
  {
    std::vector<Host> in = {scalar(1.f), randomF32(s), randomF32(s)};
    add(makeStep(KernelKind::MeanSquaredErrorGrad, in, {s}), in, true);
  }
  {
    Conv c{2, 16, 6, 6, 32, 3, 3, 1, 1, 1, 1, 1, 1};
    std::vector<Host> data = {randomF32(c.y()), randomF32(c.w())};
    add(convStep(KernelKind::Conv2DBackwardData, c, data, c.x()), data, false);
    std::vector<Host> filter = {randomF32(c.y()), randomF32(c.x())};
    add(convStep(KernelKind::Conv2DBackwardFilter, c, filter, c.w()), filter,
        false);
  }
  {
    Pool p{2, 3, 6, 6, 3, 3, 2, 2, 1, 1};
    std::vector<Host> maxIn = {randomF32(p.y()), randomF32(p.x())};
    add(poolStep(KernelKind::MaxPool2DGrad, p, maxIn, p.x()), maxIn, true);
    std::vector<Host> avgIn = {randomF32(p.y())};
    add(poolStep(KernelKind::AvgPool2DGrad, p, avgIn, p.x()), avgIn, false);
  }
  {
    std::vector<Host> in = {randomF32(s), randomF32(s), randomF32(s)};
    StepDesc step = makeStep(KernelKind::SgdUpdate, in, {s, s});
    step.lr = 0.1, step.momentum = 0.9;
    add(step, in, true);
  }
  {
    std::vector<Host> in = {randomF32(s), randomF32(s), randomF32(s),
                            randomF32(s, 0.f, 1.f), scalar(3.f)};
    StepDesc step = makeStep(KernelKind::AdamUpdate, in, {s, s, s});
    step.lr = 0.1, step.beta1 = 0.9, step.beta2 = 0.999, step.eps = 1e-8;
    add(step, in, true);
  }
  {
    std::vector<Host> in = {scalar(2.f)};
    add(makeStep(KernelKind::Increment, in, {{}}), in, true);
  }
  {
    StepDesc step =
        makeStep(KernelKind::SoftmaxGrad,
                 {randomF32({2, 5, 5}), randomF32({2, 5, 5})}, {{2, 5, 5}});
    step.axis = 2;
    step.causal = true;
    add(step, {randomF32({2, 5, 5}), randomF32({2, 5, 5})}, true);
  }
  {
    Host ids = Host::i32({6});
    std::vector<Host> in = {randomF32({6, 9}), ids};
    add(makeStep(KernelKind::EmbeddingGrad, in, {{4, 9}}), in, true);
  }
  {
    std::vector<Host> statsIn = {randomF32(s)};
    StepDesc statsStep =
        makeStep(KernelKind::LayerNormStats, statsIn, {{6, 2}});
    statsStep.eps = 1e-5;
    add(statsStep, statsIn, true);
    Host stats = Host::f32({6, 2});
    for (size_t i = 0; i < 6; ++i) {
      stats.data[2 * i] = 0.1f;
      stats.data[2 * i + 1] = 2.f;
    }
    std::vector<Host> in = {randomF32(s), randomF32(s), stats, randomF32({9})};
    add(makeStep(KernelKind::LayerNormGrad, in, {s}), in, true);
    in.pop_back();
    add(makeStep(KernelKind::LayerNormGainGrad, in, {{9}}), in, true);
  }
  return out;
}

TEST_F(GradientTest, RunDoesNotAllocate) {
  omp_set_num_threads(1); // see expectSameAllocationsEveryRun
  for (auto &[step, in, native] : gradSamples()) {
    Bound b;
    Status created = b.create(step, in);
    ASSERT_TRUE(created.isOk()) << created.message();
    expectSameAllocationsEveryRun(*b.kernel, kindName(step.kind).c_str(),
                                  native);
  }
}

TEST_F(GradientTest, RunWithoutBuffersFails) {
  for (auto &[step, in, native] : gradSamples()) {
    KernelContext context;
    std::unique_ptr<Kernel> kernel;
    ASSERT_TRUE(createKernel(step, context, &kernel).isOk());
    Status s = kernel->run();
    EXPECT_EQ(s.code(), StatusCode::Internal)
        << kindName(step.kind) << ": " << s.message();
  }
}

TEST_F(GradientTest, MalformedStepsAreRejected) {
  std::vector<StepDesc> bad;
  Shape s = {2, 3};
  {
    StepDesc d = makeStep(KernelKind::ReluGrad, {randomF32(s), randomF32({3})},
                          {s}); // gradient and value differ
    bad.push_back(d);
  }
  {
    StepDesc d =
        makeStep(KernelKind::SoftmaxGrad, {randomF32(s), randomF32(s)}, {s});
    d.axis = 2; // out of range
    bad.push_back(d);
  }
  {
    StepDesc d = makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad,
                          {randomF32({2}), randomF32(s), Host::i32({2})},
                          {s}); // dloss is not a scalar
    bad.push_back(d);
  }
  {
    Conv c{1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 1, 1};
    StepDesc d = convStep(KernelKind::Conv2DBackwardData, c,
                          {randomF32({1, 3, 4, 4}), randomF32(c.w())},
                          c.x()); // dy is not conv2d's result shape
    bad.push_back(d);
  }
  {
    Pool p{1, 1, 4, 4, 2, 2, 2, 2, 0, 0};
    StepDesc d = poolStep(KernelKind::MaxPool2DGrad, p,
                          {randomF32({1, 1, 3, 3}), randomF32(p.x())}, p.x());
    bad.push_back(d);
  }
  {
    StepDesc d = makeStep(KernelKind::SgdUpdate,
                          {randomF32(s), randomF32({3, 2}), randomF32(s)},
                          {s, s}); // gradient shape differs
    d.lr = 0.1;
    bad.push_back(d);
  }
  {
    StepDesc d = makeStep(
        KernelKind::AdamUpdate,
        {randomF32(s), randomF32(s), randomF32(s), randomF32(s), scalar(1.f)},
        {s, s, s});
    d.lr = 0.1, d.beta1 = 1.0, d.beta2 = 0.999, d.eps = 1e-8; // beta1 = 1
    bad.push_back(d);
  }
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  for (const StepDesc &d : bad) {
    Status status = createKernel(d, context, &kernel);
    EXPECT_EQ(status.code(), StatusCode::InvalidArgument)
        << kindName(d.kind) << ": " << status.message();
    std::printf("  %s\n", status.message().c_str());
  }
}

TEST_F(GradientTest, InPlaceGradients) {
  // The memory planner may give an elementwise gradient the buffer of its
  // first operand of the same shape: dy, or the logits or prediction.
  struct Case {
    StepDesc step;
    std::vector<Host> in;
    size_t aliased; // the input whose buffer the result shares
  };
  Shape s = {6, 9};
  std::vector<Case> cases;
  for (KernelKind kind :
       {KernelKind::ReluGrad, KernelKind::SigmoidGrad, KernelKind::TanhGrad,
        KernelKind::GeluGrad, KernelKind::SoftmaxGrad,
        KernelKind::LogSoftmaxGrad}) {
    std::vector<Host> in = {randomF32(s), randomF32(s, 0.05f, 0.95f)};
    StepDesc step = makeStep(kind, in, {s});
    step.axis = 1;
    cases.push_back({step, in, 0});
  }
  {
    std::vector<Host> in = {scalar(3.f), randomF32(s), Host::i32({6})};
    for (int32_t b = 0; b < 6; ++b)
      in[2].setInt(b, int32_t(randInt(0, 8)));
    cases.push_back(
        {makeStep(KernelKind::SparseSoftmaxCrossEntropyGrad, in, {s}), in, 1});
  }
  {
    std::vector<Host> in = {scalar(3.f), randomF32(s), randomF32(s)};
    cases.push_back(
        {makeStep(KernelKind::MeanSquaredErrorGrad, in, {s}), in, 1});
  }
  for (Case &c : cases) {
    std::vector<float> expected = runStep(c.step, c.in);
    KernelContext context;
    std::unique_ptr<Kernel> kernel;
    ASSERT_TRUE(createKernel(c.step, context, &kernel).isOk());
    std::vector<void *> in;
    for (Host &h : c.in)
      in.push_back(ptr(h));
    kernel->bind(in, {in[c.aliased]});
    ASSERT_TRUE(kernel->run().isOk());
    size_t differ = 0;
    for (size_t i = 0; i < expected.size(); ++i)
      differ += expected[i] != c.in[c.aliased].data[i];
    std::printf("  %-30s in place: %zu of %zu elements differ from the "
                "out-of-place run (tolerance: bitwise)\n",
                kindName(c.step.kind).c_str(), differ, expected.size());
    EXPECT_EQ(differ, 0u) << kindName(c.step.kind);
  }
}

/// Prints the largest relative error per kind over the gradient checks that
/// ran, once all tests are done.
class GradientCheckSummary : public ::testing::Environment {
public:
  void TearDown() override {
    if (worstByKind().empty())
      return;
    std::printf("Gradient checks: largest relative error per kind "
                "(tolerance %.0e):\n",
                kGradTol);
    for (const auto &[kind, worst] : worstByKind())
      std::printf("  %-36s %.2e\n", kind.c_str(), worst);
  }
};

[[maybe_unused]] ::testing::Environment *const gSummary =
    ::testing::AddGlobalTestEnvironment(new GradientCheckSummary);

} // namespace
} // namespace braid::runtime
