// braid-shared-arena-check: checks the shared-memory all-reduce
// (runtime/comm/SharedArena) under mpirun.
//
//   mpirun -np N braid-shared-arena-check reduce
//     Every rank fills buckets of several sizes and offsets (counts that
//     the ranks do not divide, down to one float) with values of its own,
//     reduces them (sum, max, min) through an arena from allocateArena,
//     and compares each element with the expected value computed here in
//     the tree order of RankOrder.h, bit for bit, in the arena (also a
//     hierarchical one under BRAID_RANKS_PER_HOST) and in a buffer outside
//     it (the ordered all-reduce over MPI). Prints one line
//     per rank: "rank R: N buckets ok" or the first mismatch.
//   mpirun -np 2 braid-shared-arena-check stall
//     Rank 1 never joins the all-reduce; rank 0, with a 1 s timeout, must
//     fail with the communicator's message instead of hanging. Rank 1
//     waits for rank 0 to say so before it leaves.
#include "runtime/comm/MpiCommunicator.h"

#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace braid::runtime;

namespace {

/// Rank r's value at element i: not integers, so that the order of a sum
/// shows in its bits.
float value(int rank, size_t i) {
  return 0.1f * static_cast<float>(rank + 1) +
         1e-3f * static_cast<float>(i % 1013) * (rank % 2 ? -1.f : 1.f);
}

/// The reduction of ranks [lo, hi) in the tree order of RankOrder.h:
/// split at lo + P, P the largest power of two below hi - lo.
float expected(ReduceOp op, int lo, int hi, size_t i) {
  if (hi - lo == 1)
    return value(lo, i);
  int p = 1;
  while (p * 2 < hi - lo)
    p *= 2;
  float a = expected(op, lo, lo + p, i), b = expected(op, lo + p, hi, i);
  return op == ReduceOp::Sum   ? a + b
         : op == ReduceOp::Max ? std::max(a, b)
                               : std::min(a, b);
}

float expected(ReduceOp op, int size, size_t i) {
  return expected(op, 0, size, i);
}

const char *name(ReduceOp op) {
  return op == ReduceOp::Sum ? "sum" : op == ReduceOp::Max ? "max" : "min";
}

int reduce(MpiCommunicator &comm) {
  const int rank = comm.rank(), size = comm.size();
  const size_t arenaFloats = 300001;
  void *shared = nullptr;
  if (Status s = comm.allocateArena(arenaFloats * sizeof(float), &shared); !s) {
    std::printf("rank %d: %s\n", rank, s.message().c_str());
    return 1;
  }
  if (!shared) {
    std::printf("rank %d: the communicator offered no shared arena\n", rank);
    return 1;
  }
  auto *arena = static_cast<float *>(shared);
  struct Bucket {
    size_t offset, count;
  };
  const Bucket buckets[] = {{0, 1},      {16, 17},    {5, 1000}, {1024, 4099},
                            {0, 300001}, {299999, 2}, {7, 65536}};
  int checked = 0;
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min}) {
    for (const Bucket &b : buckets) {
      for (size_t i = 0; i < arenaFloats; ++i)
        arena[i] = -7.f; // outside the bucket: must stay as it is
      for (size_t i = 0; i < b.count; ++i)
        arena[b.offset + i] = value(rank, i);
      if (Status s = comm.allReduce(arena + b.offset, b.count, op); !s) {
        std::printf("rank %d: %s\n", rank, s.message().c_str());
        return 1;
      }
      for (size_t i = 0; i < arenaFloats; ++i) {
        bool inside = i >= b.offset && i < b.offset + b.count;
        float want = inside ? expected(op, size, i - b.offset) : -7.f;
        if (std::memcmp(&arena[i], &want, sizeof want) != 0) {
          std::printf("rank %d: %s of %zu floats at %zu: element %zu is %.9g, "
                      "expected %.9g\n",
                      rank, name(op), b.count, b.offset, i, arena[i], want);
          return 1;
        }
      }
      ++checked;
    }
  }
  // A bucket outside every arena: the ordered all-reduce over MPI, in the
  // same order to the bit.
  std::vector<float> own(1000);
  for (size_t i = 0; i < own.size(); ++i)
    own[i] = value(rank, i);
  if (Status s = comm.allReduce(own.data(), own.size(), ReduceOp::Sum); !s) {
    std::printf("rank %d: %s\n", rank, s.message().c_str());
    return 1;
  }
  for (size_t i = 0; i < own.size(); ++i) {
    float want = expected(ReduceOp::Sum, size, i);
    if (std::memcmp(&own[i], &want, sizeof want) != 0) {
      std::printf("rank %d: MPI sum element %zu is %.9g, expected %.9g\n", rank,
                  i, own[i], want);
      return 1;
    }
  }
  ++checked;
  std::printf("rank %d: %d buckets ok\n", rank, checked);
  return 0;
}

int stall(MpiCommunicator &comm) {
  void *shared = nullptr;
  if (Status s = comm.allocateArena(4096, &shared); !s || !shared) {
    std::printf("rank %d: no shared arena\n", comm.rank());
    return 1;
  }
  const int kDoneTag = 7;
  if (comm.rank() != 0) {
    // Alive but never joining, until rank 0 says its all-reduce returned.
    // (A fixed sleep raced rank 0: on a loaded machine rank 1 left first and
    // mpirun ended the job before rank 0's timeout fired.) The 60 s bound
    // only ends a hung rank 0, which fails the test.
    int done = 0, arrived = 0;
    MPI_Request request;
    MPI_Irecv(&done, 1, MPI_INT, 0, kDoneTag, MPI_COMM_WORLD, &request);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!arrived && std::chrono::steady_clock::now() < deadline) {
      MPI_Test(&request, &arrived, MPI_STATUS_IGNORE);
      if (!arrived)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::printf(arrived ? "rank %d: stayed away until rank 0 gave up\n"
                        : "rank %d: rank 0 still waits after 60 s\n",
                comm.rank());
    return arrived ? 0 : 1;
  }
  Status s = comm.allReduce(static_cast<float *>(shared), 1024, ReduceOp::Sum);
  std::printf("%s\n", s ? "rank 0: the all-reduce completed without rank 1"
                        : s.message().c_str());
  std::fflush(stdout);
  int done = 1;
  MPI_Send(&done, 1, MPI_INT, 1, kDoneTag, MPI_COMM_WORLD);
  return s ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "reduce" && mode != "stall") {
    std::fprintf(stderr, "usage: braid-shared-arena-check reduce|stall\n");
    return 2;
  }
  std::unique_ptr<MpiCommunicator> comm;
  if (Status s = MpiCommunicator::create(mode == "stall" ? 1 : 60, &comm); !s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  int rc = mode == "reduce" ? reduce(*comm) : stall(*comm);
  std::fflush(stdout);
  if (mode == "stall")
    // Rank 0 left its barrier; the window cannot be freed collectively.
    std::_Exit(rc);
  return rc;
}
