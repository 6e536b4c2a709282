// Tests of Dataset: Fashion-MNIST, MNIST-named IDX directories (plain and
// gzip), .npy bindings, and every error a user can provoke.
#include "runtime/train/Dataset.h"

#include "runtime/io/Npy.h"
#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <unistd.h>

namespace braid::runtime::train {
namespace {

using io::DType;
using io::test::makeArray;
using io::test::TempDir;
using io::test::valuesOf;
using io::test::writeRaw;

// An IDX file of unsigned bytes with big-endian `dims`.
std::vector<uint8_t> idxU8(const std::vector<uint32_t> &dims,
                           const std::vector<uint8_t> &payload) {
  std::vector<uint8_t> f = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8)
      f.push_back(static_cast<uint8_t>(d >> s));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

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

std::vector<InputSpec> imagesAndLabels(std::vector<int64_t> imageShape,
                                       int64_t classes = 10) {
  return {{"x", DType::F32, std::move(imageShape), 0},
          {"y", DType::I32, {}, classes}};
}

Status load(const std::string &text, Split split,
            const std::vector<InputSpec> &inputs, Dataset *out) {
  DataSource src;
  BRAID_RETURN_IF_ERROR(parseDataSource(text, &src));
  return loadDataset(src, split, inputs, out);
}

void expectError(const Status &s, StatusCode code,
                 const std::vector<std::string> &needles) {
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), code) << s.message();
  for (const std::string &n : needles)
    EXPECT_NE(s.message().find(n), std::string::npos)
        << "'" << n << "' not in: " << s.message();
}

// A directory in MNIST naming: 5 training images of 2x3 (plain files) and 3
// test images (gzip), labels in 0..3.
class IdxDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::vector<uint8_t> train(5 * 6), test(3 * 6);
    for (size_t i = 0; i < train.size(); ++i)
      train[i] = static_cast<uint8_t>(i * 8);
    train[0] = 255;
    train[1] = 51;
    for (size_t i = 0; i < test.size(); ++i)
      test[i] = static_cast<uint8_t>(200 - i);
    writeRaw(dir.file("train-images-idx3-ubyte"), idxU8({5, 2, 3}, train));
    writeRaw(dir.file("train-labels-idx1-ubyte"), idxU8({5}, {0, 1, 2, 3, 0}));
    writeRaw(dir.file("t10k-images-idx3-ubyte.gz"),
             gzip(idxU8({3, 2, 3}, test)));
    writeRaw(dir.file("t10k-labels-idx1-ubyte.gz"),
             gzip(idxU8({3}, {3, 2, 1})));
  }
  TempDir dir;
};

