/* Generated-kernel stand-ins for the runtime's tests (native_code.test):
 * the kernel ABI of docs/plan-format.md, one work item per output element,
 * with the semantics of the runtime's relu and relu_grad loops
 * (runtime/kernels/Elementwise.cpp, ElementwiseGrad.cpp). */
#include <stdint.h>

/* -DBRAID_TEST_SCALE=2 builds a relu that doubles, another plan's code under
 * the same symbol (native_code.test loads both at once). */
#ifndef BRAID_TEST_SCALE
#define BRAID_TEST_SCALE 1
#endif

void braid_test_relu(void *const *buffers, int64_t begin, int64_t end) {
  const float *x = buffers[0];
  float *y = buffers[1];
  for (int64_t i = begin; i < end; ++i)
    y[i] = x[i] < 0.f ? 0.f : BRAID_TEST_SCALE * x[i];
}

/* (dy, x) -> dx */
void braid_test_relu_grad(void *const *buffers, int64_t begin, int64_t end) {
  const float *dy = buffers[0], *x = buffers[1];
  float *dx = buffers[2];
  for (int64_t i = begin; i < end; ++i)
    dx[i] = x[i] <= 0.f ? 0.f : dy[i];
}
