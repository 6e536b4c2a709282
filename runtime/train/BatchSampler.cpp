// BatchSampler: reproducible shuffled training batches, in-order evaluation
// batches, replica slices and the resumable training position.
#include "runtime/train/BatchSampler.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace braid::runtime::train {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string replicaMessage(int rank, int replicas, int64_t batchSize) {
  return " (rank " + std::to_string(rank) + ", replicas " +
         std::to_string(replicas) + ", batch size " +
         std::to_string(batchSize) + ")";
}

Status checkReplicasFor(int64_t batchSize, int rank, int replicas) {
  if (replicas < 1)
    return invalidArgument("the number of replicas must be positive" +
                           replicaMessage(rank, replicas, batchSize));
  if (rank < 0 || rank >= replicas)
    return invalidArgument("rank must be in [0, replicas)" +
                           replicaMessage(rank, replicas, batchSize));
  if (batchSize % replicas != 0)
    return invalidArgument(
        "the global batch size " + std::to_string(batchSize) +
        " is not divisible by the " + std::to_string(replicas) + " replicas");
  return Status::ok();
}

Status checkInput(const Dataset *dataset, size_t inputIndex, int64_t rows,
                  size_t dstBytes, const DatasetTensor **out) {
  if (!dataset)
    return invalidArgument("this sampler was created without a data set");
  if (inputIndex >= dataset->tensors.size())
    return invalidArgument("input index " + std::to_string(inputIndex) +
                           " is out of range: the data set has " +
                           std::to_string(dataset->tensors.size()) + " inputs");
  const DatasetTensor &t = dataset->tensors[inputIndex];
  size_t need = static_cast<size_t>(rows) * t.sampleBytes;
  if (dstBytes < need)
    return invalidArgument("the buffer for input '" + t.name + "' holds " +
                           std::to_string(dstBytes) + " bytes; " +
                           std::to_string(rows) + " samples need " +
                           std::to_string(need));
  *out = &t;
  return Status::ok();
}

Status parseInt(const std::map<std::string, std::string> &in,
                const std::string &key, bool isUnsigned, uint64_t *out) {
  auto it = in.find(key);
  if (it == in.end())
    return notFound("the training position has no '" + key + "' entry");
  const std::string &text = it->second;
  bool digits = !text.empty() && text.size() <= 20;
  for (char c : text)
    digits &= c >= '0' && c <= '9';
  errno = 0;
  unsigned long long v = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE || (!isUnsigned && v > INT64_MAX))
    return invalidData(
        "the training position's '" + key + "' entry '" + text + "' is not a " +
        (isUnsigned ? "64-bit unsigned" : "non-negative") + " integer");
  *out = v;
  return Status::ok();
}

} // namespace

uint64_t shuffleKey(uint64_t seed, uint64_t epoch) {
  return mix(seed ^ mix(epoch + kGolden));
}

uint64_t splitMix64Draw(uint64_t key, uint64_t k) {
  return mix(key + (k + 1) * kGolden);
}

void epochPermutation(uint64_t seed, uint64_t epoch, int64_t n,
                      std::vector<int64_t> *out) {
  out->resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    (*out)[i] = i;
  const uint64_t key = shuffleKey(seed, epoch);
  uint64_t k = 0;
  for (int64_t i = n - 1; i > 0; --i) {
    uint64_t bound = static_cast<uint64_t>(i) + 1;
    uint64_t threshold = (0 - bound) % bound; // 2^64 mod bound
    uint64_t x;
    do
      x = splitMix64Draw(key, k++);
    while (x < threshold);
    std::swap((*out)[i], (*out)[x % bound]);
  }
}

void TrainingPosition::advance(int64_t batchesPerEpoch) {
  ++globalStep;
  if (++batch >= batchesPerEpoch) {
    batch = 0;
    ++epoch;
  }
}

