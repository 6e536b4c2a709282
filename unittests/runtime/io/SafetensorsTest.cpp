// Tests of the safetensors reader and writer: round trips, the written
// layout, and hostile headers and truncated files.
#include "runtime/io/Safetensors.h"

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

// A safetensors file: header length, `header` as is, then `buffer`.
std::vector<uint8_t> stFile(const std::string &header,
                            const std::vector<uint8_t> &buffer) {
  std::vector<uint8_t> f;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    f.push_back(static_cast<uint8_t>(n >> (8 * i)));
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), buffer.begin(), buffer.end());
  return f;
}

Status readBytes(const std::vector<uint8_t> &bytes,
                 std::vector<NamedArray> *out,
                 std::map<std::string, std::string> *meta = nullptr) {
  return readSafetensorsBuffer(bytes.data(), bytes.size(), "t.safetensors", out,
                               meta);
}

void expectError(const std::vector<uint8_t> &bytes, StatusCode code,
                 const std::string &needle) {
  std::vector<NamedArray> out;
  Status s = readBytes(bytes, &out);
  ASSERT_FALSE(s.isOk()) << "expected an error mentioning " << needle;
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("t.safetensors: ", 0), 0u) << s.message();
  EXPECT_TRUE(out.empty());
}

std::vector<NamedArray> sampleTensors() {
  std::vector<NamedArray> v;
  int i = 0;
  for (Array &a : test::sampleArrays())
    v.push_back({"t" + std::to_string(9 - i++), std::move(a)});
  return v;
}

TEST(SafetensorsTest, RoundTripsEveryDTypeAndMetadata) {
  TempDir dir;
  std::vector<NamedArray> in = sampleTensors();
  std::map<std::string, std::string> meta = {{"step", "42"}, {"format", "pt"}};
  std::string path = dir.file("ckpt.safetensors");
  Status s = writeSafetensors(path, in, meta);
  ASSERT_TRUE(s.isOk()) << s.message();
  std::vector<NamedArray> out;
  std::map<std::string, std::string> metaBack;
  s = readSafetensors(path, &out, &metaBack);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(metaBack, meta);
  ASSERT_EQ(out.size(), in.size());
  // Read back sorted by name: t3..t9 are in[6]..in[0].
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].name, in[in.size() - 1 - i].name);
    EXPECT_TRUE(sameArray(out[i].array, in[in.size() - 1 - i].array))
        << out[i].name;
  }
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"ckpt.safetensors"}));
}

TEST(SafetensorsTest, WritesSortedPackedAlignedHeader) {
  std::vector<NamedArray> in;
  in.push_back({"b", makeArray<float>(DType::F32, {2}, {1, 2})});
  in.push_back({"a", makeArray<uint8_t>(DType::U8, {3}, {1, 2, 3})});
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(encodeSafetensors(in, {}, &bytes).isOk());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | bytes[i];
  EXPECT_EQ(n % 8, 0u);
  std::string header(bytes.begin() + 8, bytes.begin() + 8 + n);
  std::string json = "{\"a\":{\"data_offsets\":[0,3],\"dtype\":\"U8\","
                     "\"shape\":[3]},\"b\":{\"data_offsets\":[3,11],"
                     "\"dtype\":\"F32\",\"shape\":[2]}}";
  EXPECT_EQ(header.substr(0, json.size()), json);
  EXPECT_EQ(header.find_first_not_of(' ', json.size()), std::string::npos);
  ASSERT_EQ(bytes.size(), 8 + n + 11);
  EXPECT_EQ(
      std::vector<uint8_t>(bytes.begin() + 8 + n, bytes.begin() + 8 + n + 3),
      (std::vector<uint8_t>{1, 2, 3}));
}

TEST(SafetensorsTest, ReadsAHandWrittenFile) {
  // As the Python safetensors library writes: metadata, any key order.
  std::vector<uint8_t> buf(8 + 8);
  int64_t v[2] = {-1, 1ll << 40};
  std::memcpy(buf.data(), v, 16);
  std::vector<uint8_t> f = stFile(
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
      "\"e\":{\"dtype\":\"F64\",\"shape\":[0,2],\"data_offsets\":[16,16]}}  ",
      buf);
  std::vector<NamedArray> out;
  std::map<std::string, std::string> meta;
  Status s = readBytes(f, &out, &meta);
  ASSERT_TRUE(s.isOk()) << s.message();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "e");
  EXPECT_EQ(out[0].array.shape, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(out[1].name, "w");
  EXPECT_EQ(valuesOf<int64_t>(out[1].array),
            (std::vector<int64_t>{-1, 1ll << 40}));
  EXPECT_EQ(meta.at("format"), "pt");
  // An empty file (no tensors) is valid too.
  EXPECT_TRUE(readBytes(stFile("{}", {}), &out).isOk());
  EXPECT_TRUE(out.empty());
}

