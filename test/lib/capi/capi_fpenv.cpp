// capi-fpenv PLAN: the floating-point environment of a run, seen through
// the C API. PLAN's predict multiplies two f32[4] inputs, a * b. The caller
// sets an unusual MXCSR (round toward zero, FTZ and DAZ off); each run must
// leave it so (exactly when flushing, its modes with IEEE denormals), and
// flush a denormal product (1e-20 * 1e-20) and a denormal input (1e-40 * 1)
// to zero unless the session asks for IEEE denormals. Options from a program
// built against an older header, whose struct ends before ieee_denormals,
// get the default: flushing. Prints one line per case; x86-64 only.
#include "braid/braid.h"

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#include <xmmintrin.h>

namespace {

// Round toward zero (RC = 11, bits 13-14) with every exception masked and
// FTZ/DAZ off: a state no runtime would pick, so a run that resets MXCSR to
// any default instead of restoring it is caught.
constexpr uint32_t kCallerState = 0x1f80u | 0x6000u;

bool check(braid_status_code_t code, const char *what) {
  if (code == BRAID_OK)
    return true;
  std::fprintf(stderr, "capi-fpenv: %s: %s\n", what, braid_status_message());
  return false;
}

/// Runs a * b on a session with `options`, which should compute with IEEE
/// denormals when `ieee`; returns false on an API failure.
bool runSession(braid_plan_t *plan, const braid_session_options_t *options,
                bool ieee, const char *label) {
  braid_session_t *session = nullptr;
  if (!check(braid_session_create(plan, options, &session), "create"))
    return false;
  // Lane 0: a denormal product of normal numbers (FTZ); lane 1: a denormal
  // input (DAZ); lanes 2-3: normal values, which must be untouched.
  const float a[4] = {1e-20f, 1e-40f, 3.0f, -0.5f};
  const float b[4] = {1e-20f, 1.0f, 2.0f, 4.0f};
  bool ok =
      check(braid_session_bind_input(session, "predict", "a", a, 16),
            "bind a") &&
      check(braid_session_bind_input(session, "predict", "b", b, 16), "bind b");
  _mm_setcsr(kCallerState);
  ok = ok && check(braid_session_run(session, "predict"), "run");
  uint32_t after = _mm_getcsr();
  _mm_setcsr(0x1f80u);
  const void *data = nullptr;
  size_t bytes = 0;
  ok = ok && check(braid_session_output(session, "predict", "p", &data, &bytes),
                   "output");
  float p[4];
  if (ok && bytes == sizeof p)
    std::memcpy(p, data, sizeof p);
  braid_session_release(session);
  if (!ok || bytes != sizeof p)
    return false;
  auto kind = [](float v) {
    return v == 0.0f ? "zero" : (v > 0 && v < FLT_MIN) ? "denormal" : "normal";
  };
  // Flushing, the runtime restores the caller's MXCSR exactly. With IEEE
  // denormals it leaves MXCSR alone, so the run's arithmetic raises status
  // flags (bits 0-5) as any arithmetic would; the modes must stay.
  const uint32_t compared = ieee ? ~0x3fu : ~0u;
  std::printf("%s: product %s, denormal input %s, normal %g %g, caller MXCSR "
              "%s (%#x after, %#x before)\n",
              label, kind(p[0]), kind(p[1]), p[2], p[3],
              (after & compared) == (kCallerState & compared) ? "unchanged"
                                                              : "CHANGED",
              after, kCallerState);
  return true;
}

bool runCase(braid_plan_t *plan, int threads, bool ieee, const char *label) {
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = threads;
  options.ieee_denormals = ieee ? 1 : 0;
  return runSession(plan, &options, ieee, label);
}

/// Options as a program built before ieee_denormals was appended passes
/// them: struct_size ends where the field starts. The bytes past it are
/// nonzero, so a library that read the field would compute with IEEE
/// denormals instead of the default, flushing.
bool runOlderOptions(braid_plan_t *plan) {
  alignas(braid_session_options_t) unsigned char
      bytes[sizeof(braid_session_options_t)];
  std::memset(bytes, 0xff, sizeof bytes);
  braid_session_options_t older;
  braid_session_options_init(&older);
  older.threads = 1;
  older.struct_size = offsetof(braid_session_options_t, ieee_denormals);
  std::memcpy(bytes, &older, older.struct_size);
  return runSession(plan, reinterpret_cast<braid_session_options_t *>(bytes),
                    /*ieee=*/false, "older options, 1 thread");
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: capi-fpenv PLAN\n");
    return 2;
  }
  braid_plan_t *plan = nullptr;
  if (!check(braid_plan_load_file(argv[1], &plan), "load"))
    return 1;
  bool ok = runCase(plan, 1, false, "flush, 1 thread") &&
            runCase(plan, 2, false, "flush, 2 threads") &&
            runCase(plan, 1, true, "ieee, 1 thread") &&
            runCase(plan, 2, true, "ieee, 2 threads") && runOlderOptions(plan);
  braid_plan_release(plan);
  return ok ? 0 : 1;
}

#else

int main() {
  std::printf("capi-fpenv: MXCSR is x86-64's; nothing to test here\n");
  return 0;
}

#endif