void TrainingPosition::toMetadata(
    std::map<std::string, std::string> *out) const {
  (*out)["braid.train.seed"] = std::to_string(seed);
  (*out)["braid.train.epoch"] = std::to_string(epoch);
  (*out)["braid.train.batch"] = std::to_string(batch);
  (*out)["braid.train.step"] = std::to_string(globalStep);
}

Status
TrainingPosition::fromMetadata(const std::map<std::string, std::string> &in,
                               TrainingPosition *out) {
  uint64_t seed, epoch, batch, step;
  BRAID_RETURN_IF_ERROR(parseInt(in, "braid.train.seed", true, &seed));
  BRAID_RETURN_IF_ERROR(parseInt(in, "braid.train.epoch", false, &epoch));
  BRAID_RETURN_IF_ERROR(parseInt(in, "braid.train.batch", false, &batch));
  BRAID_RETURN_IF_ERROR(parseInt(in, "braid.train.step", false, &step));
  out->seed = seed;
  out->epoch = static_cast<int64_t>(epoch);
  out->batch = static_cast<int64_t>(batch);
  out->globalStep = static_cast<int64_t>(step);
  return Status::ok();
}

Status BatchSampler::createForSize(int64_t datasetSize, int64_t batchSize,
                                   uint64_t seed, BatchSampler *out) {
  if (batchSize < 1)
    return invalidArgument("the batch size must be positive, not " +
                           std::to_string(batchSize));
  if (datasetSize < batchSize)
    return invalidArgument("dataset of " + std::to_string(datasetSize) +
                           " samples is smaller than one batch of " +
                           std::to_string(batchSize));
  BatchSampler s;
  s.size_ = datasetSize;
  s.batchSize_ = batchSize;
  s.seed_ = seed;
  *out = std::move(s);
  return Status::ok();
}

Status BatchSampler::create(const Dataset &dataset, int64_t batchSize,
                            uint64_t seed, BatchSampler *out) {
  BatchSampler s;
  BRAID_RETURN_IF_ERROR(createForSize(dataset.samples, batchSize, seed, &s));
  s.dataset_ = &dataset;
  *out = std::move(s);
  return Status::ok();
}

Status BatchSampler::checkReplicas(int rank, int replicas) const {
  return checkReplicasFor(batchSize_, rank, replicas);
}

Status BatchSampler::checkPosition(const TrainingPosition &p) const {
  if (p.seed != seed_)
    return invalidArgument("the training position has seed " +
                           std::to_string(p.seed) + ", but this run's is " +
                           std::to_string(seed_));
  if (p.epoch < 0 || p.globalStep < 0 || p.batch < 0 ||
      p.batch >= batchesPerEpoch())
    return invalidArgument(
        "the training position (epoch " + std::to_string(p.epoch) + ", batch " +
        std::to_string(p.batch) + ", step " + std::to_string(p.globalStep) +
        ") does not fit epochs of " + std::to_string(batchesPerEpoch()) +
        " batches");
  return Status::ok();
}

Status BatchSampler::checkBatch(int64_t epoch, int64_t batch, int rank,
                                int replicas) {
  BRAID_RETURN_IF_ERROR(checkReplicas(rank, replicas));
  if (epoch < 0)
    return invalidArgument("epoch " + std::to_string(epoch) + " is negative");
  if (batch < 0 || batch >= batchesPerEpoch())
    return invalidArgument("batch " + std::to_string(batch) +
                           " is out of range: an epoch has " +
                           std::to_string(batchesPerEpoch()) + " batches");
  if (epoch != cachedEpoch_) {
    if (inOrder_) {
      order_.resize(static_cast<size_t>(size_));
      for (int64_t i = 0; i < size_; ++i)
        order_[i] = i;
    } else {
      epochPermutation(seed_, static_cast<uint64_t>(epoch), size_, &order_);
    }
    cachedEpoch_ = epoch;
  }
  return Status::ok();
}

