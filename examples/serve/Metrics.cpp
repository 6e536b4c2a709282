// Prometheus' text format (version 0.0.4) for the server's metrics.
#include "Metrics.h"

#include <cstdio>

namespace serve {

namespace {

/// Bucket bounds 1, 2, 4, ... up to `most` (and `most` itself).
std::vector<double> powersOfTwo(int64_t most) {
  std::vector<double> bounds;
  int64_t p = 1;
  for (; p < most; p *= 2)
    bounds.push_back(static_cast<double>(p));
  bounds.push_back(static_cast<double>(most));
  return bounds;
}

/// A number as Prometheus reads it: shortest round-trip form.
std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

void header(const char *name, const char *type, const char *help,
            std::string *out) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
          " " + type + "\n";
}

void byStatus(const char *name, const std::map<int, uint64_t> &counts,
              std::string *out) {
  for (const auto &[status, n] : counts)
    *out += std::string(name) + "{code=\"" + std::to_string(status) + "\"} " +
            std::to_string(n) + "\n";
}

} // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::print(const std::string &name, std::string *out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    *out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) +
            "\n";
  }
  *out += name + "_sum " + number(sum_) + "\n";
  *out += name + "_count " + std::to_string(count_) + "\n";
}

Metrics::Metrics(int64_t maxBatch)
    : latency_({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1, 2.5, 5, 10}),
      batchRows_(powersOfTwo(maxBatch)), batchRequests_(powersOfTwo(maxBatch)) {
}

void Metrics::request(int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[status];
  latency_.observe(seconds);
}

void Metrics::error(int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++errors_[status];
}

void Metrics::batch(int64_t rows, int64_t requests) {
  std::lock_guard<std::mutex> lock(mutex_);
  batchRows_.observe(static_cast<double>(rows));
  batchRequests_.observe(static_cast<double>(requests));
}

std::string Metrics::text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  header("braid_requests_total", "counter",
         "Predict requests answered, by HTTP status.", &out);
  byStatus("braid_requests_total", requests_, &out);
  header("braid_errors_total", "counter",
         "Error responses (4xx and 5xx) of every route and of the HTTP "
         "layer, by HTTP status.",
         &out);
  byStatus("braid_errors_total", errors_, &out);
  header("braid_request_latency_seconds", "histogram",
         "Seconds from a predict request's turn on a worker to its response.",
         &out);
  latency_.print("braid_request_latency_seconds", &out);
  header("braid_batch_size", "histogram",
         "Rows of each predict run (requests batched together add up).", &out);
  batchRows_.print("braid_batch_size", &out);
  header("braid_batch_requests", "histogram",
         "Requests answered by each predict run.", &out);
  batchRequests_.print("braid_batch_requests", &out);
  return out;
}

} // namespace serve
