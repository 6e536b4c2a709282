// The Fused kernel with a kernel function of the test's own (no plan, no
// dlopen): the buffers it passes, how it splits the work items over the
// run's threads, and that a run allocates nothing.
#include "KernelTestHarness.h"

#include <omp.h>

#include <atomic>
#include <mutex>
#include <utility>

namespace braid::runtime::kt {
namespace {

std::mutex gRangesMutex;
std::vector<std::pair<int64_t, int64_t>> gRanges;

/// out = a + 2 * b over one work item per element; records its range.
extern "C" void addTwice(void *const *buffers, int64_t begin, int64_t end) {
  const float *a = static_cast<const float *>(buffers[0]);
  const float *b = static_cast<const float *>(buffers[1]);
  float *out = static_cast<float *>(buffers[2]);
  for (int64_t i = begin; i < end; ++i)
    out[i] = a[i] + 2 * b[i];
  std::lock_guard<std::mutex> lock(gRangesMutex);
  gRanges.emplace_back(begin, end);
}

/// Runs a fused step of two f32 inputs of `shape` through addTwice on
/// `threads` threads; returns the ranges it called the function with.
std::vector<std::pair<int64_t, int64_t>> runFused(const Shape &shape,
                                                  int threads) {
  StepDesc step;
  step.kind = KernelKind::Fused;
  Host a = Host::f32(shape), b = Host::f32(shape), out = Host::f32(shape);
  for (size_t i = 0; i < a.data.size(); ++i) {
    a.data[i] = static_cast<float>(i % 97);
    b.data[i] = static_cast<float>(i % 13) - 6;
  }
  step.inputs = {a.desc, b.desc};
  step.outputs = {out.desc};
  step.kernelIndex = 1;
  step.workItems = count(shape);
  KernelContext context;
  context.fusedKernels = {nullptr, &addTwice};
  std::unique_ptr<Kernel> kernel;
  Status created = createKernel(step, context, &kernel);
  EXPECT_TRUE(created.isOk()) << created.message();
  if (!kernel)
    return {};
  kernel->bind({a.data.data(), b.data.data()}, {out.data.data()});
  const int before = omp_get_max_threads(); // restored for the other tests
  omp_set_num_threads(threads);
  EXPECT_TRUE(kernel->run().isOk()); // warm-up: OpenMP starts its threads
  gRanges.clear();
  gCountAllocations = true;
  gAllocations = 0;
  Status ran = kernel->run();
  gCountAllocations = false;
  omp_set_num_threads(before);
  EXPECT_TRUE(ran.isOk()) << ran.message();
  EXPECT_EQ(gAllocations, 0) << "a fused step allocated";
  for (size_t i = 0; i < out.data.size(); ++i)
    if (out.data[i] != a.data[i] + 2 * b.data[i]) {
      ADD_FAILURE() << "element " << i << " is " << out.data[i];
      break;
    }
  std::sort(gRanges.begin(), gRanges.end());
  return gRanges;
}

TEST(FusedKernel, SplitsLargeStepsIntoOneRangePerThread) {
  // 3 x 1 MiB moved: one contiguous range per thread, covering all items.
  auto ranges = runFused({512, 512}, 3);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges.front().first, 0);
  for (size_t i = 1; i < ranges.size(); ++i)
    EXPECT_EQ(ranges[i].first, ranges[i - 1].second);
  EXPECT_EQ(ranges.back().second, 512 * 512);
}

TEST(FusedKernel, SmallStepsAreOneCall) {
  auto ranges = runFused({4, 5}, 3);
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0], std::make_pair(int64_t(0), int64_t(20)));
}

TEST(FusedKernel, RefusedWithoutLoadedCode) {
  StepDesc step;
  step.kind = KernelKind::Fused;
  step.inputs = {Host::f32({4}).desc};
  step.outputs = {Host::f32({4}).desc};
  step.workItems = 4;
  KernelContext context; // no code loaded
  std::unique_ptr<Kernel> kernel;
  Status s = createKernel(step, context, &kernel);
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("braidc --no-codegen"), std::string::npos)
      << s.message();
}

} // namespace
} // namespace braid::runtime::kt
