// Tests of Array: dtype names and sizes, shape checks and conversion.
#include "runtime/io/Array.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace braid::runtime::io {
namespace {

using test::makeArray;
using test::valuesOf;

TEST(ArrayTest, NamesAndSizes) {
  EXPECT_STREQ(toString(DType::F32), "f32");
  EXPECT_STREQ(toString(DType::F64), "f64");
  EXPECT_STREQ(toString(DType::I32), "i32");
  EXPECT_STREQ(toString(DType::I64), "i64");
  EXPECT_STREQ(toString(DType::U8), "u8");
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::I32), 4u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_EQ(dtypeSize(DType::U8), 1u);
}

TEST(ArrayTest, Elements) {
  Array a;
  EXPECT_EQ(a.elements(), 1); // a scalar
  a.shape = {2, 3, 4};
  EXPECT_EQ(a.elements(), 24);
  a.shape = {5, 0};
  EXPECT_EQ(a.elements(), 0);
}

TEST(ArrayTest, CheckShapeRejectsNegativeAndOverflow) {
  int64_t n = 0;
  size_t bytes = 0;
  EXPECT_TRUE(checkShape({2, 3}, DType::F64, &n, &bytes).isOk());
  EXPECT_EQ(n, 6);
  EXPECT_EQ(bytes, 48u);
  Status s = checkShape({2, -1}, DType::F32, &n, &bytes);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("-1"), std::string::npos) << s.message();
  EXPECT_FALSE(checkShape({1ll << 32, 1ll << 32}, DType::U8, &n, &bytes));
  // Fits in elements, not in bytes.
  EXPECT_FALSE(checkShape({1ll << 62}, DType::F32, &n, &bytes));
  EXPECT_TRUE(checkShape({1ll << 62, 0}, DType::F32, &n, &bytes).isOk());
}

TEST(ArrayTest, CheckArrayWantsExactDataSize) {
  Array a = makeArray<float>(DType::F32, {3}, {1, 2, 3});
  EXPECT_TRUE(checkArray(a).isOk());
  a.data.pop_back();
  Status s = checkArray(a);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("11"), std::string::npos) << s.message();
}

TEST(ArrayTest, F64ToF32Rounds) {
  Array in = makeArray<double>(DType::F64, {3}, {0.1, -2.5, 1.0 / 3.0});
  Array out;
  ASSERT_TRUE(convert(in, DType::F32, &out).isOk());
  EXPECT_EQ(out.dtype, DType::F32);
  EXPECT_EQ(out.shape, in.shape);
  EXPECT_EQ(valuesOf<float>(out),
            (std::vector<float>{0.1f, -2.5f, 1.0f / 3.0f}));
}

TEST(ArrayTest, F64ToF32KeepsNonFiniteRejectsOutOfRange) {
  double inf = std::numeric_limits<double>::infinity();
  Array in = makeArray<double>(DType::F64, {2}, {inf, -inf});
  Array out;
  ASSERT_TRUE(convert(in, DType::F32, &out).isOk());
  EXPECT_TRUE(std::isinf(valuesOf<float>(out)[0]));
  in = makeArray<double>(DType::F64, {1}, {std::nan("")});
  ASSERT_TRUE(convert(in, DType::F32, &out).isOk());
  EXPECT_TRUE(std::isnan(valuesOf<float>(out)[0]));
  in = makeArray<double>(DType::F64, {2}, {1.0, 1e300});
  Status s = convert(in, DType::F32, &out);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("element 1"), std::string::npos) << s.message();
}

TEST(ArrayTest, I64ToI32ChecksRange) {
  Array in = makeArray<int64_t>(DType::I64, {3}, {-7, INT32_MIN, INT32_MAX});
  Array out;
  ASSERT_TRUE(convert(in, DType::I32, &out).isOk());
  EXPECT_EQ(valuesOf<int32_t>(out),
            (std::vector<int32_t>{-7, INT32_MIN, INT32_MAX}));
  in = makeArray<int64_t>(DType::I64, {2}, {1, int64_t(INT32_MAX) + 1});
  out = Array();
  Status s = convert(in, DType::I32, &out);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("2147483648"), std::string::npos) << s.message();
  EXPECT_TRUE(out.data.empty()); // unchanged on failure
  in = makeArray<int64_t>(DType::I64, {1}, {int64_t(INT32_MIN) - 1});
  EXPECT_FALSE(convert(in, DType::I32, &out));
}

