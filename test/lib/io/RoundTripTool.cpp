// braid-io-roundtrip: a helper for numpy_interop.py. `write DIR` writes known
// arrays as .npy files; `dump FILE` prints a .npy file's dtype, shape and
// values as text; `st-write FILE` writes the known arrays as safetensors;
// `st-to-npy FILE DIR` writes each tensor of a safetensors file as DIR/NAME.npy
// and its metadata as DIR/metadata.txt ("key=value" lines). Exit status 1 and
// the error on stderr when a file is rejected.
#include "runtime/io/AtomicFile.h"
#include "runtime/io/Npy.h"
#include "runtime/io/Safetensors.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace braid::runtime::io;

namespace {

template <typename T>
Array build(DType dtype, std::vector<int64_t> shape, T (*value)(int64_t)) {
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  int64_t n = a.elements();
  a.data.resize(static_cast<size_t>(n) * sizeof(T));
  for (int64_t i = 0; i < n; ++i) {
    T v = value(i);
    std::memcpy(a.data.data() + i * sizeof(T), &v, sizeof(T));
  }
  return a;
}

// The same formulas appear in numpy_interop.py.
float f32Value(int64_t i) { return static_cast<float>(i) / 3.0f - 2.0f; }
double f64Value(int64_t i) { return static_cast<double>(i) / 7.0 - 1e-3; }
int32_t i32Value(int64_t i) {
  return static_cast<int32_t>((i * 7919) % 100003 - 50000);
}
int64_t i64Value(int64_t i) { return i * 1000000000000ll - 5; }
uint8_t u8Value(int64_t i) { return static_cast<uint8_t>((i * 37) % 256); }

struct Item {
  const char *name;
  Array array;
};

std::vector<Item> knownArrays() {
  return {
      {"f32", build<float>(DType::F32, {2, 3, 4}, f32Value)},
      {"f64", build<double>(DType::F64, {5}, f64Value)},
      {"i32", build<int32_t>(DType::I32, {3, 3}, i32Value)},
      {"i64", build<int64_t>(DType::I64, {2, 2}, i64Value)},
      {"u8", build<uint8_t>(DType::U8, {4, 16}, u8Value)},
      {"scalar", build<double>(DType::F64, {}, f64Value)},
      {"empty", build<float>(DType::F32, {0, 3}, f32Value)},
      {"long", build<float>(DType::F32, {1000}, f32Value)},
  };
}

int fail(const braid::runtime::Status &s) {
  std::fprintf(stderr, "%s\n", s.message().c_str());
  return 1;
}

int write(const std::string &dir) {
  for (const Item &item : knownArrays()) {
    std::string path = dir + "/braid_" + item.name + ".npy";
    braid::runtime::Status s = writeNpy(path, item.array);
    if (!s) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
  }
  return 0;
}

int dump(const std::string &path) {
  Array a;
  braid::runtime::Status s = readNpy(path, &a);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s\n", toString(a.dtype));
  for (size_t i = 0; i < a.shape.size(); ++i)
    std::printf("%s%" PRId64, i ? " " : "", a.shape[i]);
  std::printf("\n");
  int64_t n = a.elements();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t *p = a.data.data() + i * dtypeSize(a.dtype);
    switch (a.dtype) {
    case DType::F32: {
      float v;
      std::memcpy(&v, p, 4);
      std::printf("%.9g\n", static_cast<double>(v));
      break;
    }
    case DType::F64: {
      double v;
      std::memcpy(&v, p, 8);
      std::printf("%.17g\n", v);
      break;
    }
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      std::printf("%" PRId32 "\n", v);
      break;
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      std::printf("%" PRId64 "\n", v);
      break;
    }
    case DType::U8:
      std::printf("%u\n", static_cast<unsigned>(*p));
      break;
    }
  }
  return 0;
}

int stWrite(const std::string &path) {
  std::vector<NamedArray> tensors;
  for (Item &item : knownArrays())
    tensors.push_back({item.name, std::move(item.array)});
  braid::runtime::Status s =
      writeSafetensors(path, tensors, {{"step", "42"}, {"writer", "braid"}});
  return s ? 0 : fail(s);
}

int stToNpy(const std::string &path, const std::string &dir) {
  std::vector<NamedArray> tensors;
  std::map<std::string, std::string> metadata;
  braid::runtime::Status s = readSafetensors(path, &tensors, &metadata);
  if (!s)
    return fail(s);
  for (const NamedArray &t : tensors) {
    s = writeNpy(dir + "/" + t.name + ".npy", t.array);
    if (!s)
      return fail(s);
  }
  std::string text;
  for (const auto &[key, value] : metadata)
    text += key + "=" + value + "\n";
  s = writeFileAtomically(dir + "/metadata.txt", text.data(), text.size());
  return s ? 0 : fail(s);
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "write") == 0)
    return write(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "dump") == 0)
    return dump(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "st-write") == 0)
    return stWrite(argv[2]);
  if (argc == 4 && std::strcmp(argv[1], "st-to-npy") == 0)
    return stToNpy(argv[2], argv[3]);
  std::fprintf(stderr,
               "usage: %s write DIR | dump FILE.npy | st-write FILE | "
               "st-to-npy FILE DIR\n",
               argv[0]);
  return 2;
}
