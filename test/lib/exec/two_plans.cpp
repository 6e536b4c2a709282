// braid-two-plans PLAN_A PLAN_B: creates a session over each plan, the
// first still alive when the second is created, runs both predict entry
// points with every input element 1, and prints each one's first output
// element. Plans with generated code under the same symbols must each run
// their own (native_code.test).
#include "runtime/exec/Session.h"

#include <cstdio>
#include <vector>

using namespace braid::runtime;

namespace {

struct Opened {
  std::shared_ptr<const LoadedPlan> plan;
  std::unique_ptr<Session> session;
  std::vector<std::vector<float>> inputs;
};

bool open(const char *path, Opened *out) {
  Status s = LoadedPlan::loadFile(path, &out->plan);
  if (s.isOk())
    s = Session::create(out->plan, SessionOptions{1, 0}, &out->session);
  if (!s.isOk()) {
    std::fprintf(stderr, "braid-two-plans: %s\n", s.message().c_str());
    return false;
  }
  return true;
}

bool predict(Opened &o, const char *label) {
  const PlanEntryPoint *entry = o.plan->findEntryPoint("predict");
  if (!entry)
    return false;
  o.inputs.clear();
  for (uint32_t id : entry->inputs) {
    const PlanTensor &t = o.plan->tensors()[id];
    o.inputs.emplace_back(t.desc.elements(), 1.f);
    if (!o.session
             ->bindInput("predict", t.name, o.inputs.back().data(),
                         t.desc.bytes())
             .isOk())
      return false;
  }
  Status s = o.session->run("predict");
  const void *data = nullptr;
  size_t bytes = 0;
  if (s.isOk())
    s = o.session->output("predict", o.plan->tensors()[entry->outputs[0]].name,
                          &data, &bytes);
  if (!s.isOk() || bytes < 4) {
    std::fprintf(stderr, "braid-two-plans: %s\n", s.message().c_str());
    return false;
  }
  std::printf("%s: %g (code %s)\n", label, *static_cast<const float *>(data),
              o.session->codeIsa().c_str());
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: braid-two-plans PLAN_A PLAN_B\n");
    return 2;
  }
  Opened a, b;
  if (!open(argv[1], &a) || !open(argv[2], &b))
    return 1;
  return predict(a, "A") && predict(b, "B") ? 0 : 1;
}
