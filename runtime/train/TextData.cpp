// TextData: reading a text, drawing its training windows and laying out its
// validation windows.
#include "runtime/train/TextData.h"

#include "runtime/train/BatchSampler.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

namespace braid::runtime::train {
namespace {

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

/// Appends the bytes of `path` to `out`.
Status appendFile(const std::string &path, std::vector<uint8_t> *out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return notFound("text file '" + path + "' does not exist");
  if (!S_ISREG(st.st_mode))
    return invalidArgument("text '" + path + "' is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return ioError("cannot open text file '" + path +
                   "': " + std::strerror(errno));
  out->insert(out->end(), std::istreambuf_iterator<char>(in),
              std::istreambuf_iterator<char>());
  if (in.bad())
    return ioError("cannot read text file '" + path + "'");
  return Status::ok();
}

std::string typeList(const std::vector<InputSpec> &inputs) {
  std::string s;
  for (const InputSpec &in : inputs) {
    s += (s.empty() ? "" : ", ") + in.name + " " + io::toString(in.dtype) + "[";
    if (!in.whole)
      s += in.sampleShape.empty() ? "B" : "B, ";
    for (size_t i = 0; i < in.sampleShape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(in.sampleShape[i]);
    s += "]";
  }
  return s;
}

Status checkRows(int64_t batchSize, int rank, int replicas, int64_t context,
                 size_t elements) {
  if (replicas < 1 || rank < 0 || rank >= replicas || batchSize % replicas != 0)
    return invalidArgument("rank " + std::to_string(rank) + " of " +
                           std::to_string(replicas) +
                           " replicas cannot take an equal share of a batch "
                           "of " +
                           std::to_string(batchSize));
  const size_t need =
      static_cast<size_t>(batchSize / replicas) * static_cast<size_t>(context);
  if (elements < need)
    return invalidArgument(
        "the token buffers hold " + std::to_string(elements) + " values; " +
        std::to_string(batchSize / replicas) + " windows of " +
        std::to_string(context) + " need " + std::to_string(need));
  return Status::ok();
}

/// Copies the window at `start` (tokens) and at start+1 (next tokens).
void copyWindow(const uint8_t *bytes, int64_t start, int64_t context,
                int32_t *tokens, int32_t *next) {
  for (int64_t t = 0; t < context; ++t) {
    tokens[t] = bytes[start + t];
    next[t] = bytes[start + t + 1];
  }
}

} // namespace

Status readFortunes(const std::string &dir, std::vector<uint8_t> *out) {
  std::vector<std::string> names;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (const dirent *e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.empty() || name[0] == '.' || endsWith(name, ".dat") ||
          endsWith(name, ".u8"))
        continue;
      struct stat st;
      // lstat: symbolic links are left out, as the peer's os.path.islink.
      if (::lstat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode))
        names.push_back(name);
    }
    ::closedir(d);
  }
  if (names.empty())
    return notFound("no text in " + dir +
                    ": install Debian's fortunes package "
                    "(scripts/install-deps.sh) or give --data text=FILE");
  std::sort(names.begin(), names.end());
  std::vector<uint8_t> bytes;
  for (const std::string &name : names)
    BRAID_RETURN_IF_ERROR(appendFile(dir + "/" + name, &bytes));
  *out = std::move(bytes);
  return Status::ok();
}

Status loadTextCorpus(const DataSource &source, double valFraction,
                      TextCorpus *out) {
  if (source.kind != DataSource::Kind::Text)
    return invalidArgument("the data source is not a text");
  if (!(valFraction >= 0 && valFraction < 1))
    return invalidArgument("the validation fraction must be in [0, 1), not " +
                           std::to_string(valFraction));
  TextCorpus c;
  if (source.textFile.empty()) {
    c.origin = source.directory + " (fortunes)";
    BRAID_RETURN_IF_ERROR(readFortunes(source.directory, &c.bytes));
  } else {
    c.origin = source.textFile;
    BRAID_RETURN_IF_ERROR(appendFile(source.textFile, &c.bytes));
  }
  const int64_t size = static_cast<int64_t>(c.bytes.size());
  c.trainBytes =
      size -
      static_cast<int64_t>(std::floor(static_cast<double>(size) * valFraction));
  *out = std::move(c);
  return Status::ok();
}

Status checkTextInputs(const std::vector<InputSpec> &inputs,
                       const std::string &entry, int64_t *context) {
  auto isTokens = [](const InputSpec &in) {
    return !in.whole && in.dtype == io::DType::I32 &&
           in.sampleShape.size() == 1;
  };
  if (inputs.size() != 2 || !isTokens(inputs[0]) || !isTokens(inputs[1]) ||
      inputs[0].sampleShape != inputs[1].sampleShape)
    return invalidPlan(
        "text data feeds an entry point of two inputs i32[B, T] of one T "
        "(the tokens and the next tokens), but the plan's " +
        entry + " takes " + typeList(inputs));
  *context = inputs[0].sampleShape[0];
  return Status::ok();
}