TEST(ArrayTest, U8ToF32IsThePlainValue) {
  Array in = makeArray<uint8_t>(DType::U8, {3}, {0, 128, 255});
  Array out;
  ASSERT_TRUE(convert(in, DType::F32, &out).isOk());
  EXPECT_EQ(valuesOf<float>(out), (std::vector<float>{0.f, 128.f, 255.f}));
}

TEST(ArrayTest, FloatToIntTruncatesAndChecksRange) {
  Array in = makeArray<float>(DType::F32, {4}, {1.9f, -1.9f, 255.5f, 0.f});
  Array out;
  ASSERT_TRUE(convert(in, DType::I32, &out).isOk());
  EXPECT_EQ(valuesOf<int32_t>(out), (std::vector<int32_t>{1, -1, 255, 0}));
  EXPECT_FALSE(convert(in, DType::U8, &out)); // -1.9 -> -1 < 0
  in = makeArray<float>(DType::F32, {1}, {std::nanf("")});
  EXPECT_FALSE(convert(in, DType::I64, &out));
  in = makeArray<double>(DType::F64, {1}, {9.3e18});
  EXPECT_FALSE(convert(in, DType::I64, &out));
  in = makeArray<double>(DType::F64, {1}, {-9223372036854775808.0});
  ASSERT_TRUE(convert(in, DType::I64, &out).isOk());
  EXPECT_EQ(valuesOf<int64_t>(out)[0], INT64_MIN);
  in = makeArray<double>(DType::F64, {1}, {2147483647.9});
  ASSERT_TRUE(convert(in, DType::I32, &out).isOk());
  EXPECT_EQ(valuesOf<int32_t>(out)[0], INT32_MAX);
  in = makeArray<double>(DType::F64, {1}, {2147483648.0});
  EXPECT_FALSE(convert(in, DType::I32, &out));
}

TEST(ArrayTest, EveryPairConvertsSmallValuesExactly) {
  const DType all[] = {DType::F32, DType::F64, DType::I32, DType::I64,
                       DType::U8};
  Array seed = makeArray<uint8_t>(DType::U8, {2, 3}, {0, 1, 2, 7, 100, 255});
  for (DType from : all) {
    Array a;
    ASSERT_TRUE(convert(seed, from, &a).isOk());
    for (DType to : all) {
      Array b, back;
      ASSERT_TRUE(convert(a, to, &b).isOk())
          << toString(from) << " -> " << toString(to);
      EXPECT_EQ(b.shape, seed.shape);
      EXPECT_EQ(b.data.size(), 6 * dtypeSize(to));
      ASSERT_TRUE(convert(b, DType::U8, &back).isOk());
      EXPECT_EQ(back.data, seed.data)
          << toString(from) << " -> " << toString(to);
    }
  }
}

TEST(ArrayTest, ConvertInPlaceAndScalars) {
  Array a = makeArray<int32_t>(DType::I32, {}, {-3});
  ASSERT_TRUE(convert(a, DType::F64, &a).isOk());
  EXPECT_EQ(a.dtype, DType::F64);
  EXPECT_TRUE(a.shape.empty());
  EXPECT_EQ(valuesOf<double>(a), (std::vector<double>{-3.0}));
}

TEST(ArrayTest, ConvertRejectsMalformedInput) {
  Array a = makeArray<float>(DType::F32, {4}, {1, 2, 3});
  Array out;
  EXPECT_EQ(convert(a, DType::F64, &out).code(), StatusCode::InvalidArgument);
  EXPECT_EQ(convert(a, DType::F64, nullptr).code(),
            StatusCode::InvalidArgument);
}

} // namespace
} // namespace braid::runtime::io
