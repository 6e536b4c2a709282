// Tests of the IDX reader: every element type, gzip, hostile and truncated
// files, and the real Fashion-MNIST files Debian ships.
#include "runtime/io/Idx.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <sys/stat.h>

namespace braid::runtime::io {
namespace {

using test::makeArray;
using test::TempDir;
using test::valuesOf;

// An IDX file: magic with `type`, big-endian `dims`, then `payload` as is.
std::vector<uint8_t> idxFile(uint8_t type, const std::vector<uint32_t> &dims,
                             const std::vector<uint8_t> &payload) {
  std::vector<uint8_t> f = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8)
      f.push_back(static_cast<uint8_t>(d >> s));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// `bytes` gzip-compressed (one member).
std::vector<uint8_t> gzip(const std::vector<uint8_t> &bytes) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::vector<uint8_t> out(deflateBound(&zs, bytes.size()) + 32);
  zs.next_in = const_cast<Bytef *>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Status readBytes(const std::vector<uint8_t> &b, Array *out,
                 uint64_t limit = kMaxIdxInflatedBytes) {
  return readIdxBuffer(b.data(), b.size(), "t.idx", out, limit);
}

void expectError(const std::vector<uint8_t> &bytes, const std::string &needle) {
  Array out;
  Status s = readBytes(bytes, &out);
  ASSERT_FALSE(s.isOk()) << "expected an error mentioning " << needle;
  EXPECT_EQ(s.code(), StatusCode::InvalidData) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("t.idx: ", 0), 0u) << s.message();
}

TEST(IdxTest, ReadsEveryElementType) {
  Array out;
  ASSERT_TRUE(readBytes(idxFile(0x08, {2, 2}, {0, 1, 254, 255}), &out).isOk());
  EXPECT_EQ(out.dtype, DType::U8);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(out.data, (std::vector<uint8_t>{0, 1, 254, 255}));

  ASSERT_TRUE(readBytes(idxFile(0x09, {3}, {0x80, 0xff, 0x7f}), &out).isOk());
  EXPECT_EQ(out.dtype, DType::I32);
  EXPECT_EQ(valuesOf<int32_t>(out), (std::vector<int32_t>{-128, -1, 127}));

  ASSERT_TRUE(
      readBytes(idxFile(0x0B, {2}, {0xff, 0xfe, 0x01, 0x02}), &out).isOk());
  EXPECT_EQ(out.dtype, DType::I32);
  EXPECT_EQ(valuesOf<int32_t>(out), (std::vector<int32_t>{-2, 258}));

  ASSERT_TRUE(
      readBytes(idxFile(0x0C, {1, 2}, {0x80, 0, 0, 0, 0x00, 0x01, 0x02, 0x03}),
                &out)
          .isOk());
  EXPECT_EQ(out.dtype, DType::I32);
  EXPECT_EQ(valuesOf<int32_t>(out),
            (std::vector<int32_t>{INT32_MIN, 0x010203}));

  ASSERT_TRUE(readBytes(idxFile(0x0D, {1}, {0x3f, 0xc0, 0, 0}), &out).isOk());
  EXPECT_EQ(out.dtype, DType::F32);
  EXPECT_EQ(valuesOf<float>(out), (std::vector<float>{1.5f}));

  ASSERT_TRUE(
      readBytes(idxFile(0x0E, {1}, {0xc0, 0x04, 0, 0, 0, 0, 0, 0}), &out)
          .isOk());
  EXPECT_EQ(out.dtype, DType::F64);
  EXPECT_EQ(valuesOf<double>(out), (std::vector<double>{-2.5}));

  ASSERT_TRUE(readBytes(idxFile(0x08, {}, {42}), &out).isOk());
  EXPECT_TRUE(out.shape.empty());
  ASSERT_TRUE(readBytes(idxFile(0x0D, {0, 5}, {}), &out).isOk());
  EXPECT_EQ(out.shape, (std::vector<int64_t>{0, 5}));
}

// An empty unsigned-byte array has no data to copy; copying none from a null
// destination is still undefined behaviour, which the sanitized test build
// reports (fuzz/corpus/idx_fuzzer/crash-e42b390a...).
TEST(IdxTest, ReadsEmptyByteArrays) {
  Array out;
  ASSERT_TRUE(readBytes(idxFile(0x08, {0}, {}), &out).isOk());
  EXPECT_EQ(out.dtype, DType::U8);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{0}));
  EXPECT_TRUE(out.data.empty());
  ASSERT_TRUE(readBytes(idxFile(0x08, {38, 0, 15}, {}), &out).isOk());
  EXPECT_EQ(out.shape, (std::vector<int64_t>{38, 0, 15}));
}

