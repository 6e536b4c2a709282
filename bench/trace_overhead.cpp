// trace-overhead PLAN STEPS [control]: the cost of --trace, measured inside one
// process so that a loaded machine's drift cancels: one session runs
// train_step 2 * STEPS times, its tracer (recording and profiling) on for
// every other step, and the median step time of each half is compared.
// Inputs are random (labels 0); the plan's own numbers do not matter here.
//
// With "control", the tracer stays off in both halves: the difference
// then is what alternating alone shows, the noise floor.
//
// Output: "off: MEDIAN ms a step, on: MEDIAN ms a step, overhead P%".
#include "runtime/exec/Session.h"
#include "runtime/trace/Tracer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace braid::runtime;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  const bool control = argc == 4 && std::string(argv[3]) == "control";
  if (argc != 3 && !control) {
    std::fprintf(stderr, "usage: trace-overhead PLAN STEPS [control]\n");
    return 2;
  }
  const int steps = std::atoi(argv[2]);
  std::shared_ptr<const LoadedPlan> plan;
  std::unique_ptr<Session> session;
  SessionOptions options;
  options.threads = 1;
  if (Status s = LoadedPlan::loadFile(argv[1], &plan); !s) {
    std::fprintf(stderr, "trace-overhead: %s\n", s.message().c_str());
    return 1;
  }
  if (Status s = Session::create(plan, options, &session); !s) {
    std::fprintf(stderr, "trace-overhead: %s\n", s.message().c_str());
    return 1;
  }
  session->initializeParameters(1);
  const PlanEntryPoint *entry = plan->findEntryPoint("train_step");
  if (!entry || steps < 1) {
    std::fprintf(stderr, "trace-overhead: no train_step, or STEPS < 1\n");
    return 1;
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  std::vector<std::vector<float>> inputs;
  for (uint32_t id : entry->inputs) {
    const PlanTensor &t = plan->tensors()[id];
    std::vector<float> &data = inputs.emplace_back(t.desc.elements(), 0.f);
    if (t.desc.type == braid::plan::ElementType::F32)
      for (float &x : data)
        x = uniform(rng);
    if (Status s = session->bindInput("train_step", t.name, data.data(),
                                      t.desc.bytes());
        !s) {
      std::fprintf(stderr, "trace-overhead: %s\n", s.message().c_str());
      return 1;
    }
  }
  trace::TracerOptions tracing;
  tracing.trace = tracing.profile = true;
  tracing.traceSteps = 2 * steps + 2;
  trace::Tracer tracer(*plan, tracing);
  std::vector<double> off, on;
  for (int i = 0; i < 2 * steps + 2; ++i) {
    const bool traced = i % 2 == 1;
    session->setTracer(traced && !control ? &tracer : nullptr);
    auto begin = std::chrono::steady_clock::now();
    if (Status s = session->run("train_step"); !s) {
      std::fprintf(stderr, "trace-overhead: %s\n", s.message().c_str());
      return 1;
    }
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - begin)
                    .count();
    if (i >= 2) // the first two warm up
      (traced ? on : off).push_back(ms);
  }
  const double a = median(off), b = median(on);
  std::printf("%s%s: %d steps each, %zu events recorded; off: %.3f ms a step, "
              "on: %.3f ms a step, overhead %+.2f%%\n",
              argv[1], control ? " (control: never traced)" : "", steps,
              tracer.events().size(), a, b, 100 * (b - a) / a);
  return 0;
}
