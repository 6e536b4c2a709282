// Tests of the .npy reader and writer: round trips, numpy's exact bytes, and
// hostile or truncated files.
#include "runtime/io/Npy.h"

#include "runtime/io/AtomicFile.h"
#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>

#include <random>

namespace braid::runtime::io {
namespace {

using test::bytesOf;
using test::makeArray;
using test::sameArray;
using test::TempDir;
using test::valuesOf;

// A .npy file with the given version, header text and data bytes (the
// header is used as is: no padding is added).
std::vector<uint8_t> npyFile(int major, const std::string &header,
                             const std::vector<uint8_t> &data) {
  std::vector<uint8_t> f = bytesOf("\x93NUMPY");
  f.push_back(static_cast<uint8_t>(major));
  f.push_back(0);
  size_t n = header.size();
  f.push_back(n & 0xff);
  f.push_back((n >> 8) & 0xff);
  if (major >= 2) {
    f.push_back((n >> 16) & 0xff);
    f.push_back((n >> 24) & 0xff);
  }
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

Status readBytes(const std::vector<uint8_t> &bytes, Array *out) {
  return readNpyBuffer(bytes.data(), bytes.size(), "t.npy", out);
}

std::vector<uint8_t> f32Bytes(std::vector<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Expects a failure with `code` whose message contains `needle` and names the
// file.
void expectError(const std::vector<uint8_t> &bytes, StatusCode code,
                 const std::string &needle) {
  Array out;
  Status s = readBytes(bytes, &out);
  ASSERT_FALSE(s.isOk()) << "expected an error mentioning " << needle;
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("t.npy: ", 0), 0u) << s.message();
}

std::string header(const std::string &dict) {
  return dict + std::string(5, ' ') + "\n";
}

TEST(NpyTest, EncodesExactlyAsNumpy) {
  // Bytes from numpy 1.24: np.save(f, np.arange(6, dtype=np.float32)
  // .reshape(2, 3)).
  Array a = makeArray<float>(DType::F32, {2, 3}, {0, 1, 2, 3, 4, 5});
  std::vector<uint8_t> got;
  ASSERT_TRUE(encodeNpy(a, &got).isOk());
  std::string expected =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
      std::string(58, ' ') + "\n";
  ASSERT_EQ(got.size(), 128u + 24u);
  EXPECT_EQ(std::string(got.begin(), got.begin() + 128), expected);
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 128, got.end()), a.data);

  // np.save(f, np.float64(1.5)): a scalar, no growth-axis padding.
  a = makeArray<double>(DType::F64, {}, {1.5});
  ASSERT_TRUE(encodeNpy(a, &got).isOk());
  expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
             "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" +
             std::string(62, ' ') + "\n" +
             std::string("\x00\x00\x00\x00\x00\x00\xf8\x3f", 8);
  EXPECT_EQ(std::string(got.begin(), got.end()), expected);

  // np.save(f, np.arange(5, dtype=np.uint8)): a 1-tuple, '|u1'.
  a = makeArray<uint8_t>(DType::U8, {5}, {0, 1, 2, 3, 4});
  ASSERT_TRUE(encodeNpy(a, &got).isOk());
  expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
             "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }" +
             std::string(60, ' ') + "\n" + std::string("\0\1\2\3\4", 5);
  EXPECT_EQ(std::string(got.begin(), got.end()), expected);
}

TEST(NpyTest, DataStartsOn64ByteBoundary) {
  Array a = makeArray<int64_t>(DType::I64, {}, {1});
  a.shape.assign(20, 1); // a long header
  std::vector<uint8_t> got;
  ASSERT_TRUE(encodeNpy(a, &got).isOk());
  EXPECT_EQ((got.size() - 8) % 64, 0u);
  EXPECT_EQ(got[got.size() - 9], '\n');
}

TEST(NpyTest, RoundTripsEveryDTypeThroughAFile) {
  TempDir dir;
  int i = 0;
  for (const Array &a : test::sampleArrays()) {
    std::string path = dir.file("a" + std::to_string(i++) + ".npy");
    ASSERT_TRUE(writeNpy(path, a).isOk()) << path;
    Array back;
    Status s = readNpy(path, &back);
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_TRUE(sameArray(a, back)) << path;
  }
}

TEST(NpyTest, ReadsVersions2And3AndLittleEndianU1) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  for (int major : {1, 2, 3}) {
    Array out;
    Status s =
        readBytes(npyFile(major, header(dict), f32Bytes({1.5f, -2.f})), &out);
    ASSERT_TRUE(s.isOk()) << major << ": " << s.message();
    EXPECT_EQ(out.shape, (std::vector<int64_t>{2}));
    EXPECT_EQ(valuesOf<float>(out), (std::vector<float>{1.5f, -2.f}));
  }
  Array out;
  ASSERT_TRUE(readBytes(npyFile(1,
                                "{'descr': '<u1', 'fortran_order': False, "
                                "'shape': (3,), }\n",
                                {7, 8, 9}),
                        &out)
                  .isOk());
  EXPECT_EQ(out.dtype, DType::U8);
  EXPECT_EQ(out.data, (std::vector<uint8_t>{7, 8, 9}));
}

