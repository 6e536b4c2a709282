// The base of the kernels that run their own loops (not a oneDNN primitive):
// bind() keeps the buffers only when their counts are the step's, and run()
// fails, naming the kernel, until it has them.
#ifndef BRAID_RUNTIME_KERNELS_NATIVEKERNEL_H
#define BRAID_RUNTIME_KERNELS_NATIVEKERNEL_H

#include "runtime/kernels/Kernel.h"

#include <string>
#include <utility>
#include <vector>

namespace braid::runtime::kernels {

class NativeKernel : public Kernel {
public:
  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &outputs) final {
    bound_ = inputs.size() == inputs_ && outputs.size() == outputs_;
    if (bound_)
      bindBuffers(inputs, outputs);
  }

  Status run() final { return bound_ ? compute() : notBound(); }

protected:
  /// `name` is the op's, for the error; `inputs` and `outputs` the buffer
  /// counts bind() must get.
  NativeKernel(std::string name, size_t inputs, size_t outputs)
      : name_(std::move(name)), inputs_(inputs), outputs_(outputs) {}

  /// Keeps the buffers: exactly the counts given to the constructor.
  virtual void bindBuffers(const std::vector<void *> &inputs,
                           const std::vector<void *> &outputs) = 0;
  /// run() once bound.
  virtual Status compute() = 0;

private:
  Status notBound() const {
    auto count = [](size_t n, const char *what) {
      return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
    };
    return internalError(name_ + " kernel ran before bind() gave it " +
                         count(inputs_, "input") + " and " +
                         count(outputs_, "output"));
  }

  std::string name_;
  size_t inputs_, outputs_;
  bool bound_ = false;
};

} // namespace braid::runtime::kernels

#endif // BRAID_RUNTIME_KERNELS_NATIVEKERNEL_H
