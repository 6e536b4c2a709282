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

/// The options of a session that every command takes.
struct SessionFlags {
  int threads = 0; // 0: OMP_NUM_THREADS, else the cores / local processes
  uint64_t seed = 0;
  bool ieeeDenormals = false;
  bool noNativeCode = false; // refuse a plan that carries generated code
};

/// Creates a session over `plan` (with the job's communicator, or NULL).
inline int createSession(braid_plan_t *plan, const SessionFlags &flags,
                         braid_communicator_t *communicator, SessionPtr *out) {
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = flags.threads;
  options.seed = flags.seed;
  options.communicator = communicator;
  options.ieee_denormals = flags.ieeeDenormals ? 1 : 0;
  options.refuse_native_code = flags.noNativeCode ? 1 : 0;
  braid_session_t *raw = nullptr;
  if (braid_session_create(plan, &options, &raw) != BRAID_OK)
    return failApi("cannot create a session");
  out->reset(raw);
  return 0;
}

/// Loads `checkpoint`'s parameters into the session; without one, warns
/// that `doing` ("predicting") runs on freshly initialized parameters.
inline int loadCheckpointOrWarn(braid_session_t *session,
                                const std::string &checkpoint,
                                const char *doing) {
  if (checkpoint.empty()) {
    std::fprintf(stderr,
                 "braid-run: warning: no --checkpoint; %s with freshly "
                 "initialized parameters\n",
                 doing);
    return 0;
  }
  if (braid_session_load_checkpoint(session, checkpoint.c_str()) != BRAID_OK)
    return failApi("cannot load checkpoint");
  return 0;
}

struct TrainOptions {
  std::string plan, data, testData, initFrom, save, metrics;
  int64_t epochs = 0;   // 0: the plan's train block's epochs
  int64_t maxSteps = 0; // 0: no limit
  int64_t evalEvery = 1;
  int64_t saveEvery = 0; // 0: save at the end only
  bool restartFromWeights = false, freshOptimizer = false;
  bool inOrder = false;
  double valFraction = 0.1; // text data: the held-out tail
  std::string trace;        // Chrome trace-event JSON (docs/observability.md)
  int64_t traceSteps = 100;
  bool profile = false;
  SessionFlags session;
  double commTimeout = 30; // seconds a collective may wait (data parallel)
};

struct EvalOptions {
  std::string plan, checkpoint, data;
  double valFraction = 0.1;
  SessionFlags session;
  double commTimeout = 30;
};

int train(const TrainOptions &options);
int eval(const EvalOptions &options);

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_COMMON_H
