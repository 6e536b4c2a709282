// Dynamic batching over the model's sessions: a leader per batch, the
// others wait for their rows.
#include "Batcher.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace serve {

struct Batcher::Pending {
  int64_t rows;
  const std::vector<std::vector<unsigned char>> *inputs;
  std::vector<std::vector<unsigned char>> *outputs;
  bool taken = false, done = false, ok = false;
  std::string error = {};
};

Batcher::Batcher(ModelHandle &model, const BatchOptions &options,
                 Metrics &metrics)
    : model_(model), metrics_(metrics), entry_(*model.find("predict")),
      maxBatch_(!model.rowsLead() ? 1
                : options.maxBatch > 0
                    ? std::min(options.maxBatch, model.batch())
                    : model.batch()),
      waitUs_(options.waitUs) {}

bool Batcher::predict(int64_t rows,
                      const std::vector<std::vector<unsigned char>> &inputs,
                      std::vector<std::vector<unsigned char>> *outputs,
                      std::string *error) {
  outputs->resize(entry_.outputs.size());
  for (size_t o = 0; o < entry_.outputs.size(); ++o)
    (*outputs)[o].assign(entry_.outputs[o].bytes, 0);
  Pending self{rows, &inputs, outputs};
  if (enabled()) {
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.push_back(&self);
    queuedRows_ += rows;
    changed_.notify_all();
    while (!self.done) {
      if (!self.taken && !gathering_)
        lead(lock);
      else
        changed_.wait(lock);
    }
  } else {
    std::vector<Pending *> alone{&self};
    run(alone, rows);
  }
  if (!self.ok)
    *error = self.error;
  return self.ok;
}

void Batcher::lead(std::unique_lock<std::mutex> &lock) {
  gathering_ = true;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::microseconds(waitUs_);
  changed_.wait_until(lock, deadline, [&] { return queuedRows_ >= maxBatch_; });
  std::vector<Pending *> batch;
  int64_t rows = 0;
  while (!queue_.empty() &&
         (batch.empty() || rows + queue_.front()->rows <= maxBatch_)) {
    Pending *p = queue_.front();
    queue_.pop_front();
    p->taken = true;
    rows += p->rows;
    queuedRows_ -= p->rows;
    batch.push_back(p);
  }
  gathering_ = false;
  // Another waiter may lead the next batch while this one runs.
  changed_.notify_all();
  lock.unlock();
  run(batch, rows);
  lock.lock();
  for (Pending *p : batch)
    p->done = true;
  changed_.notify_all();
}

void Batcher::run(std::vector<Pending *> &batch, int64_t rows) {
  metrics_.batch(rows, static_cast<int64_t>(batch.size()));
  std::vector<const void *> in;
  std::vector<void *> out;
  // One request alone is read and written in place.
  if (batch.size() == 1) {
    for (const auto &b : *batch[0]->inputs)
      in.push_back(b.data());
    for (auto &b : *batch[0]->outputs)
      out.push_back(b.data());
    batch[0]->ok = model_.predict(rows, in, out, &batch[0]->error);
    return;
  }
  // The requests' rows, one after another, then each its share back.
  const int64_t batchRows = model_.batch();
  std::vector<std::vector<unsigned char>> joined(entry_.inputs.size()),
      results(entry_.outputs.size());
  for (size_t i = 0; i < entry_.inputs.size(); ++i) {
    size_t rowBytes = entry_.inputs[i].bytes / batchRows;
    joined[i].resize(rows * rowBytes);
    size_t at = 0;
    for (Pending *p : batch) {
      std::memcpy(joined[i].data() + at, (*p->inputs)[i].data(),
                  p->rows * rowBytes);
      at += p->rows * rowBytes;
    }
    in.push_back(joined[i].data());
  }
  for (size_t o = 0; o < entry_.outputs.size(); ++o) {
    results[o].resize(rows * (entry_.outputs[o].bytes / batchRows));
    out.push_back(results[o].data());
  }
  std::string error = {};
  bool ok = model_.predict(rows, in, out, &error);
  for (size_t o = 0; ok && o < entry_.outputs.size(); ++o) {
    size_t rowBytes = entry_.outputs[o].bytes / batchRows, at = 0;
    for (Pending *p : batch) {
      std::memcpy((*p->outputs)[o].data(), results[o].data() + at,
                  p->rows * rowBytes);
      at += p->rows * rowBytes;
    }
  }
  for (Pending *p : batch) {
    p->ok = ok;
    p->error = error;
  }
}

} // namespace serve
