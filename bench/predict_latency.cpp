// predict-latency PLAN [RUNS] [THREADS]: the latency of one predict call
// through the C API, median and 90th percentile over RUNS timed runs after a
// warm-up. Inputs are bound once (random values; labels are not inputs of
// predict).
#include "braid/braid.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: predict-latency PLAN [RUNS] [THREADS]\n");
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 1000;
  braid_plan_t *plan;
  if (braid_plan_load_file(argv[1], &plan) != BRAID_OK) {
    std::fprintf(stderr, "%s\n", braid_status_message());
    return 1;
  }
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = argc > 3 ? std::atoi(argv[3]) : 0;
  braid_session_t *session;
  if (braid_session_create(plan, &options, &session) != BRAID_OK) {
    std::fprintf(stderr, "%s\n", braid_status_message());
    return 1;
  }
  size_t inputs, outputs;
  braid_plan_entry_point_signature(plan, "predict", &inputs, &outputs);
  std::mt19937 rng(1);
  std::vector<std::vector<float>> buffers(inputs);
  for (size_t i = 0; i < inputs; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    braid_plan_entry_point_input(plan, "predict", i, &t);
    buffers[i].resize(t.byte_size / 4);
    for (float &v : buffers[i])
      v = std::uniform_real_distribution<float>(0, 1)(rng);
    braid_session_bind_input(session, "predict", t.name, buffers[i].data(),
                             t.byte_size);
  }
  for (int i = 0; i < std::max(10, runs / 10); ++i)
    braid_session_run(session, "predict");
  std::vector<double> micros;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (braid_session_run(session, "predict") != BRAID_OK) {
      std::fprintf(stderr, "%s\n", braid_status_message());
      return 1;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - start)
                         .count());
  }
  std::sort(micros.begin(), micros.end());
  braid_plan_info_t info;
  braid_plan_info_init(&info);
  braid_plan_info(plan, &info);
  std::printf("%s batch %lld: median %.1f us, p90 %.1f us over %d runs\n",
              info.model_name, static_cast<long long>(info.batch),
              micros[micros.size() / 2], micros[micros.size() * 9 / 10], runs);
  braid_session_release(session);
  braid_plan_release(plan);
  return 0;
}
