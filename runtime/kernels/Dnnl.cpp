// The shared helpers of the forward kernels (Dnnl.h).
#include "runtime/kernels/Dnnl.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <algorithm>
#include <new>

namespace braid::runtime::kernels {

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

Status checkArity(const StepDesc &step) {
  const KernelKindInfo *kind = kernelKindInfo(step.kind);
  if (!kind)
    return unsupported("no kernel for " + kindName(step.kind));
  size_t outputs = std::max<size_t>(1, kind->traits.updatedCount);
  if (step.inputs.size() < kind->minInputs ||
      step.inputs.size() > kind->maxInputs || step.outputs.size() != outputs)
    return invalidArgument(kindName(step.kind) + " step has " +
                           std::to_string(step.inputs.size()) + " inputs and " +
                           std::to_string(step.outputs.size()) +
                           " outputs; it takes " +
                           std::to_string(kind->minInputs) +
                           (kind->maxInputs != kind->minInputs
                                ? "-" + std::to_string(kind->maxInputs)
                                : "") +
                           " inputs and " + std::to_string(outputs) +
                           " output" + (outputs == 1 ? "" : "s"));
  for (const TensorDesc &t : step.inputs)
    for (int64_t d : t.shape)
      if (d <= 0)
        return invalidArgument(kindName(step.kind) +
                               " step has an input of shape " +
                               shape::toString(t.shape));
  for (const TensorDesc &t : step.outputs)
    for (int64_t d : t.shape)
      if (d <= 0)
        return invalidArgument(kindName(step.kind) +
                               " step has an output of shape " +
                               shape::toString(t.shape));
  return Status::ok();
}

Status checkTensor(const StepDesc &step, const TensorDesc &tensor,
                   const char *what, plan::ElementType type, int rank) {
  if (tensor.type != type)
    return invalidArgument(kindName(step.kind) + " step: " + what +
                           " must be " + plan::EnumNameElementType(type) +
                           ", got " + plan::EnumNameElementType(tensor.type));
  if (rank >= 0 && tensor.shape.size() != static_cast<size_t>(rank))
    return invalidArgument(kindName(step.kind) + " step: " + what +
                           " must have rank " + std::to_string(rank) +
                           ", got " + shape::toString(tensor.shape));
  return Status::ok();
}

/// Checks that `values` is [h, w] with both at least `min`.
Status checkPair(const char *name, const std::vector<int64_t> &values,
                 int64_t min, const std::string &kind) {
  if (values.size() != 2 || values[0] < min || values[1] < min)
    return invalidArgument(
        kind + " step: " + name + " " + shape::toString(values) +
        " must be [h, w] of at least " + std::to_string(min));
  return Status::ok();
}

/// Output extent of one spatial dimension (0 when the window does not fit).
int64_t spatialExtent(int64_t in, int64_t window, int64_t stride, int64_t pad,
                      int64_t dilation) {
  int64_t effective = (window - 1) * dilation + 1;
  return in + 2 * pad < effective ? 0 : (in + 2 * pad - effective) / stride + 1;
}

dnnl::memory::desc plainDesc(const std::vector<int64_t> &shape,
                             dnnl::memory::data_type type) {
  if (shape.empty())
    return dnnl::memory::desc({1}, type, dnnl::memory::dims{1});
  return dnnl::memory::desc(shape, type, rowMajorStrides(shape));
}

dnnl::memory::data_type dnnlType(plan::ElementType type) {
  return type == plan::ElementType::I32 ? dnnl::memory::data_type::s32
                                        : dnnl::memory::data_type::f32;
}

dnnl::primitive_attr userScratchpadAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

Status statusFromException(const std::string &context) {
  try {
    throw;
  } catch (const dnnl::error &e) {
    std::string message = context + ": oneDNN: " + e.what();
    if (e.status == dnnl_unimplemented)
      return unsupported(message);
    if (e.status == dnnl_invalid_arguments)
      return invalidArgument(message);
    return internalError(message);
  } catch (const std::bad_alloc &) {
    return internalError(context + ": out of memory");
  } catch (const std::exception &e) {
    return internalError(context + ": " + e.what());
  } catch (...) {
    return internalError(context + ": unknown exception");
  }
}

DnnlStep::DnnlStep(dnnl::primitive primitive,
                   const dnnl::memory::desc &scratchpad,
                   const dnnl::engine &engine)
    : primitive_(std::move(primitive)) {
  if (scratchpad.get_size() > 0)
    arg(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad, engine));
}

void DnnlStep::arg(int key, const dnnl::memory &memory) {
  memories_.push_back(memory);
  args_.push_back({key, memory.get()});
}

Status DnnlStep::execute(const dnnl::stream &stream) const {
  dnnl_status_t s =
      dnnl_primitive_execute(primitive_.get(), stream.get(),
                             static_cast<int>(args_.size()), args_.data());
  if (s == dnnl_success)
    s = dnnl_stream_wait(stream.get());
  if (s != dnnl_success)
    return internalError(std::string("oneDNN primitive failed: ") +
                         dnnl_status2str(s));
  return Status::ok();
}

void DnnlKernel::bind(const std::vector<void *> &inputs,
                      const std::vector<void *> &outputs) {
  bindFailed_ =
      inputs.size() != inputs_.size() || outputs.size() != outputs_.size();
  for (size_t i = 0; i < inputs.size() && i < inputs_.size(); ++i)
    bindFailed_ |= dnnl_memory_set_data_handle(inputs_[i].get(), inputs[i]) !=
                   dnnl_success;
  for (size_t i = 0; i < outputs.size() && i < outputs_.size(); ++i)
    bindFailed_ |= dnnl_memory_set_data_handle(outputs_[i].get(), outputs[i]) !=
                   dnnl_success;
}

Status DnnlKernel::run() {
  if (bindFailed_)
    return internalError("a oneDNN kernel ran before bind() gave it one buffer "
                         "per operand");
  for (const DnnlStep &step : steps_)
    BRAID_RETURN_IF_ERROR(step.execute(stream_));
  return Status::ok();
}

Status checkLabels(const char *op, const int32_t *labels, int64_t B,
                   int64_t C) {
  for (int64_t b = 0; b < B; ++b)
    if (labels[b] < 0 || labels[b] >= C)
      return invalidArgument(std::string(op) + ": label " +
                             std::to_string(labels[b]) + " at batch index " +
                             std::to_string(b) + " is outside [0, " +
                             std::to_string(C) + ")");
  return Status::ok();
}

} // namespace braid::runtime::kernels
