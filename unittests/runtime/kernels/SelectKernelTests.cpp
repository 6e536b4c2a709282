// Tests of the kernels of slicing, joining, masks and dropout: concat,
// slice, slice_grad, the comparisons, where, cast and dropout (with its
// generator's known answers and its masks' statistics and keys).
#include "runtime/kernels/Philox.h"
#include "unittests/runtime/kernels/KernelTestHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace braid::runtime {
namespace {

using namespace kt;

std::vector<int32_t> ints(const std::vector<float> &words) {
  std::vector<int32_t> out(words.size());
  std::memcpy(out.data(), words.data(), words.size() * 4);
  return out;
}

TEST_F(KernelTest, ConcatSliceAndSliceGrad) {
  // [2, 3] and [2, 1] along axis 1, then the middle two columns back out,
  // and that slice placed in zeros.
  Host a = Host::f32({2, 3}), b = Host::f32({2, 1});
  a.data = {1, 2, 3, 4, 5, 6};
  b.data = {7, 8};
  StepDesc concat = makeStep(KernelKind::Concat, {a, b}, {{2, 4}});
  concat.axis = 1;
  std::vector<float> joined = runStep(concat, {a, b});
  EXPECT_EQ(joined, (std::vector<float>{1, 2, 3, 7, 4, 5, 6, 8}));

  Host j = Host::f32({2, 4});
  j.data = joined;
  StepDesc slice = makeStep(KernelKind::Slice, {j}, {{2, 2}});
  slice.axis = 1;
  slice.start = 2;
  std::vector<float> sliced = runStep(slice, {j});
  EXPECT_EQ(sliced, (std::vector<float>{3, 7, 6, 8}));

  Host s = Host::f32({2, 2});
  s.data = sliced;
  StepDesc grad = makeStep(KernelKind::SliceGrad, {s}, {{2, 4}});
  grad.axis = 1;
  grad.start = 1;
  EXPECT_EQ(runStep(grad, {s}), (std::vector<float>{0, 3, 7, 0, 0, 6, 8, 0}));

  // Along the leading axis, i32.
  Host n = Host::i32({1, 2}), m = Host::i32({2, 2});
  n.setInt(0, -1);
  n.setInt(1, 9);
  for (int i = 0; i < 4; ++i)
    m.setInt(i, i);
  StepDesc rows =
      makeStep(KernelKind::Concat, {n, m}, {{3, 2}}, ElementType::I32);
  rows.axis = 0;
  EXPECT_EQ(ints(runStep(rows, {n, m})),
            (std::vector<int32_t>{-1, 9, 0, 1, 2, 3}));
}

TEST_F(KernelTest, SliceRejectsARangeOutsideTheOperand) {
  Host x = randomF32({2, 4});
  StepDesc slice = makeStep(KernelKind::Slice, {x}, {{2, 3}});
  slice.axis = 1;
  slice.start = 2;
  Bound b;
  std::vector<Host> in = {x};
  Status s = b.create(slice, in);
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("start 2 and size 3 do not fit"),
            std::string::npos)
      << s.message();
}

TEST_F(KernelTest, ComparisonsBroadcastAndTreatNaNAsUnequal) {
  Host a = Host::f32({2, 3}), b = Host::f32({3});
  float nan = std::nanf("");
  a.data = {1, 2, 3, nan, 2, -1};
  b.data = {2, 2, nan};
  struct Case {
    KernelKind kind;
    std::vector<int32_t> expected;
  };
  for (const Case &c : {Case{KernelKind::Equal, {0, 1, 0, 0, 1, 0}},
                        Case{KernelKind::NotEqual, {1, 0, 1, 1, 0, 1}},
                        Case{KernelKind::Less, {1, 0, 0, 0, 0, 0}},
                        Case{KernelKind::LessEqual, {1, 1, 0, 0, 1, 0}},
                        Case{KernelKind::Greater, {0, 0, 0, 0, 0, 0}},
                        Case{KernelKind::GreaterEqual, {0, 1, 0, 0, 1, 0}}}) {
    StepDesc step = makeStep(c.kind, {a, b}, {{2, 3}}, ElementType::I32);
    EXPECT_EQ(ints(runStep(step, {a, b})), c.expected) << kindName(c.kind);
  }
  Host i = Host::i32({3}), k = Host::i32({});
  for (int v = 0; v < 3; ++v)
    i.setInt(v, v - 1);
  k.setInt(0, 0);
  StepDesc step =
      makeStep(KernelKind::Greater, {i, k}, {{3}}, ElementType::I32);
  EXPECT_EQ(ints(runStep(step, {i, k})), (std::vector<int32_t>{0, 0, 1}));
}