int64_t textWindowStart(uint64_t seed, int64_t step, int64_t row,
                        int64_t starts) {
  const uint64_t key = shuffleKey(shuffleKey(seed, static_cast<uint64_t>(step)),
                                  static_cast<uint64_t>(row));
  const uint64_t bound = static_cast<uint64_t>(starts);
  const uint64_t threshold = (0 - bound) % bound; // 2^64 mod bound
  uint64_t x;
  uint64_t k = 0;
  do
    x = splitMix64Draw(key, k++);
  while (x < threshold);
  return static_cast<int64_t>(x % bound);
}

Status TextWindows::create(const TextCorpus &corpus, int64_t context,
                           int64_t batchSize, uint64_t seed, TextWindows *out) {
  if (context < 1 || batchSize < 1)
    return invalidArgument("text windows need a positive context and batch, "
                           "not " +
                           std::to_string(context) + " and " +
                           std::to_string(batchSize));
  if (corpus.trainBytes < context + 1)
    return invalidArgument("text " + corpus.origin + " has " +
                           std::to_string(corpus.bytes.size()) + " bytes, " +
                           std::to_string(corpus.trainBytes) +
                           " of them for training; a window "
                           "of the context " +
                           std::to_string(context) + " needs " +
                           std::to_string(context + 1) + " bytes");
  if (corpus.trainBytes / context < batchSize)
    return invalidArgument(
        "text " + corpus.origin + " has " + std::to_string(corpus.trainBytes) +
        " bytes for training, fewer than "
        "one batch of " +
        std::to_string(batchSize) + " windows of " + std::to_string(context) +
        " (" + std::to_string(batchSize * context) +
        " bytes): an epoch would have no step");
  TextWindows w;
  w.corpus_ = &corpus;
  w.context_ = context;
  w.batchSize_ = batchSize;
  w.seed_ = seed;
  *out = w;
  return Status::ok();
}

Status TextWindows::gather(int64_t step, int rank, int replicas,
                           int32_t *tokens, int32_t *next,
                           size_t elements) const {
  BRAID_RETURN_IF_ERROR(
      checkRows(batchSize_, rank, replicas, context_, elements));
  if (step < 0)
    return invalidArgument("step " + std::to_string(step) + " is negative");
  const int64_t rows = batchSize_ / replicas;
  const int64_t starts = corpus_->trainBytes - context_;
  for (int64_t i = 0; i < rows; ++i) {
    int64_t start = textWindowStart(seed_, step, rank * rows + i, starts);
    copyWindow(corpus_->bytes.data(), start, context_, tokens + i * context_,
               next + i * context_);
  }
  return Status::ok();
}

Status TextEvalWindows::create(const TextCorpus &corpus, int64_t context,
                               int64_t batchSize, TextEvalWindows *out) {
  if (context < 1 || batchSize < 1)
    return invalidArgument("text windows need a positive context and batch, "
                           "not " +
                           std::to_string(context) + " and " +
                           std::to_string(batchSize));
  TextEvalWindows w;
  w.corpus_ = &corpus;
  w.context_ = context;
  w.batchSize_ = batchSize;
  if (w.batchCount() < 1)
    return invalidArgument(
        "the validation tail of text " + corpus.origin + " has " +
        std::to_string(corpus.valBytes()) + " bytes, fewer than the " +
        std::to_string(batchSize * context + 1) + " that one batch of " +
        std::to_string(batchSize) + " windows of " + std::to_string(context) +
        " needs; give a larger --val-fraction (or 0 for no validation)");
  *out = w;
  return Status::ok();
}

int64_t TextEvalWindows::windows() const {
  if (!corpus_ || corpus_->valBytes() < 1)
    return 0;
  return (corpus_->valBytes() - 1) / context_;
}

Status TextEvalWindows::gather(int64_t batch, int rank, int replicas,
                               int32_t *tokens, int32_t *next,
                               size_t elements) const {
  BRAID_RETURN_IF_ERROR(
      checkRows(batchSize_, rank, replicas, context_, elements));
  if (batch < 0 || batch >= batchCount())
    return invalidArgument("validation batch " + std::to_string(batch) +
                           " is out of range: there are " +
                           std::to_string(batchCount()));
  const int64_t rows = batchSize_ / replicas;
  for (int64_t i = 0; i < rows; ++i) {
    int64_t start =
        corpus_->trainBytes + (batch * batchSize_ + rank * rows + i) * context_;
    copyWindow(corpus_->bytes.data(), start, context_, tokens + i * context_,
               next + i * context_);
  }
  return Status::ok();
}

} // namespace braid::runtime::train
