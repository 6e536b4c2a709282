// Dataset: loading the samples that feed a model's inputs from the sources a
// user names on the command line.
#include "runtime/train/Dataset.h"

#include "runtime/io/Idx.h"
#include "runtime/io/Npy.h"
#include "shape/ShapeRules.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <sys/stat.h>

namespace braid::runtime::train {
namespace {

const char *splitName(Split split) {
  return split == Split::Train ? "train" : "test";
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The element count of one sample of `spec`, checked.
Status sampleElements(const InputSpec &spec, int64_t *out) {
  return io::checkShape(spec.sampleShape, spec.dtype, out, nullptr)
      .withContext("model input '" + spec.name + "'");
}

Status checkInputs(const std::vector<InputSpec> &inputs) {
  if (inputs.empty())
    return invalidArgument("no model inputs to load data for");
  std::set<std::string> seen;
  for (const InputSpec &in : inputs) {
    if (in.name.empty())
      return invalidArgument("a model input has an empty name");
    if (!seen.insert(in.name).second)
      return invalidArgument("model input '" + in.name + "' is listed twice");
    if (in.dtype != io::DType::F32 && in.dtype != io::DType::I32)
      return invalidArgument("model input '" + in.name + "' has element type " +
                             io::toString(in.dtype) +
                             "; data can feed f32 and i32 inputs only");
    if (in.numClasses < 0)
      return invalidArgument("model input '" + in.name +
                             "' has a negative number of classes (" +
                             std::to_string(in.numClasses) + ")");
    int64_t elements;
    BRAID_RETURN_IF_ERROR(sampleElements(in, &elements));
  }
  return Status::ok();
}

// The index of the first NaN or infinity among `n` floats, or n. One pass
// that the compiler vectorizes: blocks are tested with a branch-free OR of
// "exponent bits all set" before any element is looked at one by one.
size_t firstNonFinite(const float *v, size_t n) {
  constexpr size_t kBlock = 1024;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = std::min(n, start + kBlock);
    uint32_t any = 0;
    for (size_t i = start; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, &v[i], sizeof bits);
      any |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    if (any)
      for (size_t i = start; i < end; ++i)
        if (!std::isfinite(v[i]))
          return i;
  }
  return n;
}

// Training on a NaN or infinity makes the loss NaN, whatever the learning
// rate: such a value is refused where it is read, with its place.
Status checkFinite(const InputSpec &spec, const std::string &file,
                   const io::Array &array, int64_t sampleElements) {
  const float *v = reinterpret_cast<const float *>(array.data.data());
  const size_t count = array.data.size() / sizeof(float);
  const size_t at = firstNonFinite(v, count);
  if (at == count)
    return Status::ok();
  const int64_t sample = static_cast<int64_t>(at) / sampleElements;
  const int64_t element = static_cast<int64_t>(at) % sampleElements;
  std::string value = std::isnan(v[at]) ? "nan" : v[at] > 0 ? "inf" : "-inf";
  return invalidArgument(file + ": sample " + std::to_string(sample) +
                         " (element " + std::to_string(element) +
                         " of the sample) is " + value + "; model input '" +
                         spec.name + "' takes finite values only");
}

// Moves `array` (N samples, as read from `file`) into a DatasetTensor for
// `spec`: checks the per-sample element count, converts to the input's type
// (scaling u8 images to [0, 1] when `scaleU8`) and checks that floats are
// finite and class labels in range.
Status makeTensor(const InputSpec &spec, const std::string &file,
                  io::Array array, bool scaleU8, DatasetTensor *out) {
  if (spec.whole) {
    // One sample: the input itself.
    if (array.shape != spec.sampleShape)
      return invalidArgument(
          file + ": has shape " + shape::toString(array.shape) +
          ", but model input '" + spec.name +
          "' has no batch rows (no B in its type) and takes the whole array, "
          "of shape " +
          shape::toString(spec.sampleShape));
    array.shape.insert(array.shape.begin(), 1);
  }
  if (array.shape.empty())
    return invalidArgument(file + ": holds a scalar; model input '" +
                           spec.name + "' needs an array of samples of shape " +
                           shape::toString(spec.sampleShape));
  int64_t expected;
  BRAID_RETURN_IF_ERROR(sampleElements(spec, &expected));
  std::vector<int64_t> fileSample(array.shape.begin() + 1, array.shape.end());
  int64_t got = 1;
  for (int64_t d : fileSample)
    got *= d; // checkArray by the readers bounds the product
  if (got != expected)
    return invalidArgument(
        file + ": has shape " + shape::toString(array.shape) + " (samples of " +
        std::to_string(got) + " elements), but model input '" + spec.name +
        "' expects samples of shape " + shape::toString(spec.sampleShape) +
        " (" + std::to_string(expected) + " elements)");
  int64_t n = array.shape[0];
  const bool floats =
      array.dtype == io::DType::F32 || array.dtype == io::DType::F64;
  if (n == 0)
    return invalidArgument(file + ": holds no samples (shape " +
                           shape::toString(array.shape) + ")");

  if (spec.dtype == io::DType::F32) {
    if (scaleU8 && array.dtype == io::DType::U8) {
      std::vector<uint8_t> bytes(array.data.size() * sizeof(float));
      for (size_t i = 0; i < array.data.size(); ++i) {
        float v = static_cast<float>(array.data[i]) / 255.0f;
        std::memcpy(bytes.data() + i * sizeof(float), &v, sizeof(float));
      }
      array.dtype = io::DType::F32;
      array.data = std::move(bytes);
    } else if (array.dtype == io::DType::F32 || array.dtype == io::DType::F64 ||
               scaleU8) {
      BRAID_RETURN_IF_ERROR(
          io::convert(array, io::DType::F32, &array).withContext(file));
    } else {
      return invalidArgument(file + ": has dtype " + io::toString(array.dtype) +
                             ", but model input '" + spec.name +
                             "' (f32) takes f32 or f64");
    }
  } else {
    if (array.dtype == io::DType::I32 || array.dtype == io::DType::I64 ||
        array.dtype == io::DType::U8) {
      BRAID_RETURN_IF_ERROR(io::convert(array, io::DType::I32, &array)
                                .withContext(file + " (for model input '" +
                                             spec.name + "', i32)"));
    } else {
      return invalidArgument(file + ": has dtype " + io::toString(array.dtype) +
                             ", but model input '" + spec.name +
                             "' (i32) takes i32, i64 or u8");
    }
  }

  // Integers (u8 images among them) convert to finite floats only.
  if (floats)
    BRAID_RETURN_IF_ERROR(checkFinite(spec, file, array, expected));

  if (spec.dtype == io::DType::I32 && spec.numClasses > 0) {
    const int32_t *v = reinterpret_cast<const int32_t *>(array.data.data());
    size_t count = array.data.size() / sizeof(int32_t);
    for (size_t i = 0; i < count; ++i)
      if (v[i] < 0 || v[i] >= spec.numClasses)
        return invalidArgument(
            file + ": label of sample " + std::to_string(i / expected) +
            " is " + std::to_string(v[i]) + ", outside the valid range [0, " +
            std::to_string(spec.numClasses) + ") of model input '" + spec.name +
            "'");
  }

  array.shape.assign(1, n);
  array.shape.insert(array.shape.end(), spec.sampleShape.begin(),
                     spec.sampleShape.end());
  out->name = spec.name;
  out->origin = file;
  out->sampleBytes = static_cast<size_t>(expected) * io::dtypeSize(spec.dtype);
  out->array = std::move(array);
  out->whole = spec.whole;
  return Status::ok();
}

// The IDX file `stem` in `dir`, plain or gzip-compressed.
Status findIdx(const std::string &dir, const std::string &stem,
               std::string *out) {
  for (const char *suffix : {"", ".gz"}) {
    std::string path = dir + "/" + stem + suffix;
    if (isFile(path)) {
      *out = path;
      return Status::ok();
    }
  }
  return notFound("directory '" + dir + "' has neither " + stem + " nor " +
                  stem + ".gz");
}

Status loadIdx(const DataSource &source, Split split,
               const std::vector<InputSpec> &inputs, Dataset *out) {
  int f32 = 0, i32 = 0;
  for (const InputSpec &in : inputs)
    ++(in.dtype == io::DType::F32 ? f32 : i32);
  if (f32 > 1 || i32 > 1)
    return invalidArgument(
        "an IDX data set feeds one f32 input (images) and one i32 input "
        "(labels), but the model has " +
        std::to_string(f32) + " f32 and " + std::to_string(i32) +
        " i32 inputs; bind each input with NAME=FILE.npy,...");

  const std::string prefix = split == Split::Train ? "train" : "t10k";
  Dataset ds;
  for (const InputSpec &spec : inputs) {
    bool isImages = spec.dtype == io::DType::F32;
    std::string path;
    BRAID_RETURN_IF_ERROR(findIdx(
        source.directory,
        prefix + (isImages ? "-images-idx3-ubyte" : "-labels-idx1-ubyte"),
        &path));
    io::Array array;
    BRAID_RETURN_IF_ERROR(io::readIdx(path, &array));
    DatasetTensor t;
    BRAID_RETURN_IF_ERROR(
        makeTensor(spec, path, std::move(array), /*scaleU8=*/isImages, &t));
    ds.tensors.push_back(std::move(t));
  }
  *out = std::move(ds);
  return Status::ok();
}

Status loadNpy(const DataSource &source, Split split,
               const std::vector<InputSpec> &inputs, Dataset *out) {
  std::string names;
  for (const InputSpec &in : inputs)
    names += (names.empty() ? "" : ", ") + in.name;
  for (const auto &b : source.bindings) {
    bool known = false;
    for (const InputSpec &in : inputs)
      known |= in.name == b.first;
    if (!known)
      return invalidArgument(
          "the " + std::string(splitName(split)) + " data binds '" + b.first +
          "', which is not a model input (inputs: " + names + ")");
  }
  Dataset ds;
  for (const InputSpec &spec : inputs) {
    const std::string *path = nullptr;
    for (const auto &b : source.bindings)
      if (b.first == spec.name)
        path = &b.second;
    if (!path)
      return invalidArgument("model input '" + spec.name +
                             "' is not bound in "
                             "the " +
                             splitName(split) + " data; add " + spec.name +
                             "=FILE.npy");
    io::Array array;
    BRAID_RETURN_IF_ERROR(io::readNpy(*path, &array));
    DatasetTensor t;
    BRAID_RETURN_IF_ERROR(
        makeTensor(spec, *path, std::move(array), /*scaleU8=*/false, &t));
    ds.tensors.push_back(std::move(t));
  }
  *out = std::move(ds);
  return Status::ok();
}

} // namespace

const DatasetTensor *Dataset::find(const std::string &name) const {
  for (const DatasetTensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

Status parseDataSource(const std::string &text, DataSource *out,
                       const std::string &fashionMnistDir,
                       const std::string &fortunesDir) {
  DataSource src;
  const std::string textPrefix = "text=";
  const std::string textFile =
      text.rfind(textPrefix, 0) == 0 ? text.substr(textPrefix.size()) : "";
  if (text == "text" ||
      (!textFile.empty() && textFile.find(',') == std::string::npos &&
       !(textFile.size() >= 4 &&
         textFile.compare(textFile.size() - 4, 4, ".npy") == 0))) {
    // An input named `text` bound to an .npy file stays a binding.
    src.kind = DataSource::Kind::Text;
    if (text == "text" || textFile == "fortunes")
      src.directory = fortunesDir;
    else
      src.textFile = textFile;
  } else if (text == "fashion-mnist") {
    src.kind = DataSource::Kind::FashionMnist;
    src.directory = fashionMnistDir;
    if (!isDirectory(fashionMnistDir))
      return notFound("data source 'fashion-mnist' needs " + fashionMnistDir +
                      " (Debian package dataset-fashion-mnist)");
  } else if (text.find('=') == std::string::npos || isDirectory(text)) {
    if (text.empty())
      return invalidArgument("the data source is empty");
    if (!isDirectory(text))
      return notFound("data source '" + text +
                      "' is neither 'fashion-mnist', a directory of IDX "
                      "files nor NAME=FILE.npy bindings");
    src.kind = DataSource::Kind::IdxDirectory;
    src.directory = text;
  } else {
    src.kind = DataSource::Kind::NpyBindings;
    size_t start = 0;
    while (true) {
      size_t comma = text.find(',', start);
      std::string item =
          text.substr(start, comma == std::string::npos ? std::string::npos
                                                        : comma - start);
      size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
        return invalidArgument("data binding '" + item + "' in '" + text +
                               "' is not NAME=FILE.npy");
      std::string name = item.substr(0, eq);
      for (const auto &b : src.bindings)
        if (b.first == name)
          return invalidArgument("model input '" + name +
                                 "' is bound twice "
                                 "in '" +
                                 text + "'");
      src.bindings.emplace_back(name, item.substr(eq + 1));
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
  }
  *out = std::move(src);
  return Status::ok();
}

Status loadDataset(const DataSource &source, Split split,
                   const std::vector<InputSpec> &inputs, Dataset *out) {
  BRAID_RETURN_IF_ERROR(checkInputs(inputs));
  if (source.kind == DataSource::Kind::Text)
    return invalidArgument("a text is read by loadTextCorpus, not as samples");
  Dataset ds;
  if (source.kind == DataSource::Kind::NpyBindings)
    BRAID_RETURN_IF_ERROR(loadNpy(source, split, inputs, &ds));
  else
    BRAID_RETURN_IF_ERROR(loadIdx(source, split, inputs, &ds));

  // The inputs fed whole do not count the samples.
  auto counted = std::find_if(ds.tensors.begin(), ds.tensors.end(),
                              [](const DatasetTensor &t) { return !t.whole; });
  if (counted == ds.tensors.end())
    return invalidArgument("no model input has batch rows (B in its type) "
                           "to draw samples from");
  ds.samples = counted->array.shape[0];
  for (const DatasetTensor &t : ds.tensors)
    if (!t.whole && t.array.shape[0] != ds.samples) {
      const DatasetTensor &first = *counted;
      return invalidArgument(
          "the " + std::string(splitName(split)) +
          " inputs have different numbers of samples: '" + first.name +
          "' has " + std::to_string(ds.samples) + " (" + first.origin + "), '" +
          t.name + "' has " + std::to_string(t.array.shape[0]) + " (" +
          t.origin + ")");
    }
  *out = std::move(ds);
  return Status::ok();
}

} // namespace braid::runtime::train
