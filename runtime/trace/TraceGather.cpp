// See TraceGather.h.
#include "runtime/trace/TraceGather.h"

#include "runtime/trace/TraceWriter.h"

#include <cstring>

namespace braid::runtime::trace {
namespace {

/// The bytes a rank sends: this header, then its events as they are in
/// memory (every rank runs the same build).
struct Header {
  char host[64] = {};
  uint64_t events = 0;
  int64_t dropped = 0;
};

std::vector<uint8_t> serialize(const std::string &host, const Tracer &tracer) {
  Header header;
  std::strncpy(header.host, host.c_str(), sizeof header.host - 1);
  header.events = tracer.events().size();
  header.dropped = tracer.dropped();
  std::vector<uint8_t> bytes(sizeof header +
                             tracer.events().size() * sizeof(Event));
  std::memcpy(bytes.data(), &header, sizeof header);
  if (!tracer.events().empty())
    std::memcpy(bytes.data() + sizeof header, tracer.events().data(),
                tracer.events().size() * sizeof(Event));
  return bytes;
}

Status deserialize(const std::vector<uint8_t> &bytes, RankTrace *out) {
  Header header;
  if (bytes.size() < sizeof header)
    return internalError("rank " + std::to_string(out->rank) + " sent " +
                         std::to_string(bytes.size()) +
                         " bytes of trace, less than its header");
  std::memcpy(&header, bytes.data(), sizeof header);
  if (header.events != (bytes.size() - sizeof header) / sizeof(Event) ||
      (bytes.size() - sizeof header) % sizeof(Event) != 0)
    return internalError("rank " + std::to_string(out->rank) + " sent " +
                         std::to_string(bytes.size()) + " bytes of trace for " +
                         std::to_string(header.events) + " events");
  out->host.assign(header.host, strnlen(header.host, sizeof header.host));
  out->dropped = header.dropped;
  out->events.resize(header.events);
  if (header.events)
    std::memcpy(out->events.data(), bytes.data() + sizeof header,
                header.events * sizeof(Event));
  return Status::ok();
}

} // namespace

Status alignClocks(Communicator &comm, ClockAlignment *out) {
  return comm.clockOffsets(&out->offsets, &out->method)
      .withContext("cannot align the ranks' clocks for the trace");
}

Status gatherAndWrite(Communicator &comm, const LoadedPlan &plan,
                      const Tracer &tracer, const ClockAlignment &clocks,
                      const std::string &path) {
  std::vector<std::vector<uint8_t>> all;
  BRAID_RETURN_IF_ERROR(
      comm.gatherToRoot(serialize(comm.hostName(), tracer), &all)
          .withContext("cannot gather the ranks' traces"));
  if (comm.rank() != 0)
    return Status::ok();
  std::vector<RankTrace> ranks(all.size());
  for (size_t r = 0; r < all.size(); ++r) {
    ranks[r].rank = static_cast<int>(r);
    BRAID_RETURN_IF_ERROR(deserialize(all[r], &ranks[r]));
    ranks[r].clockOffset = r < clocks.offsets.size() ? clocks.offsets[r] : 0;
  }
  TraceNotes notes;
  notes.clockAlignment = clocks.method;
  notes.traceSteps = tracer.options().traceSteps;
  return writeChromeTrace(path, plan, ranks, notes);
}

} // namespace braid::runtime::trace
