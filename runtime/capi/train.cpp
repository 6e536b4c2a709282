// The C API of training (braid/braid_train.h) over runtime/train/Trainer.
#include "braid/braid_train.h"

#include "runtime/capi/Report.h"
#include "runtime/capi/StructSize.h"
#include "runtime/train/Trainer.h"

#include <cstddef>
#include <memory>
#include <new>
#include <string>

using namespace braid::runtime;
using braid::runtime::capi::reportStatus;

struct braid_trainer_t {
  std::unique_ptr<train::Trainer> trainer;
};

namespace {

/// Runs `body`, turning any exception (out of memory, a bug) into a status.
template <typename F> braid_status_code_t guarded(F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return reportStatus(internalError("out of memory"));
  } catch (const std::exception &e) {
    return reportStatus(
        internalError(std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    return reportStatus(internalError("unexpected exception"));
  }
}

std::string text(const char *s) { return s ? s : ""; }

/// The smallest struct_size a caller may pass: the struct as this API's
/// first version declared it. Fields appended later are read only when
/// struct_size covers them.
constexpr size_t kFirstOptionsSize =
    offsetof(braid_trainer_options_t, save_every);
// The first version's struct ended where save_every now starts: appended
// fields never move. API 0.4 appended refuse_native_code to the embedded
// braid_session_options_t, which moved every field after `session` by 8
// bytes (the ABI break of a 0.x minor version, with its new soname).
static_assert(sizeof(void *) != 8 || kFirstOptionsSize == 152,
              "braid_trainer_options_t: fields are only appended");
constexpr size_t kFirstEvaluationSize = sizeof(braid_evaluation_t);

} // namespace

extern "C" {

braid_status_code_t braid_trainer_create(braid_plan_t *plan,
                                         const braid_trainer_options_t *options,
                                         braid_trainer_t **out_trainer) {
  if (!plan || !options || !out_trainer)
    return reportStatus(
        invalidArgument("plan, options or out_trainer is NULL"));
  if (options->struct_size < kFirstOptionsSize)
    return reportStatus(invalidArgument(
        "options->struct_size is " + std::to_string(options->struct_size) +
        "; call braid_trainer_options_init first"));
  return guarded([&] {
    train::TrainerOptions o;
    o.data = text(options->data);
    o.testData = text(options->test_data);
    o.initFrom = text(options->init_from);
    o.save = text(options->save_path);
    o.metrics = text(options->metrics_path);
    o.epochs = options->epochs;
    o.maxSteps = options->max_steps;
    o.evalEvery = options->eval_every;
    o.session = options->session;
    o.bar = options->progress_style == BRAID_PROGRESS_BAR;
    o.lineEvery = options->progress_every;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, save_every))
      o.saveEvery = options->save_every;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t,
                           restart_from_weights))
      o.restartFromWeights = options->restart_from_weights != 0;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, fresh_optimizer))
      o.freshOptimizer = options->fresh_optimizer != 0;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, in_order))
      o.inOrder = options->in_order != 0;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, val_fraction))
      o.valFraction = options->val_fraction;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, trace_path))
      o.tracePath = text(options->trace_path);
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, trace_steps) &&
        options->trace_steps != 0)
      o.traceSteps = options->trace_steps;
    if (BRAID_STRUCT_HOLDS(options, braid_trainer_options_t, profile))
      o.profile = options->profile != 0;
    if (braid_train_event_fn fn = options->on_event) {
      void *user = options->user_data;
      o.onEvent = [fn, user](const braid_train_event_t &e) { fn(&e, user); };
    }
    std::unique_ptr<train::Trainer> trainer;
    if (braid_status_code_t code =
            reportStatus(train::Trainer::create(plan, std::move(o), &trainer)))
      return code;
    *out_trainer = new braid_trainer_t{std::move(trainer)};
    return BRAID_OK;
  });
}

braid_status_code_t braid_trainer_run(braid_trainer_t *trainer) {
  if (!trainer)
    return reportStatus(invalidArgument("trainer is NULL"));
  return guarded([&] { return reportStatus(trainer->trainer->run()); });
}

braid_status_code_t braid_trainer_evaluate(braid_trainer_t *trainer,
                                           braid_evaluation_t *out_evaluation) {
  if (!trainer || !out_evaluation)
    return reportStatus(invalidArgument("trainer or out_evaluation is NULL"));
  if (out_evaluation->struct_size < kFirstEvaluationSize)
    return reportStatus(
        invalidArgument("out_evaluation->struct_size is " +
                        std::to_string(out_evaluation->struct_size) +
                        "; call braid_evaluation_init first"));
  return guarded([&] {
    train::Evaluation e;
    if (braid_status_code_t code = reportStatus(trainer->trainer->evaluate(&e)))
      return code;
    out_evaluation->loss = e.loss;
    out_evaluation->has_accuracy = e.accuracy ? 1 : 0;
    out_evaluation->accuracy = e.accuracy.value_or(0);
    out_evaluation->samples = e.samples;
    out_evaluation->dataset_samples = e.datasetSamples;
    return BRAID_OK;
  });
}

braid_status_code_t braid_trainer_session(const braid_trainer_t *trainer,
                                          braid_session_t **out_session) {
  if (!trainer || !out_session)
    return reportStatus(invalidArgument("trainer or out_session is NULL"));
  *out_session = trainer->trainer->session();
  return BRAID_OK;
}

void braid_trainer_request_stop(braid_trainer_t *trainer) {
  if (trainer)
    trainer->trainer->requestStop();
}

int braid_trainer_stopped(const braid_trainer_t *trainer) {
  return trainer && trainer->trainer->stoppedOnRequest() ? 1 : 0;
}

void braid_trainer_release(braid_trainer_t *trainer) { delete trainer; }

} // extern "C"
