// The kernel tests' shared harness: host buffers, seeded random data, running
// a step, comparing against a double-precision reference (printing the max
// difference and the tolerance) and the allocation counter.
#ifndef BRAID_UNITTESTS_RUNTIME_KERNELS_KERNELTESTHARNESS_H
#define BRAID_UNITTESTS_RUNTIME_KERNELS_KERNELTESTHARNESS_H

#include "runtime/kernels/Kernel.h"
#include "runtime/plan/KernelKinds.h"
#include "shape/ShapeRules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

/// Set while counting; gAllocations counts the C++ heap allocations made
/// meanwhile (operator new is replaced in KernelTests.cpp).
extern bool gCountAllocations;
extern int gAllocations;

namespace braid::runtime::kt {

using plan::ElementType;
using plan::KernelKind;
using Shape = std::vector<int64_t>;

//===----------------------------------------------------------------------===//
// Harness
//===----------------------------------------------------------------------===//

inline int64_t count(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

inline std::string str(const Shape &shape) { return shape::toString(shape); }

inline std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

/// A host buffer of 4-byte elements (f32, or i32 stored bitwise).
struct Host {
  TensorDesc desc;
  std::vector<float> data;

  static Host f32(Shape shape) {
    Host h;
    h.desc.type = ElementType::F32;
    h.desc.shape = std::move(shape);
    h.data.assign(count(h.desc.shape), std::nanf(""));
    return h;
  }
  static Host i32(Shape shape) {
    Host h = f32(std::move(shape));
    h.desc.type = ElementType::I32;
    std::fill(h.data.begin(), h.data.end(), 0.f);
    return h;
  }
  int32_t getInt(int64_t i) const {
    int32_t v;
    std::memcpy(&v, &data[i], 4);
    return v;
  }
  void setInt(int64_t i, int32_t v) { std::memcpy(&data[i], &v, 4); }
};

constexpr unsigned kSeed = 20261127;

inline std::mt19937 &rng() {
  static std::mt19937 gen(kSeed);
  return gen;
}

/// Every test starts from the same seed, whatever ran before it.
class KernelTest : public ::testing::Test {
protected:
  void SetUp() override { rng().seed(kSeed); }
};

inline Host randomF32(Shape shape, float low = -2.f, float high = 2.f) {
  Host h = Host::f32(std::move(shape));
  std::uniform_real_distribution<float> dist(low, high);
  for (float &v : h.data)
    v = dist(rng());
  return h;
}

/// Nonzero values of magnitude in [0.5, 2] (divisors).
inline Host randomNonZero(Shape shape) {
  Host h = randomF32(std::move(shape), 0.5f, 2.f);
  std::bernoulli_distribution sign(0.5);
  for (float &v : h.data)
    if (sign(rng()))
      v = -v;
  return h;
}

inline StepDesc makeStep(KernelKind kind, const std::vector<Host> &inputs,
                         const std::vector<Shape> &outputs,
                         ElementType outType = ElementType::F32) {
  StepDesc step;
  step.kind = kind;
  for (const Host &h : inputs)
    step.inputs.push_back(h.desc);
  for (const Shape &s : outputs)
    step.outputs.push_back(TensorDesc{outType, s});
  return step;
}

/// A kernel with its output buffers, bound to `inputs`.
struct Bound {
  KernelContext context;
  std::unique_ptr<Kernel> kernel;
  std::vector<Host> outputs;

  Status create(const StepDesc &step, std::vector<Host> &inputs) {
    Status s = createKernel(step, context, &kernel);
    if (!s)
      return s;
    outputs.clear();
    for (const TensorDesc &d : step.outputs) {
      Host h = Host::f32(d.shape);
      h.desc.type = d.type;
      outputs.push_back(std::move(h));
    }
    bind(inputs);
    return Status::ok();
  }
  void bind(std::vector<Host> &inputs) {
    std::vector<void *> in, out;
    for (Host &h : inputs)
      in.push_back(h.data.data());
    for (Host &h : outputs)
      out.push_back(h.data.data());
    kernel->bind(in, out);
  }
};

/// The allocation check of one kernel: after a warm-up run, two counted
/// runs. A native kernel allocates nothing; a oneDNN one allocates the same
/// small bookkeeping every run. Prints the count. Call with one OpenMP
/// thread: the counter sees every thread's allocations, and a worker
/// thread's lazy set-up landing in one counted run and not the other made
/// the comparison flaky on a loaded machine.
inline void expectSameAllocationsEveryRun(Kernel &kernel, const char *kind,
                                          bool native) {
  ASSERT_TRUE(kernel.run().isOk()) << kind; // oneDNN and OpenMP warm up
  int counts[2];
  for (int &n : counts) {
    gAllocations = 0;
    gCountAllocations = true;
    Status s = kernel.run();
    gCountAllocations = false;
    ASSERT_TRUE(s.isOk()) << kind << ": " << s.message();
    n = gAllocations;
  }
  std::printf("  %-30s %-8s %d allocations in run()\n", kind,
              native ? "native" : "oneDNN", counts[1]);
  if (native) {
    EXPECT_EQ(counts[1], 0) << kind;
  }
  EXPECT_EQ(counts[0], counts[1]) << kind;
}

/// Runs `step` once on `inputs` and returns its first output (empty and a
/// test failure when creating or running fails).
inline std::vector<float> runStep(const StepDesc &step,
                                  std::vector<Host> inputs) {
  Bound b;
  Status s = b.create(step, inputs);
  EXPECT_TRUE(s.isOk()) << s.message();
  if (!s)
    return {};
  s = b.kernel->run();
  EXPECT_TRUE(s.isOk()) << s.message();
  if (!s)
    return {};
  return b.outputs[0].data;
}

/// Expects |got - ref| <= tol * max(1, scale) elementwise, where scale is
/// |ref| or, for sums, the sum of the magnitudes of their terms; prints the
/// max difference and the tolerance.
inline void expectClose(const std::string &what, const std::vector<float> &got,
                        const std::vector<double> &ref, double tol,
                        const std::vector<double> *scale = nullptr) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  double maxDiff = 0, worst = 0; // worst: the largest diff / allowed
  size_t bad = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double diff = std::fabs(static_cast<double>(got[i]) - ref[i]);
    if (std::isnan(got[i]) != std::isnan(ref[i]))
      diff = std::numeric_limits<double>::infinity();
    else if (std::isnan(got[i]))
      diff = 0;
    double allowed =
        tol * std::max(1.0, scale ? (*scale)[i] : std::fabs(ref[i]));
    maxDiff = std::max(maxDiff, diff);
    worst = std::max(worst, diff / allowed);
    if (!(diff <= allowed))
      ++bad;
  }
  std::printf("  %-58s max diff %.3e (tolerance %.0e * max(1, %s))\n",
              what.c_str(), maxDiff, tol, scale ? "sum|terms|" : "|ref|");
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << ref.size()
                     << " elements outside the tolerance; max diff " << maxDiff
                     << ", worst diff/allowed " << worst;
}

/// The multi-index of flat index `i` in `shape`.
inline std::vector<int64_t> unravel(int64_t i, const Shape &shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  return idx;
}

/// Flat index in `shape` (aligned at the end, broadcasting extents of 1) of
/// the output multi-index `idx`.
inline int64_t broadcastIndex(const std::vector<int64_t> &idx,
                              const Shape &shape) {
  int64_t flat = 0;
  size_t offset = idx.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + (shape[d] == 1 ? 0 : idx[offset + d]);
  return flat;
}

inline Shape broadcastShape(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 1; i <= rank; ++i) {
    int64_t da = i <= a.size() ? a[a.size() - i] : 1;
    int64_t db = i <= b.size() ? b[b.size() - i] : 1;
    out[rank - i] = da == 1 ? db : da;
  }
  return out;
}

} // namespace braid::runtime::kt

#endif // BRAID_UNITTESTS_RUNTIME_KERNELS_KERNELTESTHARNESS_H
