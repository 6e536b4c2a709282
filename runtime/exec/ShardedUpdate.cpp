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
  if (size < 2)
    return Status::ok();
  // Peers' memory is readable only on this host, in its arena; otherwise
  // (several hosts, or no arena) each rank updates the range of a bucket
  // it owns after a reduce-scatter.
  overHosts_ = comm->hostCount() > 1;
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
    overHosts_ = comm->hostCount() > 1 || !comm->peerAddress(bucket, 0);
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
      auto shared = [&](uint32_t id) {
        return overHosts_ || comm->peerAddress(data[id], 0) != nullptr;
      };
      if (returned || uses != 1 || !isOptimizer(u->desc.kind, &states) ||
          u->inputs.size() < 2 + states || u->inputs[1] != member ||
          !shared(u->inputs[0]) || (states > 0 && !shared(u->inputs[2])) ||
          (states > 1 && !shared(u->inputs[3]))) {
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
    if (overHosts_) {
      BRAID_RETURN_IF_ERROR(buildOwned(entry, kernels, data, users, offsets,
                                       bucket, static_cast<size_t>(count),
                                       comm));
      pending->second->request.scatterOnly = true;
      continue;
    }
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
    rank_ = rank;
  }
  return Status::ok();
}

Status
ShardedUpdate::buildOwned(const PlanEntryPoint &entry,
                          const std::vector<std::unique_ptr<Kernel>> &kernels,
                          const std::vector<void *> &data,
                          const std::vector<size_t> &users,
                          const std::vector<int64_t> &offsets, float *bucket,
                          size_t count, Communicator *comm) {
  size_t lo, hi;
  comm->ownedRange(count, &lo, &hi);
  OwnedBucket owned{bucket, count, {}};
  for (size_t i = 0; i < users.size(); ++i) {
    const PlanStep &u = entry.steps[users[i]];
    const int64_t n = (i + 1 < offsets.size() ? offsets[i + 1]
                                              : static_cast<int64_t>(count)) -
                      offsets[i];
    const int64_t b =
        std::clamp<int64_t>(static_cast<int64_t>(lo) - offsets[i], 0, n);
    const int64_t e = std::max(
        b, std::clamp<int64_t>(static_cast<int64_t>(hi) - offsets[i], 0, n));
    // The update reads this rank's own bucket, which holds the reduced
    // gradient in the owned range.
    if (!kernels[users[i]]->restrictElements(b, e))
      return internalError("the optimizer step " + std::to_string(users[i]) +
                           " of '" + entry.name +
                           "' cannot update a share of its parameter");
    size_t states = 0;
    isOptimizer(u.desc.kind, &states);
    OwnedMember member{
        static_cast<float *>(data[u.inputs[0]]), {}, offsets[i], n, b, e};
    for (size_t s = 0; s < states; ++s)
      member.states.push_back(static_cast<float *>(data[u.inputs[2 + s]]));
    stateCount_ = std::max(stateCount_, states);
    owned.members.push_back(std::move(member));
  }
  owned_.push_back(std::move(owned));
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

Status ShardedUpdate::gatherOwned(Communicator *comm, int state) const {
  // The bucket is free from its wait to the next step's backward pass: it
  // carries every rank's updated elements (or state) to every rank.
  auto tensorOf = [state](const OwnedMember &m) {
    return state < 0 ? m.param : m.states[static_cast<size_t>(state)];
  };
  for (const OwnedBucket &bucket : owned_) {
    bool any = false;
    for (const OwnedMember &m : bucket.members)
      if (state < static_cast<int>(m.states.size())) {
        any = true;
        std::memcpy(bucket.data + m.offset + m.begin, tensorOf(m) + m.begin,
                    (m.end - m.begin) * sizeof(float));
      }
    if (!any)
      continue;
    BRAID_RETURN_IF_ERROR(comm->allGatherOwned(bucket.data, bucket.count));
    for (const OwnedMember &m : bucket.members)
      if (state < static_cast<int>(m.states.size()))
        std::memcpy(tensorOf(m), bucket.data + m.offset,
                    m.elements * sizeof(float));
  }
  return Status::ok();
}

Status ShardedUpdate::exchange(Communicator *comm) const {
  if (!owned_.empty())
    return gatherOwned(comm, -1);
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

Status ShardedUpdate::gatherOwnedState(Communicator *comm) const {
  for (size_t s = 0; s < stateCount_; ++s)
    BRAID_RETURN_IF_ERROR(gatherOwned(comm, static_cast<int>(s)));
  return Status::ok();
}

size_t ShardedUpdate::stateBytesNotKept() const {
  size_t floats = 0;
  for (const Span &span : states_)
    for (int k = 0; k < static_cast<int>(span.ranges.size()); ++k)
      if (k != rank_)
        floats += span.ranges[k].second - span.ranges[k].first;
  for (const OwnedBucket &bucket : owned_)
    for (const OwnedMember &m : bucket.members)
      floats += (m.elements - (m.end - m.begin)) * m.states.size();
  return floats * sizeof(float);
}

} // namespace braid::runtime
