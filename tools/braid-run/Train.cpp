// braid-run train and braid-run eval: the runtime's trainer
// (braid/braid_train.h) with braid-run's options, its events printed.
#include "Common.h"
#include "Job.h"

#include "braid/braid_train.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <unistd.h>

namespace braidrun {
namespace {

/// The signal that asked this process to stop (0: none), and the trainer
/// to tell. A handler may only store to these.
volatile std::sig_atomic_t stopSignal = 0;
std::atomic<braid_trainer_t *> runningTrainer{nullptr};
static_assert(std::atomic<braid_trainer_t *>::is_always_lock_free);

extern "C" void onStopSignal(int signo) {
  stopSignal = signo;
  if (braid_trainer_t *trainer = runningTrainer.load())
    braid_trainer_request_stop(trainer);
}

/// SIGTERM (a scheduler's preemption) and SIGINT (Ctrl-C) stop training at
/// the next step boundary, with a checkpoint; the handler is reset as it
/// runs (SA_RESETHAND), so a second signal ends the process at once.
void stopOnSignals() {
  struct sigaction action = {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

/// Makes `trainer` the one a signal stops, telling it of a signal that came
/// while it was being created.
void watchTrainer(braid_trainer_t *trainer) {
  runningTrainer.store(trainer);
  if (stopSignal)
    braid_trainer_request_stop(trainer);
}

struct TrainerDeleter {
  void operator()(braid_trainer_t *t) const { braid_trainer_release(t); }
};
using TrainerPtr = std::unique_ptr<braid_trainer_t, TrainerDeleter>;

/// Prints each event as the trainer formats it: the banner, progress lines
/// (or the bar on a terminal), epoch summaries and the closing report.
void printEvent(const braid_train_event_t *event, void *) {
  std::fputs(event->text, stdout);
  std::fflush(stdout);
}

const char *orNull(const std::string &s) {
  return s.empty() ? nullptr : s.c_str();
}

/// The options every trainer of braid-run shares.
braid_trainer_options_t trainerOptions(const SessionFlags &flags,
                                       const Job &job) {
  braid_trainer_options_t options;
  braid_trainer_options_init(&options);
  options.session.threads = flags.threads;
  options.session.seed = flags.seed;
  options.session.communicator = job.communicator();
  options.session.ieee_denormals = flags.ieeeDenormals ? 1 : 0;
  options.session.refuse_native_code = flags.noNativeCode ? 1 : 0;
  return options;
}

/// Creates a trainer; a failure is the job's (every rank's) to report.
int createTrainer(braid_plan_t *plan, const braid_trainer_options_t &options,
                  const Job &job, TrainerPtr *out) {
  braid_trainer_t *raw = nullptr;
  if (braid_trainer_create(plan, &options, &raw) != BRAID_OK)
    return job.failRank(braid_status_message());
  out->reset(raw);
  return 0;
}

/// The plan, and the job it is meant for.
int loadPlan(const std::string &path, double commTimeout, Job *job,
             PlanPtr *out) {
  braid_plan_t *raw = nullptr;
  if (braid_plan_load_file(path.c_str(), &raw) != BRAID_OK)
    return failApi("cannot load plan " + path);
  out->reset(raw);
  return job->join(out->get(), commTimeout);
}

} // namespace

int train(const TrainOptions &o) {
  PlanPtr plan;
  Job job; // outlives the trainer, whose session uses its communicator
  if (int rc = loadPlan(o.plan, o.commTimeout, &job, &plan))
    return rc;
  stopOnSignals();
  braid_trainer_options_t options = trainerOptions(o.session, job);
  options.data = o.data.c_str();
  options.test_data = orNull(o.testData);
  options.epochs = o.epochs;
  options.max_steps = o.maxSteps;
  options.eval_every = o.evalEvery;
  options.init_from = orNull(o.initFrom);
  options.save_path = orNull(o.save);
  options.metrics_path = orNull(o.metrics);
  options.save_every = o.saveEvery;
  options.restart_from_weights = o.restartFromWeights ? 1 : 0;
  options.fresh_optimizer = o.freshOptimizer ? 1 : 0;
  options.in_order = o.inOrder ? 1 : 0;
  options.val_fraction = o.valFraction;
  options.trace_path = orNull(o.trace);
  options.trace_steps = o.traceSteps;
  options.profile = o.profile ? 1 : 0;
  options.progress_style =
      isatty(fileno(stdout)) ? BRAID_PROGRESS_BAR : BRAID_PROGRESS_LINES;
  options.on_event = printEvent;
  TrainerPtr trainer;
  if (int rc = createTrainer(plan.get(), options, job, &trainer))
    return rc;
  watchTrainer(trainer.get());
  braid_status_code_t code = braid_trainer_run(trainer.get());
  runningTrainer.store(nullptr);
  if (code != BRAID_OK)
    return job.failRank(braid_status_message());
  // Stopped with a checkpoint, not finished: 128 + the signal, as a shell
  // reports a process the signal ended, so that a scheduler or a retry
  // loop runs it again (--init-from) rather than take it as done. Ranks
  // that were not signalled stop with the others, and say SIGTERM.
  if (braid_trainer_stopped(trainer.get()))
    return 128 + (stopSignal ? static_cast<int>(stopSignal) : SIGTERM);
  return 0;
}

int eval(const EvalOptions &o) {
  PlanPtr plan;
  Job job;
  if (int rc = loadPlan(o.plan, o.commTimeout, &job, &plan))
    return rc;
  braid_trainer_options_t options = trainerOptions(o.session, job);
  options.test_data = o.data.c_str(); // no training data: evaluation only
  options.init_from = o.checkpoint.c_str();
  options.val_fraction = o.valFraction;
  TrainerPtr trainer;
  if (int rc = createTrainer(plan.get(), options, job, &trainer))
    return rc;
  braid_evaluation_t e;
  braid_evaluation_init(&e);
  if (braid_trainer_evaluate(trainer.get(), &e) != BRAID_OK)
    return job.failRank(braid_status_message());
  if (!job.speaks())
    return 0;
  std::printf("loss %.4f", e.loss);
  if (e.has_accuracy)
    std::printf(", accuracy %.2f%%", 100 * e.accuracy);
  std::printf(" on %lld of %lld samples (a partial last batch is left out)\n",
              static_cast<long long>(e.samples),
              static_cast<long long>(e.dataset_samples));
  return 0;
}

} // namespace braidrun
