/* capi-smoke PLAN: the C API used from C. Checks the library's API version
 * against the header's, loads a plan, lists its entry points, creates a
 * session, binds zeros to every predict input, runs it, reads the outputs,
 * saves and reloads a checkpoint, and checks the errors of wrong calls and
 * the struct_size rule (older, shorter structs and newer, longer ones).
 * Compiled as C11, so the header must be valid C. */
#include "braid/braid.h"

#include <stddef.h>
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

/* The struct_size rule (braid.h, "Growing structs"). `full` is the plan's
 * info read with this header's struct. */
static void check_struct_sizes(braid_plan_t *plan,
                               const braid_plan_info_t *full) {
  /* An unset struct_size is refused, not written past. */
  {
    braid_plan_info_t unset;
    memset(&unset, 0, sizeof unset);
    EXPECT(braid_plan_info(plan, &unset) == BRAID_INVALID_ARGUMENT);
    EXPECT(strstr(braid_status_message(), "struct_size") != NULL);
    braid_tensor_info_t t;
    memset(&t, 0, sizeof t);
    EXPECT(braid_plan_entry_point_input(plan, "predict", 0, &t) ==
           BRAID_INVALID_ARGUMENT);
  }
  /* An older program's info struct, without the last field: the fields it
   * has are filled, the one it lacks is not written. */
  {
    braid_plan_info_t older;
    braid_plan_info_init(&older);
    older.struct_size = offsetof(braid_plan_info_t, epochs);
    older.epochs = -7;
    EXPECT(braid_plan_info(plan, &older) == BRAID_OK);
    EXPECT(older.struct_size == offsetof(braid_plan_info_t, epochs));
    EXPECT(older.batch == full->batch);
    EXPECT(older.arena_bytes == full->arena_bytes);
    EXPECT(strcmp(older.model_name, full->model_name) == 0);
    EXPECT(older.epochs == -7);

    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    t.struct_size = offsetof(braid_tensor_info_t, byte_size);
    t.byte_size = 12345;
    EXPECT(braid_plan_entry_point_input(plan, "predict", 0, &t) == BRAID_OK);
    EXPECT(t.name != NULL && t.rank > 0 && t.shape != NULL);
    EXPECT(t.byte_size == 12345);
  }
  /* A newer program's info struct, with a field this library lacks: it is
   * left alone. */
  {
    struct {
      braid_plan_info_t info;
      int64_t newer_field;
    } newer;
    memset(&newer, 0, sizeof newer);
    newer.info.struct_size = sizeof newer;
    newer.newer_field = -7;
    EXPECT(braid_plan_info(plan, &newer.info) == BRAID_OK);
    EXPECT(newer.info.struct_size == sizeof newer);
    EXPECT(newer.info.batch == full->batch);
    EXPECT(newer.newer_field == -7);
  }
  /* A newer program's options: a field this library lacks at its default
   * (zero) works; set, it is refused. An unset struct_size is refused. */
  {
    struct {
      braid_session_options_t options;
      int64_t newer_field;
    } newer;
    memset(&newer, 0, sizeof newer);
    braid_session_options_init(&newer.options);
    newer.options.struct_size = sizeof newer;
    newer.options.threads = 1;
    braid_session_t *session = NULL;
    EXPECT(braid_session_create(plan, &newer.options, &session) == BRAID_OK);
    EXPECT(braid_session_threads(session) == 1);
    braid_session_release(session);

    newer.newer_field = 1;
    session = NULL;
    EXPECT(braid_session_create(plan, &newer.options, &session) ==
           BRAID_UNSUPPORTED);
    EXPECT(strstr(braid_status_message(), "newer") != NULL);
    EXPECT(session == NULL);

    braid_session_options_t unset;
    memset(&unset, 0, sizeof unset);
    EXPECT(braid_session_create(plan, &unset, &session) ==
           BRAID_INVALID_ARGUMENT);
    EXPECT(strstr(braid_status_message(), "struct_size") != NULL);
  }
  /* An older program's options, without the last field: the fields it has
   * are read. (test/tools/capi_fpenv.test checks that the missing
   * ieee_denormals takes its default.) */
  {
    braid_session_options_t older;
    braid_session_options_init(&older);
    older.struct_size = offsetof(braid_session_options_t, ieee_denormals);
    older.threads = 3;
    braid_session_t *session = NULL;
    EXPECT(braid_session_create(plan, &older, &session) == BRAID_OK);
    EXPECT(braid_session_threads(session) == 3);
    braid_session_release(session);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: capi-smoke PLAN CHECKPOINT-PATH\n");
    return 2;
  }
  /* The library this program loaded is the one its header describes. */
  EXPECT(braid_api_version() == BRAID_API_VERSION);
  EXPECT(braid_api_version() >> 16 == BRAID_API_VERSION_MAJOR);
  EXPECT((braid_api_version() & 0xffff) == BRAID_API_VERSION_MINOR);
  EXPECT(braid_api_version_compatible());

  braid_plan_t *plan = NULL;
  EXPECT(braid_plan_load_file(argv[1], &plan) == BRAID_OK);
  if (!plan)
    return 1;

  braid_plan_info_t info = {.struct_size = sizeof info};
  EXPECT(braid_plan_info(plan, &info) == BRAID_OK);
  EXPECT(info.struct_size == sizeof info);
  check_struct_sizes(plan, &info);
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
    braid_tensor_info_init(&t);
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
    braid_tensor_info_t t = {.struct_size = sizeof t};
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
