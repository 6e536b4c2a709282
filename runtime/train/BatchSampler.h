// BatchSampler: which samples make up each batch of training and evaluation,
// reproducibly on any machine, sliced across data-parallel replicas, and
// resumable from a checkpoint.
#ifndef BRAID_RUNTIME_TRAIN_BATCHSAMPLER_H
#define BRAID_RUNTIME_TRAIN_BATCHSAMPLER_H

#include "runtime/support/Status.h"
#include "runtime/train/Dataset.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace braid::runtime::train {

/// The generator behind every shuffle: SplitMix64 (Steele, Lea and Flood)
/// started from key(seed, epoch) = mix(seed ^ mix(epoch + 0x9E3779B97F4A7C15)),
/// where mix is SplitMix64's finalizer. Draw k (k = 0, 1, ...) is
/// mix(key + (k + 1) * 0x9E3779B97F4A7C15). Defined here bit for bit so the
/// order can be reproduced anywhere; changing it changes every run's batches.
uint64_t shuffleKey(uint64_t seed, uint64_t epoch);
uint64_t splitMix64Draw(uint64_t key, uint64_t k);

/// Writes epoch `epoch`'s order of [0, n) for `seed` to `out` (resized to n):
/// a Fisher-Yates shuffle of the identity (i from n-1 down to 1, swap i with
/// j uniform in [0, i]), each bound drawn without bias by rejection (draws
/// below 2^64 mod bound are discarded, then x mod bound). Uses no std::
/// distribution, so the order is the same with every standard library.
void epochPermutation(uint64_t seed, uint64_t epoch, int64_t n,
                      std::vector<int64_t> *out);

/// Where a training run is: the next batch to run and the steps done. Lives
/// in a checkpoint's safetensors metadata, so a run resumed from it sees
/// exactly the batches the uninterrupted run would have seen.
struct TrainingPosition {
  uint64_t seed = 0;
  int64_t epoch = 0;      // 0-based epoch of the next batch
  int64_t batch = 0;      // 0-based index of the next batch in that epoch
  int64_t globalStep = 0; // steps done since the start of training

  /// Moves past one batch of an epoch of `batchesPerEpoch` batches.
  void advance(int64_t batchesPerEpoch);

  /// The metadata entries "braid.train.seed", "braid.train.epoch",
  /// "braid.train.batch" and "braid.train.step" (decimal), added to `out`.
  void toMetadata(std::map<std::string, std::string> *out) const;
  /// Reads the entries toMetadata writes. A missing entry is NotFound, a
  /// malformed or negative one InvalidData, naming the key and the text.
  static Status fromMetadata(const std::map<std::string, std::string> &in,
                             TrainingPosition *out);
};

/// The training batches of a data set of N samples for a global batch size B
/// and a seed: epoch e visits epochPermutation(seed, e, N) in N / B batches of
/// B (a partial last batch is dropped). With R data-parallel replicas, rank r
/// takes rows [r*B/R, (r+1)*B/R) of every global batch, so the replicas
/// together compute exactly one process's global batch.
///
/// Not thread-safe: the current epoch's order is cached in the sampler (and
/// recomputed, without allocating, when another epoch is asked for). The
/// Dataset given to create must outlive the sampler.
class BatchSampler {
public:
  /// A sampler of batches of `batchSize` over `dataset`. InvalidArgument when
  /// the batch size is not positive or the data set is smaller than one batch
  /// ("dataset of N samples is smaller than one batch of B").
  static Status create(const Dataset &dataset, int64_t batchSize, uint64_t seed,
                       BatchSampler *out);
  /// Like create, for indices only (gather is then unavailable).
  static Status createForSize(int64_t datasetSize, int64_t batchSize,
                              uint64_t seed, BatchSampler *out);

  int64_t datasetSize() const { return size_; }
  int64_t batchSize() const { return batchSize_; }
  uint64_t seed() const { return seed_; }
  int64_t batchesPerEpoch() const { return size_ / batchSize_; }

  /// In order: every epoch visits samples 0, 1, ..., N-1 (batch b holds
  /// samples [b*B, (b+1)*B)) instead of epochPermutation's order, so a
  /// program outside Braid can feed another framework the same batches.
  void setInOrder(bool inOrder) {
    inOrder_ = inOrder;
    cachedEpoch_ = -1;
  }
  bool inOrder() const { return inOrder_; }

  /// InvalidArgument unless 0 <= rank < replicas and replicas divides the
  /// batch size; the message names the values.
  Status checkReplicas(int rank, int replicas) const;

  /// InvalidArgument unless `position` belongs to this sampler: same seed,
  /// batch within [0, batchesPerEpoch()), non-negative epoch and step.
  Status checkPosition(const TrainingPosition &position) const;

  /// The data-set indices of rank `rank`'s rows of batch `batch` of epoch
  /// `epoch` (batchSize() / replicas of them), written to `out`.
  Status indices(int64_t epoch, int64_t batch, int rank, int replicas,
                 std::vector<int64_t> *out);

  /// Copies rank `rank`'s rows of batch `batch` of epoch `epoch` of input
  /// `inputIndex` (an index into Dataset::tensors) to `dst`, which holds
  /// `dstBytes` >= (batchSize() / replicas) * sampleBytes bytes, contiguous
  /// row-major [B/R, sample...]. Allocates nothing (after the first call of an
  /// epoch's size).
  Status gather(int64_t epoch, int64_t batch, int rank, int replicas,
                size_t inputIndex, void *dst, size_t dstBytes);

private:
  Status checkBatch(int64_t epoch, int64_t batch, int rank, int replicas);
  const Dataset *dataset_ = nullptr;
  int64_t size_ = 0;
  int64_t batchSize_ = 1;
  uint64_t seed_ = 0;
  bool inOrder_ = false;
  int64_t cachedEpoch_ = -1;
  std::vector<int64_t> order_;
};

/// What evaluation does with a last batch smaller than the batch size.
enum class PartialBatch {
  Drop, // skip it: N / B batches
  Pad,  // run it padded with zero rows; validRows says how many are real
};

/// The evaluation batches of a data set: in order, no shuffling. Batch b holds
/// samples [b*B, (b+1)*B); rank r of R takes rows [r*B/R, (r+1)*B/R) of it.
/// Stateless after creation, so const calls are thread-safe. The Dataset must
/// outlive it.
class EvalBatches {
public:
  /// InvalidArgument when the batch size is not positive, or with Drop when
  /// the data set is smaller than one batch.
  static Status create(const Dataset &dataset, int64_t batchSize,
                       PartialBatch partial, EvalBatches *out);

  int64_t batchSize() const { return batchSize_; }
  /// N / B with Drop, ceil(N / B) with Pad.
  int64_t batchCount() const;
  /// How many rows of global batch `batch` are real samples (B except for a
  /// padded last batch).
  int64_t validRows(int64_t batch) const;

  /// Copies rank `rank`'s rows of eval batch `batch` of input `inputIndex` to
  /// `dst` (as BatchSampler::gather), zero-filling rows past the data set's
  /// end; `*outValidRows` (may be null) gets how many of this rank's rows are
  /// real samples, from the front.
  Status gather(int64_t batch, int rank, int replicas, size_t inputIndex,
                void *dst, size_t dstBytes, int64_t *outValidRows) const;

private:
  const Dataset *dataset_ = nullptr;
  int64_t batchSize_ = 1;
  PartialBatch partial_ = PartialBatch::Drop;
};

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_BATCHSAMPLER_H
