// capi-threads PLAN [CHECKPOINT]: the C API's thread-safety rules under load.
// One plan is shared by 8 sessions, each driven by its own thread; every
// thread runs predict many times over inputs of its own and compares each
// answer bitwise with the one a single thread computed first. Also checks
// that a session may be run by a thread other than its creator and that the
// plan outlives its last session only through references.
#include "braid/braid.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 8;
constexpr int kIterations = 40;

/// Inputs and reference outputs of one thread's work.
struct Case {
  std::vector<std::vector<uint8_t>> inputs;  // one buffer per predict input
  std::vector<std::vector<uint8_t>> outputs; // one buffer per predict output
};

bool check(braid_status_code_t code, const char *what) {
  if (code == BRAID_OK)
    return true;
  std::fprintf(stderr, "capi-threads: %s: %s\n", what, braid_status_message());
  return false;
}

/// Deterministic inputs for case `c`: f32 values in [0, 1), i32 labels 0.
std::vector<uint8_t> makeInput(const braid_tensor_info_t &t, int c) {
  std::vector<uint8_t> bytes(t.byte_size, 0);
  if (t.element_type == BRAID_F32) {
    auto *f = reinterpret_cast<float *>(bytes.data());
    uint32_t state = 2654435761u * static_cast<uint32_t>(c + 1);
    for (size_t i = 0; i < t.byte_size / sizeof(float); ++i) {
      state = state * 1664525u + 1013904223u;
      f[i] = static_cast<float>(state >> 8) / 16777216.0f;
    }
  }
  return bytes;
}

braid_session_t *newSession(braid_plan_t *plan, const char *checkpoint) {
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = 1;
  braid_session_t *session = nullptr;
  if (!check(braid_session_create(plan, &options, &session), "create"))
    return nullptr;
  if (checkpoint && !check(braid_session_load_checkpoint(session, checkpoint),
                           "checkpoint")) {
    braid_session_release(session);
    return nullptr;
  }
  return session;
}

/// Binds case `c`'s inputs, runs predict and copies the outputs out.
bool predict(braid_session_t *session, braid_plan_t *plan, const Case &c,
             std::vector<std::vector<uint8_t>> *outputs) {
  size_t inputs = 0, outputCount = 0;
  braid_plan_entry_point_signature(plan, "predict", &inputs, &outputCount);
  for (size_t i = 0; i < inputs; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    braid_plan_entry_point_input(plan, "predict", i, &t);
    if (!check(braid_session_bind_input(session, "predict", t.name,
                                        c.inputs[i].data(), t.byte_size),
               "bind"))
      return false;
  }
  if (!check(braid_session_run(session, "predict"), "run"))
    return false;
  outputs->resize(outputCount);
  for (size_t o = 0; o < outputCount; ++o) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    braid_plan_entry_point_output(plan, "predict", o, &t);
    const void *data;
    size_t bytes;
    if (!check(braid_session_output(session, "predict", t.name, &data, &bytes),
               "output"))
      return false;
    const auto *p = static_cast<const uint8_t *>(data);
    (*outputs)[o].assign(p, p + bytes);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: capi-threads PLAN [CHECKPOINT]\n");
    return 2;
  }
  const char *checkpoint = argc == 3 ? argv[2] : nullptr;
  braid_plan_t *plan = nullptr;
  if (!check(braid_plan_load_file(argv[1], &plan), "load"))
    return 1;

  size_t inputs = 0, outputs = 0;
  if (!check(
          braid_plan_entry_point_signature(plan, "predict", &inputs, &outputs),
          "signature"))
    return 1;

  // References, one thread, one session: every case's answer.
  std::vector<Case> cases(kThreads);
  {
    braid_session_t *session = newSession(plan, checkpoint);
    if (!session)
      return 1;
    for (int c = 0; c < kThreads; ++c) {
      for (size_t i = 0; i < inputs; ++i) {
        braid_tensor_info_t t;
        braid_tensor_info_init(&t);
        braid_plan_entry_point_input(plan, "predict", i, &t);
        cases[c].inputs.push_back(makeInput(t, c));
      }
      if (!predict(session, plan, cases[c], &cases[c].outputs))
        return 1;
    }
    braid_session_release(session);
  }
  // Distinct inputs must give distinct answers, or the comparison below
  // could not tell one thread's answer from another's.
  if (cases[0].outputs == cases[1].outputs) {
    std::fprintf(stderr, "capi-threads: cases 0 and 1 have equal outputs\n");
    return 1;
  }

  // Sessions are created here and run on other threads.
  std::vector<braid_session_t *> sessions(kThreads);
  for (int t = 0; t < kThreads; ++t)
    if (!(sessions[t] = newSession(plan, checkpoint)))
      return 1;
  braid_plan_release(plan); // the sessions hold it now

  std::atomic<int> mismatches{0}, failures{0}, runs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<std::vector<uint8_t>> got;
      for (int i = 0; i < kIterations; ++i) {
        // Alternate between two cases so rebinding is exercised as well.
        const Case &c = cases[(t + (i % 2)) % kThreads];
        if (!predict(sessions[t], plan, c, &got)) {
          ++failures;
          return;
        }
        ++runs;
        if (got != c.outputs) {
          if (mismatches++ == 0)
            std::fprintf(stderr, "capi-threads: thread %d run %d differs\n", t,
                         i);
        }
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (braid_session_t *s : sessions)
    braid_session_release(s);

  std::printf("%d threads, %d runs, %d mismatches, %d failures\n", kThreads,
              runs.load(), mismatches.load(), failures.load());
  return mismatches || failures ? 1 : 0;
}
