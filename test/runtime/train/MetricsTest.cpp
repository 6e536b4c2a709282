// Tests of MetricsWriter: each line is one JSON object that parses back, with
// the optional members present only when known.
#include "runtime/train/Metrics.h"

#include "test/runtime/io/TestUtil.h"

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

// Tests that step and epoch records parse back with their values, that each
// line is flushed at once, and that reopening appends.
TEST(MetricsTest, LinesParseBack) {
  TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  {
    std::unique_ptr<MetricsWriter> w;
    ASSERT_TRUE(MetricsWriter::open(path, false, &w).isOk());
    ASSERT_TRUE(w->logStep({1, 100, 0.5, 48210.5, 1.25}).isOk());
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
  ASSERT_TRUE(MetricsWriter::open(path, true, &w).isOk());
  ASSERT_TRUE(w->logStep({3, 1, 0.1, 1, 1}).isOk());
  EXPECT_EQ(readLines(path).size(), 1u);
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
