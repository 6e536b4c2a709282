// Parameter initializers.
#include "runtime/exec/Initializers.h"

#include <cmath>

namespace braid::runtime {
namespace {

/// SplitMix64: a small, well-mixed generator whose output is the same on
/// every platform (unlike std:: distributions).
class Generator {
public:
  Generator(uint64_t seed, uint64_t stream)
      : state_(seed * 0x9e3779b97f4a7c15ull + stream * 0xbf58476d1ce4e5b9ull +
               0x94d049bb133111ebull) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 53 bits.
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  /// Standard normal (Box-Muller; 1 - u keeps the logarithm finite).
  double normal() {
    double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

private:
  uint64_t state_;
};

void fans(const std::vector<int64_t> &shape, double *fanIn, double *fanOut) {
  if (shape.empty()) {
    *fanIn = *fanOut = 1;
  } else if (shape.size() == 1) {
    *fanIn = *fanOut = static_cast<double>(shape[0]);
  } else if (shape.size() == 2) {
    *fanIn = static_cast<double>(shape[0]);
    *fanOut = static_cast<double>(shape[1]);
  } else {
    double receptive = 1;
    for (size_t i = 2; i < shape.size(); ++i)
      receptive *= static_cast<double>(shape[i]);
    *fanIn = static_cast<double>(shape[1]) * receptive;
    *fanOut = static_cast<double>(shape[0]) * receptive;
  }
}

} // namespace

void initializeParameter(const PlanInitializer &init, const TensorDesc &desc,
                         uint64_t seed, uint64_t stream, float *out) {
  int64_t n = desc.elements();
  Generator gen(seed, stream);
  double fanIn, fanOut;
  fans(desc.shape, &fanIn, &fanOut);
  switch (init.kind) {
  case plan::InitKind::Zeros:
  case plan::InitKind::Ones:
  case plan::InitKind::Constant: {
    float v = init.kind == plan::InitKind::Zeros ? 0.0f
              : init.kind == plan::InitKind::Ones
                  ? 1.0f
                  : static_cast<float>(init.args[0]);
    for (int64_t i = 0; i < n; ++i)
      out[i] = v;
    return;
  }
  case plan::InitKind::Uniform:
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<float>(init.args[0] + (init.args[1] - init.args[0]) *
                                                     gen.uniform());
    return;
  case plan::InitKind::Normal:
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<float>(init.args[0] + init.args[1] * gen.normal());
    return;
  case plan::InitKind::GlorotUniform: {
    double limit = std::sqrt(6.0 / (fanIn + fanOut));
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<float>((2 * gen.uniform() - 1) * limit);
    return;
  }
  case plan::InitKind::HeNormal: {
    double stddev = std::sqrt(2.0 / fanIn);
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<float>(stddev * gen.normal());
    return;
  }
  }
}

} // namespace braid::runtime