TEST(NpyTest, AcceptsHeaderVariantsNumpyAccepts) {
  const char *dicts[] = {
      // Key order, double quotes, no trailing comma, odd spacing.
      "{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"<f4\"}",
      "{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 1 , 2 , ) }",
      // Python 2 long literals (numpy filters them for versions 1 and 2).
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 2L), }",
  };
  for (const char *d : dicts) {
    Array out;
    Status s = readBytes(npyFile(1, d, f32Bytes({1, 2})), &out);
    ASSERT_TRUE(s.isOk()) << d << ": " << s.message();
    EXPECT_EQ(out.shape, (std::vector<int64_t>{1, 2}));
  }
}

TEST(NpyTest, ReadsScalarAndEmpty) {
  Array out;
  ASSERT_TRUE(
      readBytes(
          npyFile(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (), }",
                  {1, 0, 0, 0}),
          &out)
          .isOk());
  EXPECT_TRUE(out.shape.empty());
  EXPECT_EQ(valuesOf<int32_t>(out), (std::vector<int32_t>{1}));
  ASSERT_TRUE(
      readBytes(
          npyFile(1,
                  "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 0), }",
                  {}),
          &out)
          .isOk());
  EXPECT_EQ(out.shape, (std::vector<int64_t>{3, 0}));
  EXPECT_TRUE(out.data.empty());
}

TEST(NpyTest, RejectsWhatItDoesNotSupport) {
  auto file = [](const std::string &descr, const std::string &fortran) {
    return npyFile(1,
                   "{'descr': '" + descr + "', 'fortran_order': " + fortran +
                       ", 'shape': (2,), }",
                   f32Bytes({1, 2}));
  };
  expectError(file("<f4", "True"), StatusCode::Unsupported, "Fortran");
  expectError(file(">f4", "False"), StatusCode::Unsupported, "'>f4'");
  expectError(file("<f2", "False"), StatusCode::Unsupported, "'<f2'");
  expectError(file("<U2", "False"), StatusCode::Unsupported, "'<U2'");
  expectError(npyFile(1,
                      "{'descr': [('a', '<f4')], 'fortran_order': False, "
                      "'shape': (2,), }",
                      f32Bytes({1, 2})),
              StatusCode::InvalidData, "structured");
  std::vector<uint8_t> v4 = file("<f4", "False");
  v4[6] = 4;
  expectError(v4, StatusCode::Unsupported, "version 4.0");
}

TEST(NpyTest, RejectsMalformedHeaders) {
  auto dictFile = [](const std::string &dict) {
    return npyFile(1, dict, f32Bytes({1, 2}));
  };
  const std::pair<const char *, const char *> cases[] = {
      {"", "'{'"},
      {"[1, 2]", "'{'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ",
       "expected a quoted key"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "'}'"},
      {"{'descr': '<f4', 'fortran_order': False}", "lacks the key 'shape'"},
      {"{'descr': '<f4', 'shape': (2,)}", "lacks the key 'fortran_order'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
       "expected a string, True, False or a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 'y'}",
       "unexpected header key 'x'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
       "'shape': (2,)}",
       "'descr' appears twice"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
       "trailing comma"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
       "list or dictionary"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
       "expected a string, True, False"},
      {"{'descr': '<f4', 'fortran_order': 'False', 'shape': (2,)}",
       "not True or False"},
      {"{'descr': (2,), 'fortran_order': False, 'shape': (2,)}",
       "'descr' is not a string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': '2'}",
       "'shape' is not a tuple"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}",
       "expected a string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x",
       "unexpected text after"},
      {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,)}", "escape"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}",
       "expected ',' or '}' after the value of 'descr'"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}",
       "expected ':' after key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,1.5)}",
       "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,)}",
       "expected an integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
       "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': "
       "(99999999999999999999999,)}",
       "too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': "
       "(9223372036854775808,)}",
       "too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } ",
       ""}, // valid: the control case
  };
  for (const auto &[dict, needle] : cases) {
    SCOPED_TRACE(dict);
    if (*needle == '\0') {
      Array out;
      EXPECT_TRUE(readBytes(dictFile(dict), &out).isOk());
      continue;
    }
    expectError(dictFile(dict), StatusCode::InvalidData, needle);
  }
  // A 1-tuple without a trailing comma in version 3, where 'L' is no suffix.
  expectError(npyFile(3,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(2L,)}",
                      f32Bytes({1, 2})),
              StatusCode::InvalidData, "expected ',' or ')'");
}

TEST(NpyTest, RejectsTooManyDimensions) {
  std::string shape = "(";
  for (int i = 0; i < 65; ++i)
    shape += "1, ";
  shape += ")";
  expectError(
      npyFile(
          1, "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + "}",
          f32Bytes({1})),
      StatusCode::InvalidData, "more than 64 dimensions");
}

