// Tests of MetricsWriter: each line is one JSON object that parses back, with
// the optional members present only when known.
#include "runtime/train/Metrics.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace braid::runtime::train {
namespace {

using io::test::TempDir;

std::vector<nlohmann::json> readLines(const std::string &path) {
  std::ifstream f(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(f, line);)
    lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Tests that step and epoch records parse back with their values, that a
// zero interval writes each line at once, and that reopening appends.
TEST(MetricsTest, LinesParseBack) {
  TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  {
    std::unique_ptr<MetricsWriter> w;
    ASSERT_TRUE(MetricsWriter::open(path, false, &w, 0).isOk());
    ASSERT_TRUE(w->logStep({1, 100, 0.5, 48210.5, 1.25, {}, {}}).isOk());
    // Flushed: readable while the writer is open.
    ASSERT_EQ(readLines(path).size(), 1u);
    EpochMetrics e;
    e.epoch = 1;
    e.loss = 0.4;
    e.accuracy = 0.85;
    e.testLoss = 0.45;
    e.testAccuracy = 0.84;
    e.samplesPerSecond = 50000;
    e.wallSeconds = 2.5;
    ASSERT_TRUE(w->logEpoch(e).isOk());
  }
  {
    std::unique_ptr<MetricsWriter> w;
    ASSERT_TRUE(MetricsWriter::open(path, false, &w).isOk());
    EpochMetrics e;
    e.epoch = 2;
    e.loss = NAN;
    ASSERT_TRUE(w->logEpoch(e).isOk());
  }
  std::vector<nlohmann::json> lines = readLines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            nlohmann::json::parse(R"({"epoch":1,"step":100,"loss":0.5,)"
                                  R"("samples_per_s":48210.5,"wall_s":1.25})"));
  EXPECT_EQ(lines[1]["epoch"], 1);
  EXPECT_EQ(lines[1]["loss"], 0.4);
  EXPECT_EQ(lines[1]["accuracy"], 0.85);
  EXPECT_EQ(lines[1]["test_loss"], 0.45);
  EXPECT_EQ(lines[1]["test_accuracy"], 0.84);
  EXPECT_EQ(lines[1]["samples_per_s"], 50000.0);
  EXPECT_EQ(lines[1]["wall_s"], 2.5);
  EXPECT_FALSE(lines[1].contains("step"));
  EXPECT_TRUE(lines[2]["loss"].is_null());
  EXPECT_FALSE(lines[2].contains("accuracy"));
  EXPECT_FALSE(lines[2].contains("test_loss"));
  EXPECT_FALSE(lines[2].contains("test_accuracy"));

  std::unique_ptr<MetricsWriter> w;
  ASSERT_TRUE(MetricsWriter::open(path, true, &w, 0).isOk());
  ASSERT_TRUE(w->logStep({3, 1, 0.1, 1, 1, {}, {}}).isOk());
  EXPECT_EQ(readLines(path).size(), 1u);
}

// Tests that step lines after the first wait for the interval, an epoch
// line, flush() or the close, and then reach the file whole and in order.
// A text's validation loss: val_loss on an epoch line, and the line of a
// validation at the end of a run (no "step" key, which marks step lines).
TEST(MetricsTest, ValidationLines) {
  TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  {
    std::unique_ptr<MetricsWriter> w;
    ASSERT_TRUE(MetricsWriter::open(path, true, &w, 0).isOk());
    EpochMetrics e;
    e.epoch = 1;
    e.loss = 2.5;
    e.valLoss = 2.25;
    ASSERT_TRUE(w->logEpoch(e).isOk());
    ASSERT_TRUE(w->logValidation({300, 2.125, 9.5}).isOk());
  }
  std::vector<nlohmann::json> lines = readLines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["val_loss"], 2.25);
  EXPECT_FALSE(lines[0].contains("test_loss"));
  EXPECT_EQ(lines[1],
            nlohmann::json::parse(R"({"validated_at_step":300,)"
                                  R"("val_loss":2.125,"wall_s":9.5})"));
}

TEST(MetricsTest, StepLinesAreBatched) {
  TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  {
    std::unique_ptr<MetricsWriter> w;
    // An interval far longer than any machine's uptime: the first line must
    // not depend on how long ago the steady clock started.
    ASSERT_TRUE(MetricsWriter::open(path, true, &w, 1e12).isOk());
    for (int64_t step = 1; step <= 3; ++step)
      ASSERT_TRUE(w->logStep({1, step, 0.5, 1000, 0.1, {}, {}}).isOk());
    // The first line at once (a bad file shows at the first step), the
    // others queued.
    EXPECT_EQ(readLines(path).size(), 1u);
    EpochMetrics e;
    e.epoch = 1;
    ASSERT_TRUE(w->logEpoch(e).isOk());
    std::vector<nlohmann::json> lines = readLines(path);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[2]["step"], 3);
    EXPECT_FALSE(lines[3].contains("step"));
    ASSERT_TRUE(w->logStep({2, 4, 0.5, 1000, 0.2, {}, {}}).isOk());
    EXPECT_EQ(readLines(path).size(), 4u);
    ASSERT_TRUE(w->flush().isOk());
    EXPECT_EQ(readLines(path).size(), 5u);
    ASSERT_TRUE(w->logStep({2, 5, 0.5, 1000, 0.3, {}, {}}).isOk());
  }
  std::vector<nlohmann::json> lines = readLines(path);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[4]["step"], 4);
  EXPECT_EQ(lines[5]["step"], 5);
}

// Tests that a file that cannot be opened gives IoError naming it.
TEST(MetricsTest, OpenError) {
  std::unique_ptr<MetricsWriter> w;
  Status s = MetricsWriter::open("/no/such/dir/m.jsonl", false, &w);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find("/no/such/dir/m.jsonl"), std::string::npos)
      << s.message();
  EXPECT_EQ(w, nullptr);
}

} // namespace
} // namespace braid::runtime::train
