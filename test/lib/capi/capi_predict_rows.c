/* capi-predict-rows PLAN: braid_session_predict from C over 1 to the plan's
 * batch rows. Prints the compiled sizes of predict, then for each row count
 * whether every row of the answer equals the answer the same row gets
 * alone (within 1e-6: the rows are independent); 0
 * rows and one past the batch print their errors. The inputs are a fixed
 * pattern that differs per row. */
#include "braid/braid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what) {
  printf("FAIL %s: %s\n", what, braid_status_message());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: capi-predict-rows PLAN\n");
    return 2;
  }
  braid_plan_t *plan;
  braid_session_t *session;
  if (braid_plan_load_file(argv[1], &plan) != BRAID_OK)
    return fail("load");
  braid_plan_info_t info;
  braid_plan_info_init(&info);
  braid_plan_info(plan, &info);
  printf("predict batches:");
  for (size_t i = 0; i < info.predict_batch_count; ++i)
    printf(" %lld", (long long)info.predict_batches[i]);
  printf("\n");
  if (braid_session_create(plan, NULL, &session) != BRAID_OK)
    return fail("session");

  /* One input and one output of f32 rows, as the mlp's predict. */
  size_t inputs, outputs;
  braid_plan_entry_point_signature(plan, "predict", &inputs, &outputs);
  braid_tensor_info_t in, out;
  braid_tensor_info_init(&in);
  braid_tensor_info_init(&out);
  braid_plan_entry_point_input(plan, "predict", 0, &in);
  braid_plan_entry_point_output(plan, "predict", 0, &out);
  if (inputs != 1 || outputs != 1 || in.element_type != BRAID_F32)
    return fail("signature (one f32 input, one output expected)");
  int64_t batch = info.batch;
  size_t inRow = in.byte_size / batch / 4, outRow = out.byte_size / batch / 4;
  float *x = malloc(in.byte_size), *y = malloc(out.byte_size);
  float *alone = malloc(out.byte_size);
  for (size_t i = 0; i < in.byte_size / 4; ++i)
    x[i] = (float)((i * 7919) % 1000) / 1000.0f;
  const void *px[1];
  void *py[1];
  /* Each row alone. */
  for (int64_t r = 0; r < batch; ++r) {
    px[0] = x + r * inRow;
    py[0] = alone + r * outRow;
    if (braid_session_predict(session, 1, px, 1, py, 1) != BRAID_OK)
      return fail("predict 1 row");
  }
  int64_t counts[] = {1, 2, 3, 37, batch};
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; ++c) {
    int64_t n = counts[c];
    if (n > batch)
      continue;
    px[0] = x;
    py[0] = y;
    memset(y, 0xff, out.byte_size);
    if (braid_session_predict(session, n, px, 1, py, 1) != BRAID_OK)
      return fail("predict");
    /* Another compiled size may sum in another order: equal within 1e-6
     * of the values' scale, not bitwise. */
    double worst = 0;
    for (size_t i = 0; i < n * outRow; ++i) {
      double d = fabs((double)y[i] - alone[i]) / (1.0 + fabs(alone[i]));
      worst = d > worst ? d : worst;
    }
    int same = worst <= 1e-6;
    /* Nothing past the n rows is written. */
    int untouched = 1;
    for (size_t i = n * outRow; i < out.byte_size / 4; ++i)
      untouched &= ((unsigned char *)&y[i])[0] == 0xff;
    printf("%lld rows: %s, %s\n", (long long)n,
           same ? "each row as alone within 1e-6" : "ROWS DIFFER",
           untouched ? "nothing written past them" : "WRITTEN PAST");
  }
  px[0] = x;
  py[0] = y;
  braid_status_code_t code = braid_session_predict(session, 0, px, 1, py, 1);
  printf("0 rows: %d %s\n", (int)code, braid_status_message());
  code = braid_session_predict(session, batch + 1, px, 1, py, 1);
  printf("%lld rows: %d %s\n", (long long)batch + 1, (int)code,
         braid_status_message());
  code = braid_session_predict(session, 1, px, 2, py, 1);
  printf("2 inputs: %d %s\n", (int)code, braid_status_message());
  free(x);
  free(y);
  free(alone);
  braid_session_release(session);
  braid_plan_release(plan);
  return 0;
}
