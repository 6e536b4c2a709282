// The server's counters and histograms, printed in Prometheus' text format
// at GET /metrics.
#ifndef BRAID_SERVE_METRICS_H
#define BRAID_SERVE_METRICS_H

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace serve {

/// A Prometheus histogram: cumulative counts of observations at or below
/// each upper bound, their sum and their count.
class Histogram {
public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  /// The histogram's lines for the metric `name` (its # HELP and # TYPE
  /// lines are the caller's).
  void print(const std::string &name, std::string *out) const;

private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_; ///< per bucket, not cumulative; +Inf last
  double sum_ = 0;
  uint64_t count_ = 0;
};

/// Everything GET /metrics reports. Every method may be called from any
/// thread; one mutex guards all, held for a few additions per request.
class Metrics {
public:
  /// `maxBatch`: the most rows one predict runs (the histogram of batch
  /// sizes has a bucket per power of two up to it).
  explicit Metrics(int64_t maxBatch);

  /// A predict request answered with `status` after `seconds` on a worker.
  void request(int status, double seconds);
  /// An error response of any route or of the HTTP layer.
  void error(int status);
  /// One predict run of `rows` rows gathered from `requests` requests.
  void batch(int64_t rows, int64_t requests);

  /// The text exposition format, version 0.0.4.
  std::string text() const;

private:
  mutable std::mutex mutex_;
  std::map<int, uint64_t> requests_, errors_; ///< by HTTP status
  Histogram latency_, batchRows_, batchRequests_;
};

} // namespace serve

#endif // BRAID_SERVE_METRICS_H
