// layer-norm-backends: microseconds per call of Braid's native layer_norm
// loop (runtime/kernels/LayerNorm.cpp) and of oneDNN's
// layer_normalization_forward (with scale and shift, inference) on
// f32[2048, 128], the GPT example's [B * T, dim], one thread. This is the
// measurement behind running the forward on oneDNN; docs/benchmarks.md
// records a run.
//
//   OMP_NUM_THREADS=1 build/release/bin/layer-norm-backends
#include "runtime/kernels/Dnnl.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr int64_t kRows = 2048, kDim = 128;

/// Best of five rounds of `calls` calls, in microseconds per call.
template <typename F> double microseconds(F &&call) {
  const int calls = 200;
  call();
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i)
      call();
    std::chrono::duration<double, std::micro> took =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count() / calls);
  }
  return best;
}

} // namespace

int main() {
  using namespace braid::runtime;
  namespace plan = braid::plan;
  std::vector<float> x(kRows * kDim), gain(kDim), bias(kDim), y(kRows * kDim),
      y2(kRows * kDim);
  for (float &v : x)
    v = static_cast<float>(std::rand()) / RAND_MAX * 4 - 2;
  for (int64_t d = 0; d < kDim; ++d) {
    gain[d] = 1 + 0.01f * d;
    bias[d] = 0.001f * d;
  }

  StepDesc step;
  step.kind = plan::KernelKind::LayerNorm;
  step.inputs = {{plan::ElementType::F32, {kRows, kDim}},
                 {plan::ElementType::F32, {kDim}},
                 {plan::ElementType::F32, {kDim}}};
  step.outputs = {{plan::ElementType::F32, {kRows, kDim}}};
  step.eps = 1e-5;
  std::unique_ptr<Kernel> kernel;
  if (Status s = kernels::createNativeLayerNorm(step, &kernel); !s) {
    std::fprintf(stderr, "layer_norm kernel: %s\n", s.message().c_str());
    return 1;
  }
  kernel->bind({x.data(), gain.data(), bias.data()}, {y.data()});
  double native = microseconds([&] { (void)kernel->run(); });

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  dnnl::memory::desc md({kRows, kDim}, dnnl::memory::data_type::f32,
                        dnnl::memory::format_tag::ab);
  dnnl::memory::desc vd({kDim}, dnnl::memory::data_type::f32,
                        dnnl::memory::format_tag::a);
  dnnl::layer_normalization_forward::primitive_desc pd(
      dnnl::layer_normalization_forward::desc(
          dnnl::prop_kind::forward_inference, md, 1e-5f,
          dnnl::normalization_flags::use_scale |
              dnnl::normalization_flags::use_shift),
      engine);
  dnnl::layer_normalization_forward primitive(pd);
  dnnl::memory src(md, engine, x.data()), dst(md, engine, y2.data()),
      scale(vd, engine, gain.data()), shift(vd, engine, bias.data());
  double onednn = microseconds([&] {
    primitive.execute(stream, {{DNNL_ARG_SRC, src},
                               {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCALE, scale},
                               {DNNL_ARG_SHIFT, shift}});
    stream.wait();
  });
  double diff = 0;
  for (size_t i = 0; i < y.size(); ++i)
    diff = std::max(diff, static_cast<double>(std::abs(y[i] - y2[i])));
  std::printf("layer_norm f32[%lld, %lld], one thread:\n",
              static_cast<long long>(kRows), static_cast<long long>(kDim));
  std::printf("  braid native   %8.1f us\n", native);
  std::printf("  oneDNN         %8.1f us\n", onednn);
  std::printf("  max |native - oneDNN| %.2e\n", diff);
  return 0;
}
