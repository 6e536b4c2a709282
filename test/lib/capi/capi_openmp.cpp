// capi-openmp PLAN: a session's OpenMP thread count is the session's alone.
// The caller sets its own count (3, which no session here asks for); after
// creating a session and after each run of its predict, on one thread and
// on two, the caller's count must still be 3. Prints one line per case.
#include "braid/braid.h"

#include <omp.h>

#include <cstdio>
#include <vector>

namespace {

constexpr int kCallerThreads = 3;

bool check(braid_status_code_t code, const char *what) {
  if (code == BRAID_OK)
    return true;
  std::fprintf(stderr, "capi-openmp: %s: %s\n", what, braid_status_message());
  return false;
}

/// Creates a session of `threads` over `plan`, binds zeros to every predict
/// input and runs predict twice, printing the caller's count after each.
bool runCase(braid_plan_t *plan, int threads) {
  omp_set_num_threads(kCallerThreads);
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = threads;
  braid_session_t *session = nullptr;
  if (!check(braid_session_create(plan, &options, &session), "create"))
    return false;
  const int afterCreate = omp_get_max_threads();
  size_t inputs = 0, outputs = 0;
  braid_plan_entry_point_signature(plan, "predict", &inputs, &outputs);
  std::vector<std::vector<unsigned char>> buffers(inputs);
  bool ok = true;
  for (size_t i = 0; ok && i < inputs; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    ok = check(braid_plan_entry_point_input(plan, "predict", i, &t), "input");
    buffers[i].assign(t.byte_size, 0);
    ok = ok && check(braid_session_bind_input(session, "predict", t.name,
                                              buffers[i].data(), t.byte_size),
                     "bind");
  }
  int afterRuns[2] = {0, 0};
  for (int r = 0; ok && r < 2; ++r) {
    ok = check(braid_session_run(session, "predict"), "run");
    afterRuns[r] = omp_get_max_threads();
  }
  braid_session_release(session);
  if (!ok)
    return false;
  std::printf("session of %d thread%s: caller's count %d after create, %d "
              "and %d after two runs\n",
              threads, threads == 1 ? "" : "s", afterCreate, afterRuns[0],
              afterRuns[1]);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: capi-openmp PLAN\n");
    return 2;
  }
  braid_plan_t *plan = nullptr;
  if (!check(braid_plan_load_file(argv[1], &plan), "load"))
    return 1;
  bool ok = runCase(plan, 1) && runCase(plan, 2);
  braid_plan_release(plan);
  return ok ? 0 : 1;
}
