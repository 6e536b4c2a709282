// braid-step-audit PLAN ENTRY STEPS [PLAN_AT_LARGER_BATCH]: runs an entry
// point STEPS times after a warm-up and reports what the steps allocated and
// whether oneDNN created a primitive meanwhile. The session promises that all
// memory and every primitive exist once it is created: no step allocates a
// buffer or creates a primitive. This tool is how the tests hold it to that.
//
// What a step may allocate depends on which kernels oneDNN chose for this
// CPU (an AVX2 and an AVX-512 machine run different code), so the tool checks
// the promise, not a byte count:
//   - every step allocates exactly what the step before it did;
//   - given the same model compiled at a larger batch, a step there allocates
//     less than 4 bytes more per extra batch row than here: a buffer holding
//     even one float per row would grow by that much.
// Whether a step allocates nothing at all (native and OpenBLAS kernels) is
// the test's to check from the printed counts.
//
// Output, for FileCheck:
//   counter check: a 4096-byte malloc counted
//   ENTRY at batch N: S steps, A allocations (B bytes, largest L bytes)
//   [ENTRY at batch M: ...]
//   [growth from batch N to M: G bytes per step, limit X]
//   oneDNN verbose from here        <- oneDNN's own lines, level 2, which
//   ...                                 name every primitive it creates
//   oneDNN verbose to here
// Exit status 1 when the counter did not see the known allocation it makes
// first (so that "0 allocations" is a finding, not a hook that never ran),
// when the steps allocate different amounts, or when what a step allocates
// grows with the batch.
#include "runtime/exec/Session.h"
#include "test/lib/exec/AllocationCounter.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace braid::runtime;
using braid::test::AllocationCounts;

