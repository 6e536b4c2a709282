/* capi-train PLAN DATA CHECKPOINT METRICS: training through the C API
 * alone, compiled as C11. Trains PLAN on DATA ("x=X.npy,y=Y.npy") for 5
 * epochs, checks the events, that the loss falls, that the checkpoint and
 * metrics are written, evaluates, resumes from the checkpoint for one more
 * epoch, and checks the errors of wrong calls. Prints a FAIL line for each
 * failed expectation; the library itself prints nothing. */
#include "braid/braid_train.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAIL line %d: %s (%s)\n", __LINE__, #cond,                       \
             braid_status_message());                                          \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* What a run's callback saw. */
typedef struct record_t {
  int starts, progress, epochs, finishes;
  double first_loss, last_loss; /* epoch means */
  int finish_evaluated;
  char start_text[512];
  int profiles;
  char profile_text[128];
} record_t;

static void on_event(const braid_train_event_t *event, void *user_data) {
  record_t *r = (record_t *)user_data;
  EXPECT(event->struct_size >= sizeof(braid_train_event_t));
  EXPECT(event->text != NULL && event->text[0] != '\0');
  switch (event->kind) {
  case BRAID_TRAIN_EVENT_START:
    ++r->starts;
    snprintf(r->start_text, sizeof r->start_text, "%s", event->text);
    break;
  case BRAID_TRAIN_EVENT_PROGRESS:
    ++r->progress;
    break;
  case BRAID_TRAIN_EVENT_EPOCH_END:
    if (r->epochs == 0)
      r->first_loss = event->loss;
    r->last_loss = event->loss;
    ++r->epochs;
    EXPECT(event->evaluated == 1 && isfinite(event->test_loss));
    break;
  case BRAID_TRAIN_EVENT_FINISH:
    ++r->finishes;
    r->finish_evaluated = event->evaluated;
    break;
  case BRAID_TRAIN_EVENT_PROFILE:
    ++r->profiles;
    snprintf(r->profile_text, sizeof r->profile_text, "%s", event->text);
    break;
  default:
    break;
  }
}