std::string entry(const std::string &name, const std::string &dtype,
                  const std::string &shape, const std::string &offsets) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":" + offsets + "}";
}

TEST(SafetensorsTest, RejectsBadOffsets) {
  std::vector<uint8_t> buf(16, 0);
  auto one = [&](const std::string &offsets) {
    return stFile("{" + entry("x", "F32", "[4]", offsets) + "}", buf);
  };
  expectError(one("[-4,12]"), StatusCode::InvalidData,
              "expected [begin, end] with non-negative integers");
  expectError(one("[0,1.6e1]"), StatusCode::InvalidData, "non-negative");
  expectError(one("[0,16,3]"), StatusCode::InvalidData, "[begin, end]");
  expectError(one("[0]"), StatusCode::InvalidData, "[begin, end]");
  expectError(one("\"0,16\""), StatusCode::InvalidData, "[begin, end]");
  expectError(one("[0,99999999999999999999999]"), StatusCode::InvalidData,
              "non-negative integers");
  expectError(one("[16,0]"), StatusCode::InvalidData, "outside the data");
  expectError(one("[4,20]"), StatusCode::InvalidData, "outside the data");
  expectError(one("[0,12]"), StatusCode::InvalidData,
              "span 12 bytes; shape [4] of F32 needs 16");
  expectError(one("[18446744073709551615,18446744073709551615]"),
              StatusCode::InvalidData, "outside the data");
  // Overlap, hole, trailing bytes.
  expectError(stFile("{" + entry("a", "F32", "[2]", "[0,8]") + "," +
                         entry("b", "F32", "[2]", "[4,12]") + "}",
                     std::vector<uint8_t>(12)),
              StatusCode::InvalidData, "overlaps tensor 'a'");
  expectError(stFile("{" + entry("a", "F32", "[2]", "[0,8]") + "," +
                         entry("b", "F32", "[2]", "[0,8]") + "}",
                     std::vector<uint8_t>(8)),
              StatusCode::InvalidData, "overlaps");
  expectError(stFile("{" + entry("a", "F32", "[1]", "[0,4]") + "," +
                         entry("b", "F32", "[2]", "[8,16]") + "}",
                     buf),
              StatusCode::InvalidData, "bytes [4, 8)");
  expectError(stFile("{" + entry("a", "F32", "[2]", "[0,8]") + "}", buf),
              StatusCode::InvalidData, "cover only 8");
}

TEST(SafetensorsTest, RejectsBadEntries) {
  std::vector<uint8_t> buf(16, 0);
  auto file = [&](const std::string &body) {
    return stFile("{" + body + "}", buf);
  };
  expectError(file(entry("x", "BF16", "[8]", "[0,16]")),
              StatusCode::Unsupported, "dtype 'BF16'");
  expectError(file(entry("x", "Q4", "[8]", "[0,16]")), StatusCode::Unsupported,
              "dtype 'Q4'");
  expectError(file(entry("x", "F32", "[-4]", "[0,16]")),
              StatusCode::InvalidData, "'shape' holds -4");
  expectError(file(entry("x", "F32", "[4.0]", "[0,16]")),
              StatusCode::InvalidData, "non-negative integers");
  expectError(file(entry("x", "F32", "4", "[0,16]")), StatusCode::InvalidData,
              "'shape' is not an array");
  expectError(
      file(entry("x", "F32", "[4294967296,4294967296,4294967296]", "[0,16]")),
      StatusCode::InvalidData, "overflows");
  expectError(file(entry("x", "F32", "[9223372036854775808]", "[0,16]")),
              StatusCode::InvalidData, "non-negative integers");
  expectError(file("\"x\":{\"shape\":[4],\"data_offsets\":[0,16]}"),
              StatusCode::InvalidData, "missing 'dtype'");
  expectError(file("\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}"),
              StatusCode::InvalidData, "missing 'shape'");
  expectError(file("\"x\":{\"dtype\":\"F32\",\"shape\":[4]}"),
              StatusCode::InvalidData, "missing 'data_offsets'");
  expectError(file("\"x\":{\"dtype\":7,\"shape\":[4],\"data_offsets\":[0,16]}"),
              StatusCode::InvalidData, "'dtype' is not a string");
  expectError(file("\"x\":[1,2]"), StatusCode::InvalidData,
              "expected a JSON object");
  // What the writer cannot write, the reader does not accept
  // (fuzz/corpus/safetensors_fuzzer/crash-empty-name).
  expectError(file(entry("", "F32", "[4]", "[0,16]")), StatusCode::InvalidData,
              "a tensor has an empty name");
  expectError(
      file(entry("x", "F32", "[4]", "[0,16]") + ",\"__metadata__\":{\"a\":1}"),
      StatusCode::InvalidData, "'__metadata__' entry 'a'");
  expectError(
      file(entry("x", "F32", "[4]", "[0,16]") + ",\"__metadata__\":[\"a\"]"),
      StatusCode::InvalidData, "'__metadata__' is a JSON array");
  expectError(file(entry("x", "F32", "[4]", "[0,16]") + "," +
                   entry("x", "F32", "[4]", "[0,16]")),
              StatusCode::InvalidData, "the key 'x' twice");
  expectError(file(entry("x", "F32", "[2]", "[0,8]") + "," +
                   entry("y", "F32", "[2]", "[8,16]") +
                   ",\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}"),
              StatusCode::InvalidData, "the key 'k' twice");
}

