// allreduce-overhead: the time of one bucket's all-reduce through Braid's
// collective kernels (all_reduce_start, then all_reduce_wait, sum) against
// a bare, flat MPI_Allreduce of the same bytes over every rank, at several
// bucket sizes. Braid's path is whichever the communicator picks for the
// ranks' hosts (docs/data-parallel.md, "Hosts and the order of sums"):
//
//   mpirun -np 2 build/release/bin/allreduce-overhead        # shared arena
//   BRAID_SHARED_ARENA=0 mpirun -x BRAID_SHARED_ARENA -np 2 \
//       build/release/bin/allreduce-overhead                 # ordered, MPI
//   BRAID_RANKS_PER_HOST=2 mpirun -x BRAID_RANKS_PER_HOST -np 4 \
//       build/release/bin/allreduce-overhead                 # hierarchical
//
// Rank 0 prints, per size, the median microseconds of both and their ratio.
// The two are timed in alternating rounds, so drift on a shared machine
// affects both alike.
#include "runtime/comm/MpiCommunicator.h"
#include "runtime/kernels/Kernel.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace braid::runtime;
namespace plan = braid::plan;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

int main() {
  std::unique_ptr<MpiCommunicator> comm;
  if (Status s = MpiCommunicator::create(60, &comm); !s) {
    std::fprintf(stderr, "allreduce-overhead: %s\n", s.message().c_str());
    return 1;
  }
  KernelContext context;
  context.communicator = comm.get();
  if (comm->rank() == 0) {
    std::printf("%d ranks on %d hosts: %s\n", comm->size(), comm->hostCount(),
                comm->hierarchical() ? "hierarchical (arenas, then MPI)"
                : std::getenv("BRAID_SHARED_ARENA") &&
                        std::string(std::getenv("BRAID_SHARED_ARENA")) == "0"
                    ? "ordered all-reduce over MPI"
                : comm->hostCount() == 1 ? "shared arena"
                                         : "ordered all-reduce over MPI");
    std::printf("%-12s %14s %14s %8s\n", "bucket", "braid (us)", "MPI (us)",
                "ratio");
  }
  for (size_t bytes : {size_t(4) << 10, size_t(64) << 10, size_t(256) << 10,
                       size_t(1) << 20, size_t(4) << 20}) {
    size_t count = bytes / sizeof(float);
    // The bucket lives where a session's arena would: in memory shared with
    // the host's other ranks when the communicator offers it.
    void *shared = nullptr;
    if (Status s = comm->allocateArena(bytes, &shared); !s) {
      std::fprintf(stderr, "allreduce-overhead: %s\n", s.message().c_str());
      return 1;
    }
    std::vector<float> own(shared ? 0 : count), b(count, 1.0f);
    float *a = shared ? static_cast<float *>(shared) : own.data();
    std::fill(a, a + count, 1.0f);
    StepDesc start;
    start.kind = plan::KernelKind::AllReduceStart;
    // Gradient buckets are sums (the 1/N is in the loss seed).
    start.reduction = plan::Reduction::Sum;
    start.inputs = {
        TensorDesc{plan::ElementType::F32, {static_cast<int64_t>(count)}}};
    StepDesc wait = start;
    wait.kind = plan::KernelKind::AllReduceWait;
    wait.outputs = wait.inputs;
    wait.inputs.clear();
    context.requests.clear();
    std::unique_ptr<Kernel> startKernel, waitKernel;
    if (!createKernel(start, context, &startKernel) ||
        !createKernel(wait, context, &waitKernel))
      return 1;
    startKernel->bind({a}, {});
    waitKernel->bind({}, {a});
    const int rounds = 31, calls = bytes >= (1 << 20) ? 20 : 200;
    std::vector<double> braidTimes, mpiTimes;
    for (int r = 0; r < rounds; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = seconds();
      for (int i = 0; i < calls; ++i)
        if (!startKernel->run() || !waitKernel->run())
          return 1;
      braidTimes.push_back((seconds() - t0) / calls);
      MPI_Barrier(MPI_COMM_WORLD);
      t0 = seconds();
      for (int i = 0; i < calls; ++i)
        MPI_Allreduce(MPI_IN_PLACE, b.data(), static_cast<int>(count),
                      MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      mpiTimes.push_back((seconds() - t0) / calls);
    }
    if (comm->rank() == 0) {
      double braid = median(braidTimes) * 1e6, mpi = median(mpiTimes) * 1e6;
      std::printf("%8zu KiB %14.1f %14.1f %7.2fx\n", bytes >> 10, braid, mpi,
                  braid / mpi);
    }
  }
  return 0;
}