// Tests that Debian's Fashion-MNIST loads: 60000/10000 samples of 784 floats
// in [0, 1] and labels 0..9.
TEST(FashionMnistTest, LoadsBothSplits) {
  if (::access((std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")
                   .c_str(),
               R_OK) != 0)
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  DataSource src;
  ASSERT_TRUE(parseDataSource("fashion-mnist", &src).isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::FashionMnist);
  EXPECT_TRUE(src.hasSplits());
  for (auto [split, n] :
       {std::pair{Split::Train, 60000}, {Split::Test, 10000}}) {
    Dataset ds;
    Status s = loadDataset(src, split, imagesAndLabels({1, 28, 28}), &ds);
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(ds.samples, n);
    ASSERT_EQ(ds.tensors.size(), 2u);
    EXPECT_EQ(ds.tensors[0].name, "x");
    EXPECT_EQ(ds.tensors[0].array.dtype, DType::F32);
    EXPECT_EQ(ds.tensors[0].array.shape, (std::vector<int64_t>{n, 1, 28, 28}));
    EXPECT_EQ(ds.tensors[0].sampleBytes, 784u * 4);
    EXPECT_EQ(ds.tensors[1].array.dtype, DType::I32);
    EXPECT_EQ(ds.tensors[1].array.shape, (std::vector<int64_t>{n}));
    std::vector<float> x = valuesOf<float>(ds.tensors[0].array);
    auto [lo, hi] = std::minmax_element(x.begin(), x.end());
    EXPECT_EQ(*lo, 0.0f);
    EXPECT_EQ(*hi, 1.0f);
    std::vector<int32_t> y = valuesOf<int32_t>(ds.tensors[1].array);
    std::set<int32_t> classes(y.begin(), y.end());
    EXPECT_EQ(classes, (std::set<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(ds.find("y"), &ds.tensors[1]);
    EXPECT_EQ(ds.find("z"), nullptr);
  }
}

// Tests that an MNIST-named directory loads, plain (train) and gzip (test),
// images scaled to [0, 1] and reshaped to the input's shape.
TEST_F(IdxDirTest, LoadsPlainAndGzip) {
  DataSource src;
  ASSERT_TRUE(parseDataSource(dir.path(), &src).isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::IdxDirectory);
  Dataset train;
  Status s = loadDataset(src, Split::Train, imagesAndLabels({6}, 4), &train);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(train.samples, 5);
  EXPECT_EQ(train.tensors[0].array.shape, (std::vector<int64_t>{5, 6}));
  std::vector<float> x = valuesOf<float>(train.tensors[0].array);
  EXPECT_EQ(x[0], 1.0f);
  EXPECT_FLOAT_EQ(x[1], 0.2f);
  EXPECT_FLOAT_EQ(x[2], 16.0f / 255.0f);
  EXPECT_EQ(valuesOf<int32_t>(train.tensors[1].array),
            (std::vector<int32_t>{0, 1, 2, 3, 0}));

  Dataset test;
  s = loadDataset(src, Split::Test, imagesAndLabels({3, 2}, 4), &test);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(test.samples, 3);
  EXPECT_EQ(test.tensors[0].array.shape, (std::vector<int64_t>{3, 3, 2}));
  EXPECT_FLOAT_EQ(valuesOf<float>(test.tensors[0].array)[1], 199.0f / 255.0f);
  EXPECT_EQ(valuesOf<int32_t>(test.tensors[1].array),
            (std::vector<int32_t>{3, 2, 1}));
}

// Tests that inputs are returned in the caller's order and that an IDX source
// may feed the images alone.
TEST_F(IdxDirTest, InputOrderAndImagesOnly) {
  DataSource src;
  ASSERT_TRUE(parseDataSource(dir.path(), &src).isOk());
  Dataset ds;
  std::vector<InputSpec> in = {{"labels", DType::I32, {1}, 4},
                               {"pixels", DType::F32, {2, 3}, 0}};
  ASSERT_TRUE(loadDataset(src, Split::Train, in, &ds).isOk());
  EXPECT_EQ(ds.tensors[0].name, "labels");
  EXPECT_EQ(ds.tensors[0].array.shape, (std::vector<int64_t>{5, 1}));
  EXPECT_EQ(ds.tensors[1].name, "pixels");
  Dataset images;
  ASSERT_TRUE(
      loadDataset(src, Split::Train, {{"x", DType::F32, {6}, 0}}, &images)
          .isOk());
  EXPECT_EQ(images.tensors.size(), 1u);
  EXPECT_EQ(images.samples, 5);
}

// Tests that images of another element count are refused, naming the file,
// its shape and the input's.
TEST_F(IdxDirTest, WrongImageSize) {
  Dataset ds;
  expectError(load(dir.path(), Split::Train, imagesAndLabels({7}), &ds),
              StatusCode::InvalidArgument,
              {"train-images-idx3-ubyte", "[5, 2, 3]", "model input 'x'",
               "[7] (7 elements)"});
}

// Tests that a label beyond the classes names the file, the sample, the value
// and the range.
TEST_F(IdxDirTest, LabelOutOfRange) {
  Dataset ds;
  expectError(load(dir.path(), Split::Train, imagesAndLabels({6}, 3), &ds),
              StatusCode::InvalidArgument,
              {"train-labels-idx1-ubyte", "label of sample 3 is 3",
               "valid range [0, 3)"});
}

// Tests that a NaN or infinity among IDX float images names the file, the
// sample, its element and the value.
TEST_F(IdxDirTest, NonFiniteFloatImages) {
  std::vector<float> images(5 * 6, 0.5f);
  images[3 * 6 + 4] = -INFINITY;
  std::vector<uint8_t> f = {0, 0, 0x0D, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3};
  for (float v : images) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int s = 24; s >= 0; s -= 8)
      f.push_back(static_cast<uint8_t>(bits >> s));
  }
  writeRaw(dir.file("train-images-idx3-ubyte"), f);
  Dataset ds;
  expectError(load(dir.path(), Split::Train, imagesAndLabels({6}, 4), &ds),
              StatusCode::InvalidArgument,
              {"train-images-idx3-ubyte: sample 3 (element 4 of the sample) "
               "is -inf; model input 'x' takes finite values only"});
}

// Tests that an IDX source needs at most one f32 and one i32 input.
TEST_F(IdxDirTest, AmbiguousInputs) {
  Dataset ds;
  std::vector<InputSpec> in = {{"a", DType::F32, {6}, 0},
                               {"b", DType::F32, {6}, 0},
                               {"y", DType::I32, {}, 4}};
  expectError(load(dir.path(), Split::Train, in, &ds),
              StatusCode::InvalidArgument,
              {"2 f32 and 1 i32", "NAME=FILE.npy"});
}

// Tests that a missing file and a sample-count mismatch are reported.
TEST_F(IdxDirTest, MissingFileAndCountMismatch) {
  Dataset ds;
  ASSERT_EQ(::remove(dir.file("t10k-labels-idx1-ubyte.gz").c_str()), 0);
  expectError(load(dir.path(), Split::Test, imagesAndLabels({6}), &ds),
              StatusCode::NotFound,
              {"neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz"});
  writeRaw(dir.file("t10k-labels-idx1-ubyte"), idxU8({2}, {1, 1}));
  expectError(load(dir.path(), Split::Test, imagesAndLabels({6}), &ds),
              StatusCode::InvalidArgument,
              {"different numbers of samples", "'x' has 3", "'y' has 2",
               "t10k-labels-idx1-ubyte"});
}

// Tests the parsing of data sources and its errors.
TEST(DataSourceTest, Parse) {
  DataSource src;
  ASSERT_TRUE(parseDataSource("x=a.npy,label=/d/b.npy", &src).isOk());
  EXPECT_EQ(src.kind, DataSource::Kind::NpyBindings);
  EXPECT_FALSE(src.hasSplits());
  ASSERT_EQ(src.bindings.size(), 2u);
  EXPECT_EQ(src.bindings[1],
            (std::pair<std::string, std::string>{"label", "/d/b.npy"}));
  expectError(parseDataSource("x=a.npy,y", &src), StatusCode::InvalidArgument,
              {"data binding 'y'", "NAME=FILE.npy"});
  expectError(parseDataSource("x=a.npy,=b.npy", &src),
              StatusCode::InvalidArgument, {"'=b.npy'"});
  expectError(parseDataSource("x=a.npy,x=b.npy", &src),
              StatusCode::InvalidArgument, {"'x' is bound twice"});
  expectError(parseDataSource("/no/such/dir", &src), StatusCode::NotFound,
              {"'/no/such/dir' is neither"});
  expectError(parseDataSource("fashion-mnist", &src, "/no/such/fm"),
              StatusCode::NotFound, {"/no/such/fm"});
  expectError(parseDataSource("", &src), StatusCode::InvalidArgument,
              {"empty"});
}

class NpyBindingTest : public ::testing::Test {
protected:
  std::string save(const std::string &name, const io::Array &a) {
    std::string path = dir.file(name);
    EXPECT_TRUE(io::writeNpy(path, a).isOk());
    return path;
  }
  TempDir dir;
};

// Tests that .npy bindings load with conversion: f64 -> f32, i64 and u8 ->
// i32, whatever the order of the bindings.
TEST_F(NpyBindingTest, LoadsAndConverts) {
  std::string x = save(
      "x.npy", makeArray<double>(DType::F64, {4, 3},
                                 {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11.5}));
  std::string y =
      save("y.npy", makeArray<int64_t>(DType::I64, {4}, {1, 0, 2, 1}));
  std::string m =
      save("m.npy", makeArray<uint8_t>(DType::U8, {4, 1}, {7, 8, 9, 255}));
  std::vector<InputSpec> in = {{"x", DType::F32, {3}, 0},
                               {"y", DType::I32, {}, 3},
                               {"m", DType::I32, {1}, 0}};
  Dataset ds;
  Status s = load("y=" + y + ",m=" + m + ",x=" + x, Split::Test, in, &ds);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(ds.samples, 4);
  EXPECT_EQ(ds.tensors[0].name, "x");
  EXPECT_EQ(ds.tensors[0].origin, x);
  EXPECT_EQ(valuesOf<float>(ds.tensors[0].array)[11], 11.5f);
  EXPECT_EQ(valuesOf<int32_t>(ds.tensors[1].array),
            (std::vector<int32_t>{1, 0, 2, 1}));
  EXPECT_EQ(valuesOf<int32_t>(ds.tensors[2].array),
            (std::vector<int32_t>{7, 8, 9, 255}));
}

// Tests that a NaN or infinity in f32 or f64 data is refused with the file,
// the sample (row), its element and the value, wherever it lies in a long
// array; integer data needs no such check.
TEST_F(NpyBindingTest, NonFiniteValues) {
  std::vector<InputSpec> in = {{"x", DType::F32, {3}, 0},
                               {"y", DType::I32, {}, 2}};
  std::string y = save("y.npy", makeArray<int32_t>(DType::I32, {1000},
                                                   std::vector<int32_t>(1000)));
  std::vector<float> finite(3000, 1.0f);
  Dataset ds;
  std::string x =
      save("x.npy", makeArray<float>(DType::F32, {1000, 3}, finite));
  ASSERT_TRUE(load("x=" + x + ",y=" + y, Split::Train, in, &ds).isOk());
  struct Case {
    size_t at;
    float value;
    const char *text;
  };
  for (Case c : {Case{0, NAN, "sample 0 (element 0 of the sample) is nan"},
                 Case{2999, INFINITY,
                      "sample 999 (element 2 of the sample) "
                      "is inf"},
                 Case{1500, -INFINITY,
                      "sample 500 (element 0 of the sample) "
                      "is -inf"}}) {
    std::vector<float> values = finite;
    values[c.at] = c.value;
    std::string bad =
        save("bad.npy", makeArray<float>(DType::F32, {1000, 3}, values));
    expectError(load("x=" + bad + ",y=" + y, Split::Train, in, &ds),
                StatusCode::InvalidArgument,
                {bad + ": " + c.text, "model input 'x' takes finite values"});
  }
  std::vector<double> wide(3000, 2.0);
  wide[7] = NAN;
  std::string bad64 =
      save("bad64.npy", makeArray<double>(DType::F64, {1000, 3}, wide));
  expectError(load("x=" + bad64 + ",y=" + y, Split::Test, in, &ds),
              StatusCode::InvalidArgument,
              {bad64 + ": sample 2 (element 1 of the sample) is nan"});
}

// Tests every .npy binding error: unbound and unknown inputs, wrong dtypes,
// out-of-range values, wrong shapes, bad labels and count mismatches.
TEST_F(NpyBindingTest, Errors) {
  std::string x =
      save("x.npy", makeArray<float>(DType::F32, {2, 2}, {0, 1, 2, 3}));
  std::string xi =
      save("xi.npy", makeArray<int32_t>(DType::I32, {2, 2}, {0, 1, 2, 3}));
  std::string y = save("y.npy", makeArray<int32_t>(DType::I32, {2}, {0, 1}));
  std::string y3 =
      save("y3.npy", makeArray<int32_t>(DType::I32, {3}, {0, 1, 1}));
  std::string yf = save("yf.npy", makeArray<float>(DType::F32, {2}, {0, 1}));
  std::string ybig = save(
      "ybig.npy", makeArray<int64_t>(DType::I64, {2}, {0, int64_t(1) << 40}));
  std::string yneg =
      save("yneg.npy", makeArray<int64_t>(DType::I64, {2}, {0, -4}));
  std::string scalar = save("s.npy", makeArray<float>(DType::F32, {}, {1}));
  std::string empty = save("e.npy", makeArray<float>(DType::F32, {0, 2}, {}));
  std::vector<InputSpec> in = {{"x", DType::F32, {2}, 0},
                               {"y", DType::I32, {}, 2}};
  Dataset ds;
  expectError(load("x=" + x, Split::Train, in, &ds),
              StatusCode::InvalidArgument,
              {"model input 'y' is not bound in the train data", "y=FILE.npy"});
  expectError(load("x=" + x + ",y=" + y + ",z=" + y, Split::Test, in, &ds),
              StatusCode::InvalidArgument,
              {"test data binds 'z'", "(inputs: x, y)"});
  expectError(load("x=" + xi + ",y=" + y, Split::Train, in, &ds),
              StatusCode::InvalidArgument,
              {xi, "dtype i32", "'x' (f32) takes f32 or f64"});
  expectError(load("x=" + x + ",y=" + yf, Split::Train, in, &ds),
              StatusCode::InvalidArgument,
              {yf, "dtype f32", "'y' (i32) takes i32, i64 or u8"});
  expectError(load("x=" + x + ",y=" + ybig, Split::Train, in, &ds),
              StatusCode::InvalidArgument,
              {ybig, "'y'", "element 1 is 1099511627776"});
  expectError(load("x=" + x + ",y=" + yneg, Split::Train, in, &ds),
              StatusCode::InvalidArgument,
              {yneg, "label of sample 1 is -4", "[0, 2)"});
  expectError(load("x=" + x + ",y=" + y3, Split::Train, in, &ds),
              StatusCode::InvalidArgument, {"'x' has 2", "'y' has 3", y3});
  expectError(load("x=" + scalar + ",y=" + y, Split::Train, in, &ds),
              StatusCode::InvalidArgument, {scalar, "scalar"});
  expectError(load("x=" + empty + ",y=" + y, Split::Train, in, &ds),
              StatusCode::InvalidArgument, {empty, "no samples"});
  expectError(load("x=" + x + ",y=" + y, Split::Train,
                   {{"x", DType::F32, {3}, 0}, in[1]}, &ds),
              StatusCode::InvalidArgument,
              {x, "[2, 2] (samples of 2 elements)", "[3] (3 elements)"});
  expectError(
      load("x=" + dir.file("missing.npy") + ",y=" + y, Split::Train, in, &ds),
      StatusCode::NotFound, {"missing.npy"});
  // The caller's own mistakes.
  expectError(load("x=" + x, Split::Train, {{"x", DType::F64, {2}, 0}}, &ds),
              StatusCode::InvalidArgument, {"f32 and i32 inputs only"});
  expectError(load("x=" + x, Split::Train, {in[0], in[0]}, &ds),
              StatusCode::InvalidArgument, {"listed twice"});
  expectError(load("x=" + x, Split::Train, {}, &ds),
              StatusCode::InvalidArgument, {"no model inputs"});
  // Nothing changed the output.
  EXPECT_EQ(ds.samples, 0);
}

} // namespace
} // namespace braid::runtime::train
