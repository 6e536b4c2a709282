/* braid_train.h: training with the Braid runtime's C API.
 *
 * The training loop that `braid-run train` runs, for a program that embeds
 * the runtime: a trainer reads a data set, drives a session's train_step
 * over shuffled batches for some epochs, evaluates on the test data,
 * writes a metrics log and a checkpoint that a later trainer resumes from,
 * and reports its progress through a callback instead of printing.
 *
 * Errors, as in braid.h: every function that can fail returns a
 * braid_status_code_t and sets braid_status_message().
 *
 * Ownership: braid_trainer_create returns a trainer the caller releases
 * with braid_trainer_release. The trainer keeps its plan alive (through its
 * session) and copies every string of its options; the communicator in the
 * session options is not owned and must outlive the trainer.
 *
 * Threads: a trainer is used by one thread at a time; its callback runs on
 * the thread that called braid_trainer_run or braid_trainer_evaluate.
 *
 * Growth: every struct the caller allocates starts with `size_t
 * struct_size`, set by its *_init function to the size the caller was
 * compiled with; fields are only ever appended.
 */
#ifndef BRAID_BRAID_TRAIN_H
#define BRAID_BRAID_TRAIN_H

#include "braid/braid.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_trainer_t braid_trainer_t;

/* What an event reports. Values are stable and only ever appended. */
typedef enum braid_train_event_kind_t {
  /* Before the first step: the model, data, epochs and batch, and what the
   * session computes with. */
  BRAID_TRAIN_EVENT_START = 0,
  /* Within an epoch: a progress line (every `progress_every` steps) or a
   * redraw of the progress bar. */
  BRAID_TRAIN_EVENT_PROGRESS = 1,
  /* An epoch ended: its mean loss and, when it was evaluated, the test
   * loss and accuracy. */
  BRAID_TRAIN_EVENT_EPOCH_END = 2,
  /* Training ended: stopped at max_steps, or the last evaluation. */
  BRAID_TRAIN_EVENT_FINISH = 3,
  /* Data parallel: how long each rank waited for the others. */
  BRAID_TRAIN_EVENT_WAITS = 4,
  /* Training ended with `profile` set: the table of the kernels' share of
   * the training step's time (docs/observability.md); or, with
   * `trace_path`, a note that the trace left later steps out. */
  BRAID_TRAIN_EVENT_PROFILE = 5,
} braid_train_event_kind_t;

/* An event of a run. Fields a kind does not report are 0. The pointers are
 * valid during the callback only. */
typedef struct braid_train_event_t {
  size_t struct_size;
  braid_train_event_kind_t kind;
  /* The event as text, as `braid-run train` prints it to its standard
   * output, newlines and the progress bar's carriage returns included. */
  const char *text;
  int64_t epoch;       /* 1-based */
  int64_t step;        /* steps done in the epoch */
  int64_t global_step; /* steps done since the start of training */
  double loss;         /* the epoch's mean training loss so far */
  double samples_per_second;
  int32_t evaluated; /* 1 when test_loss (and maybe test_accuracy) are set */
  int32_t has_test_accuracy;
  double test_loss;
  double test_accuracy; /* a fraction in [0, 1] */
} braid_train_event_t;

/* Receives a trainer's events, on rank 0 of a data-parallel job only. */
typedef void (*braid_train_event_fn)(const braid_train_event_t *event,
                                     void *user_data);

typedef enum braid_progress_style_t {
  BRAID_PROGRESS_LINES = 0, /* a line every `progress_every` steps */
  BRAID_PROGRESS_BAR = 1,   /* a bar redrawn in place, for a terminal */
} braid_progress_style_t;

typedef struct braid_trainer_options_t {
  size_t struct_size;
  /* The training data: "fashion-mnist" (Debian's
   * /usr/share/datasets/fashion-mnist), a directory of IDX files in MNIST
   * naming, "NAME=FILE.npy,..." naming every input of train_step, or a text
   * ("text=FILE" or "text", Debian's fortunes) for a train_step of two
   * inputs i32[B, T] (docs/training.md, "Text"). NULL for a trainer that
   * only evaluates. */
  const char *data;
  /* The evaluation data, in the same forms; NULL: the test split of `data`
   * when it has one (not for .npy files). */
  const char *test_data;
  int64_t epochs;     /* 0: the plan's train block's */
  int64_t max_steps;  /* stop after this many steps in all; 0: no limit */
  int64_t eval_every; /* evaluate every N epochs; 0: never. Default 1 */
  /* A checkpoint to start from; a braid checkpoint also holds the
   * optimizer state and the position to resume at. NULL: none. */
  const char *init_from;
  /* Where the checkpoint is written when training ends (checked when the
   * trainer is created; see docs/training.md, Output files); NULL: nowhere. */
  const char *save_path;
  /* A JSON Lines file of per-step and per-epoch metrics (docs/c-api.md);
   * NULL: none. Appended to when resuming, emptied otherwise. */
  const char *metrics_path;
  /* The session's threads, communicator and floating-point mode; its seed
   * also seeds the shuffling of the batches. */
  braid_session_options_t session;
  braid_progress_style_t progress_style; /* default LINES */
  int64_t progress_every;                /* LINES: default 100 steps */
  /* NULL: no events. */
  braid_train_event_fn on_event;
  void *user_data;
  /* Also writes the checkpoint to save_path every N steps (and when a stop
   * is requested); 0: only at the end. Needs save_path. */
  int64_t save_every;
  /* Nonzero: init_from's weights only; its optimizer state and resume
   * position are ignored and training starts at epoch 1. */
  int32_t restart_from_weights;
  /* Nonzero: resume at init_from's position with the optimizer state
   * started afresh (at zero), for a checkpoint that lacks it. */
  int32_t fresh_optimizer;
  /* Nonzero: training batches in the data's order (batch b of every epoch
   * holds samples [b*B, (b+1)*B)), unshuffled, so that another program can
   * feed another framework the same batches. Not for text data. */
  int32_t in_order;
  /* Text data ("text" or "text=FILE"): the share of the text, at its end,
   * held out for the validation loss, in [0, 1); 0: no validation.
   * Default 0.1. */
  double val_fraction;
  /* A Chrome trace-event JSON file (chrome://tracing, Perfetto) of the
   * first `trace_steps` steps: every kernel with its model-source location
   * and op, every collective with its bucket and bytes, data loading,
   * evaluations and checkpoint writes; with a communicator, every rank's
   * events in one file written by rank 0 (every rank must set the same
   * path). NULL: no trace. See docs/observability.md. */
  const char *trace_path;
  /* The steps the trace keeps; 0: the default, 100. */
  int64_t trace_steps;
  /* Nonzero: times every kernel of every step and reports the share of the
   * training step's time per kernel (a BRAID_TRAIN_EVENT_PROFILE event)
   * when training ends. */
  int32_t profile;
} braid_trainer_options_t;

