// braid-grad-check PLAN [--coords N] [--seed S]: checks the gradients a
// compiled training step computes against central finite differences of
// the plan's own loss, at every element of every parameter (or N seeded
// random elements of each).
//
// The kernel tests check each gradient kernel alone; this checks what
// braid-autodiff builds from the ops' VJPs (matmul's transposed products,
// the reductions over broadcast axes, reshapes, transposes and every
// gradient kernel in its place), end to end through braidc and the
// runtime. The model must train with sgd(lr = 1) and no momentum, so that
// one train_step moves every parameter by exactly minus its gradient:
//   analytic  g = p - p'            (p' after one train_step)
//   numerical g = (L(p + h) - L(p - h)) / 2h   (L from the eval entry)
// Both from the same seeded inputs; the parameters are restored before
// every evaluation. The runtime computes in f32, so h is 1e-2 (truncation
// about h^2 for these smooth models, rounding about 1e-7 / h).
//
// Output, one line per parameter, then a verdict:
//   param NAME f32[...]: C coords, max error E (tolerance T)
// Exit status 1 when an error exceeds the tolerance or is NaN, 2 on bad
// usage.
#include "runtime/exec/Session.h"

#include "shape/ShapeRules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace braid::runtime;

namespace {

constexpr double kStep = 1e-2;
/// |analytic - numerical| <= kTolerance * max(1, |numerical|).
constexpr double kTolerance = 1e-3;

int usage(const std::string &message) {
  std::fprintf(stderr, "braid-grad-check: %s\n", message.c_str());
  return 2;
}

int fail(const std::string &what, const Status &status) {
  return usage(what + ": " + status.message());
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usage("usage: braid-grad-check PLAN [--coords N] [--seed S]");
  int coords = 0; // every element
  unsigned seed = 1;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc)
      return usage("missing value for " + arg);
    const int value = std::atoi(argv[++i]);
    if (arg == "--coords" && value > 0)
      coords = value;
    else if (arg == "--seed" && value >= 0)
      seed = static_cast<unsigned>(value);
    else
      return usage("bad option " + arg + " " + argv[i]);
  }

  std::shared_ptr<const LoadedPlan> plan;
  if (Status s = LoadedPlan::loadFile(argv[1], &plan); !s)
    return fail(argv[1], s);
  const PlanEntryPoint *train = plan->findEntryPoint("train_step");
  const PlanEntryPoint *eval = plan->findEntryPoint("eval");
  if (!train || !eval)
    return usage("the plan needs the train_step and eval entry points");
  for (const PlanStep &step : train->steps)
    if (step.desc.kind == braid::plan::KernelKind::AdamUpdate ||
        (step.desc.kind == braid::plan::KernelKind::SgdUpdate &&
         (step.desc.lr != 1 || step.desc.momentum != 0)))
      return usage("the model must train with sgd(lr = 1) and no momentum, "
                   "so that a step subtracts the gradient itself");

  std::unique_ptr<Session> session;
  SessionOptions options;
  options.threads = 1;
  options.seed = seed;
  if (Status s = Session::create(plan, options, &session); !s)
    return fail("session", s);

  // The same inputs for both entry points: f32 in [-1, 1), labels in range.
  std::mt19937 rng(seed);
  std::vector<std::vector<float>> buffers;
  for (uint32_t id : train->inputs) {
    const PlanTensor &t = plan->tensors()[id];
    std::vector<float> data(t.desc.elements());
    if (t.desc.type == braid::plan::ElementType::F32) {
      std::uniform_real_distribution<float> uniform(-1.f, 1.f);
      for (float &x : data)
        x = uniform(rng);
    } else {
      const int64_t classes = plan->labelClasses(*train, t.name);
      if (classes < 1)
        return usage("integer input '" + t.name +
                     "' is not the labels of a cross-entropy");
      std::uniform_int_distribution<int32_t> label(0, classes - 1);
      for (float &x : data) {
        int32_t v = label(rng);
        std::memcpy(&x, &v, sizeof v);
      }
    }
    buffers.push_back(std::move(data));
    for (const char *entry : {"train_step", "eval"})
      if (Status s = session->bindInput(entry, t.name, buffers.back().data(),
                                        t.desc.bytes());
          !s)
        return fail("bind " + t.name, s);
  }

  const std::vector<PlanParameter> &params = plan->parameters();
  std::vector<std::vector<float>> initial;
  for (size_t i = 0; i < params.size(); ++i) {
    const float *p = session->parameterData(i);
    initial.emplace_back(p,
                         p + plan->tensors()[params[i].tensor].desc.elements());
  }
  auto restore = [&] {
    for (size_t i = 0; i < params.size(); ++i)
      std::copy(initial[i].begin(), initial[i].end(),
                session->parameterData(i));
  };
  auto loss = [&](double *out) -> Status {
    BRAID_RETURN_IF_ERROR(session->run("eval"));
    const void *data;
    size_t bytes;
    BRAID_RETURN_IF_ERROR(session->output("eval", "loss", &data, &bytes));
    *out = *static_cast<const float *>(data);
    return Status::ok();
  };

  // The analytic gradients: one SGD step with lr = 1.
  if (Status s = session->run("train_step"); !s)
    return fail("train_step", s);
  std::vector<std::vector<double>> analytic;
  for (size_t i = 0; i < params.size(); ++i) {
    const float *after = session->parameterData(i);
    std::vector<double> g(initial[i].size());
    for (size_t j = 0; j < g.size(); ++j)
      g[j] = static_cast<double>(initial[i][j]) - after[j];
    analytic.push_back(std::move(g));
  }
  restore();

  int status = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const PlanTensor &t = plan->tensors()[params[i].tensor];
    std::vector<size_t> order(initial[i].size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    if (coords > 0)
      order.resize(std::min<size_t>(order.size(), coords));
    double worst = 0;
    for (size_t j : order) {
      float *p = session->parameterData(i);
      double plus, minus;
      p[j] = static_cast<float>(initial[i][j] + kStep);
      if (Status s = loss(&plus); !s)
        return fail("eval", s);
      p[j] = static_cast<float>(initial[i][j] - kStep);
      if (Status s = loss(&minus); !s)
        return fail("eval", s);
      p[j] = initial[i][j];
      // The step actually taken in f32.
      const double h2 =
          (static_cast<double>(static_cast<float>(initial[i][j] + kStep)) -
           static_cast<float>(initial[i][j] - kStep));
      const double numerical = (plus - minus) / h2;
      const double error = std::fabs(analytic[i][j] - numerical) /
                           std::max(1.0, std::fabs(numerical));
      // A NaN gradient (or loss) must fail the check, not compare as small:
      // keep it as the worst error and test the tolerance with !(<=).
      if (std::isnan(error) || error > worst)
        worst = error;
      if (!(error <= kTolerance)) {
        std::printf("  %s[%zu]: analytic %.6g, numerical %.6g\n",
                    t.name.c_str(), j, analytic[i][j], numerical);
        status = 1;
      }
    }
    std::printf("param %s %s: %zu coords, max error %.2e (tolerance %.0e)\n",
                t.name.c_str(),
                braid::shape::toString(
                    braid::shape::TensorType{braid::shape::ElementType::F32,
                                             t.desc.shape})
                    .c_str(),
                order.size(), worst, kTolerance);
  }
  std::printf(status ? "gradients DIFFER\n" : "gradients agree\n");
  return status;
}
