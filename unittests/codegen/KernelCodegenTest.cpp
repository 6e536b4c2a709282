// Generated kernels (codegen/NativeCode.h) against references in double
// precision: every op of FusibleOpInterface alone and in chains, with
// broadcasting (bias rows, columns, 3-D, rank 0), NaNs and signed zeros for
// maximum and minimum. Each kernel is compiled for x86-64-v3 and x86-64-v4;
// each image this CPU runs is loaded with dlopen from a memory file and every
// kernel run over several splits of [0, work_items) into calls, as the
// runtime's threads would. An image the CPU cannot run is skipped, with a
// message: no check depends on the machine's ISA.
#include "codegen/NativeCode.h"

#include "dialects/braid/IR/BraidDialect.h"
#include "dialects/braid/IR/BraidOps.h"
#include "runtime/plan/CodeSection.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sys/mman.h>
#include <unistd.h>

namespace {

using KernelFn = void (*)(void *const *, int64_t, int64_t);
/// A kernel's value at one element from its inputs' values there.
using Reference = std::function<double(const std::vector<double> &)>;

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kPi = 3.14159265358979323846;

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double gelu(double x) { return 0.5 * x * (1 + std::erf(x * kSqrt1_2)); }
double geluTanhArg(double x) {
  return std::sqrt(2 / kPi) * (x + 0.044715 * x * x * x);
}
double geluTanh(double x) { return 0.5 * x * (1 + std::tanh(geluTanhArg(x))); }
// The runtime's maximum and minimum (Binary.cpp): NaN in either operand
// gives NaN; of equal values, the second operand.
double maximum(double a, double b) { return a > b || a != a ? a : b; }
double minimum(double a, double b) { return a < b || a != a ? a : b; }

/// How a test draws its inputs.
/// WithNaN: signed, with NaNs, signed zeros and ties; Special: positive,
/// with signed zeros, infinities and NaNs.
enum class Inputs { Signed, Positive, WithNaN, Special };

struct KernelCase {
  Reference reference;
  Inputs inputs = Inputs::Signed;
  /// The magnitude of the formula's largest term at the element, which
  /// bounds its rounding error in f32 when terms cancel (1 + erf(x) for a
  /// negative x, 1 - y * y for y near 1); by default the result itself.
  Reference scale = nullptr;
};

// Every kernel of kModule, with its reference. Shapes: 10000 elements make
// three flat work items, the last one partial; 64x128 with a [128] bias
// makes rows; 4x3x40 with [3x1] and [4x1x40] makes rows whose operands are
// broadcast along different axes.
const char *kModule = R"mlir(
func.func @add_bias(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %y = braid.add %x, %b : tensor<64x128xf32>, tensor<128xf32>
  return %y : tensor<64x128xf32>
}
func.func @sub_bias(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %y = braid.sub %x, %b : tensor<64x128xf32>, tensor<128xf32>
  return %y : tensor<64x128xf32>
}
func.func @mul_column(%x: tensor<64x128xf32>, %b: tensor<64x1xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %y = braid.mul %x, %b : tensor<64x128xf32>, tensor<64x1xf32>
  return %y : tensor<64x128xf32>
}
func.func @div_bias(%b: tensor<128xf32>, %x: tensor<64x128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %y = braid.div %b, %x : tensor<128xf32>, tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
func.func @bias_relu(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %s = braid.add %x, %b : tensor<64x128xf32>, tensor<128xf32>
  %y = braid.relu %s : tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
func.func @bias_gelu_residual(%x: tensor<64x128xf32>, %b: tensor<128xf32>, %r: tensor<64x128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %s = braid.add %x, %b : tensor<64x128xf32>, tensor<128xf32>
  %g = braid.gelu %s : tensor<64x128xf32>
  %y = braid.add %g, %r : tensor<64x128xf32>, tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
func.func @broadcast_3d(%a: tensor<4x1x40xf32>, %b: tensor<3x1xf32>, %c: tensor<f32>) -> tensor<4x3x40xf32> attributes {braid.kernel} {
  %s = braid.mul %a, %b : tensor<4x1x40xf32>, tensor<3x1xf32>
  %e = braid.exp %b : tensor<3x1xf32>
  %t = braid.sub %s, %e : tensor<4x3x40xf32>, tensor<3x1xf32>
  %y = braid.mul %t, %c : tensor<4x3x40xf32>, tensor<f32>
  return %y : tensor<4x3x40xf32>
}
func.func @scale_scalar(%x: tensor<10000xf32>, %c: tensor<1xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.mul %x, %c : tensor<10000xf32>, tensor<1xf32>
  return %y : tensor<10000xf32>
}
func.func @relu(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.relu %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @sigmoid(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.sigmoid %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @tanh(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.tanh %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @gelu(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.gelu %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @gelu_tanh(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.gelu_tanh %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @exp(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.exp %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @log(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.log %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @sqrt(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.sqrt %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @rsqrt(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.rsqrt %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @abs(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.abs %x : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @pow_3(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.pow %x, exponent = 3.0 : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @pow_half(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.pow %x, exponent = 0.5 : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @pow_minus_half(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.pow %x, exponent = -0.5 : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @pow_minus_2(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.pow %x, exponent = -2.0 : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @pow_1_7(%x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.pow %x, exponent = 1.7 : tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @maximum(%a: tensor<10000xf32>, %b: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.maximum %a, %b : tensor<10000xf32>, tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @minimum(%a: tensor<10000xf32>, %b: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.minimum %a, %b : tensor<10000xf32>, tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @relu_grad(%dy: tensor<10000xf32>, %x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %y = braid.relu_grad %dy, %x : tensor<10000xf32>, tensor<10000xf32>
  return %y : tensor<10000xf32>
}
func.func @sigmoid_grad(%dy: tensor<10000xf32>, %y: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %r = braid.sigmoid_grad %dy, %y : tensor<10000xf32>, tensor<10000xf32>
  return %r : tensor<10000xf32>
}
func.func @tanh_grad(%dy: tensor<10000xf32>, %y: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %r = braid.tanh_grad %dy, %y : tensor<10000xf32>, tensor<10000xf32>
  return %r : tensor<10000xf32>
}
func.func @gelu_grad(%dy: tensor<10000xf32>, %x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %r = braid.gelu_grad %dy, %x : tensor<10000xf32>, tensor<10000xf32>
  return %r : tensor<10000xf32>
}
func.func @gelu_tanh_grad(%dy: tensor<10000xf32>, %x: tensor<10000xf32>) -> tensor<10000xf32> attributes {braid.kernel} {
  %r = braid.gelu_tanh_grad %dy, %x : tensor<10000xf32>, tensor<10000xf32>
  return %r : tensor<10000xf32>
}
)mlir";

std::map<std::string, KernelCase> kernelCases() {
  using V = const std::vector<double> &;
  std::map<std::string, KernelCase> cases;
  cases["add_bias"] = {[](V v) { return v[0] + v[1]; }};
  cases["sub_bias"] = {[](V v) { return v[0] - v[1]; }};
  cases["mul_column"] = {[](V v) { return v[0] * v[1]; }};
  cases["div_bias"] = {[](V v) { return v[0] / v[1]; }, Inputs::Positive};
  cases["bias_relu"] = {[](V v) { return std::max(v[0] + v[1], 0.0); }};
  cases["bias_gelu_residual"] = {
      [](V v) { return gelu(double(float(v[0] + v[1]))) + v[2]; },
      Inputs::Signed,
      [](V v) { return std::fabs(v[0] + v[1]) + std::fabs(v[2]); }};
  cases["broadcast_3d"] = {
      [](V v) { return (v[0] * v[1] - std::exp(v[1])) * v[2]; }, Inputs::Signed,
      [](V v) {
        return (std::fabs(v[0] * v[1]) + std::exp(v[1])) * std::fabs(v[2]);
      }};
  cases["scale_scalar"] = {[](V v) { return v[0] * v[1]; }};
  cases["relu"] = {[](V v) { return v[0] < 0 ? 0.0 : v[0]; }};
  cases["sigmoid"] = {[](V v) { return sigmoid(v[0]); }};
  cases["tanh"] = {[](V v) { return std::tanh(v[0]); }};
  cases["gelu"] = {[](V v) { return gelu(v[0]); }, Inputs::Signed,
                   [](V v) { return std::fabs(v[0]); }};
  cases["gelu_tanh"] = {[](V v) { return geluTanh(v[0]); }, Inputs::Signed,
                        [](V v) { return std::fabs(v[0]); }};
  cases["exp"] = {[](V v) { return std::exp(v[0]); }};
  cases["log"] = {[](V v) { return std::log(v[0]); }, Inputs::Positive};
  cases["sqrt"] = {[](V v) { return std::sqrt(v[0]); }, Inputs::Positive};
  cases["rsqrt"] = {[](V v) { return 1 / std::sqrt(v[0]); }, Inputs::Positive};
  cases["abs"] = {[](V v) { return std::fabs(v[0]); }};
  cases["pow_3"] = {[](V v) { return std::pow(v[0], 3.0); }};
  cases["pow_half"] = {[](V v) { return std::pow(v[0], 0.5); },
                       Inputs::Special};
  cases["pow_minus_half"] = {[](V v) { return std::pow(v[0], -0.5); },
                             Inputs::Special};
  cases["pow_minus_2"] = {[](V v) { return std::pow(v[0], -2.0); }};
  cases["pow_1_7"] = {[](V v) { return std::pow(v[0], double(1.7f)); },
                      Inputs::Positive};
  cases["maximum"] = {[](V v) { return maximum(v[0], v[1]); }, Inputs::WithNaN};
  cases["minimum"] = {[](V v) { return minimum(v[0], v[1]); }, Inputs::WithNaN};
  cases["relu_grad"] = {[](V v) { return v[1] <= 0 ? 0.0 : v[0]; },
                        Inputs::WithNaN};
  cases["sigmoid_grad"] = {
      [](V v) { return v[0] * v[1] * (1 - v[1]); }, Inputs::Signed,
      [](V v) {
        return std::fabs(v[0] * v[1]) * std::max(1.0, std::fabs(v[1]));
      }};
  cases["tanh_grad"] = {
      [](V v) { return v[0] * (1 - v[1] * v[1]); }, Inputs::Signed,
      [](V v) { return std::fabs(v[0]) * std::max(1.0, v[1] * v[1]); }};
  cases["gelu_grad"] = {
      [](V v) {
        double x = v[1];
        double pdf = std::exp(-0.5 * x * x) / std::sqrt(2 * kPi);
        return v[0] * (0.5 * (1 + std::erf(x * kSqrt1_2)) + x * pdf);
      },
      Inputs::Signed, [](V v) { return std::fabs(v[0]); }};
  cases["gelu_tanh_grad"] = {
      [](V v) {
        double x = v[1], t = std::tanh(geluTanhArg(x));
        double du = std::sqrt(2 / kPi) * (1 + 3 * 0.044715 * x * x);
        return v[0] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du);
      },
      Inputs::Signed,
      [](V v) {
        double x = v[1], t = std::tanh(geluTanhArg(x));
        double du = std::sqrt(2 / kPi) * (1 + 3 * 0.044715 * x * x);
        return std::fabs(v[0]) * (0.5 * (1 + std::fabs(t)) +
                                  0.5 * std::fabs(x) * (1 + t * t) * du);
      }};
  return cases;
}

/// A shared object loaded from memory, as the runtime loads plan code.
class LoadedImage {
public:
  explicit LoadedImage(const std::vector<uint8_t> &bytes) {
    fd_ = memfd_create("braid-kernels-test", MFD_CLOEXEC);
    if (fd_ < 0 || write(fd_, bytes.data(), bytes.size()) !=
                       static_cast<ssize_t>(bytes.size()))
      return;
    std::string path = "/proc/self/fd/" + std::to_string(fd_);
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_)
      error_ = dlerror();
  }
  ~LoadedImage() {
    if (handle_)
      dlclose(handle_);
    if (fd_ >= 0)
      close(fd_);
  }
  void *handle() const { return handle_; }
  const std::string &error() const { return error_; }

private:
  int fd_ = -1;
  void *handle_ = nullptr;
  std::string error_;
};

/// Relative error of `got` against the exact `want`: the difference over
/// max(|want|, scale, smallest normal f32), where `scale` is the magnitude of
/// the terms that cancel in the formula (0 when none do). NaN must match NaN;
/// a NaN where a number is expected counts as infinite.
double relativeError(float got, double want, double scale) {
  if (std::isnan(want))
    return std::isnan(got) ? 0 : INFINITY;
  if (std::isnan(got))
    return INFINITY;
  if (std::isinf(want))
    return got == want ? 0 : INFINITY;
  if (want == 0 && got == 0)
    return std::signbit(want) == std::signbit(got) ? 0 : INFINITY;
  double norm = std::max(
      {std::fabs(want), scale, double(std::numeric_limits<float>::min())});
  return std::fabs(double(got) - want) / norm;
}

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

Tensor makeInput(mlir::RankedTensorType type, Inputs kind, std::mt19937 &rng) {
  Tensor t{std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
           std::vector<float>(type.getNumElements())};
  std::uniform_real_distribution<float> signedDist(-6.f, 6.f),
      positiveDist(0.01f, 50.f);
  for (size_t i = 0; i < t.data.size(); ++i) {
    bool positive = kind == Inputs::Positive || kind == Inputs::Special;
    t.data[i] = positive ? positiveDist(rng) : signedDist(rng);
    if (kind == Inputs::Special) {
      const float specials[] = {0.f, -0.f, INFINITY, -INFINITY,
                                std::numeric_limits<float>::quiet_NaN()};
      if (rng() % 4 == 0)
        t.data[i] = specials[rng() % 5];
    }
    if (kind == Inputs::WithNaN) {
      // Ties, signed zeros and NaNs, each at a fraction of the elements.
      switch (rng() % 8) {
      case 0:
        t.data[i] = std::numeric_limits<float>::quiet_NaN();
        break;
      case 1:
        t.data[i] = 0.f;
        break;
      case 2:
        t.data[i] = -0.f;
        break;
      case 3:
        t.data[i] = 1.f;
        break;
      default:
        break;
      }
    }
  }
  return t;
}

/// The element of `input` that output element `flat` of `out` reads (numpy
/// broadcasting).
float broadcastRead(const Tensor &input, const std::vector<int64_t> &out,
                    int64_t flat) {
  int64_t offset = 0, stride = 1;
  size_t lead = out.size() - input.shape.size();
  for (size_t d = out.size(); d-- > 0;) {
    int64_t index = flat % out[d];
    flat /= out[d];
    if (d < lead)
      continue;
    int64_t dim = input.shape[d - lead];
    if (dim != 1)
      offset += index * stride;
    stride *= dim;
  }
  return input.data[offset];
}

/// Splits of [0, items) into calls: all at once, one item per call, and
/// three uneven pieces.
std::vector<std::vector<std::pair<int64_t, int64_t>>> splits(int64_t items) {
  std::vector<std::vector<std::pair<int64_t, int64_t>>> all;
  all.push_back({{0, items}});
  std::vector<std::pair<int64_t, int64_t>> each;
  for (int64_t i = 0; i < items; ++i)
    each.push_back({i, i + 1});
  all.push_back(each);
  int64_t a = items / 3, b = (2 * items) / 3 + (items > 1 ? 1 : 0);
  b = std::min(b, items);
  all.push_back({{b, items}, {0, a}, {a, b}});
  return all;
}

class KernelCodegenTest : public ::testing::Test {
protected:
  void SetUp() override {
    context_.loadDialect<braid::BraidDialect, mlir::func::FuncDialect>();
  }
  mlir::OwningOpRef<mlir::ModuleOp> parse(const char *text) {
    return mlir::parseSourceString<mlir::ModuleOp>(text, &context_);
  }
  mlir::MLIRContext context_;
};

TEST_F(KernelCodegenTest, EveryFusibleOpMatchesItsReference) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module);
  auto start = std::chrono::steady_clock::now();
  mlir::FailureOr<braid::codegen::NativeCode> code =
      braid::codegen::compileKernels(*module);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(mlir::succeeded(code));
  std::map<std::string, KernelCase> cases = kernelCases();
  ASSERT_EQ(code->symbols.size(), cases.size());
  ASSERT_EQ(code->images.size(), 2u);
  std::printf("compiled %zu kernels for 2 ISA variants in %.2f s\n",
              code->symbols.size(), seconds);

  for (const braid::codegen::Image &image : code->images) {
    if (!braid::runtime::cpuRunsCodeIsa(image.isa)) {
      std::printf("skipping the %s image: this CPU does not run it\n",
                  image.isa.c_str());
      continue;
    }
    LoadedImage loaded(image.bytes);
    ASSERT_TRUE(loaded.handle()) << image.isa << ": " << loaded.error();
    for (auto func : module->getOps<mlir::func::FuncOp>()) {
      std::string name = func.getSymName().str();
      SCOPED_TRACE(image.isa + " " + name);
      ASSERT_TRUE(cases.count(name));
      const KernelCase &kernel = cases[name];
      auto fn =
          reinterpret_cast<KernelFn>(dlsym(loaded.handle(), name.c_str()));
      ASSERT_TRUE(fn) << "symbol missing from the image";
      int64_t index = code->indexOf(name);
      ASSERT_GE(index, 0);
      int64_t items = code->workItems[index];
      ASSERT_GT(items, 0);

      std::mt19937 rng(1234);
      std::vector<Tensor> inputs;
      for (mlir::Type type : func.getArgumentTypes())
        inputs.push_back(makeInput(mlir::cast<mlir::RankedTensorType>(type),
                                   kernel.inputs, rng));
      auto outType =
          mlir::cast<mlir::RankedTensorType>(func.getResultTypes()[0]);
      std::vector<int64_t> outShape(outType.getShape().begin(),
                                    outType.getShape().end());
      std::vector<double> want(outType.getNumElements()),
          scale(outType.getNumElements());
      for (int64_t i = 0; i < outType.getNumElements(); ++i) {
        std::vector<double> values;
        for (const Tensor &input : inputs)
          values.push_back(broadcastRead(input, outShape, i));
        want[i] = kernel.reference(values);
        scale[i] = kernel.scale ? kernel.scale(values) : 0.0;
      }
      bool first = true;
      for (const auto &split : splits(items)) {
        std::vector<float> out(outType.getNumElements(),
                               std::numeric_limits<float>::signaling_NaN());
        std::vector<void *> buffers;
        for (Tensor &input : inputs)
          buffers.push_back(input.data.data());
        buffers.push_back(out.data());
        for (auto [begin, end] : split)
          fn(buffers.data(), begin, end);
        double worst = 0;
        int64_t worstAt = 0;
        for (size_t i = 0; i < out.size(); ++i) {
          double error = relativeError(out[i], want[i], scale[i]);
          if (error > worst || std::isnan(error))
            worst = error, worstAt = i;
        }
        if (first)
          std::printf("%s %-20s work items %4lld  worst relative error %.3g\n",
                      image.isa.c_str(), name.c_str(),
                      static_cast<long long>(items), worst);
        EXPECT_LE(worst, 1e-6) << "element " << worstAt << ": got "
                               << out[worstAt] << ", expected " << want[worstAt]
                               << " (split into " << split.size() << " calls)";
        first = false;
      }
    }
  }
}

TEST_F(KernelCodegenTest, LoopsVectorizeForEachVariant) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
func.func @k(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %s = braid.add %x, %b : tensor<64x128xf32>, tensor<128xf32>
  %y = braid.gelu %s : tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
)mlir");
  ASSERT_TRUE(module);
  mlir::FailureOr<std::string> v3 =
      braid::codegen::compileKernelsToAssembly(*module, "x86-64-v3");
  mlir::FailureOr<std::string> v4 =
      braid::codegen::compileKernelsToAssembly(*module, "x86-64-v4");
  ASSERT_TRUE(mlir::succeeded(v3) && mlir::succeeded(v4));
  EXPECT_NE(v3->find("ymm"), std::string::npos);
  EXPECT_EQ(v3->find("zmm"), std::string::npos);
  EXPECT_NE(v4->find("zmm"), std::string::npos);
  // Every math function became arithmetic: no call leaves the kernel.
  EXPECT_EQ(v3->find("call"), std::string::npos) << *v3;
}

TEST_F(KernelCodegenTest, RefusesABodyWithAnOpThatIsNotElementwise) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
func.func @k(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> attributes {braid.kernel} {
  %y = braid.matmul %x, %w : tensor<4x8xf32>, tensor<8x8xf32>
  return %y : tensor<4x8xf32>
}
)mlir");
  ASSERT_TRUE(module);
  std::string message;
  mlir::ScopedDiagnosticHandler handler(
      &context_, [&](mlir::Diagnostic &d) { message += d.str(); });
  EXPECT_TRUE(mlir::failed(braid::codegen::compileKernels(*module)));
  EXPECT_NE(message.find("is not an elementwise op"), std::string::npos)
      << message;
}

TEST_F(KernelCodegenTest, ModuleWithoutKernelsHasNoCode) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = braid.relu %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_FALSE(braid::codegen::hasKernels(*module));
  mlir::FailureOr<braid::codegen::NativeCode> code =
      braid::codegen::compileKernels(*module);
  ASSERT_TRUE(mlir::succeeded(code));
  EXPECT_TRUE(code->symbols.empty());
  EXPECT_TRUE(code->images.empty());
}

} // namespace