TEST(NpyTest, RejectsOverflowingAndHugeShapes) {
  auto withShape = [](const std::string &shape) {
    return npyFile(
        1, "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }",
        f32Bytes({1, 2}));
  };
  expectError(withShape("(4294967296, 4294967296, 4294967296)"),
              StatusCode::InvalidData, "overflows");
  expectError(withShape("(2305843009213693952,)"), StatusCode::InvalidData,
              "overflow"); // 2^61 elements * 8 bytes
  // Huge but representable: refused because the file lacks the data, and
  // without allocating it.
  expectError(withShape("(1000000, 1000000)"), StatusCode::InvalidData,
              "needs exactly 8000000000000");
  // An empty dimension makes any other size fine.
  Array out;
  EXPECT_TRUE(readBytes(npyFile(1,
                                "{'descr': '<f8', 'fortran_order': False, "
                                "'shape': (0, 9223372036854775807), }",
                                {}),
                        &out)
                  .isOk());
}

TEST(NpyTest, RejectsWrongDataLength) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  expectError(npyFile(1, dict, f32Bytes({1})), StatusCode::InvalidData,
              "holds 4 data bytes");
  expectError(npyFile(1, dict, f32Bytes({1, 2, 3})), StatusCode::InvalidData,
              "holds 12 data bytes");
}

TEST(NpyTest, RejectsWrongMagicAndBadLengths) {
  std::vector<uint8_t> good;
  ASSERT_TRUE(
      encodeNpy(makeArray<float>(DType::F32, {2}, {1, 2}), &good).isOk());
  std::vector<uint8_t> bad = good;
  bad[1] = 'P';
  expectError(bad, StatusCode::InvalidData, "not a .npy file");
  expectError(bytesOf("PK\x03\x04 a zip file, not npy"),
              StatusCode::InvalidData, "not a .npy file");
  bad = good;
  bad[8] = 0xff; // header length 255, but 126 bytes follow
  expectError(bad, StatusCode::InvalidData, "truncated: the header length");
  std::vector<uint8_t> v2 = npyFile(2, "{}", {});
  v2[8] = v2[9] = v2[10] = v2[11] = 0xff; // 4 GiB header
  expectError(v2, StatusCode::InvalidData, "exceeds the limit");
}

TEST(NpyTest, EveryTruncationFails) {
  std::vector<uint8_t> good;
  ASSERT_TRUE(
      encodeNpy(makeArray<int32_t>(DType::I32, {2, 2}, {1, 2, 3, 4}), &good)
          .isOk());
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + n);
    Array out;
    Status s = readNpyBuffer(cut.data(), cut.size(), "t.npy", &out);
    EXPECT_EQ(s.code(), StatusCode::InvalidData) << "length " << n;
  }
  Array out;
  EXPECT_TRUE(readBytes(good, &out).isOk());
}

TEST(NpyTest, RandomByteFlipsNeverCrash) {
  std::vector<uint8_t> good;
  ASSERT_TRUE(
      encodeNpy(makeArray<float>(DType::F32, {3, 2}, {1, 2, 3, 4, 5, 6}), &good)
          .isOk());
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bytes = good;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      // Mostly in the header, where parsing happens.
      size_t at = rng() % (trial % 2 ? 80 : bytes.size());
      bytes[at] = static_cast<uint8_t>(rng());
    }
    Array out;
    Status s = readBytes(bytes, &out);
    if (s.isOk()) {
      ++accepted;
      EXPECT_TRUE(checkArray(out).isOk());
    } else {
      EXPECT_FALSE(s.message().empty());
    }
  }
  // Flips in the data or the padding leave a valid file.
  EXPECT_GT(accepted, 0);
}

TEST(NpyTest, FileErrorsNameTheFile) {
  TempDir dir;
  Array out;
  Status s = readNpy(dir.file("missing.npy"), &out);
  EXPECT_EQ(s.code(), StatusCode::NotFound);
  EXPECT_NE(s.message().find("missing.npy"), std::string::npos);
  test::writeRaw(dir.file("bad.npy"), bytesOf("\x93NUMPX"));
  s = readNpy(dir.file("bad.npy"), &out);
  EXPECT_EQ(s.code(), StatusCode::InvalidData);
  EXPECT_NE(s.message().find(dir.file("bad.npy")), std::string::npos);
}

TEST(NpyTest, WriteRejectsMalformedArrayAndLeavesNoFile) {
  TempDir dir;
  Array a = makeArray<float>(DType::F32, {3}, {1, 2});
  Status s = writeNpy(dir.file("x.npy"), a);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("x.npy"), std::string::npos);
  EXPECT_TRUE(dir.entries().empty());
  a.shape = {-3};
  EXPECT_FALSE(writeNpy(dir.file("x.npy"), a));
  EXPECT_TRUE(dir.entries().empty());
}

} // namespace
} // namespace braid::runtime::io
