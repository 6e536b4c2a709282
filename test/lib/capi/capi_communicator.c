/* capi-communicator PLAN: a communicator released before the session that
 * uses it, under mpirun with PLAN compiled for as many replicas as ranks.
 * The session holds its own reference, so its shared arena and collectives
 * outlive the caller's release: broadcast_params and train_step still run,
 * and releasing the session, the last reference, frees the communicator on
 * every rank together (collective). Under AddressSanitizer a communicator
 * freed early would be a use after free. */
#include "braid/braid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check(braid_status_code_t code, int rank, const char *what) {
  if (code == BRAID_OK)
    return 1;
  printf("rank %d: %s failed: %s\n", rank, what, braid_status_message());
  return 0;
}

/* Binds zeros (valid class labels too) to every input of `entry`. */
static int bind_zeros(braid_session_t *session, braid_plan_t *plan,
                      const char *entry, void **buffers, size_t capacity,
                      int rank) {
  size_t inputs = 0, outputs = 0;
  if (!check(braid_plan_entry_point_signature(plan, entry, &inputs, &outputs),
             rank, entry) ||
      inputs > capacity)
    return 0;
  for (size_t i = 0; i < inputs; ++i) {
    braid_tensor_info_t t = {.struct_size = sizeof t};
    if (!check(braid_plan_entry_point_input(plan, entry, i, &t), rank,
               "input info"))
      return 0;
    buffers[i] = calloc(1, t.byte_size);
    if (!check(braid_session_bind_input(session, entry, t.name, buffers[i],
                                        t.byte_size),
               rank, "bind"))
      return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: mpirun -np N capi-communicator PLAN\n");
    return 2;
  }
  if (!braid_communicator_launched_by_mpirun()) {
    fprintf(stderr, "capi-communicator: start it with mpirun\n");
    return 2;
  }
  braid_plan_t *plan = NULL;
  braid_communicator_t *communicator = NULL;
  if (!check(braid_plan_load_file(argv[1], &plan), 0, "load") ||
      !check(braid_communicator_create_mpi(30.0, &communicator), 0, "join"))
    return 1;
  const int rank = braid_communicator_rank(communicator);
  const int size = braid_communicator_size(communicator);
  if (!check(braid_communicator_check_plan(communicator, plan), rank,
             "check plan"))
    return 1;

  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = 1;
  options.communicator = communicator;
  braid_session_t *session = NULL;
  if (!check(braid_session_create(plan, &options, &session), rank, "create"))
    return 1;
  /* The caller's references go; the session keeps what it needs. */
  braid_communicator_release(communicator);
  braid_plan_release(plan);

  void *buffers[16] = {0};
  int ok = check(braid_session_run(session, "broadcast_params"), rank,
                 "broadcast_params") &&
           bind_zeros(session, plan, "train_step", buffers, 16, rank);
  const int steps = 3;
  float loss = 0;
  for (int s = 0; ok && s < steps; ++s) {
    const void *data = NULL;
    size_t bytes = 0;
    ok = check(braid_session_run(session, "train_step"), rank, "train_step") &&
         check(
             braid_session_output(session, "train_step", "loss", &data, &bytes),
             rank, "loss");
    if (ok && bytes == sizeof loss)
      loss = *(const float *)data;
  }
  if (ok)
    printf("rank %d of %d: %d steps after releasing the communicator, "
           "loss %s\n",
           rank, size, steps, isfinite(loss) && loss > 0 ? "finite" : "WRONG");
  fflush(stdout);
  /* The last reference to the communicator: collective. */
  braid_session_release(session);
  for (size_t i = 0; i < 16; ++i)
    free(buffers[i]);
  return ok ? 0 : 1;
}
