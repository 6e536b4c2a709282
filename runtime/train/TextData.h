// TextData: byte-level language-model data from any file (`--data
// text=FILE`): random training windows drawn by a counter-based generator,
// and fixed validation windows over the file's held-out tail.
#ifndef BRAID_RUNTIME_TRAIN_TEXTDATA_H
#define BRAID_RUNTIME_TRAIN_TEXTDATA_H

#include "runtime/support/Status.h"
#include "runtime/train/Dataset.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace braid::runtime::train {

/// The default text: the regular files of `dir` that are not symbolic links
/// and whose names end neither in ".dat" (strfile's indexes) nor ".u8" (links
/// to the plain files), sorted by name in byte order, concatenated. This is
/// exactly the corpus of ../shared/peers/torch_gpt.py. NotFound naming the
/// directory and the package when it holds no such file.
Status readFortunes(const std::string &dir, std::vector<uint8_t> *out);

/// A text split into its training head and validation tail.
struct TextCorpus {
  std::string origin; // the file (or fortunes directory), for messages
  std::vector<uint8_t> bytes;
  /// bytes[0, trainBytes) train; bytes[trainBytes, end) is the validation
  /// tail of floor(size * valFraction) bytes.
  int64_t trainBytes = 0;

  int64_t valBytes() const {
    return static_cast<int64_t>(bytes.size()) - trainBytes;
  }
};

/// Reads the text of `source` (a DataSource::Kind::Text) and splits off
/// the last floor(size * valFraction) bytes for validation. InvalidArgument
/// unless 0 <= valFraction < 1; NotFound or IoError for a file that cannot
/// be read.
Status loadTextCorpus(const DataSource &source, double valFraction,
                      TextCorpus *out);

/// Checks that `inputs` (an entry point's, named `entry`) are what text
/// feeds: exactly two inputs with batch rows, both i32[B, T] of one T (the
/// tokens and the next tokens). Sets *context to T. InvalidPlan otherwise,
/// listing the inputs the plan has.
Status checkTextInputs(const std::vector<InputSpec> &inputs,
                       const std::string &entry, int64_t *context);

/// The start of row `row`'s window at step `step` among `starts` possible
/// starts: SplitMix64 keyed by key = shuffleKey(shuffleKey(seed, step), row)
/// (BatchSampler.h), draws k = 0, 1, ... rejected below 2^64 mod starts, the
/// first kept draw mod starts. A function of its arguments alone (no state),
/// so any rank computes any row of any step, and a resumed run draws what
/// the uninterrupted one would have.
int64_t textWindowStart(uint64_t seed, int64_t step, int64_t row,
                        int64_t starts);

/// The training windows of a text for a context T and a global batch B.
/// Step s (the global step, 0-based) has B windows of T+1 bytes at
/// textWindowStart(seed, s, row, trainBytes - T) for row = 0..B-1, from the
/// training part; the first input gets bytes [start, start+T), the second
/// [start+1, start+T+1). Rank r of R takes rows [r*B/R, (r+1)*B/R). An
/// "epoch" is floor(trainBytes / (B*T)) steps: as many tokens as the
/// training text holds. The corpus must outlive the windows.
class TextWindows {
public:
  /// InvalidArgument when T or B is not positive, the training part is
  /// shorter than T+1 bytes, or it holds fewer than B*T bytes (an epoch
  /// of no step); the messages name the file and the sizes.
  static Status create(const TextCorpus &corpus, int64_t context,
                       int64_t batchSize, uint64_t seed, TextWindows *out);

  int64_t context() const { return context_; }
  int64_t batchSize() const { return batchSize_; }
  /// floor(trainBytes / T): the "samples" an epoch of B-row steps visits.
  int64_t samples() const { return corpus_->trainBytes / context_; }
  int64_t stepsPerEpoch() const { return samples() / batchSize_; }

  /// Writes rank `rank`'s rows of step `step` to `tokens` and `next`, each
  /// holding `elements` >= (B / replicas) * T int32 values.
  Status gather(int64_t step, int rank, int replicas, int32_t *tokens,
                int32_t *next, size_t elements) const;

private:
  const TextCorpus *corpus_ = nullptr;
  int64_t context_ = 1, batchSize_ = 1;
  uint64_t seed_ = 0;
};

/// The validation windows: window w starts at trainBytes + w*T (tokens
/// [start, start+T), next tokens shifted by one), for the
/// floor((valBytes - 1) / T) windows that fit; batch b holds windows
/// [b*B, (b+1)*B) and a partial last batch is left out. Fixed, so every
/// evaluation of one text sees the same windows.
class TextEvalWindows {
public:
  /// InvalidArgument when the validation tail holds fewer than one batch
  /// of windows (B*T + 1 bytes), naming the sizes and --val-fraction.
  static Status create(const TextCorpus &corpus, int64_t context,
                       int64_t batchSize, TextEvalWindows *out);

  int64_t batchSize() const { return batchSize_; }
  int64_t windows() const;
  int64_t batchCount() const { return windows() / batchSize_; }

  /// Writes rank `rank`'s rows of batch `batch`, as TextWindows::gather.
  Status gather(int64_t batch, int rank, int replicas, int32_t *tokens,
                int32_t *next, size_t elements) const;

private:
  const TextCorpus *corpus_ = nullptr;
  int64_t context_ = 1, batchSize_ = 1;
};

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_TEXTDATA_H
