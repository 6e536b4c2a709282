/* capi-smoke PLAN: the C API used from C. Loads a plan, lists its entry
 * points, creates a session, binds zeros to every predict input, runs it,
 * reads the outputs, saves and reloads a checkpoint, and checks the errors
 * of wrong calls. Compiled as C11, so the header must be valid C. */
#include "braid/braid.h"

#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: capi-smoke PLAN CHECKPOINT-PATH\n");
    return 2;
  }
  braid_plan_t *plan = NULL;
  EXPECT(braid_plan_load_file(argv[1], &plan) == BRAID_OK);
  if (!plan)
    return 1;

  braid_plan_info_t info;
  EXPECT(braid_plan_info(plan, &info) == BRAID_OK);
  printf("model %s, batch %lld, %zu entry point(s), arena %llu bytes\n",
         info.model_name, (long long)info.batch, info.entry_point_count,
         (unsigned long long)info.arena_bytes);

  size_t inputs = 0, outputs = 0;
  EXPECT(braid_plan_entry_point_signature(plan, "predict", &inputs, &outputs) ==
         BRAID_OK);
  EXPECT(braid_plan_entry_point_signature(plan, "nope", &inputs, &outputs) ==
         BRAID_NOT_FOUND);
  EXPECT(strstr(braid_status_message(), "nope") != NULL);

  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = 1;
  braid_session_t *session = NULL;
  EXPECT(braid_session_create(plan, &options, &session) == BRAID_OK);
  braid_plan_release(plan); /* the session keeps it alive */

  EXPECT(braid_session_run(session, "predict") == BRAID_INVALID_ARGUMENT);
  EXPECT(strstr(braid_status_message(), "not bound") != NULL);

  void *buffers[16];
  for (size_t i = 0; i < inputs && i < 16; ++i) {
    braid_tensor_info_t t;
    EXPECT(braid_plan_entry_point_input(plan, "predict", i, &t) == BRAID_OK);
    buffers[i] = calloc(1, t.byte_size);
    EXPECT(braid_session_bind_input(session, "predict", t.name, buffers[i],
                                    t.byte_size - 4) == BRAID_INVALID_ARGUMENT);
    EXPECT(braid_session_bind_input(session, "predict", t.name, buffers[i],
                                    t.byte_size) == BRAID_OK);
  }
  EXPECT(braid_session_bind_input(session, "predict", "no_such_input",
                                  buffers[0], 4) == BRAID_NOT_FOUND);
  EXPECT(braid_session_run(session, "predict") == BRAID_OK);
  for (size_t o = 0; o < outputs; ++o) {
    braid_tensor_info_t t;
    const void *data;
    size_t bytes;
    EXPECT(braid_plan_entry_point_output(plan, "predict", o, &t) == BRAID_OK);
    EXPECT(braid_session_output(session, "predict", t.name, &data, &bytes) ==
           BRAID_OK);
    EXPECT(bytes == t.byte_size);
  }

  EXPECT(braid_session_save_checkpoint(session, argv[2]) == BRAID_OK);
  EXPECT(braid_session_load_checkpoint(session, argv[2]) == BRAID_OK);
  {
    braid_status_code_t missing =
        braid_session_load_checkpoint(session, "/nonexistent/w.safetensors");
    EXPECT(missing == BRAID_NOT_FOUND || missing == BRAID_IO_ERROR);
    EXPECT(strstr(braid_status_message(), "/nonexistent/w.safetensors") !=
           NULL);
  }

  /* Without a communicator (one process alone): nothing waited, and a
   * gather is refused with a message, not a crash. */
  {
    double values[1];
    EXPECT(braid_communicator_waited_seconds(NULL) == 0.0);
    EXPECT(braid_communicator_all_gather(NULL, 1.0, values, 1) ==
           BRAID_INVALID_ARGUMENT);
    EXPECT(strstr(braid_status_message(), "NULL") != NULL);
  }

  for (size_t i = 0; i < inputs && i < 16; ++i)
    free(buffers[i]);
  braid_session_release(session);
  printf("%s\n", failures ? "FAILED" : "C API OK");
  return failures ? 1 : 0;
}
