// See Job.h.
#include "Job.h"

namespace braidrun {

Job::~Job() { braid_communicator_release(comm_); }

int Job::join(braid_plan_t *plan, double timeoutSeconds) {
  braid_plan_info_t info;
  braid_plan_info_init(&info);
  braid_plan_info(plan, &info);
  if (!braid_communicator_launched_by_mpirun()) {
    if (info.replicas > 1)
      return fail("the plan was compiled for " + std::to_string(info.replicas) +
                  " replicas: start it with mpirun -np " +
                  std::to_string(info.replicas) + " braid-run ...");
    return 0;
  }
  if (braid_communicator_create_mpi(timeoutSeconds, &comm_) != BRAID_OK)
    return failApi("cannot join the MPI job");
  rank_ = braid_communicator_rank(comm_);
  size_ = braid_communicator_size(comm_);
  if (braid_communicator_check_plan(comm_, plan) != BRAID_OK)
    return failApi("rank " + std::to_string(rank_));
  return 0;
}

int Job::allGather(double value, std::vector<double> *out) const {
  out->assign(static_cast<size_t>(size_), value);
  if (size_ <= 1)
    return 0;
  if (braid_communicator_all_gather(comm_, value, out->data(), out->size()) !=
      BRAID_OK)
    return failRank(std::string("gathering a value from every rank failed: ") +
                    braid_status_message());
  return 0;
}

int Job::failRank(const std::string &message) const {
  if (size_ <= 1)
    return fail(message);
  std::fprintf(stderr, "braid-run: error: rank %d of %d: %s\n", rank_, size_,
               message.c_str());
  std::fflush(stderr);
  braid_communicator_abort(comm_, 1);
  return 1; // not reached
}

} // namespace braidrun
