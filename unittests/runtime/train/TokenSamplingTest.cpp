// Tests of TokenSampling: the window generation feeds predict, greedy
// picks, temperature, top-k, and the seeded draw's determinism and
// frequencies.
#include "runtime/train/TokenSampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace braid::runtime::train {
namespace {

std::vector<uint8_t> bytes(const std::string &s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

int32_t pick(const std::vector<float> &logits, double temperature, int64_t topK,
             uint64_t seed, uint64_t index) {
  SamplingOptions o;
  o.temperature = temperature;
  o.topK = topK;
  o.seed = seed;
  int32_t out = -1;
  Status s = sampleToken(logits.data(), static_cast<int64_t>(logits.size()), o,
                         index, &out);
  EXPECT_TRUE(s.isOk()) << s.message();
  return out;
}

TEST(TokenSamplingTest, ShortTextsAreLeftAlignedAndPadded) {
  std::vector<int32_t> w(5, -1);
  EXPECT_EQ(fillWindow(bytes("ab"), 5, w.data()), 1);
  EXPECT_EQ(w, (std::vector<int32_t>{'a', 'b', 0, 0, 0}));
  EXPECT_EQ(fillWindow(bytes("abcde"), 5, w.data()), 4);
  EXPECT_EQ(w, (std::vector<int32_t>{'a', 'b', 'c', 'd', 'e'}));
}

TEST(TokenSamplingTest, LongTextsKeepTheirLastTokens) {
  std::vector<int32_t> w(3, -1);
  EXPECT_EQ(fillWindow(bytes("abcdefg"), 3, w.data()), 2);
  EXPECT_EQ(w, (std::vector<int32_t>{'e', 'f', 'g'}));
  EXPECT_EQ(fillWindow({}, 3, w.data()), -1);
  EXPECT_EQ(w, (std::vector<int32_t>{0, 0, 0}));
}

TEST(TokenSamplingTest, GreedyTakesTheFirstMostLikely) {
  EXPECT_EQ(pick({1, 3, 2, 3}, 0, 0, 0, 0), 1);
  // top-k 1 at any temperature is greedy too.
  for (uint64_t i = 0; i < 20; ++i)
    EXPECT_EQ(pick({1, 3, 2, 3}, 1.5, 1, 7, i), 1);
  EXPECT_EQ(pick({-INFINITY, -INFINITY}, 1, 0, 0, 0), 0);
}

TEST(TokenSamplingTest, SeedAndIndexFixTheDraw) {
  std::vector<float> logits(256, 0.0f);
  int same = 0, otherSeed = 0, otherIndex = 0;
  for (uint64_t i = 0; i < 100; ++i) {
    int32_t t = pick(logits, 1, 0, 3, i);
    same += t == pick(logits, 1, 0, 3, i);
    otherSeed += t != pick(logits, 1, 0, 4, i);
    otherIndex += t != pick(logits, 1, 0, 3, i + 1000);
  }
  EXPECT_EQ(same, 100);
  EXPECT_GE(otherSeed, 90); // 1/256 chance each to coincide
  EXPECT_GE(otherIndex, 90);
}

// Frequencies follow softmax(logits / temperature) over the top k.
TEST(TokenSamplingTest, FrequenciesFollowTheSoftmax) {
  const std::vector<float> logits = {0, std::log(3.0f), -50, std::log(1.0f)};
  const int n = 20000;
  std::vector<int> counts(4, 0);
  for (int i = 0; i < n; ++i)
    ++counts[pick(logits, 1, 0, 11, i)];
  // p = 1/5, 3/5, 0, 1/5 (token 2 is e^-50: never drawn in 20000)
  EXPECT_NEAR(counts[0] / double(n), 0.2, 0.015);
  EXPECT_NEAR(counts[1] / double(n), 0.6, 0.015);
  EXPECT_EQ(counts[2], 0);
  EXPECT_NEAR(counts[3] / double(n), 0.2, 0.015);

  // Temperature 2: weights 1, sqrt 3, 1 -> 0.268, 0.464, 0.268.
  std::fill(counts.begin(), counts.end(), 0);
  for (int i = 0; i < n; ++i)
    ++counts[pick(logits, 2, 0, 11, i)];
  EXPECT_NEAR(counts[1] / double(n), std::sqrt(3.0) / (2 + std::sqrt(3.0)),
              0.015);

  // Top 2: tokens 1 and 0 (of the equal 0 and 3, the lower), 3:1.
  std::fill(counts.begin(), counts.end(), 0);
  for (int i = 0; i < n; ++i)
    ++counts[pick(logits, 1, 2, 11, i)];
  EXPECT_EQ(counts[3], 0);
  EXPECT_NEAR(counts[1] / double(n), 0.75, 0.015);
}

TEST(TokenSamplingTest, Errors) {
  SamplingOptions o;
  int32_t out;
  std::vector<float> logits = {0, NAN, 1};
  Status s = sampleToken(logits.data(), 3, o, 0, &out);
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), StatusCode::InvalidData);
  EXPECT_NE(s.message().find("logit of token 1 is nan"), std::string::npos)
      << s.message();
  logits[1] = 0;
  o.temperature = -1;
  EXPECT_EQ(sampleToken(logits.data(), 3, o, 0, &out).code(),
            StatusCode::InvalidArgument);
  o.temperature = 1;
  o.topK = -2;
  EXPECT_EQ(sampleToken(logits.data(), 3, o, 0, &out).code(),
            StatusCode::InvalidArgument);
  o.topK = 0;
  EXPECT_EQ(sampleToken(logits.data(), 0, o, 0, &out).code(),
            StatusCode::InvalidArgument);
}

} // namespace
} // namespace braid::runtime::train