namespace {

/// A session of one plan with random inputs bound to one entry point.
struct Audited {
  std::shared_ptr<const LoadedPlan> plan;
  std::unique_ptr<Session> session;
  std::vector<std::vector<float>> inputs;
  int64_t batch() const { return plan->metadata().batch; }
};

/// Loads `path`, creates a one-thread session and binds every input of
/// `entryName`: floats in [0, 1), integer inputs (labels) 0, which is in
/// range for every class count.
Status prepare(const std::string &path, const std::string &entryName,
               Audited *out) {
  if (Status s = LoadedPlan::loadFile(path, &out->plan); !s)
    return s.withContext(path);
  const PlanEntryPoint *entry = out->plan->findEntryPoint(entryName);
  if (!entry)
    return notFound(path + ": no entry point \"" + entryName + "\"");
  SessionOptions options;
  options.threads = 1;
  if (Status s = Session::create(out->plan, options, &out->session); !s)
    return s.withContext("session");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  out->inputs.reserve(entry->inputs.size());
  for (uint32_t id : entry->inputs) {
    const PlanTensor &t = out->plan->tensors()[id];
    std::vector<float> &data = out->inputs.emplace_back(t.desc.elements(), 0.f);
    if (t.desc.type == braid::plan::ElementType::F32)
      for (float &x : data)
        x = uniform(rng);
    if (Status s = out->session->bindInput(entryName, t.name, data.data(),
                                           t.desc.bytes());
        !s)
      return s.withContext("bind " + t.name);
  }
  // Warm-up: first calls may set up lazily (oneDNN's JIT kernels, OpenMP's
  // thread pool, OpenBLAS's buffers).
  for (int i = 0; i < 2; ++i)
    if (Status s = out->session->run(entryName); !s)
      return s.withContext("warm-up");
  return Status();
}

/// What each of `steps` runs allocated, one step at a time, so a step that
/// allocates more than another shows.
Status countPerStep(Audited &audited, const std::string &entryName, int steps,
                    std::vector<AllocationCounts> *out) {
  for (int i = 0; i < steps; ++i) {
    braid::test::startCountingAllocations();
    Status s = audited.session->run(entryName);
    out->push_back(braid::test::stopCountingAllocations());
    if (!s)
      return s.withContext("step");
  }
  return Status();
}

/// Prints the totals; false when the steps did not all allocate the same.
bool report(const std::string &entryName, const Audited &audited,
            const std::vector<AllocationCounts> &perStep) {
  AllocationCounts total;
  bool same = true;
  for (const AllocationCounts &c : perStep) {
    total.count += c.count;
    total.bytes += c.bytes;
    total.largest = std::max(total.largest, c.largest);
    same &= c.count == perStep[0].count && c.bytes == perStep[0].bytes;
  }
  std::printf("%s at batch %lld: %zu steps, %llu allocations (%llu bytes, "
              "largest %llu bytes)\n",
              entryName.c_str(), static_cast<long long>(audited.batch()),
              perStep.size(), static_cast<unsigned long long>(total.count),
              static_cast<unsigned long long>(total.bytes),
              static_cast<unsigned long long>(total.largest));
  if (!same)
    std::fprintf(stderr,
                 "braid-step-audit: at batch %lld the steps allocated "
                 "different amounts (first step %llu allocations, %llu "
                 "bytes)\n",
                 static_cast<long long>(audited.batch()),
                 static_cast<unsigned long long>(perStep[0].count),
                 static_cast<unsigned long long>(perStep[0].bytes));
  return same;
}

/// The allocation counter itself: one allocation it must see. Through a
/// volatile pointer, so that the compiler cannot drop the malloc/free pair.
bool counterCounts() {
  void *(*volatile allocate)(size_t) = std::malloc;
  braid::test::startCountingAllocations();
  void *probe = allocate(4096);
  const AllocationCounts check = braid::test::stopCountingAllocations();
  std::free(probe);
  if (check.count != 1 || check.largest != 4096) {
    std::fprintf(stderr,
                 "braid-step-audit: the allocation counter saw %llu "
                 "allocations for one 4096-byte malloc\n",
                 static_cast<unsigned long long>(check.count));
    return false;
  }
  std::printf("counter check: a 4096-byte malloc counted\n");
  return true;
}

/// Runs the steps with oneDNN's verbose output at level 2, which prints a
/// "create" line for every primitive it creates (and an "exec" line per
/// call), for FileCheck to read.
Status runVerbose(Audited &audited, const std::string &entryName, int steps) {
  std::printf("oneDNN verbose from here\n");
  std::fflush(stdout);
  dnnl_set_verbose(2);
  Status status;
  for (int i = 0; i < steps && status; ++i)
    status = audited.session->run(entryName);
  dnnl_set_verbose(0);
  std::fflush(stdout);
  std::printf("oneDNN verbose to here\n");
  return status;
}

int run(int argc, char **argv) {
  const std::string entryName = argv[2];
  const int steps = std::atoi(argv[3]);
  if (steps < 1) {
    std::fprintf(stderr, "braid-step-audit: STEPS must be at least 1\n");
    return 2;
  }
  Audited small, large;
  if (Status s = prepare(argv[1], entryName, &small); !s) {
    std::fprintf(stderr, "braid-step-audit: %s\n", s.message().c_str());
    return 2;
  }
  const bool compare = argc == 5;
  if (compare) {
    if (Status s = prepare(argv[4], entryName, &large); !s) {
      std::fprintf(stderr, "braid-step-audit: %s\n", s.message().c_str());
      return 2;
    }
    if (large.batch() <= small.batch()) {
      std::fprintf(stderr,
                   "braid-step-audit: the second plan's batch (%lld) must "
                   "be larger than the first's (%lld)\n",
                   static_cast<long long>(large.batch()),
                   static_cast<long long>(small.batch()));
      return 2;
    }
  }
  if (!counterCounts())
    return 1;

  int status = 0;
  std::vector<AllocationCounts> smallSteps, largeSteps;
  if (Status s = countPerStep(small, entryName, steps, &smallSteps); !s) {
    std::fprintf(stderr, "braid-step-audit: %s\n", s.message().c_str());
    return 2;
  }
  if (!report(entryName, small, smallSteps))
    status = 1;
  if (compare) {
    if (Status s = countPerStep(large, entryName, steps, &largeSteps); !s) {
      std::fprintf(stderr, "braid-step-audit: %s\n", s.message().c_str());
      return 2;
    }
    if (!report(entryName, large, largeSteps))
      status = 1;
    const int64_t growth = static_cast<int64_t>(largeSteps[0].bytes) -
                           static_cast<int64_t>(smallSteps[0].bytes);
    const int64_t limit = 4 * (large.batch() - small.batch());
    std::printf("growth from batch %lld to %lld: %lld bytes per step, limit "
                "%lld\n",
                static_cast<long long>(small.batch()),
                static_cast<long long>(large.batch()),
                static_cast<long long>(growth), static_cast<long long>(limit));
    if (growth >= limit) {
      std::fprintf(stderr,
                   "braid-step-audit: a step at batch %lld allocates %lld "
                   "bytes more than at batch %lld: it allocates a buffer "
                   "that grows with the batch\n",
                   static_cast<long long>(large.batch()),
                   static_cast<long long>(growth),
                   static_cast<long long>(small.batch()));
      status = 1;
    }
  }
  if (Status s = runVerbose(small, entryName, steps); !s) {
    std::fprintf(stderr, "braid-step-audit: %s\n", s.message().c_str());
    return 2;
  }
  return status;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: braid-step-audit PLAN ENTRY STEPS "
                         "[PLAN_AT_LARGER_BATCH]\n");
    return 2;
  }
  return run(argc, argv);
}