/* Fills *options with the defaults, struct_size the header's sizeof: inline,
 * like braid_session_options_init, so that the size is the program's. */
static inline void
braid_trainer_options_init(braid_trainer_options_t *options) {
  memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->eval_every = 1;
  braid_session_options_init(&options->session);
  options->progress_style = BRAID_PROGRESS_LINES;
  options->progress_every = 100;
  options->val_fraction = 0.1;
}

/* Creates a trainer over `plan`: reads the data (checking it against the
 * inputs of train_step and eval), creates the session and loads
 * `init_from`. Collective with a communicator, as braid_session_create.
 * A braid checkpoint that cannot resume as it says is BRAID_INVALID_DATA
 * naming what is wrong (docs/training.md, "Checkpoints and resuming"): a
 * resume position that is unreadable or past the run's end, another
 * model, another global batch or data set size, missing optimizer state
 * (unless fresh_optimizer); restart_from_weights takes its weights
 * alone. */
BRAID_API braid_status_code_t
braid_trainer_create(braid_plan_t *plan, const braid_trainer_options_t *options,
                     braid_trainer_t **out_trainer);

/* Trains: the epochs from the position the trainer is at, evaluating every
 * `eval_every` epochs, then writes the checkpoint (rank 0; also every
 * `save_every` steps). Reports events
 * to the callback. Collective with a communicator. A step whose loss is not
 * finite stops training with BRAID_INVALID_DATA. A trainer runs once
 * (BRAID_INVALID_ARGUMENT after); BRAID_INVALID_ARGUMENT as well for one
 * created without training data. */
BRAID_API braid_status_code_t braid_trainer_run(braid_trainer_t *trainer);

/* Asks a running (or not yet run) trainer to stop at the next step
 * boundary: it writes its checkpoint (save_path) and braid_trainer_run
 * returns BRAID_OK, with braid_trainer_stopped 1. With a communicator,
 * every rank stops at the same step, whichever rank was asked: the ranks
 * combine the request after each step (braid_communicator_start_any) and
 * stop one step after it was made. Async-signal-safe and callable from any
 * thread: a SIGTERM handler may call it. */
BRAID_API void braid_trainer_request_stop(braid_trainer_t *trainer);

/* 1 when braid_trainer_run ended early because a stop was requested (on
 * any rank), else 0. */
BRAID_API int braid_trainer_stopped(const braid_trainer_t *trainer);

/* The result of an evaluation. */
typedef struct braid_evaluation_t {
  size_t struct_size;
  double loss; /* mean over the batches */
  int32_t has_accuracy;
  double accuracy;         /* a fraction in [0, 1] */
  int64_t samples;         /* samples evaluated: the whole batches */
  int64_t dataset_samples; /* samples in the evaluation data */
} braid_evaluation_t;

/* Zeroes *evaluation and sets struct_size (inline, the program's sizeof);
 * call before braid_trainer_evaluate. */
static inline void braid_evaluation_init(braid_evaluation_t *evaluation) {
  memset(evaluation, 0, sizeof *evaluation);
  evaluation->struct_size = sizeof *evaluation;
}

/* Evaluates the current parameters on the evaluation data, over every
 * whole batch. BRAID_NOT_FOUND when the trainer has no evaluation data or
 * the plan no eval. Collective with a communicator. */
BRAID_API braid_status_code_t braid_trainer_evaluate(
    braid_trainer_t *trainer, braid_evaluation_t *out_evaluation);

/* The trainer's session (owned by the trainer; retain it to keep it past
 * braid_trainer_release), e.g. to predict with the trained parameters. */
BRAID_API braid_status_code_t braid_trainer_session(
    const braid_trainer_t *trainer, braid_session_t **out_session);

BRAID_API void braid_trainer_release(braid_trainer_t *trainer);

#ifdef __cplusplus
}
#endif

#endif /* BRAID_BRAID_TRAIN_H */