static long file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  return size;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: capi-train PLAN DATA CHECKPOINT METRICS\n");
    return 2;
  }
  braid_plan_t *plan = NULL;
  EXPECT(braid_plan_load_file(argv[1], &plan) == BRAID_OK);
  if (!plan)
    return 1;

  /* Five epochs, evaluated after each on the same data. */
  record_t first;
  memset(&first, 0, sizeof first);
  braid_trainer_options_t options;
  braid_trainer_options_init(&options);
  EXPECT(options.struct_size == sizeof options && options.eval_every == 1);
  options.data = argv[2];
  options.test_data = argv[2];
  options.epochs = 5;
  options.save_path = argv[3];
  options.metrics_path = argv[4];
  options.session.threads = 1;
  options.session.seed = 7;
  options.progress_every = 2;
  options.on_event = on_event;
  options.user_data = &first;
  braid_trainer_t *trainer = NULL;
  EXPECT(braid_trainer_create(plan, &options, &trainer) == BRAID_OK);
  if (!trainer)
    return 1;
  EXPECT(braid_trainer_run(trainer) == BRAID_OK);
  printf("events: %d start, %d epoch ends, %d finish\n", first.starts,
         first.epochs, first.finishes);
  EXPECT(first.progress > 0 && first.finish_evaluated == 1);
  EXPECT(strncmp(first.start_text, "training ", 9) == 0);
  printf("loss %s from epoch 1 to 5\n",
         first.last_loss < first.first_loss ? "falls" : "does not fall");
  EXPECT(file_size(argv[3]) > 0);
  EXPECT(file_size(argv[4]) > 0);

  /* The trained parameters, evaluated; a session to predict with. */
  braid_evaluation_t evaluation;
  braid_evaluation_init(&evaluation);
  EXPECT(braid_trainer_evaluate(trainer, &evaluation) == BRAID_OK);
  printf("evaluated %lld of %lld samples\n", (long long)evaluation.samples,
         (long long)evaluation.dataset_samples);
  EXPECT(isfinite(evaluation.loss) && evaluation.loss < first.first_loss);
  braid_session_t *session = NULL;
  EXPECT(braid_trainer_session(trainer, &session) == BRAID_OK &&
         session != NULL);
  braid_trainer_release(trainer);

  /* Resumed from the checkpoint for a sixth epoch. */
  record_t second;
  memset(&second, 0, sizeof second);
  options.epochs = 6;
  options.init_from = argv[3];
  options.save_path = NULL;
  options.metrics_path = NULL;
  options.user_data = &second;
  trainer = NULL;
  EXPECT(braid_trainer_create(plan, &options, &trainer) == BRAID_OK);
  EXPECT(trainer && braid_trainer_run(trainer) == BRAID_OK);
  printf("resumed: %d epoch end%s\n", second.epochs,
         strstr(second.start_text, "(resuming at epoch 6, step 0)")
             ? ", at epoch 6"
             : "");
  braid_trainer_release(trainer);

  /* Without a callback, a run reports nothing. */
  options.on_event = NULL;
  options.init_from = NULL;
  options.max_steps = 1;
  trainer = NULL;
  EXPECT(braid_trainer_create(plan, &options, &trainer) == BRAID_OK);
  EXPECT(trainer && braid_trainer_run(trainer) == BRAID_OK);
  EXPECT(braid_trainer_run(trainer) == BRAID_INVALID_ARGUMENT);
  EXPECT(strstr(braid_status_message(), "has run already") != NULL);
  braid_trainer_release(trainer);

  /* A stop requested before the run: it stops after its first step. */
  options.max_steps = 0;
  trainer = NULL;
  EXPECT(braid_trainer_create(plan, &options, &trainer) == BRAID_OK);
  braid_trainer_request_stop(trainer);
  EXPECT(trainer && braid_trainer_run(trainer) == BRAID_OK);
  EXPECT(braid_trainer_stopped(trainer) == 1);
  braid_trainer_release(trainer);

  /* A program built against the first header, whose options end before
   * save_every: accepted, and what lies past its struct is not read. */
  braid_trainer_options_t first_version = options;
  first_version.struct_size = offsetof(braid_trainer_options_t, save_every);
  first_version.max_steps = 1;
  first_version.save_every = -1;
  trainer = NULL;
  EXPECT(braid_trainer_create(plan, &first_version, &trainer) == BRAID_OK);
  EXPECT(trainer && braid_trainer_run(trainer) == BRAID_OK);
  EXPECT(braid_trainer_stopped(trainer) == 0);
  braid_trainer_release(trainer);

  /* A trace and a profile: the trace file is written and the profile
   * table comes as an event. A negative trace_steps is refused. */
  {
    char trace_path[4096];
    snprintf(trace_path, sizeof trace_path, "%s.trace.json", argv[4]);
    remove(trace_path);
    record_t traced;
    memset(&traced, 0, sizeof traced);
    braid_trainer_options_t tracing = options;
    tracing.max_steps = 2;
    tracing.on_event = on_event;
    tracing.user_data = &traced;
    tracing.trace_path = trace_path;
    tracing.profile = 1;
    trainer = NULL;
    EXPECT(braid_trainer_create(plan, &tracing, &trainer) == BRAID_OK);
    EXPECT(trainer && braid_trainer_run(trainer) == BRAID_OK);
    braid_trainer_release(trainer);
    EXPECT(file_size(trace_path) > 0);
    EXPECT(traced.profiles == 1 &&
           strstr(traced.profile_text, "profile: 2 training steps") != NULL);
    tracing.trace_steps = -1;
    EXPECT(braid_trainer_create(plan, &tracing, &trainer) ==
           BRAID_INVALID_ARGUMENT);
    EXPECT(strstr(braid_status_message(), "a trace of -1 steps") != NULL);
    /* A program built before trace_path: no trace, whatever lies past its
     * struct. */
    remove(trace_path);
    tracing.trace_steps = 0;
    tracing.struct_size = offsetof(braid_trainer_options_t, trace_path);
    trainer = NULL;
    EXPECT(braid_trainer_create(plan, &tracing, &trainer) == BRAID_OK);
    EXPECT(trainer && braid_trainer_run(trainer) == BRAID_OK);
    braid_trainer_release(trainer);
    EXPECT(file_size(trace_path) == -1);
  }

  /* Wrong calls. */
  options.save_every = 10; /* with no save_path */
  EXPECT(braid_trainer_create(plan, &options, &trainer) ==
         BRAID_INVALID_ARGUMENT);
  EXPECT(strstr(braid_status_message(), "--save") != NULL);
  options.save_every = 0;
  EXPECT(braid_trainer_create(plan, NULL, &trainer) == BRAID_INVALID_ARGUMENT);
  braid_trainer_options_t unset;
  memset(&unset, 0, sizeof unset);
  EXPECT(braid_trainer_create(plan, &unset, &trainer) ==
         BRAID_INVALID_ARGUMENT);
  EXPECT(strstr(braid_status_message(), "struct_size") != NULL);
  options.data = "x=/nonexistent/x.npy,y=/nonexistent/y.npy";
  EXPECT(braid_trainer_create(plan, &options, &trainer) != BRAID_OK);
  EXPECT(strstr(braid_status_message(), "/nonexistent/x.npy") != NULL);
  EXPECT(braid_trainer_run(NULL) == BRAID_INVALID_ARGUMENT);
  braid_trainer_release(NULL);

  braid_plan_release(plan);
  if (failures == 0)
    printf("C API OK\n");
  return failures == 0 ? 0 : 1;
}