TEST(SafetensorsTest, RejectsBadHeaders) {
  expectError(stFile("{\"x\": ", {}), StatusCode::InvalidData,
              "not valid JSON");
  expectError(stFile("{\"x\":{}}}", {}), StatusCode::InvalidData,
              "not valid JSON");
  expectError(stFile("{\"\xff\":1}", {}), StatusCode::InvalidData,
              "not valid JSON");
  expectError(stFile("[1,2]", {}), StatusCode::InvalidData, "start with '{'");
  expectError(stFile("", {}), StatusCode::InvalidData, "start with '{'");
  expectError(bytesOf("\x05\0\0"), StatusCode::InvalidData,
              "at least the 8-byte header length");
  std::vector<uint8_t> f = stFile("{}", {});
  f[0] = 3; // header length past the end of the file
  expectError(f, StatusCode::InvalidData, "truncated: the header length is 3");
  f[0] = 0;
  f[4] = 1; // 4 GiB
  expectError(f, StatusCode::InvalidData, "exceeds the limit");
  f.assign(8, 0xff);
  expectError(f, StatusCode::InvalidData, "exceeds the limit");
}

TEST(SafetensorsTest, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  const int depth = 100000;
  std::string header =
      "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  expectError(stFile(header, {}), StatusCode::InvalidData,
              "expected a JSON object");
  header = "{\"a\":" + std::string(depth, '[') + "}";
  expectError(stFile(header, {}), StatusCode::InvalidData, "not valid JSON");
}

TEST(SafetensorsTest, EveryTruncationFails) {
  std::vector<uint8_t> good;
  std::vector<NamedArray> in;
  in.push_back({"a", makeArray<float>(DType::F32, {2}, {1, 2})});
  in.push_back({"b", makeArray<int32_t>(DType::I32, {}, {7})});
  ASSERT_TRUE(encodeSafetensors(in, {{"k", "v"}}, &good).isOk());
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + n);
    std::vector<NamedArray> out;
    Status s = readBytes(cut, &out);
    EXPECT_EQ(s.code(), StatusCode::InvalidData) << "length " << n;
  }
  std::vector<NamedArray> out;
  EXPECT_TRUE(readBytes(good, &out).isOk());
}

TEST(SafetensorsTest, RandomByteFlipsNeverCrash) {
  std::vector<uint8_t> good;
  std::vector<NamedArray> in;
  in.push_back({"alpha", makeArray<float>(DType::F32, {2, 2}, {1, 2, 3, 4})});
  in.push_back({"beta", makeArray<uint8_t>(DType::U8, {3}, {5, 6, 7})});
  ASSERT_TRUE(encodeSafetensors(in, {{"k", "v"}}, &good).isOk());
  std::mt19937 rng(2024);
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bytes = good;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      size_t at = rng() % bytes.size();
      bytes[at] = static_cast<uint8_t>(rng());
    }
    std::vector<NamedArray> out;
    Status s = readBytes(bytes, &out);
    if (s.isOk()) {
      ++accepted;
      for (const NamedArray &a : out)
        EXPECT_TRUE(checkArray(a.array).isOk());
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(SafetensorsTest, WriteRejectsBadInputAndLeavesNoFile) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  auto tensor = [](const std::string &name) {
    return NamedArray{name, makeArray<float>(DType::F32, {1}, {1})};
  };
  Status s = writeSafetensors(path, {tensor("a"), tensor("a")});
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("two tensors are named 'a'"), std::string::npos);
  EXPECT_NE(s.message().find("w.safetensors"), std::string::npos);
  EXPECT_FALSE(writeSafetensors(path, {tensor("__metadata__")}));
  EXPECT_FALSE(writeSafetensors(path, {tensor("")}));
  s = writeSafetensors(path, {tensor("bad\xff")});
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
  EXPECT_FALSE(writeSafetensors(path, {tensor("a")}, {{"k", "\xc3"}}));
  NamedArray bad = tensor("a");
  bad.array.data.push_back(0);
  EXPECT_EQ(writeSafetensors(path, {bad}).code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsTest, MissingFileIsNotFound) {
  TempDir dir;
  std::vector<NamedArray> out;
  Status s = readSafetensors(dir.file("none.safetensors"), &out);
  EXPECT_EQ(s.code(), StatusCode::NotFound);
  EXPECT_NE(s.message().find("none.safetensors"), std::string::npos);
}

} // namespace
} // namespace braid::runtime::io
