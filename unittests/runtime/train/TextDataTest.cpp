// Tests of TextData: the fortunes corpus, the split into training and
// validation bytes, the window generator's determinism and replica slices,
// the validation windows and the input checks.
#include "runtime/train/TextData.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <unistd.h>

namespace braid::runtime::train {
namespace {

using io::test::TempDir;

void writeFile(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

void expectError(const Status &s, StatusCode code, const std::string &needle) {
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

// A corpus whose byte i is i mod 251 (so a window's bytes name its start).
TextCorpus counting(int64_t size, int64_t trainBytes) {
  TextCorpus c;
  c.origin = "counting";
  for (int64_t i = 0; i < size; ++i)
    c.bytes.push_back(static_cast<uint8_t>(i % 251));
  c.trainBytes = trainBytes;
  return c;
}

TEST(TextDataTest, ParsesTextSources) {
  DataSource src;
  ASSERT_TRUE(parseDataSource("text", &src, "/fm", "/fortunes").isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::Text);
  EXPECT_EQ(src.directory, "/fortunes");
  EXPECT_TRUE(src.textFile.empty());
  EXPECT_TRUE(src.hasSplits());
  ASSERT_TRUE(parseDataSource("text=fortunes", &src, "/fm", "/f").isOk());
  EXPECT_EQ(src.directory, "/f");
  ASSERT_TRUE(parseDataSource("text=/a/b.txt", &src).isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::Text);
  EXPECT_EQ(src.textFile, "/a/b.txt");
  // An input named `text` bound to .npy arrays stays a binding.
  ASSERT_TRUE(parseDataSource("text=t.npy", &src).isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::NpyBindings);
  ASSERT_TRUE(parseDataSource("text=a.txt,y=b.npy", &src).isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::NpyBindings);
}

// The peer's corpus: plain files sorted by name; no .dat, .u8, symbolic
// links or dot files.
TEST(TextDataTest, FortunesAreThePlainFilesInNameOrder) {
  TempDir dir;
  writeFile(dir.file("b"), "BB");
  writeFile(dir.file("a"), "A");
  writeFile(dir.file("a.dat"), "index");
  writeFile(dir.file(".hidden"), "hidden");
  ASSERT_EQ(::symlink("a", dir.file("a.u8").c_str()), 0);
  ASSERT_EQ(::symlink("b", dir.file("c").c_str()), 0);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(readFortunes(dir.path(), &bytes).isOk());
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "ABB");

  TempDir empty;
  expectError(readFortunes(empty.path(), &bytes), StatusCode::NotFound,
              "install Debian's fortunes package");
}

TEST(TextDataTest, HoldsOutTheTail) {
  TempDir dir;
  writeFile(dir.file("t.txt"), std::string(1005, 'x'));
  DataSource src;
  ASSERT_TRUE(parseDataSource("text=" + dir.file("t.txt"), &src).isOk());
  TextCorpus c;
  ASSERT_TRUE(loadTextCorpus(src, 0.1, &c).isOk());
  EXPECT_EQ(c.bytes.size(), 1005u);
  EXPECT_EQ(c.trainBytes, 905); // floor(100.5) bytes held out
  EXPECT_EQ(c.valBytes(), 100);
  ASSERT_TRUE(loadTextCorpus(src, 0, &c).isOk());
  EXPECT_EQ(c.trainBytes, 1005);
  expectError(loadTextCorpus(src, 1, &c), StatusCode::InvalidArgument,
              "[0, 1)");
  ASSERT_TRUE(parseDataSource("text=" + dir.file("no.txt"), &src).isOk());
  expectError(loadTextCorpus(src, 0.1, &c), StatusCode::NotFound,
              "does not exist");
}

TEST(TextDataTest, StartsAreSeededAndInRange) {
  std::set<int64_t> seen;
  for (int64_t row = 0; row < 200; ++row) {
    int64_t s = textWindowStart(7, 3, row, 10);
    EXPECT_GE(s, 0);
    EXPECT_LT(s, 10);
    EXPECT_EQ(s, textWindowStart(7, 3, row, 10)); // a function of its keys
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 10u); // every start is drawn
  // Another seed, step or row draws another start (almost always).
  int differ = 0;
  for (int64_t row = 0; row < 50; ++row)
    differ += (textWindowStart(7, 3, row, 1 << 20) !=
               textWindowStart(8, 3, row, 1 << 20)) +
              (textWindowStart(7, 3, row, 1 << 20) !=
               textWindowStart(7, 4, row, 1 << 20));
  EXPECT_GE(differ, 98);
  // Golden values: the generator is defined bit for bit (TextData.h), and
  // changing it changes every run's batches. (Reproduced in Python from
  // the header's definition.)
  EXPECT_EQ(textWindowStart(0, 0, 0, 1000000), 906239);
  EXPECT_EQ(textWindowStart(1, 2, 3, 1000000), 428288);
  EXPECT_EQ(textWindowStart(42, 1999, 31, 2318942), 1820146);
}

TEST(TextDataTest, WindowsAreShiftedPairs) {
  TextCorpus c = counting(1000, 900);
  TextWindows w;
  ASSERT_TRUE(TextWindows::create(c, 8, 4, 11, &w).isOk());
  EXPECT_EQ(w.samples(), 112); // floor(900 / 8)
  EXPECT_EQ(w.stepsPerEpoch(), 28);
  std::vector<int32_t> x(32), y(32);
  ASSERT_TRUE(w.gather(5, 0, 1, x.data(), y.data(), x.size()).isOk());
  for (int64_t row = 0; row < 4; ++row) {
    int64_t start = textWindowStart(11, 5, row, 900 - 8);
    for (int64_t t = 0; t < 8; ++t) {
      EXPECT_EQ(x[row * 8 + t], (start + t) % 251);
      EXPECT_EQ(y[row * 8 + t], (start + t + 1) % 251);
    }
    EXPECT_LE(start + 8 + 1, 900); // inside the training bytes
  }
}

// Every rank's rows are its slice of the global batch, so R replicas
// together train on one process's batches.
TEST(TextDataTest, RanksSliceTheGlobalBatch) {
  TextCorpus c = counting(5000, 4500);
  TextWindows w;
  ASSERT_TRUE(TextWindows::create(c, 16, 8, 3, &w).isOk());
  std::vector<int32_t> gx(8 * 16), gy(8 * 16);
  ASSERT_TRUE(w.gather(9, 0, 1, gx.data(), gy.data(), gx.size()).isOk());
  for (int replicas : {2, 4, 8}) {
    std::vector<int32_t> x, y;
    for (int r = 0; r < replicas; ++r) {
      std::vector<int32_t> rx(8 / replicas * 16), ry(rx.size());
      ASSERT_TRUE(
          w.gather(9, r, replicas, rx.data(), ry.data(), rx.size()).isOk());
      x.insert(x.end(), rx.begin(), rx.end());
      y.insert(y.end(), ry.begin(), ry.end());
    }
    EXPECT_EQ(x, gx) << replicas << " replicas";
    EXPECT_EQ(y, gy) << replicas << " replicas";
  }
  std::vector<int32_t> small(10);
  expectError(w.gather(0, 0, 1, small.data(), small.data(), small.size()),
              StatusCode::InvalidArgument, "need 128");
  expectError(w.gather(0, 0, 3, gx.data(), gy.data(), gx.size()),
              StatusCode::InvalidArgument, "3 replicas");
}

TEST(TextDataTest, TooShortTexts) {
  TextWindows w;
  TextCorpus c = counting(9, 8);
  expectError(TextWindows::create(c, 8, 1, 0, &w), StatusCode::InvalidArgument,
              "needs 9 bytes");
  c = counting(40, 30);
  expectError(TextWindows::create(c, 8, 4, 0, &w), StatusCode::InvalidArgument,
              "fewer than one batch of 4 windows of 8");
  c = counting(40, 9);
  EXPECT_TRUE(TextWindows::create(c, 8, 1, 0, &w).isOk());
}

TEST(TextDataTest, ValidationWindowsAreFixed) {
  // 900 training bytes, 100 validation: floor(99 / 8) = 12 windows, 3
  // batches of 4.
  TextCorpus c = counting(1000, 900);
  TextEvalWindows e;
  ASSERT_TRUE(TextEvalWindows::create(c, 8, 4, &e).isOk());
  EXPECT_EQ(e.windows(), 12);
  EXPECT_EQ(e.batchCount(), 3);
  std::vector<int32_t> x(16), y(16);
  ASSERT_TRUE(e.gather(2, 1, 2, x.data(), y.data(), x.size()).isOk());
  // Rank 1 of 2 in batch 2: windows 10 and 11.
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t t = 0; t < 8; ++t) {
      int64_t start = 900 + (10 + i) * 8;
      EXPECT_EQ(x[i * 8 + t], (start + t) % 251);
      EXPECT_EQ(y[i * 8 + t], (start + t + 1) % 251);
    }
  EXPECT_LE(900 + 12 * 8 + 1, 1000);
  expectError(e.gather(3, 0, 2, x.data(), y.data(), x.size()),
              StatusCode::InvalidArgument, "out of range");
  c = counting(1000, 970);
  expectError(TextEvalWindows::create(c, 8, 4, &e), StatusCode::InvalidArgument,
              "--val-fraction");
}

TEST(TextDataTest, InputsMustBeTwoTokenWindows) {
  auto spec = [](const char *name, io::DType t, std::vector<int64_t> shape) {
    InputSpec s;
    s.name = name;
    s.dtype = t;
    s.sampleShape = std::move(shape);
    return s;
  };
  int64_t context = 0;
  ASSERT_TRUE(checkTextInputs({spec("x", io::DType::I32, {64}),
                               spec("y", io::DType::I32, {64})},
                              "train_step", &context)
                  .isOk());
  EXPECT_EQ(context, 64);
  expectError(checkTextInputs({spec("x", io::DType::F32, {784}),
                               spec("y", io::DType::I32, {})},
                              "train_step", &context),
              StatusCode::InvalidPlan,
              "the plan's train_step takes x f32[B, 784], y i32[B]");
  expectError(checkTextInputs({spec("x", io::DType::I32, {64}),
                               spec("y", io::DType::I32, {32})},
                              "eval", &context),
              StatusCode::InvalidPlan, "eval takes x i32[B, 64], y i32[B, 32]");
  expectError(checkTextInputs({spec("x", io::DType::I32, {64})}, "train_step",
                              &context),
              StatusCode::InvalidPlan, "two inputs i32[B, T]");
}

} // namespace
} // namespace braid::runtime::train