TEST(IdxTest, ReadsGzipIncludingConcatenatedMembers) {
  std::vector<uint8_t> plain =
      idxFile(0x08, {3, 4}, std::vector<uint8_t>(12, 9));
  Array a, b;
  ASSERT_TRUE(readBytes(plain, &a).isOk());
  Status s = readBytes(gzip(plain), &b);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_TRUE(test::sameArray(a, b));
  // The same file split across two gzip members.
  std::vector<uint8_t> first(plain.begin(), plain.begin() + 7),
      second(plain.begin() + 7, plain.end());
  std::vector<uint8_t> two = gzip(first), g2 = gzip(second);
  two.insert(two.end(), g2.begin(), g2.end());
  s = readBytes(two, &b);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_TRUE(test::sameArray(a, b));
}

TEST(IdxTest, RejectsMalformedHeaders) {
  expectError({}, "at least the 4-byte IDX magic");
  expectError({0, 0, 8}, "at least the 4-byte IDX magic");
  expectError({0, 1, 8, 1, 0, 0, 0, 1, 5}, "expected two zero bytes");
  expectError(idxFile(0x0A, {1}, {1}), "unknown IDX element type 0x0a");
  expectError(idxFile(0x08, {0x80000000u}, {}), "dimension 0 is -2147483648");
  expectError(idxFile(0x0E, {0x7fffffff, 0x7fffffff, 0x7fffffff}, {}),
              "overflow");
  expectError({0, 0, 8, 255, 0, 0, 0, 1}, "255 dimensions need a 1024-byte");
  expectError(idxFile(0x08, {60000, 28, 28}, {1, 2, 3}),
              "holds 3 data bytes; 47040000 elements");
  expectError(idxFile(0x0C, {2}, {0, 0, 0, 1, 0, 0, 0, 2, 0}),
              "holds 9 data bytes");
}

TEST(IdxTest, EveryTruncationFailsPlainAndGzip) {
  std::vector<uint8_t> plain =
      idxFile(0x0C, {2, 3}, std::vector<uint8_t>(24, 1));
  std::vector<uint8_t> gz = gzip(plain);
  for (const auto *good : {&plain, &gz}) {
    for (size_t n = 0; n < good->size(); ++n) {
      std::vector<uint8_t> cut(good->begin(), good->begin() + n);
      Array out;
      Status s = readBytes(cut, &out);
      EXPECT_EQ(s.code(), StatusCode::InvalidData) << "length " << n;
    }
    Array out;
    EXPECT_TRUE(readBytes(*good, &out).isOk());
  }
}

TEST(IdxTest, RejectsCorruptGzip) {
  std::vector<uint8_t> gz = gzip(idxFile(0x08, {4}, {1, 2, 3, 4}));
  std::vector<uint8_t> junk = gz;
  junk.push_back('x');
  junk.push_back('y');
  expectError(junk, "trailing garbage");
  std::vector<uint8_t> badCrc = gz;
  badCrc[badCrc.size() - 6] ^= 0xff; // the CRC32 in the trailer
  expectError(badCrc, "corrupt gzip stream");
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> bytes = gz;
    bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    Array out;
    Status s = readBytes(bytes, &out);
    if (s.isOk()) {
      EXPECT_TRUE(checkArray(out).isOk());
    }
  }
}

TEST(IdxTest, RandomByteFlipsInPlainFilesNeverCrash) {
  std::vector<uint8_t> good =
      idxFile(0x0E, {2, 3}, std::vector<uint8_t>(48, 3));
  std::mt19937 rng(99);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bytes = good;
    for (int f = 0; f < 2; ++f)
      bytes[rng() % 16] = static_cast<uint8_t>(rng()); // the header
    Array out;
    Status s = readBytes(bytes, &out);
    if (s.isOk()) {
      EXPECT_TRUE(checkArray(out).isOk());
    }
  }
}

