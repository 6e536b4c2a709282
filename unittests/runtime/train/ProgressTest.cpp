// Tests of ProgressReporter: the exact plain lines and bar text, with a fake
// clock.
#include "runtime/train/Progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace braid::runtime::train {
namespace {

// Everything written to `f` so far.
std::string contents(FILE *f) {
  std::fflush(f);
  long end = std::ftell(f);
  std::string s(static_cast<size_t>(end), '\0');
  std::rewind(f);
  size_t got = std::fread(s.data(), 1, s.size(), f);
  s.resize(got);
  std::fseek(f, 0, SEEK_END);
  return s;
}

ProgressOptions options(FILE *f, double *now, ProgressOptions::Style style) {
  ProgressOptions o;
  o.stream = f;
  o.style = style;
  o.epochs = 10;
  o.stepsPerEpoch = 937;
  o.samplesPerStep = 64;
  o.lineEvery = 256;
  o.clock = [now] { return *now; };
  return o;
}

// Tests the plain lines: one every K steps and one at the epoch's end.
TEST(ProgressTest, PlainLines) {
  FILE *f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  double now = 100;
  ProgressReporter p(options(f, &now, ProgressOptions::Style::Auto));
  EXPECT_FALSE(p.isBar()); // a temporary file is no terminal
  p.beginEpoch(3);
  for (int64_t s = 1; s <= 937; ++s) {
    now += 0.001; // 64 samples per ms: 64000 samples/s
    p.step(s, s == 512 ? 0.41234 : 1.0, 0.5);
  }
  EpochSummary sum;
  sum.loss = 0.4;
  sum.accuracy = 0.852;
  sum.testLoss = 0.45;
  sum.testAccuracy = 0.8401;
  p.endEpoch(sum);
  EXPECT_EQ(contents(f),
            "epoch 3/10 step 256/937 loss 1.0000 samples/s 64000\n"
            "epoch 3/10 step 512/937 loss 0.4123 samples/s 64000\n"
            "epoch 3/10 step 768/937 loss 1.0000 samples/s 64000\n"
            "epoch 3/10 step 937/937 loss 0.4000 samples/s 64000 acc 85.2% "
            "test_loss 0.4500 test_acc 84.0%\n");
  std::fclose(f);
}

// Tests that a plan's learning rate, once set, shows after the loss in the
// lines and the bar.
TEST(ProgressTest, LearningRate) {
  FILE *f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  double now = 100;
  ProgressReporter p(options(f, &now, ProgressOptions::Style::Lines));
  p.beginEpoch(1);
  for (int64_t s = 1; s <= 256; ++s) {
    now += 0.001;
    p.setRate(s == 256 ? std::optional<double>(3e-4) : std::nullopt);
    p.step(s, 1.0);
  }
  EXPECT_EQ(contents(f),
            "epoch 1/10 step 256/937 loss 1.0000 lr 0.0003 samples/s 64000\n");
  std::fclose(f);

  FILE *g = std::tmpfile();
  ASSERT_NE(g, nullptr);
  ProgressReporter bar(options(g, &now, ProgressOptions::Style::Bar));
  bar.beginEpoch(1);
  bar.setRate(2.5e-5);
  bar.step(1, 2.0);
  EXPECT_NE(contents(g).find("1/937 loss 2.0000 lr 2.5e-05 "),
            std::string::npos)
      << contents(g);
  std::fclose(g);
}

// Tests the bar's text, its throttled redraws and the line it ends with.
TEST(ProgressTest, Bar) {
  FILE *f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  double now = 0;
  ProgressOptions o = options(f, &now, ProgressOptions::Style::Bar);
  o.redrawSeconds = 1.0;
  ProgressReporter p(o);
  EXPECT_TRUE(p.isBar());
  p.beginEpoch(3, 0);
  now = 0.5;
  p.step(1, 2.0); // the first step draws
  now = 0.9;
  p.step(2, 2.0); // too soon after: no redraw
  now = 2.0;      // 512 steps of 64 samples in 2 s: 16384 samples/s
  p.step(512, 0.41234, 0.8523);
  std::string out = contents(f);
  EXPECT_EQ(out.find("\repoch 3/10 [..........] 1/937 loss 2.0000 "), 0u)
      << out;
  EXPECT_EQ(out.find("] 2/937"), std::string::npos) << out;
  EXPECT_NE(out.find("\repoch 3/10 [#####.....] 512/937 loss 0.4123 acc "
                     "85.2% 16384 samples/s ETA 0:02"),
            std::string::npos)
      << out;
  now = 2.1; // the last step draws however soon
  p.step(937, 0.3);
  p.endEpoch({0.3, std::nullopt, std::nullopt, std::nullopt});
  out = contents(f);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find("[##########] 937/937 loss 0.3000"), std::string::npos)
      << out;
  std::fclose(f);
}

// Tests the ETA field and durations.
TEST(ProgressTest, Durations) {
  EXPECT_EQ(formatDuration(7.2), "0:07");
  EXPECT_EQ(formatDuration(62), "1:02");
  EXPECT_EQ(formatDuration(3723), "1:02:03");
  EXPECT_EQ(formatDuration(-1), "0:00");
}

} // namespace
} // namespace braid::runtime::train
