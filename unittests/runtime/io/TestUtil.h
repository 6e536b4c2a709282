// Helpers shared by the data-format tests: temporary directories, building
// typed arrays and reading their values back.
#ifndef BRAID_UNITTESTS_RUNTIME_IO_TESTUTIL_H
#define BRAID_UNITTESTS_RUNTIME_IO_TESTUTIL_H

#include "runtime/io/Array.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace braid::runtime::io::test {

/// A fresh directory under the test's temporary root, removed on destruction.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "braid-io-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const char *made = ::mkdtemp(buf.data());
    path_ = made ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty())
      std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  /// The names of the entries in the directory.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto &e : std::filesystem::directory_iterator(path_))
      names.push_back(e.path().filename().string());
    return names;
  }

private:
  std::string path_;
};

/// An array of dtype `dtype` and `shape` holding `values` (host order).
template <typename T>
Array makeArray(DType dtype, std::vector<int64_t> shape,
                const std::vector<T> &values) {
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.data.resize(values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

/// The elements of `a` as T (no conversion; T must match the dtype's size).
template <typename T> std::vector<T> valuesOf(const Array &a) {
  std::vector<T> v(a.data.size() / sizeof(T));
  if (!v.empty())
    std::memcpy(v.data(), a.data.data(), v.size() * sizeof(T));
  return v;
}

inline std::vector<uint8_t> bytesOf(const std::string &s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

inline void writeRaw(const std::string &path, const std::vector<uint8_t> &b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char *>(b.data()),
          static_cast<std::streamsize>(b.size()));
}

/// Equality of two arrays, for EXPECT_TRUE with a readable failure.
inline ::testing::AssertionResult sameArray(const Array &a, const Array &b) {
  if (a.dtype != b.dtype)
    return ::testing::AssertionFailure()
           << "dtype " << toString(a.dtype) << " vs " << toString(b.dtype);
  if (a.shape != b.shape)
    return ::testing::AssertionFailure() << "shapes differ";
  if (a.data != b.data)
    return ::testing::AssertionFailure() << "data differ";
  return ::testing::AssertionSuccess();
}

/// One array of every dtype, with shapes from scalar to 3-D and an empty one.
inline std::vector<Array> sampleArrays() {
  std::vector<Array> out;
  out.push_back(makeArray<float>(DType::F32, {2, 3},
                                 {0.f, 1.5f, -2.25f, 3e38f, -1e-38f, 7.f}));
  out.push_back(makeArray<double>(DType::F64, {}, {3.141592653589793}));
  out.push_back(makeArray<double>(DType::F64, {4}, {1e300, -0.0, 1e-300, 2.}));
  out.push_back(
      makeArray<int32_t>(DType::I32, {3, 1}, {INT32_MIN, -1, INT32_MAX}));
  out.push_back(
      makeArray<int64_t>(DType::I64, {1, 2, 2}, {INT64_MIN, -5, 0, INT64_MAX}));
  out.push_back(makeArray<uint8_t>(DType::U8, {2, 2, 2},
                                   {0, 1, 2, 127, 128, 200, 254, 255}));
  out.push_back(makeArray<float>(DType::F32, {0, 3}, {}));
  return out;
}

} // namespace braid::runtime::io::test

#endif // BRAID_UNITTESTS_RUNTIME_IO_TESTUTIL_H
