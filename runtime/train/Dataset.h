// Dataset: loading the samples that feed a model's inputs from the sources a
// user names on the command line (Fashion-MNIST, an MNIST-style IDX directory,
// or NAME=FILE.npy bindings).
#ifndef BRAID_RUNTIME_TRAIN_DATASET_H
#define BRAID_RUNTIME_TRAIN_DATASET_H

#include "runtime/io/Array.h"
#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace braid::runtime::train {

/// Where Debian's dataset-fashion-mnist package puts its four files.
constexpr const char *kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
/// Where Debian's fortunes and fortunes-min packages put their text.
constexpr const char *kFortunesDir = "/usr/share/games/fortunes";

/// Which half of a data set to load. IDX sources hold both (train-* and
/// t10k-* files); an .npy binding spec names the files of one split only.
enum class Split { Train, Test };

/// A model input the caller wants data for.
struct InputSpec {
  /// The model input's name (the NAME of a NAME=FILE.npy binding).
  std::string name;
  /// Its element type: io::DType::F32 or io::DType::I32, nothing else.
  io::DType dtype = io::DType::F32;
  /// The input's shape without the batch dimension ([] for a scalar label).
  std::vector<int64_t> sampleShape;
  /// For an i32 class-label input, the number of classes: every value must lie
  /// in [0, numClasses). 0 when the input holds no class labels (no check).
  int64_t numClasses = 0;
  /// An input without batch rows (its plan batch_dim is -1): its array is
  /// the input itself, of shape `sampleShape` (the input's whole shape), and
  /// is fed whole to every step.
  bool whole = false;
};

/// A parsed data source, as the user typed it.
struct DataSource {
  enum class Kind {
    FashionMnist, // "fashion-mnist": the IDX files in `directory`
    IdxDirectory, // a directory of IDX files in MNIST naming
    NpyBindings,  // "NAME=FILE.npy,NAME=FILE.npy,..."
    Text,         // "text" or "text=FILE": bytes (TextData.h)
  };
  Kind kind = Kind::FashionMnist;
  /// For FashionMnist and IdxDirectory: the directory of the IDX files; for
  /// Text without a file: the fortunes directory.
  std::string directory;
  /// For Text: the file; empty for Debian's fortunes (in `directory`).
  std::string textFile;
  /// For NpyBindings: (input name, .npy path) in the order written.
  std::vector<std::pair<std::string, std::string>> bindings;

  /// True when the source holds both splits (IDX; a text's validation tail),
  /// so the test split can come from the same source; an .npy spec names one
  /// split's files, and the test split needs a spec of its own.
  bool hasSplits() const { return kind != Kind::NpyBindings; }
};

/// Parses a data source as typed on the command line:
///  - "fashion-mnist": Debian's Fashion-MNIST in `fashionMnistDir`;
///  - an existing directory: IDX files named train-images-idx3-ubyte,
///    train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
///    each plain or with a .gz suffix;
///  - "NAME=FILE.npy,NAME=FILE.npy,...": binds model inputs to .npy arrays;
///  - "text", "text=fortunes": Debian's fortunes in `fortunesDir`;
///    "text=FILE" (one binding whose FILE does not end in .npy): the bytes of
///    FILE, loaded by loadTextCorpus (TextData.h).
/// Checks only the syntax and that a directory exists (InvalidArgument or
/// NotFound, quoting the text); files are opened by loadDataset.
Status parseDataSource(const std::string &text, DataSource *out,
                       const std::string &fashionMnistDir = kFashionMnistDir,
                       const std::string &fortunesDir = kFortunesDir);

/// One model input's samples: `array` has the input's dtype (F32 or I32) and
/// shape [N, sampleShape...], row-major and contiguous.
struct DatasetTensor {
  std::string name;   // the model input
  std::string origin; // the file the samples came from, for messages
  io::Array array;
  size_t sampleBytes = 0; // bytes of one sample (one row of `array`)
  /// InputSpec::whole: `array` is [1, the input's shape...], one sample
  /// that every batch uses whole; it does not count the samples.
  bool whole = false;
};

/// The samples of every requested input, all with the same count.
struct Dataset {
  int64_t samples = 0;
  /// One per requested input, in the order of the InputSpec list.
  std::vector<DatasetTensor> tensors;

  /// The tensor of input `name`, or null.
  const DatasetTensor *find(const std::string &name) const;
};

/// Loads `split` of `source` for `inputs` into `out` (replaced; unchanged on
/// error).
///
/// IDX sources: the one f32 input gets the images and the one i32 input the
/// labels; a list with more than one input of either type (or another type)
/// is an InvalidArgument asking for NAME=FILE bindings. Unsigned-byte images
/// are scaled to [0, 1] (value / 255); images of another IDX type are
/// converted as they are. An image of the file's per-sample shape is accepted
/// when its element count equals the input's (28x28 feeds [784] or [1,28,28]).
///
/// .npy bindings: every input must be bound exactly once, and only inputs may
/// be bound. f32 inputs take f32 or f64 arrays, i32 inputs i32, i64 or u8
/// (converted; a value outside the i32 range is an error). `split` only labels
/// messages: the spec names the split's files.
///
/// An input with InputSpec::whole takes an array of exactly its shape.
/// Every other input must have the same number of samples N >= 1, each of the
/// input's element count; every value of an f32 input must be finite (no NaN
/// or infinity); every label of an input with numClasses > 0 must be in
/// [0, numClasses). Errors name the file, the input, the sample and the values
/// at fault.
Status loadDataset(const DataSource &source, Split split,
                   const std::vector<InputSpec> &inputs, Dataset *out);

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_DATASET_H
