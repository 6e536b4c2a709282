// bandwidth [--threads N] [--runs R] PLAN...: this machine's memory bandwidth
// on one core (a STREAM triad, a[i] = b[i] + s * c[i], over arrays far larger
// than the last-level cache), then, for each plan, the bandwidth its predict
// entry point reaches: the bytes of its inputs, parameters and outputs, each
// counted once, over the median time of a predict call. A memory-bound
// plan's ratio to the triad says how close its kernels come to the machine's
// limit (bench/bandwidth.sh; docs/benchmarks.md).
#include "braid/braid.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// STREAM's triad counts 3 arrays of 4-byte floats per element: two read, one
// written. The best of `runs` repetitions, as STREAM reports.
double triadBytesPerSecond(size_t elements, int runs) {
  std::unique_ptr<float[]> a(new float[elements]), b(new float[elements]),
      c(new float[elements]);
  for (size_t i = 0; i < elements; ++i) {
    a[i] = 0;
    b[i] = 1;
    c[i] = 2;
  }
  const float s = 3;
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    float *__restrict pa = a.get();
    const float *__restrict pb = b.get();
    const float *__restrict pc = c.get();
    for (size_t i = 0; i < elements; ++i)
      pa[i] = pb[i] + s * pc[i];
    best = std::min(best, seconds(start));
  }
  // Keeps the stores observable.
  if (a[elements / 2] != 7)
    std::fprintf(stderr, "triad: unexpected value %f\n", a[elements / 2]);
  return 3.0 * 4.0 * static_cast<double>(elements) / best;
}

bool check(braid_status_code_t status) {
  if (status == BRAID_OK)
    return true;
  std::fprintf(stderr, "bandwidth: %s\n", braid_status_message());
  return false;
}

// The plan's predict: its median seconds and the bytes it must move at least.
bool measurePlan(const char *path, int threads, int runs, double *secondsOut,
                 double *bytesOut) {
  braid_plan_t *plan;
  if (!check(braid_plan_load_file(path, &plan)))
    return false;
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = threads;
  braid_session_t *session;
  if (!check(braid_session_create(plan, &options, &session)))
    return false;
  size_t inputs = 0, outputs = 0;
  braid_plan_entry_point_signature(plan, "predict", &inputs, &outputs);
  std::vector<std::vector<float>> buffers(inputs);
  double bytes = 0;
  for (size_t i = 0; i < inputs; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    braid_plan_entry_point_input(plan, "predict", i, &t);
    buffers[i].assign(t.byte_size / 4, 0.5f);
    bytes += static_cast<double>(t.byte_size);
    if (!check(braid_session_bind_input(session, "predict", t.name,
                                        buffers[i].data(), t.byte_size)))
      return false;
  }
  for (size_t i = 0; i < outputs; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    braid_plan_entry_point_output(plan, "predict", i, &t);
    bytes += static_cast<double>(t.byte_size);
  }
  braid_plan_info_t info;
  braid_plan_info_init(&info);
  if (!check(braid_plan_info(plan, &info)))
    return false;
  bytes += 4.0 * static_cast<double>(info.parameter_elements);
  for (int i = 0; i < 3; ++i)
    if (!check(braid_session_run(session, "predict")))
      return false;
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    if (!check(braid_session_run(session, "predict")))
      return false;
    times.push_back(seconds(start));
  }
  *secondsOut = median(times);
  *bytesOut = bytes;
  braid_session_release(session);
  braid_plan_release(plan);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  int threads = 1, runs = 20;
  std::vector<const char *> plans;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = std::atoi(argv[++i]);
    else if (argv[i][0] == '-') {
      std::fprintf(stderr,
                   "usage: bandwidth [--threads N] [--runs R] PLAN...\n");
      return 2;
    } else
      plans.push_back(argv[i]);
  }
  if (runs < 1 || threads < 1) {
    std::fprintf(stderr, "bandwidth: --runs and --threads take N >= 1\n");
    return 2;
  }
  // 3 x 128 MiB: far beyond any last-level cache seen here (32 MiB).
  double triad = triadBytesPerSecond(size_t{32} << 20, 10);
  std::printf("%-28s %10s %10s %8s\n", "kernel", "GB/s", "ms", "of triad");
  std::printf("%-28s %10.2f %10s %8s\n", "triad (1 core)", triad / 1e9, "-",
              "100%");
  for (const char *path : plans) {
    double s = 0, bytes = 0;
    if (!measurePlan(path, threads, runs, &s, &bytes))
      return 1;
    std::string name = path;
    name = name.substr(name.find_last_of('/') + 1);
    std::printf("%-28s %10.2f %10.3f %7.0f%%\n", name.c_str(), bytes / s / 1e9,
                s * 1e3, 100.0 * bytes / s / triad);
  }
  return 0;
}