TEST(IdxTest, LyingGzipSizeTrailerIsHarmless) {
  std::vector<uint8_t> gz = gzip(idxFile(0x08, {2}, {5, 6}));
  // Claim 4 GiB - 1 bytes: the first allocation stays small, and the CRC
  // check in zlib then fails on the wrong length.
  for (size_t i = gz.size() - 4; i < gz.size(); ++i)
    gz[i] = 0xff;
  expectError(gz, "corrupt gzip stream");
}

TEST(IdxTest, BoundsTheInflatedSize) {
  std::vector<uint8_t> big =
      idxFile(0x08, {1 << 20}, std::vector<uint8_t>(1 << 20));
  std::vector<uint8_t> gz = gzip(big);
  EXPECT_LT(gz.size(), 4096u); // a small file that inflates to 1 MiB
  Array out;
  Status s = readBytes(gz, &out, 100000);
  EXPECT_EQ(s.code(), StatusCode::InvalidData);
  EXPECT_NE(s.message().find("inflates to more than 100000"), std::string::npos)
      << s.message();
  s = readBytes(gz, &out, big.size() - 1);
  EXPECT_NE(s.message().find("inflates to more than"), std::string::npos)
      << s.message();
  s = readBytes(gz, &out, big.size()); // exactly the limit is fine
  EXPECT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(out.shape, (std::vector<int64_t>{1 << 20}));
}

TEST(IdxTest, ReadsFromAFileAndNamesIt) {
  TempDir dir;
  std::string path = dir.file("x-idx1-ubyte.gz");
  test::writeRaw(path, gzip(idxFile(0x08, {3}, {1, 2, 3})));
  Array out;
  ASSERT_TRUE(readIdx(path, &out).isOk());
  EXPECT_EQ(out.data, (std::vector<uint8_t>{1, 2, 3}));
  Status s = readIdx(dir.file("none"), &out);
  EXPECT_EQ(s.code(), StatusCode::NotFound);
  test::writeRaw(path, {0, 0, 8});
  s = readIdx(path, &out);
  EXPECT_EQ(s.code(), StatusCode::InvalidData);
  EXPECT_NE(s.message().find(path), std::string::npos);
}

const char kFashion[] = "/usr/share/datasets/fashion-mnist/";

bool haveFashion() {
  struct stat st;
  return ::stat((std::string(kFashion) + "t10k-labels-idx1-ubyte.gz").c_str(),
                &st) == 0;
}

void checkLabels(const Array &labels, int64_t n) {
  ASSERT_EQ(labels.dtype, DType::U8);
  ASSERT_EQ(labels.shape, (std::vector<int64_t>{n}));
  std::vector<int64_t> counts(10, 0);
  for (uint8_t l : labels.data) {
    ASSERT_LT(l, 10);
    ++counts[l];
  }
  // Fashion-MNIST is balanced: n / 10 examples of every class.
  EXPECT_EQ(counts, std::vector<int64_t>(10, n / 10));
}

TEST(IdxTest, FashionMnistTraining) {
  if (!haveFashion())
    GTEST_SKIP() << "no Fashion-MNIST in " << kFashion;
  Array images, labels;
  Status s =
      readIdx(std::string(kFashion) + "train-images-idx3-ubyte.gz", &images);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(images.dtype, DType::U8);
  EXPECT_EQ(images.shape, (std::vector<int64_t>{60000, 28, 28}));
  EXPECT_EQ(images.data.size(), 60000u * 28 * 28);
  uint8_t maxPixel = 0;
  for (uint8_t p : images.data)
    maxPixel = std::max(maxPixel, p);
  EXPECT_EQ(maxPixel, 255);
  s = readIdx(std::string(kFashion) + "train-labels-idx1-ubyte.gz", &labels);
  ASSERT_TRUE(s.isOk()) << s.message();
  checkLabels(labels, 60000);
  EXPECT_EQ(labels.data[0], 9); // an ankle boot
}

TEST(IdxTest, FashionMnistTest) {
  if (!haveFashion())
    GTEST_SKIP() << "no Fashion-MNIST in " << kFashion;
  Array images, labels;
  Status s =
      readIdx(std::string(kFashion) + "t10k-images-idx3-ubyte.gz", &images);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(images.shape, (std::vector<int64_t>{10000, 28, 28}));
  s = readIdx(std::string(kFashion) + "t10k-labels-idx1-ubyte.gz", &labels);
  ASSERT_TRUE(s.isOk()) << s.message();
  checkLabels(labels, 10000);
}

} // namespace
} // namespace braid::runtime::io
