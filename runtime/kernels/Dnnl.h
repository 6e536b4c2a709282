// Internal helpers of the kernels: plain oneDNN memory descriptors,
// primitives whose arguments are bound once, step checks and the per-family
// factory functions KernelFactory.cpp dispatches to.
//
// The kernel files' shape comments use these dimension letters: B batch (or
// rows), C channels, H and W spatial extents, K inputs (a contracted
// dimension), N outputs (a matmul's columns, a filter's output channels).
#ifndef BRAID_RUNTIME_KERNELS_DNNL_H
#define BRAID_RUNTIME_KERNELS_DNNL_H

#include "runtime/kernels/Kernel.h"
#include "runtime/plan/KernelKinds.h"
#include "shape/ShapeRules.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace braid::runtime::kernels {

//===----------------------------------------------------------------------===//
// Shapes and step checks
//===----------------------------------------------------------------------===//

/// Row-major element strides of `shape`.
std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape);

/// Checks the operand and result counts of `step` against its kind's row
/// of KernelKinds.def, and that every dimension is positive. createKernel
/// calls it before the factory of every kind but the collectives.
Status checkArity(const StepDesc &step);

/// Checks that `tensor` (named `what` in the message) has element type
/// `type` and, unless `rank` is negative, that rank.
Status checkTensor(const StepDesc &step, const TensorDesc &tensor,
                   const char *what, plan::ElementType type, int rank = -1);

/// Checks, when a step runs, that every one of `B` class labels is in
/// [0, C); the error names the op, the batch index and the value.
Status checkLabels(const char *op, const int32_t *labels, int64_t B, int64_t C);

/// Checks that `values` is [h, w] with both at least `min`.
Status checkPair(const char *name, const std::vector<int64_t> &values,
                 int64_t min, const std::string &kind);

/// Output extent of one spatial dimension of a window (conv2d, pooling);
/// 0 when the dilated window does not fit the padded input.
int64_t spatialExtent(int64_t in, int64_t window, int64_t stride, int64_t pad,
                      int64_t dilation);

//===----------------------------------------------------------------------===//
// oneDNN
//===----------------------------------------------------------------------===//

/// oneDNN's limit on a memory descriptor's rank.
constexpr size_t kMaxDnnlRank = DNNL_MAX_NDIMS;

/// A dense row-major descriptor of `shape` (rank 0 becomes [1]).
dnnl::memory::desc
plainDesc(const std::vector<int64_t> &shape,
          dnnl::memory::data_type type = dnnl::memory::data_type::f32);

/// oneDNN's element type for a tensor's (both are 4 bytes).
dnnl::memory::data_type dnnlType(plan::ElementType type);

/// Attributes with a user scratchpad, so that executing never allocates.
dnnl::primitive_attr userScratchpadAttr();

/// Converts the exception in flight to a Status (call in a catch block).
Status statusFromException(const std::string &context);

/// One oneDNN primitive with its arguments bound once: executing it builds no
/// argument map and allocates nothing.
class DnnlStep {
public:
  /// `scratchpad` is the primitive descriptor's scratchpad_desc(); a buffer
  /// for it is allocated here when it is not empty.
  DnnlStep(dnnl::primitive primitive, const dnnl::memory::desc &scratchpad,
           const dnnl::engine &engine);

  void arg(int key, const dnnl::memory &memory);
  Status execute(const dnnl::stream &stream) const;

private:
  dnnl::primitive primitive_;
  std::vector<dnnl::memory> memories_; // keeps the handles in args_ alive
  std::vector<dnnl_exec_arg_t> args_;
};

/// A kernel that runs oneDNN steps in order. Its `inputs_` and `outputs_`
/// memories (one per step operand, in StepDesc order) have no buffer of their
/// own: bind() points them at the caller's.
class DnnlKernel : public Kernel {
public:
  explicit DnnlKernel(const KernelContext &context)
      : engine_(context.engine), stream_(context.stream) {}

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) override;
  Status run() override;

protected:
  /// A memory of `desc` without a buffer, to be bound later.
  dnnl::memory unbound(const dnnl::memory::desc &desc) const {
    return dnnl::memory(desc, engine_, nullptr);
  }
  /// Adds a step; `pd` gives the scratchpad descriptor.
  template <typename PrimitiveDesc>
  DnnlStep &addStep(dnnl::primitive primitive, const PrimitiveDesc &pd) {
    steps_.emplace_back(std::move(primitive), pd.scratchpad_desc(), engine_);
    return steps_.back();
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
  std::vector<dnnl::memory> inputs_, outputs_;
  std::vector<DnnlStep> steps_;

private:
  bool bindFailed_ = true; // until bind() succeeds
};

//===----------------------------------------------------------------------===//
// Factories, one per op family
//===----------------------------------------------------------------------===//

/// A kernel copying `bytes` from its input to its output, skipped when the
/// memory planner gave both the same buffer (reshape, flatten and the
/// degenerate cases of other kinds).
std::unique_ptr<Kernel> makeCopyKernel(size_t bytes);

using Factory = Status (*)(const StepDesc &, KernelContext &,
                           std::unique_ptr<Kernel> *);

/// The native forward of a layer_norm step (LayerNorm.cpp), which the
/// factory passes over for oneDNN's: for bench/layer_norm_backends.cpp and
/// the kernel tests.
Status createNativeLayerNorm(const StepDesc &step,
                             std::unique_ptr<Kernel> *out);

// Each kind's factory, declared from the factory column of KernelKinds.def
// (several kinds may share one); a kernel file defines it.
#define BRAID_KERNEL_KIND(Enum, name, minInputs, maxInputs, rule, factory,     \
                          traits)                                              \
  Status factory(const StepDesc &, KernelContext &, std::unique_ptr<Kernel> *);
#include "runtime/plan/KernelKinds.def"
#undef BRAID_KERNEL_KIND

} // namespace braid::runtime::kernels

#endif // BRAID_RUNTIME_KERNELS_DNNL_H
