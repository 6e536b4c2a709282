// See ShardedUpdate.h.
#include "runtime/exec/ShardedUpdate.h"

#include <algorithm>
#include <cstring>

namespace braid::runtime {
namespace {

/// The optimizer steps and how many state tensors they update (after the
/// parameter, among the inputs).
bool isOptimizer(plan::KernelKind kind, size_t *states) {
  const KernelTraits &traits = kernelKindInfo(kind)->traits;
  *states = traits.optimizer ? traits.updatedCount - 1 : 0;
  return traits.optimizer;
}

} // namespace

Status ShardedUpdate::build(
    const LoadedPlan &plan, const PlanEntryPoint &entry,
    const std::vector<std::unique_ptr<Kernel>> &kernels,
    const std::vector<void *> &data,
    const std::map<uint32_t, std::shared_ptr<PendingReduction>> &requests,
    Communicator *comm) {
  const int size = comm->size(), rank = comm->rank();
  // Peers' memory is readable only on this host: every rank must be here.
  if (size < 2 || comm->hostCount() > 1)
    return Status::ok();
  const std::vector<PlanTensor> &tensors = plan.tensors();
  const std::vector<PlanStep> &steps = entry.steps;
  for (size_t w = 0; w < steps.size(); ++w) {
    const PlanStep &wait = steps[w];
    if (wait.desc.kind != plan::KernelKind::AllReduceWait ||
        wait.outputs.empty())
      continue;
    auto pending = requests.find(wait.desc.request);
    if (pending == requests.end() || pending->second->mean)
      continue;
    // The bucket, its members' offsets in floats, and the one optimizer
    // step reading each member.
    float *bucket = static_cast<float *>(data[wait.outputs[0]]);
    if (!comm->peerAddress(bucket, 0))
      continue;
    std::vector<int64_t> offsets;
    std::vector<size_t> users;
    int64_t count = 0;
    bool shardable = true;
    for (uint32_t member : wait.outputs) {
      offsets.push_back(count);
      count += tensors[member].desc.elements();
      size_t user = steps.size(), uses = 0, states = 0;
      for (size_t s = 0; s < steps.size(); ++s) {
        if (s == w)
          continue;
        const PlanStep &step = steps[s];
        bool reads =
                 std::count(step.inputs.begin(), step.inputs.end(), member) > 0,
             writes = std::count(step.outputs.begin(), step.outputs.end(),
                                 member) > 0;
        // Steps before the start wrote the gradient; the start itself reads
        // it. Only what follows the wait matters.
        if (s < w || step.desc.kind == plan::KernelKind::AllReduceStart)
          continue;
        if (reads || writes) {
          ++uses;
          user = s;
        }
      }
      const PlanStep *u = user < steps.size() ? &steps[user] : nullptr;
      // A gradient the entry point returns must be reduced in full.
      const bool returned =
          std::count(entry.outputs.begin(), entry.outputs.end(), member) > 0;
      if (returned || uses != 1 || !isOptimizer(u->desc.kind, &states) ||
          u->inputs.size() < 2 + states || u->inputs[1] != member ||
          !comm->peerAddress(data[u->inputs[0]], 0) ||
          (states > 0 && !comm->peerAddress(data[u->inputs[2]], 0)) ||
          (states > 1 && !comm->peerAddress(data[u->inputs[3]], 0))) {
        shardable = false;
        break;
      }
      users.push_back(user);
    }
    // Other ranks read this rank's bucket until the exchange's barrier:
    // nothing after the wait may reuse its bytes for another tensor.
    const uint64_t first = tensors[wait.outputs[0]].offset,
                   last = first + static_cast<uint64_t>(count) * sizeof(float);
    for (size_t s = w + 1; shardable && s < steps.size(); ++s)
      for (uint32_t out : steps[s].outputs) {
        const PlanTensor &t = tensors[out];
        if (t.storage == plan::Storage::Arena &&
            std::count(wait.outputs.begin(), wait.outputs.end(), out) == 0 &&
            t.offset < last && first < t.offset + t.desc.bytes())
          shardable = false;
      }
    if (!shardable)
      continue;
    std::vector<std::pair<size_t, size_t>> shares(size);
    for (int k = 0; k < size; ++k)
      comm->shareOf(static_cast<size_t>(count), k, &shares[k].first,
                    &shares[k].second);
    for (size_t i = 0; i < users.size(); ++i) {
      const PlanStep &u = steps[users[i]];
      const int64_t n = tensors[wait.outputs[i]].desc.elements();
      std::vector<std::pair<int64_t, int64_t>> ranges(size);
      for (int k = 0; k < size; ++k) {
        int64_t b = std::clamp<int64_t>(
            static_cast<int64_t>(shares[k].first) - offsets[i], 0, n);
        int64_t e = std::clamp<int64_t>(
            static_cast<int64_t>(shares[k].second) - offsets[i], 0, n);
        ranges[k] = {b, std::max(b, e)};
      }
      // Every rank's gradient at the same place in its segment; the update
      // sums them for its share, in the order of RankOrder.h.
      const float *mine = static_cast<const float *>(data[wait.outputs[i]]);
      std::vector<const float *> gradients;
      for (int k = 0; k < size; ++k)
        gradients.push_back(
            static_cast<const float *>(comm->peerAddress(mine, k)));
      if (!kernels[users[i]]->restrictElements(ranges[rank].first,
                                               ranges[rank].second) ||
          !kernels[users[i]]->sumGradients(std::move(gradients)))
        return internalError("the optimizer step " + std::to_string(users[i]) +
                             " of '" + entry.name +
                             "' cannot update a share of its parameter");
      size_t states = 0;
      isOptimizer(u.desc.kind, &states);
      params_.push_back({static_cast<float *>(data[u.inputs[0]]), ranges});
      for (size_t s = 0; s < states; ++s)
        states_.push_back(
            {static_cast<float *>(data[u.inputs[2 + s]]), ranges});
    }
    pending->second->request.synchronizeOnly = true;
    arena_ = bucket;
  }
  return Status::ok();
}

namespace {

/// Copies every other rank's range of each span from that rank's memory.
void copyOtherShares(const std::vector<ShardedUpdate::Span> &spans,
                     Communicator *comm) {
  const int rank = comm->rank();
  for (const ShardedUpdate::Span &span : spans)
    for (int k = 0; k < static_cast<int>(span.ranges.size()); ++k) {
      auto [b, e] = span.ranges[k];
      if (k == rank || e <= b)
        continue;
      const float *theirs =
          static_cast<const float *>(comm->peerAddress(span.data, k));
      std::memcpy(span.data + b, theirs + b, (e - b) * sizeof(float));
    }
}

} // namespace

Status ShardedUpdate::exchange(Communicator *comm) const {
  if (params_.empty())
    return Status::ok();
  // Every rank's update is done (and every rank has read its shares of the
  // others' gradient buckets).
  BRAID_RETURN_IF_ERROR(comm->arenaBarrier(arena_));
  copyOtherShares(params_, comm);
  // No rank updates these parameters again before the next step's first
  // bucket barrier, which every rank reaches only after this copy.
  return Status::ok();
}

void ShardedUpdate::gatherState(Communicator *comm) const {
  copyOtherShares(states_, comm);
}

} // namespace braid::runtime