TEST_F(KernelTest, WhereBroadcastsItsThreeOperands) {
  // mask [2, 1], a [3], b [] -> [2, 3].
  Host mask = Host::i32({2, 1}), a = Host::f32({3}), b = Host::f32({});
  mask.setInt(0, 0);
  mask.setInt(1, -5); // nonzero selects a
  a.data = {1, 2, 3};
  b.data = {9};
  StepDesc step = makeStep(KernelKind::Where, {mask, a, b}, {{2, 3}});
  EXPECT_EQ(runStep(step, {mask, a, b}),
            (std::vector<float>{9, 9, 9, 1, 2, 3}));
}

TEST_F(KernelTest, CastTruncatesTowardZeroAsPyTorch) {
  Host x = Host::f32({8});
  x.data = {2.9f,  -2.9f,  0.5f,          -0.5f,
            1e10f, -1e10f, std::nanf(""), -2147483648.f};
  StepDesc step = makeStep(KernelKind::Cast, {x}, {{8}}, ElementType::I32);
  EXPECT_EQ(ints(runStep(step, {x})),
            (std::vector<int32_t>{2, -2, 0, 0, INT32_MIN, INT32_MIN, INT32_MIN,
                                  INT32_MIN}));
  Host i = Host::i32({2});
  i.setInt(0, -7);
  i.setInt(1, 16777217); // rounds to nearest: 16777216
  StepDesc back = makeStep(KernelKind::Cast, {i}, {{2}});
  EXPECT_EQ(runStep(back, {i}), (std::vector<float>{-7.f, 16777216.f}));
}

TEST(Philox, MatchesRandom123sKnownAnswers) {
  using kernels::philox4x32_10;
  EXPECT_EQ(
      philox4x32_10({0, 0, 0, 0}, {0, 0}),
      (kernels::PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(
      philox4x32_10({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
      (kernels::PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(
      philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                    {0xa4093822, 0x299f31d0}),
      (kernels::PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

/// The dropout of ones [64, 1000] with `p`, seed, step and salt: 1 / (1 - p)
/// where kept, 0 elsewhere.
std::vector<float> dropOnes(double p, uint64_t seed, uint64_t step,
                            uint32_t salt) {
  Host x = Host::f32({64, 1000});
  std::fill(x.data.begin(), x.data.end(), 1.f);
  StepDesc desc = makeStep(KernelKind::Dropout, {x}, {{64, 1000}});
  desc.dropoutP = p;
  desc.salt = salt;
  Bound b;
  std::vector<Host> in = {x};
  Status s = b.create(desc, in);
  EXPECT_TRUE(s.isOk()) << s.message();
  b.context.random.seed = seed;
  b.context.random.step = step;
  EXPECT_TRUE(b.kernel->run().isOk());
  return b.outputs[0].data;
}

TEST_F(KernelTest, DropoutDropsAFractionPAndScalesTheRest) {
  for (double p : {0.1, 0.5, 0.9}) {
    std::vector<float> y = dropOnes(p, 1, 0, 1);
    float scale = 1.f / static_cast<float>(1.0 - p);
    int64_t dropped = 0;
    for (float v : y) {
      EXPECT_TRUE(v == 0.f || v == scale) << v;
      dropped += v == 0.f;
    }
    // 64000 draws: the binomial's standard deviation is at most 0.002.
    double fraction = double(dropped) / y.size();
    std::printf("  dropout p = %.1f: dropped %.4f of %zu\n", p, fraction,
                y.size());
    EXPECT_NEAR(fraction, p, 0.01);
  }
}

TEST_F(KernelTest, DropoutMasksAreKeyedBySeedStepAndSalt) {
  std::vector<float> base = dropOnes(0.5, 7, 3, 1);
  EXPECT_EQ(dropOnes(0.5, 7, 3, 1), base); // the same counters
  auto differ = [&](const std::vector<float> &other) {
    int64_t n = 0;
    for (size_t i = 0; i < base.size(); ++i)
      n += (base[i] == 0.f) != (other[i] == 0.f);
    return double(n) / base.size();
  };
  // Independent masks of p = 1/2 disagree on about half the elements.
  EXPECT_NEAR(differ(dropOnes(0.5, 8, 3, 1)), 0.5, 0.02); // another seed
  EXPECT_NEAR(differ(dropOnes(0.5, 7, 4, 1)), 0.5, 0.02); // another step
  EXPECT_NEAR(differ(dropOnes(0.5, 7, 3, 2)), 0.5, 0.02); // another salt
  // Rows differ from each other too: row 0 against row 1.
  int64_t rowsDiffer = 0;
  for (int j = 0; j < 1000; ++j)
    rowsDiffer += (base[j] == 0.f) != (base[1000 + j] == 0.f);
  EXPECT_GT(rowsDiffer, 400);
}

} // namespace
} // namespace braid::runtime