Status BatchSampler::indices(int64_t epoch, int64_t batch, int rank,
                             int replicas, std::vector<int64_t> *out) {
  BRAID_RETURN_IF_ERROR(checkBatch(epoch, batch, rank, replicas));
  int64_t rows = batchSize_ / replicas;
  const int64_t *first = order_.data() + batch * batchSize_ + rank * rows;
  out->assign(first, first + rows);
  return Status::ok();
}

Status BatchSampler::gather(int64_t epoch, int64_t batch, int rank,
                            int replicas, size_t inputIndex, void *dst,
                            size_t dstBytes) {
  BRAID_RETURN_IF_ERROR(checkReplicas(rank, replicas));
  int64_t rows = batchSize_ / replicas;
  const DatasetTensor *t;
  BRAID_RETURN_IF_ERROR(checkInput(dataset_, inputIndex, rows, dstBytes, &t));
  BRAID_RETURN_IF_ERROR(checkBatch(epoch, batch, rank, replicas));
  const int64_t *first = order_.data() + batch * batchSize_ + rank * rows;
  const uint8_t *src = t->array.data.data();
  uint8_t *out = static_cast<uint8_t *>(dst);
  for (int64_t i = 0; i < rows; ++i)
    std::memcpy(out + i * t->sampleBytes, src + first[i] * t->sampleBytes,
                t->sampleBytes);
  return Status::ok();
}

Status EvalBatches::create(const Dataset &dataset, int64_t batchSize,
                           PartialBatch partial, EvalBatches *out) {
  if (batchSize < 1)
    return invalidArgument("the batch size must be positive, not " +
                           std::to_string(batchSize));
  if (dataset.samples < 1)
    return invalidArgument("the data set holds no samples");
  if (partial == PartialBatch::Drop && dataset.samples < batchSize)
    return invalidArgument("dataset of " + std::to_string(dataset.samples) +
                           " samples is smaller than one batch of " +
                           std::to_string(batchSize));
  EvalBatches e;
  e.dataset_ = &dataset;
  e.batchSize_ = batchSize;
  e.partial_ = partial;
  *out = e;
  return Status::ok();
}

int64_t EvalBatches::batchCount() const {
  if (!dataset_)
    return 0;
  int64_t n = dataset_->samples;
  return partial_ == PartialBatch::Drop ? n / batchSize_
                                        : (n + batchSize_ - 1) / batchSize_;
}

int64_t EvalBatches::validRows(int64_t batch) const {
  if (batch < 0 || batch >= batchCount())
    return 0;
  int64_t left = dataset_->samples - batch * batchSize_;
  return left < batchSize_ ? left : batchSize_;
}

Status EvalBatches::gather(int64_t batch, int rank, int replicas,
                           size_t inputIndex, void *dst, size_t dstBytes,
                           int64_t *outValidRows) const {
  BRAID_RETURN_IF_ERROR(checkReplicasFor(batchSize_, rank, replicas));
  int64_t rows = batchSize_ / replicas;
  const DatasetTensor *t;
  BRAID_RETURN_IF_ERROR(checkInput(dataset_, inputIndex, rows, dstBytes, &t));
  if (batch < 0 || batch >= batchCount())
    return invalidArgument("eval batch " + std::to_string(batch) +
                           " is out of range: there are " +
                           std::to_string(batchCount()) + " batches");
  int64_t first = batch * batchSize_ + rank * rows;
  int64_t valid = dataset_->samples - first;
  valid = valid < 0 ? 0 : (valid > rows ? rows : valid);
  uint8_t *out = static_cast<uint8_t *>(dst);
  if (valid > 0)
    std::memcpy(out, t->array.data.data() + first * t->sampleBytes,
                static_cast<size_t>(valid) * t->sampleBytes);
  if (valid < rows)
    std::memset(out + valid * t->sampleBytes, 0,
                static_cast<size_t>(rows - valid) * t->sampleBytes);
  if (outValidRows)
    *outValidRows = valid;
  return Status::ok();
}

} // namespace braid::runtime::train
