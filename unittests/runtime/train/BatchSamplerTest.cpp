// Tests of BatchSampler and EvalBatches: permutations, determinism, replica
// slices, partial batches, resumption and the generator's golden values.
#include "runtime/train/BatchSampler.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace braid::runtime::train {
namespace {

using io::DType;
using io::test::makeArray;
using io::test::valuesOf;

std::vector<int64_t> batchOf(BatchSampler &s, int64_t epoch, int64_t batch,
                             int rank = 0, int replicas = 1) {
  std::vector<int64_t> idx;
  Status st = s.indices(epoch, batch, rank, replicas, &idx);
  EXPECT_TRUE(st.isOk()) << st.message();
  return idx;
}

void expectError(const Status &s, const std::string &needle) {
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

// A data set of n samples: x[i] = {i, -i} (f32), y[i] = i (i32).
Dataset numbered(int64_t n) {
  std::vector<float> x;
  std::vector<int32_t> y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(-static_cast<float>(i));
    y.push_back(static_cast<int32_t>(i));
  }
  Dataset ds;
  ds.samples = n;
  ds.tensors.push_back({"x", "x.npy", makeArray(DType::F32, {n, 2}, x), 8});
  ds.tensors.push_back({"y", "y.npy", makeArray(DType::I32, {n}, y), 4});
  return ds;
}

// Tests SplitMix64 against its reference output (the first value from state
// 0) and pins the shuffle, so a change to the generator is noticed (the
// values were checked against an independent Python transcription of the
// algorithm documented in BatchSampler.h).
TEST(ShuffleTest, Golden) {
  EXPECT_EQ(splitMix64Draw(0, 0), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(splitMix64Draw(0, 1), 0x6E789E6AA1B965F4ull);
  std::vector<int64_t> p;
  epochPermutation(0, 0, 10, &p);
  EXPECT_EQ(p, (std::vector<int64_t>{0, 1, 7, 2, 5, 4, 9, 3, 8, 6}));
  epochPermutation(0, 0, 60000, &p);
  EXPECT_EQ(std::vector<int64_t>(p.begin(), p.begin() + 8),
            (std::vector<int64_t>{23029, 56307, 48109, 26458, 39221, 31796,
                                  24550, 5830}));
}

// Tests that every epoch order is a permutation, for sizes 1 to 1000.
TEST(ShuffleTest, IsPermutation) {
  for (int64_t n : {1, 2, 3, 10, 257, 1000}) {
    for (uint64_t epoch : {0, 1, 7}) {
      std::vector<int64_t> p;
      epochPermutation(123, epoch, n, &p);
      ASSERT_EQ(static_cast<int64_t>(p.size()), n);
      std::sort(p.begin(), p.end());
      std::vector<int64_t> iota(n);
      std::iota(iota.begin(), iota.end(), 0);
      EXPECT_EQ(p, iota) << "n " << n << " epoch " << epoch;
    }
  }
}

// Tests that each position of a shuffle of 3 is roughly uniform (a biased
// or off-by-one Fisher-Yates fails this).
TEST(ShuffleTest, RoughlyUniform) {
  int counts[3][3] = {};
  for (uint64_t e = 0; e < 6000; ++e) {
    std::vector<int64_t> p;
    epochPermutation(9, e, 3, &p);
    for (int i = 0; i < 3; ++i)
      ++counts[i][p[i]];
  }
  for (auto &row : counts)
    for (int c : row)
      EXPECT_NEAR(c, 2000, 200);
}

// Tests that two samplers of one seed agree, and that epochs and seeds differ.
TEST(BatchSamplerTest, Deterministic) {
  BatchSampler a, b, c;
  ASSERT_TRUE(BatchSampler::createForSize(1000, 32, 7, &a).isOk());
  ASSERT_TRUE(BatchSampler::createForSize(1000, 32, 7, &b).isOk());
  ASSERT_TRUE(BatchSampler::createForSize(1000, 32, 8, &c).isOk());
  EXPECT_EQ(a.batchesPerEpoch(), 31);
  for (int64_t e = 0; e < 3; ++e)
    for (int64_t i = 0; i < 31; i += 5)
      EXPECT_EQ(batchOf(a, e, i), batchOf(b, e, i));
  // Asking for epochs out of order recomputes the same order.
  EXPECT_EQ(batchOf(a, 1, 3), batchOf(b, 1, 3));
  EXPECT_NE(batchOf(a, 0, 0), batchOf(a, 1, 0));
  EXPECT_NE(batchOf(a, 0, 0), batchOf(c, 0, 0));
}

// Tests that the rank slices of R = 1, 2, 4 replicas partition each global
// batch exactly, in order.
// --in-order: every epoch visits the samples in their order, batch b
// holding [b*B, (b+1)*B), sliced across ranks as shuffled batches are.
TEST(BatchSamplerTest, InOrder) {
  BatchSampler s;
  ASSERT_TRUE(BatchSampler::createForSize(10, 4, 9, &s).isOk());
  EXPECT_NE(batchOf(s, 0, 0), (std::vector<int64_t>{0, 1, 2, 3}));
  s.setInOrder(true);
  EXPECT_TRUE(s.inOrder());
  for (int64_t epoch : {0, 3}) {
    EXPECT_EQ(batchOf(s, epoch, 0), (std::vector<int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(batchOf(s, epoch, 1), (std::vector<int64_t>{4, 5, 6, 7}));
    EXPECT_EQ(batchOf(s, epoch, 1, 1, 2), (std::vector<int64_t>{6, 7}));
  }
  s.setInOrder(false); // back to epochPermutation's order
  std::vector<int64_t> order;
  epochPermutation(9, 3, 10, &order);
  EXPECT_EQ(batchOf(s, 3, 0),
            std::vector<int64_t>(order.begin(), order.begin() + 4));
}

TEST(BatchSamplerTest, RankSlicesPartitionGlobalBatch) {
  BatchSampler s;
  ASSERT_TRUE(BatchSampler::createForSize(100, 16, 3, &s).isOk());
  for (int64_t e = 0; e < 2; ++e)
    for (int64_t b = 0; b < s.batchesPerEpoch(); ++b) {
      std::vector<int64_t> global = batchOf(s, e, b);
      ASSERT_EQ(global.size(), 16u);
      for (int replicas : {1, 2, 4}) {
        std::vector<int64_t> joined;
        for (int r = 0; r < replicas; ++r) {
          std::vector<int64_t> part = batchOf(s, e, b, r, replicas);
          EXPECT_EQ(part.size(), 16u / replicas);
          joined.insert(joined.end(), part.begin(), part.end());
        }
        EXPECT_EQ(joined, global) << "replicas " << replicas;
      }
    }
  expectError(s.checkReplicas(0, 3), "not divisible by the 3 replicas");
  expectError(s.checkReplicas(4, 4), "rank must be in [0, replicas)");
  std::vector<int64_t> idx;
  expectError(s.indices(0, 0, 0, 0, &idx), "must be positive");
}

// Tests that the partial last batch is dropped: an epoch of 50 samples in
// batches of 16 visits 48 distinct samples in 3 batches.
TEST(BatchSamplerTest, DropsPartialBatch) {
  BatchSampler s;
  ASSERT_TRUE(BatchSampler::createForSize(50, 16, 1, &s).isOk());
  EXPECT_EQ(s.batchesPerEpoch(), 3);
  std::set<int64_t> seen;
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t i : batchOf(s, 0, b))
      seen.insert(i);
  EXPECT_EQ(seen.size(), 48u);
  EXPECT_LT(*seen.rbegin(), 50);
  std::vector<int64_t> idx;
  expectError(s.indices(0, 3, 0, 1, &idx),
              "batch 3 is out of range: an epoch has 3 batches");
  expectError(s.indices(-1, 0, 0, 1, &idx), "epoch -1 is negative");
}

// Tests the errors of creation.
TEST(BatchSamplerTest, CreateErrors) {
  BatchSampler s;
  expectError(BatchSampler::createForSize(10, 16, 0, &s),
              "dataset of 10 samples is smaller than one batch of 16");
  expectError(BatchSampler::createForSize(10, 0, 0, &s),
              "batch size must be positive");
  Dataset ds = numbered(3);
  expectError(BatchSampler::create(ds, 4, 0, &s),
              "dataset of 3 samples is smaller than one batch of 4");
}

// Tests that gather copies each rank's rows of every input, and its errors.
TEST(BatchSamplerTest, Gather) {
  Dataset ds = numbered(40);
  BatchSampler s;
  ASSERT_TRUE(BatchSampler::create(ds, 8, 5, &s).isOk());
  std::vector<float> x(4 * 2);
  std::vector<int32_t> y(4);
  for (int rank = 0; rank < 2; ++rank) {
    ASSERT_TRUE(s.gather(2, 1, rank, 2, 0, x.data(), x.size() * 4).isOk());
    ASSERT_TRUE(s.gather(2, 1, rank, 2, 1, y.data(), y.size() * 4).isOk());
    std::vector<int64_t> idx = batchOf(s, 2, 1, rank, 2);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(y[i], idx[i]);
      EXPECT_EQ(x[2 * i], static_cast<float>(idx[i]));
      EXPECT_EQ(x[2 * i + 1], -static_cast<float>(idx[i]));
    }
  }
  expectError(s.gather(0, 0, 0, 2, 0, x.data(), x.size() * 4 - 1),
              "buffer for input 'x' holds 31 bytes; 4 samples need 32");
  expectError(s.gather(0, 0, 0, 1, 2, x.data(), 1 << 20),
              "input index 2 is out of range");
  BatchSampler bare;
  ASSERT_TRUE(BatchSampler::createForSize(40, 8, 5, &bare).isOk());
  expectError(bare.gather(0, 0, 0, 1, 0, x.data(), 1 << 20),
              "created without a data set");
}

// Tests that a run interrupted at any step and resumed from its serialized
// position sees exactly the batches of the uninterrupted run.
TEST(BatchSamplerTest, Resumption) {
  const int64_t epochs = 3;
  BatchSampler full;
  ASSERT_TRUE(BatchSampler::createForSize(37, 5, 42, &full).isOk());
  std::vector<std::vector<int64_t>> expected;
  for (TrainingPosition p{42}; p.epoch < epochs;
       p.advance(full.batchesPerEpoch()))
    expected.push_back(batchOf(full, p.epoch, p.batch));
  ASSERT_EQ(expected.size(), 21u);

  for (size_t stop : {0, 1, 6, 7, 8, 13, 20}) {
    BatchSampler first;
    ASSERT_TRUE(BatchSampler::createForSize(37, 5, 42, &first).isOk());
    std::vector<std::vector<int64_t>> seen;
    TrainingPosition p{42};
    while (seen.size() < stop) {
      seen.push_back(batchOf(first, p.epoch, p.batch));
      p.advance(first.batchesPerEpoch());
    }
    std::map<std::string, std::string> meta = {{"other", "kept"}};
    p.toMetadata(&meta);
    EXPECT_EQ(meta.at("braid.train.step"), std::to_string(stop));

    TrainingPosition q;
    ASSERT_TRUE(TrainingPosition::fromMetadata(meta, &q).isOk());
    BatchSampler resumed;
    ASSERT_TRUE(BatchSampler::createForSize(37, 5, q.seed, &resumed).isOk());
    ASSERT_TRUE(resumed.checkPosition(q).isOk());
    EXPECT_EQ(q.globalStep, static_cast<int64_t>(stop));
    for (; q.epoch < epochs; q.advance(resumed.batchesPerEpoch()))
      seen.push_back(batchOf(resumed, q.epoch, q.batch));
    EXPECT_EQ(seen, expected) << "interrupted after " << stop << " steps";
  }
}

// Tests the training position's metadata round trip and its errors.
TEST(TrainingPositionTest, Metadata) {
  TrainingPosition p{0xFFFFFFFFFFFFFFFFull, 4, 17, 9000};
  std::map<std::string, std::string> meta;
  p.toMetadata(&meta);
  EXPECT_EQ(meta.at("braid.train.seed"), "18446744073709551615");
  TrainingPosition q;
  ASSERT_TRUE(TrainingPosition::fromMetadata(meta, &q).isOk());
  EXPECT_EQ(q.seed, p.seed);
  EXPECT_EQ(q.epoch, 4);
  EXPECT_EQ(q.batch, 17);
  EXPECT_EQ(q.globalStep, 9000);

  auto bad = meta;
  bad.erase("braid.train.batch");
  Status s = TrainingPosition::fromMetadata(bad, &q);
  EXPECT_EQ(s.code(), StatusCode::NotFound);
  EXPECT_NE(s.message().find("'braid.train.batch'"), std::string::npos);
  for (const char *text : {"-1", "", "12x", "9223372036854775808"}) {
    bad = meta;
    bad["braid.train.epoch"] = text;
    s = TrainingPosition::fromMetadata(bad, &q);
    EXPECT_EQ(s.code(), StatusCode::InvalidData) << text;
    EXPECT_NE(s.message().find("'braid.train.epoch' entry '" +
                               std::string(text) + "'"),
              std::string::npos)
        << s.message();
  }
  bad = meta;
  bad["braid.train.seed"] = "18446744073709551616";
  EXPECT_EQ(TrainingPosition::fromMetadata(bad, &q).code(),
            StatusCode::InvalidData);

  BatchSampler sampler;
  ASSERT_TRUE(BatchSampler::createForSize(100, 10, 1, &sampler).isOk());
  expectError(sampler.checkPosition(TrainingPosition{2, 0, 0, 0}),
              "has seed 2, but this run's is 1");
  expectError(sampler.checkPosition(TrainingPosition{1, 0, 10, 0}),
              "does not fit epochs of 10 batches");
}

// Tests in-order evaluation batches with the partial batch dropped or padded.
TEST(EvalBatchesTest, DropAndPad) {
  Dataset ds = numbered(10);
  EvalBatches drop, pad;
  ASSERT_TRUE(EvalBatches::create(ds, 4, PartialBatch::Drop, &drop).isOk());
  ASSERT_TRUE(EvalBatches::create(ds, 4, PartialBatch::Pad, &pad).isOk());
  EXPECT_EQ(drop.batchCount(), 2);
  EXPECT_EQ(pad.batchCount(), 3);
  EXPECT_EQ(pad.validRows(1), 4);
  EXPECT_EQ(pad.validRows(2), 2);

  std::vector<int32_t> y(4);
  int64_t valid = -1;
  ASSERT_TRUE(drop.gather(1, 0, 1, 1, y.data(), 16, &valid).isOk());
  EXPECT_EQ(y, (std::vector<int32_t>{4, 5, 6, 7}));
  EXPECT_EQ(valid, 4);
  expectError(drop.gather(2, 0, 1, 1, y.data(), 16, &valid),
              "eval batch 2 is out of range: there are 2 batches");

  ASSERT_TRUE(pad.gather(2, 0, 1, 1, y.data(), 16, &valid).isOk());
  EXPECT_EQ(y, (std::vector<int32_t>{8, 9, 0, 0}));
  EXPECT_EQ(valid, 2);
  // With two replicas the second rank's rows are all padding.
  std::vector<float> x(2 * 2, 7.0f);
  ASSERT_TRUE(pad.gather(2, 0, 2, 0, x.data(), 16, &valid).isOk());
  EXPECT_EQ(x, (std::vector<float>{8, -8, 9, -9}));
  EXPECT_EQ(valid, 2);
  x.assign(4, 7.0f);
  ASSERT_TRUE(pad.gather(2, 1, 2, 0, x.data(), 16, &valid).isOk());
  EXPECT_EQ(x, (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(valid, 0);

  // A data set smaller than a batch: one padded batch, or an error.
  EvalBatches small;
  ASSERT_TRUE(EvalBatches::create(ds, 16, PartialBatch::Pad, &small).isOk());
  EXPECT_EQ(small.batchCount(), 1);
  EXPECT_EQ(small.validRows(0), 10);
  expectError(EvalBatches::create(ds, 16, PartialBatch::Drop, &small),
              "dataset of 10 samples is smaller than one batch of 16");
}

} // namespace
} // namespace braid::runtime::train
