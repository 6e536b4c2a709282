// braid-step-audit PLAN ENTRY STEPS: runs an entry point STEPS times after a
// warm-up and reports what the steps allocated and whether oneDNN created a
// primitive meanwhile. The session promises that all memory and every
// primitive exist once it is created (Kernel::run never allocates or
// creates); this tool is how the tests hold it to that.
//
// Output, for FileCheck:
//   counter check: a 4096-byte malloc counted
//   ENTRY: N steps, A allocations (B bytes, largest L bytes)
//   oneDNN verbose from here        <- oneDNN's own lines, level 2, which
//   ...                                 name every primitive it creates
//   oneDNN verbose to here
// Exit status 1 when the counter did not see the known allocation it makes
// first (so that "0 allocations" is a finding, not a hook that never ran),
// when a step allocated a buffer (any allocation of 1 KiB or more: tensors
// are never that small in these tests, the bookkeeping oneDNN allocates per
// primitive call always is) or when the allocations are not the same in
// every step.
#include "runtime/exec/Session.h"
#include "test/runtime/exec/AllocationCounter.h"

#include <oneapi/dnnl/dnnl.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace braid::runtime;

namespace {

constexpr uint64_t kBufferBytes = 1024;

int fail(const std::string &what, const Status &status) {
  std::fprintf(stderr, "braid-step-audit: %s: %s\n", what.c_str(),
               status.message().c_str());
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: braid-step-audit PLAN ENTRY STEPS\n");
    return 2;
  }
  const std::string entryName = argv[2];
  const int steps = std::atoi(argv[3]);
  if (steps < 1) {
    std::fprintf(stderr, "braid-step-audit: STEPS must be at least 1\n");
    return 2;
  }
  std::shared_ptr<const LoadedPlan> plan;
  if (Status s = LoadedPlan::loadFile(argv[1], &plan); !s)
    return fail(argv[1], s);
  const PlanEntryPoint *entry = plan->findEntryPoint(entryName);
  if (!entry) {
    std::fprintf(stderr, "braid-step-audit: no entry point \"%s\"\n",
                 entryName.c_str());
    return 2;
  }
  std::unique_ptr<Session> session;
  SessionOptions options;
  options.threads = 1;
  if (Status s = Session::create(plan, options, &session); !s)
    return fail("session", s);

  // Inputs: floats in [0, 1), integer inputs (labels) 0, which is in range
  // for every class count.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  std::vector<std::vector<float>> buffers;
  for (uint32_t id : entry->inputs) {
    const PlanTensor &t = plan->tensors()[id];
    std::vector<float> data(t.desc.elements(), 0.f);
    if (t.desc.type == braid::plan::ElementType::F32)
      for (float &x : data)
        x = uniform(rng);
    buffers.push_back(std::move(data));
    if (Status s = session->bindInput(entryName, t.name, buffers.back().data(),
                                      t.desc.bytes());
        !s)
      return fail("bind " + t.name, s);
  }

  // Warm-up: first calls may set up lazily (oneDNN's JIT kernels, OpenMP's
  // thread pool, OpenBLAS's buffers).
  for (int i = 0; i < 2; ++i)
    if (Status s = session->run(entryName); !s)
      return fail("warm-up", s);

  // The counter itself: one allocation it must see. Through a volatile
  // pointer, so that the compiler cannot drop the malloc/free pair.
  void *(*volatile allocate)(size_t) = std::malloc;
  braid::test::startCountingAllocations();
  void *probe = allocate(4096);
  const braid::test::AllocationCounts check =
      braid::test::stopCountingAllocations();
  std::free(probe);
  if (check.count != 1 || check.largest != 4096) {
    std::fprintf(stderr,
                 "braid-step-audit: the allocation counter saw %llu "
                 "allocations for one 4096-byte malloc\n",
                 static_cast<unsigned long long>(check.count));
    return 1;
  }
  std::printf("counter check: a 4096-byte malloc counted\n");

  // Allocations, one step at a time, so a step that allocates more than
  // another shows.
  std::vector<braid::test::AllocationCounts> perStep;
  for (int i = 0; i < steps; ++i) {
    braid::test::startCountingAllocations();
    Status s = session->run(entryName);
    perStep.push_back(braid::test::stopCountingAllocations());
    if (!s)
      return fail("step", s);
  }
  braid::test::AllocationCounts total;
  bool sameEveryStep = true;
  for (const auto &c : perStep) {
    total.count += c.count;
    total.bytes += c.bytes;
    total.largest = std::max(total.largest, c.largest);
    sameEveryStep &= c.count == perStep[0].count && c.bytes == perStep[0].bytes;
  }
  std::printf("%s: %d steps, %llu allocations (%llu bytes, largest %llu "
              "bytes)\n",
              entryName.c_str(), steps,
              static_cast<unsigned long long>(total.count),
              static_cast<unsigned long long>(total.bytes),
              static_cast<unsigned long long>(total.largest));

  // Primitive creation: oneDNN at verbose level 2 prints a "create" line for
  // every primitive it creates (and an "exec" line per call).
  std::printf("oneDNN verbose from here\n");
  std::fflush(stdout);
  dnnl_set_verbose(2);
  for (int i = 0; i < steps; ++i)
    if (Status s = session->run(entryName); !s)
      return fail("step", s);
  dnnl_set_verbose(0);
  std::fflush(stdout);
  std::printf("oneDNN verbose to here\n");

  int status = 0;
  if (total.largest >= kBufferBytes) {
    std::fprintf(stderr,
                 "braid-step-audit: a step allocated %llu bytes at once\n",
                 static_cast<unsigned long long>(total.largest));
    status = 1;
  }
  if (!sameEveryStep) {
    std::fprintf(stderr,
                 "braid-step-audit: the steps allocated different "
                 "amounts (first step %llu allocations)\n",
                 static_cast<unsigned long long>(perStep[0].count));
    status = 1;
  }
  return status;
}
