// See TraceWriter.h.
#include "runtime/trace/TraceWriter.h"

#include "runtime/io/AtomicFile.h"
#include "runtime/plan/KernelKinds.h"
#include "runtime/plan/LoadedPlan.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <map>

namespace braid::runtime::trace {
namespace {

/// `text` as a JSON string literal. Plans are untrusted: a location may
/// hold any bytes, so control characters are escaped and bytes that are not
/// UTF-8 text pass as they are only when printable ASCII.
std::string quoted(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// Nanoseconds as the format's microseconds, to the nanosecond.
std::string micros(int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%" PRId64 ".%03d", ns / 1000,
                static_cast<int>(ns % 1000));
  return text;
}

const char *spanName(Category category) {
  switch (category) {
  case Category::Exchange:
    return "exchange parameters";
  case Category::Data:
    return "data";
  case Category::Eval:
    return "evaluation";
  case Category::Checkpoint:
    return "checkpoint";
  case Category::Kernel:
  case Category::Run:
    break;
  }
  return "?";
}

/// The bytes a collective step moves: its tensors, or for a wait, those
/// of the start with its request (a wait's operands are not the bucket).
struct BucketBytes {
  explicit BucketBytes(const LoadedPlan &plan) {
    for (const PlanEntryPoint &entry : plan.entryPoints()) {
      std::map<uint32_t, int64_t> &requests = started.emplace_back();
      for (const PlanStep &step : entry.steps)
        if (step.desc.kind == plan::KernelKind::AllReduceStart)
          requests[step.desc.request] = operandBytes(step.desc);
    }
  }
  int64_t of(size_t entry, const StepDesc &desc) const {
    if (desc.kind != plan::KernelKind::AllReduceWait)
      return operandBytes(desc);
    auto it = started[entry].find(desc.request);
    return it == started[entry].end() ? 0 : it->second;
  }
  static int64_t operandBytes(const StepDesc &desc) {
    int64_t bytes = 0;
    for (const TensorDesc &t : desc.inputs)
      bytes += static_cast<int64_t>(t.bytes());
    return bytes;
  }
  std::vector<std::map<uint32_t, int64_t>> started;
};

/// One event's JSON object, without its pid and tid; empty for an event
/// that names no step of the plan (a damaged gather).
std::string eventJson(const LoadedPlan &plan, const BucketBytes &buckets,
                      const Event &e, int64_t ts) {
  const auto &entries = plan.entryPoints();
  // Steps counted from 1, as the trainer's messages count them.
  std::string name, cat,
      args = "\"step\":" + std::to_string(e.trainingStep + 1);
  switch (e.category) {
  case Category::Kernel: {
    if (e.entry >= entries.size() || e.step >= entries[e.entry].steps.size())
      return "";
    const PlanEntryPoint &entry = entries[e.entry];
    const StepDesc &desc = entry.steps[e.step].desc;
    const std::string kind = kindName(desc.kind);
    const KernelKindInfo *info = kernelKindInfo(desc.kind);
    const bool collective = info && info->traits.collective;
    name = desc.opName.empty() ? kind : desc.opName;
    cat = collective ? "collective" : "kernel";
    args += ",\"entry\":" + quoted(entry.name) +
            ",\"index\":" + std::to_string(e.step) +
            ",\"kind\":" + quoted(kind) + ",\"op\":" + quoted(desc.opName) +
            ",\"location\":" + quoted(desc.location);
    if (collective)
      args += ",\"bucket\":" + std::to_string(desc.request) +
              ",\"bytes\":" + std::to_string(buckets.of(e.entry, desc));
    break;
  }
  case Category::Run:
    if (e.entry >= entries.size())
      return "";
    name = entries[e.entry].name;
    cat = "step";
    break;
  case Category::Exchange:
    name = spanName(e.category);
    cat = "collective";
    break;
  case Category::Data:
  case Category::Eval:
  case Category::Checkpoint:
    name = spanName(e.category);
    cat = name;
    break;
  default:
    return "";
  }
  return "\"name\":" + quoted(name) + ",\"cat\":\"" + cat +
         "\",\"ph\":\"X\",\"ts\":" + micros(ts) +
         ",\"dur\":" + micros(std::max<int64_t>(0, e.end - e.begin)) +
         ",\"args\":{" + args + "}";
}

} // namespace

std::string chromeTraceJson(const LoadedPlan &plan,
                            const std::vector<RankTrace> &ranks,
                            const TraceNotes &notes) {
  int64_t origin = std::numeric_limits<int64_t>::max();
  int64_t dropped = 0;
  for (const RankTrace &r : ranks) {
    dropped += r.dropped;
    for (const Event &e : r.events)
      origin = std::min(origin, e.begin - r.clockOffset);
  }
  if (origin == std::numeric_limits<int64_t>::max())
    origin = 0;
  const BucketBytes buckets(plan);
  std::string out = "{\"traceEvents\":[\n";
  bool first = true;
  auto add = [&](const std::string &object) {
    out += first ? "" : ",\n";
    out += "{" + object + "}";
    first = false;
  };
  for (const RankTrace &r : ranks) {
    const std::string pid = "\"pid\":" + std::to_string(r.rank) + ",\"tid\":0";
    add("\"name\":\"process_name\",\"ph\":\"M\"," + pid +
        ",\"args\":{\"name\":" +
        quoted("rank " + std::to_string(r.rank) + " (" + r.host + ")") + "}");
    add("\"name\":\"process_sort_index\",\"ph\":\"M\"," + pid +
        ",\"args\":{\"sort_index\":" + std::to_string(r.rank) + "}");
    add("\"name\":\"thread_name\",\"ph\":\"M\"," + pid +
        ",\"args\":{\"name\":\"training\"}");
    // Outer spans first at equal starts, so that every viewer nests a run's
    // kernels inside it and times only grow along the thread.
    std::vector<Event> events = r.events;
    std::stable_sort(
        events.begin(), events.end(), [](const Event &a, const Event &b) {
          return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
        });
    for (const Event &e : events) {
      std::string object =
          eventJson(plan, buckets, e, e.begin - r.clockOffset - origin);
      if (!object.empty())
        add(object + "," + pid);
    }
  }
  std::string offsets;
  for (const RankTrace &r : ranks)
    offsets += (offsets.empty() ? "" : ",") + std::to_string(r.clockOffset);
  out += "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{\"clock_alignment\":" +
         quoted(notes.clockAlignment) + ",\"clock_offsets_ns\":[" + offsets +
         "]" + ",\"trace_steps\":" + std::to_string(notes.traceSteps) +
         ",\"dropped_events\":" + std::to_string(dropped) + "}}\n";
  return out;
}

Status writeChromeTrace(const std::string &path, const LoadedPlan &plan,
                        const std::vector<RankTrace> &ranks,
                        const TraceNotes &notes) {
  std::string json = chromeTraceJson(plan, ranks, notes);
  return io::writeFileAtomically(path, json.data(), json.size())
      .withContext("cannot write the trace");
}

} // namespace braid::runtime::trace
