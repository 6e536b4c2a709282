// Tests of FlushDenormalsScope: FTZ and DAZ on the caller and the OpenMP
// workers inside a scope, and each thread's own MXCSR restored after it.
#include "runtime/support/FloatEnv.h"

#include <gtest/gtest.h>

#include <omp.h>

#include <cfloat>
#include <vector>

#if defined(__x86_64__)
#include <xmmintrin.h>

namespace braid::runtime {
namespace {

// Round toward zero, every exception masked, FTZ and DAZ off: no default
// state, so restoring "a default" instead of the caller's own is caught.
constexpr uint32_t kUnusualState = 0x1f80u | 0x6000u;
constexpr uint32_t kDefaultState = 0x1f80u;
constexpr int kTeam = 3; // more threads than some CI machines have cores
/// MXCSR without its sticky exception flags (bits 0-5), which arithmetic
/// raises.
constexpr uint32_t kControlBits = ~0x3fu;

/// A product whose exact value is denormal (1e-40), computed at run time.
float denormalProduct() {
  volatile float a = 1e-20f, b = 1e-20f;
  return a * b;
}

/// Whether each thread of a team of kTeam flushes denormals.
std::vector<bool> teamFlushes() {
  std::vector<bool> flushes(kTeam, false);
#pragma omp parallel num_threads(kTeam)
  flushes[omp_get_thread_num()] = flushesDenormals();
  return flushes;
}

class FloatEnvTest : public testing::Test {
protected:
  void SetUp() override {
    omp_set_dynamic(0);
    _mm_setcsr(kDefaultState);
  }
  void TearDown() override { _mm_setcsr(kDefaultState); }
};

// Tests that a scope flushes on the caller and restores its exact state,
// including the rounding mode.
TEST_F(FloatEnvTest, RestoresTheCallersState) {
  _mm_setcsr(kUnusualState);
  {
    FlushDenormalsScope scope(/*enabled=*/true, /*threads=*/1);
    EXPECT_TRUE(flushesDenormals());
    EXPECT_EQ(denormalProduct(), 0.0f);
  }
  EXPECT_EQ(_mm_getcsr(), kUnusualState);
}

// Tests that the workers of the scope's team flush too, and that they are
// back to IEEE denormals after it: the first time, when the scope's region
// starts the workers, and again, when they exist already.
TEST_F(FloatEnvTest, WorkersFlushInsideAndNotAfter) {
  for (int round = 0; round < 2; ++round) {
    std::vector<bool> inside;
    {
      FlushDenormalsScope scope(/*enabled=*/true, kTeam);
      inside = teamFlushes();
    }
    for (int t = 0; t < kTeam; ++t)
      EXPECT_TRUE(inside[t]) << "round " << round << ", thread " << t;
    std::vector<bool> after = teamFlushes();
    for (int t = 0; t < kTeam; ++t)
      EXPECT_FALSE(after[t]) << "round " << round << ", thread " << t;
    EXPECT_EQ(_mm_getcsr(), kDefaultState);
  }
}

// Tests that a disabled scope (ieee_denormals) keeps IEEE arithmetic: the
// product is the denormal 1e-40, not zero.
TEST_F(FloatEnvTest, DisabledKeepsDenormals) {
  float product;
  {
    FlushDenormalsScope scope(/*enabled=*/false, kTeam);
    EXPECT_FALSE(flushesDenormals());
    product = denormalProduct();
  }
  EXPECT_GT(product, 0.0f);
  EXPECT_LT(product, FLT_MIN);
  EXPECT_EQ(_mm_getcsr() & kControlBits, kDefaultState);
}

// Tests that a caller already flushing keeps flushing after the scope.
TEST_F(FloatEnvTest, CallerThatFlushesKeepsFlushing) {
  const uint32_t flushing = kDefaultState | (1u << 15) | (1u << 6);
  _mm_setcsr(flushing);
  { FlushDenormalsScope scope(/*enabled=*/true, kTeam); }
  EXPECT_EQ(_mm_getcsr(), flushing);
}

// Tests that a scope inside an enclosing one of the same team (a run inside
// the trainer's loop) leaves the threads flushing when it ends, so it needs
// no region of its own, and that the enclosing scope restores them; and
// that an inner scope of a larger team sets and restores the extra workers
// while the enclosing team keeps flushing.
TEST_F(FloatEnvTest, NestedScopeLeavesRestoringToTheEnclosingOne) {
  {
    FlushDenormalsScope outer(/*enabled=*/true, kTeam);
    { FlushDenormalsScope inner(/*enabled=*/true, kTeam); }
    std::vector<bool> between = teamFlushes();
    for (int t = 0; t < kTeam; ++t)
      EXPECT_TRUE(between[t]) << "thread " << t;
    EXPECT_TRUE(flushesDenormals());
  }
  std::vector<bool> after = teamFlushes();
  for (int t = 0; t < kTeam; ++t)
    EXPECT_FALSE(after[t]) << "thread " << t;
  EXPECT_EQ(_mm_getcsr(), kDefaultState);

  {
    FlushDenormalsScope outer(/*enabled=*/true, 1);
    {
      FlushDenormalsScope inner(/*enabled=*/true, kTeam);
      std::vector<bool> inside = teamFlushes();
      for (int t = 0; t < kTeam; ++t)
        EXPECT_TRUE(inside[t]) << "thread " << t;
    }
    EXPECT_TRUE(flushesDenormals());
    std::vector<bool> between = teamFlushes();
    for (int t = 1; t < kTeam; ++t)
      EXPECT_FALSE(between[t]) << "worker " << t;
  }
  EXPECT_EQ(_mm_getcsr(), kDefaultState);
}

} // namespace
} // namespace braid::runtime

#else

TEST(FloatEnvTest, NotX86) {
  GTEST_SKIP() << "the runtime manages MXCSR on x86-64 only";
}

#endif
