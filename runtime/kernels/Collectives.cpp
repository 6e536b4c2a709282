// The collective steps of a data-parallel plan, over the session's
// Communicator. All of them work in place: their outputs are their inputs'
// buffers.
//
//   all_reduce        tensors... -> the same tensors, reduced over replicas
//   all_reduce_start  bucket members (contiguous in the arena) -> ()
//                     starts one reduction over the members' bytes
//   all_reduce_wait   () -> the members of the start with its request id
//   broadcast         tensors... -> the same tensors, rank `root`'s copy
//
// Mean is a sum followed by a division by the replica count, done here
// after the reduction completes (MPI has no mean).
#include "runtime/kernels/Dnnl.h"

#include <numeric>

namespace braid::runtime::kernels {
namespace {

ReduceOp reduceOp(plan::Reduction reduction) {
  switch (reduction) {
  case plan::Reduction::Max:
    return ReduceOp::Max;
  case plan::Reduction::Min:
    return ReduceOp::Min;
  default:
    return ReduceOp::Sum;
  }
}

void divide(float *data, size_t count, int replicas) {
  const float scale = 1.0f / static_cast<float>(replicas);
  for (size_t i = 0; i < count; ++i)
    data[i] *= scale;
}

/// Elements of every tensor in `tensors`.
std::vector<size_t> counts(const std::vector<TensorDesc> &tensors) {
  std::vector<size_t> out;
  for (const TensorDesc &t : tensors)
    out.push_back(static_cast<size_t>(t.elements()));
  return out;
}

class AllReduceKernel : public Kernel {
public:
  AllReduceKernel(const StepDesc &step, Communicator *comm)
      : comm_(comm), op_(reduceOp(step.reduction)),
        mean_(step.reduction == plan::Reduction::Mean),
        counts_(counts(step.outputs)) {}

  void bind(const std::vector<void *> &,
            const std::vector<void *> &outputs) override {
    data_.clear();
    for (void *p : outputs)
      data_.push_back(static_cast<float *>(p));
  }

  Status run() override {
    if (data_.size() != counts_.size())
      return internalError("all_reduce kernel ran before bind()");
    for (size_t i = 0; i < data_.size(); ++i) {
      BRAID_RETURN_IF_ERROR(comm_->allReduce(data_[i], counts_[i], op_));
      if (mean_)
        divide(data_[i], counts_[i], comm_->size());
    }
    return Status::ok();
  }

private:
  Communicator *comm_;
  ReduceOp op_;
  bool mean_;
  std::vector<size_t> counts_;
  std::vector<float *> data_;
};

/// The members of a bucket as one span: the loader checked that they are
/// contiguous, in order, in the arena.
size_t bucketCount(const std::vector<TensorDesc> &members) {
  std::vector<size_t> each = counts(members);
  return std::accumulate(each.begin(), each.end(), size_t{0});
}

class AllReduceStartKernel : public Kernel {
public:
  AllReduceStartKernel(const StepDesc &step, Communicator *comm,
                       std::shared_ptr<PendingReduction> pending)
      : comm_(comm), op_(reduceOp(step.reduction)),
        count_(bucketCount(step.inputs)), pending_(std::move(pending)) {
    pending_->mean = step.reduction == plan::Reduction::Mean;
  }

  void bind(const std::vector<void *> &inputs,
            const std::vector<void *> &) override {
    data_ = inputs.empty() ? nullptr : static_cast<float *>(inputs[0]);
  }

  Status run() override {
    if (!data_)
      return internalError("all_reduce_start kernel ran before bind()");
    return comm_->startAllReduce(data_, count_, op_, &pending_->request);
  }

private:
  Communicator *comm_;
  ReduceOp op_;
  size_t count_;
  std::shared_ptr<PendingReduction> pending_;
  float *data_ = nullptr;
};

class AllReduceWaitKernel : public Kernel {
public:
  AllReduceWaitKernel(const StepDesc &step, Communicator *comm,
                      std::shared_ptr<PendingReduction> pending)
      : comm_(comm), count_(bucketCount(step.outputs)), request_(step.request),
        pending_(std::move(pending)) {}

  void bind(const std::vector<void *> &,
            const std::vector<void *> &outputs) override {
    data_ = outputs.empty() ? nullptr : static_cast<float *>(outputs[0]);
  }

  Status run() override {
    if (!data_)
      return internalError("all_reduce_wait kernel ran before bind()");
    if (Status s = comm_->wait(&pending_->request); !s)
      return s.withContext("bucket " + std::to_string(request_) + " (" +
                           std::to_string(count_ * sizeof(float)) + " bytes)");
    if (pending_->mean)
      divide(data_, count_, comm_->size());
    return Status::ok();
  }

private:
  Communicator *comm_;
  size_t count_;
  /// The bucket's request id, which names it in errors.
  uint32_t request_;
  std::shared_ptr<PendingReduction> pending_;
  float *data_ = nullptr;
};

class BroadcastKernel : public Kernel {
public:
  BroadcastKernel(const StepDesc &step, Communicator *comm)
      : comm_(comm), root_(step.root) {
    for (const TensorDesc &t : step.outputs)
      bytes_.push_back(t.bytes());
  }

  void bind(const std::vector<void *> &,
            const std::vector<void *> &outputs) override {
    data_ = outputs;
  }

  Status run() override {
    if (data_.size() != bytes_.size())
      return internalError("broadcast kernel ran before bind()");
    for (size_t i = 0; i < data_.size(); ++i)
      BRAID_RETURN_IF_ERROR(comm_->broadcast(data_[i], bytes_[i], root_));
    return Status::ok();
  }

private:
  Communicator *comm_;
  int root_;
  std::vector<size_t> bytes_;
  std::vector<void *> data_;
};

} // namespace

Status createCollective(const StepDesc &step, KernelContext &context,
                        std::unique_ptr<Kernel> *out) {
  if (!context.communicator)
    return internalError("a collective step needs the session's communicator");
  Communicator *comm = context.communicator;
  using K = plan::KernelKind;
  switch (step.kind) {
  case K::AllReduce:
    *out = std::make_unique<AllReduceKernel>(step, comm);
    return Status::ok();
  case K::AllReduceStart:
  case K::AllReduceWait: {
    // The loader checked the pairing: one start, then its one wait.
    std::shared_ptr<PendingReduction> &pending = context.requests[step.request];
    if (!pending)
      pending = std::make_shared<PendingReduction>();
    if (step.kind == K::AllReduceStart)
      *out = std::make_unique<AllReduceStartKernel>(step, comm, pending);
    else
      *out = std::make_unique<AllReduceWaitKernel>(step, comm, pending);
    return Status::ok();
  }
  case K::Broadcast:
    *out = std::make_unique<BroadcastKernel>(step, comm);
    return Status::ok();
  default:
    return internalError("createCollective called for " + kindName(step.kind));
  }
}

} // namespace braid::runtime::kernels
