// Helpers shared by braid-run's commands: C API handles with owners, error
// printing, type names.
#ifndef BRAID_TOOLS_BRAID_RUN_COMMON_H
#define BRAID_TOOLS_BRAID_RUN_COMMON_H

#include "braid/braid.h"

#include <cstdio>
#include <memory>
#include <string>

namespace braidrun {

inline int fail(const std::string &message) {
  std::fprintf(stderr, "braid-run: error: %s\n", message.c_str());
  return 1;
}

/// Reports the C API's last error after `what`.
inline int failApi(const std::string &what) {
  return fail(what + ": " + braid_status_message());
}

inline std::string shapeText(const int64_t *shape, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

inline std::string typeText(const braid_tensor_info_t &t) {
  return std::string(t.element_type == BRAID_F32 ? "f32" : "i32") +
         shapeText(t.shape, t.rank);
}

struct PlanDeleter {
  void operator()(braid_plan_t *p) const { braid_plan_release(p); }
};
struct SessionDeleter {
  void operator()(braid_session_t *s) const { braid_session_release(s); }
};
using PlanPtr = std::unique_ptr<braid_plan_t, PlanDeleter>;
using SessionPtr = std::unique_ptr<braid_session_t, SessionDeleter>;

struct TrainOptions {
  std::string plan, data, testData, initFrom, save, metrics;
  int64_t epochs = 0;   // 0: the plan's train block's epochs
  int64_t maxSteps = 0; // 0: no limit
  int64_t evalEvery = 1;
  uint64_t seed = 0;
  int threads = 0;
  double commTimeout = 30; // seconds a collective may wait (data parallel)
};

struct EvalOptions {
  std::string plan, checkpoint, data;
  int threads = 0;
  double commTimeout = 30;
};

int train(const TrainOptions &options);
int eval(const EvalOptions &options);

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_COMMON_H
