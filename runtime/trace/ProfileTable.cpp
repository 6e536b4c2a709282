// See ProfileTable.h.
#include "runtime/trace/ProfileTable.h"

#include "runtime/plan/KernelKinds.h"
#include "runtime/plan/LoadedPlan.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>
#include <vector>

namespace braid::runtime::trace {
namespace {

/// The entry points a training step runs.
bool trainingEntry(const std::string &name) {
  return name == "train_step" || name == "accumulate";
}

struct Row {
  std::string kind, op, location;
  Accumulated total;
};

/// "[2,16,32]".
std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string format(const char *fmt, double v) {
  char text[32];
  std::snprintf(text, sizeof text, fmt, v);
  return text;
}

std::string padded(std::string text, size_t width) {
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

} // namespace

std::string profileTable(const LoadedPlan &plan, const Tracer &tracer,
                         size_t rows) {
  const auto &entries = plan.entryPoints();
  // One row per (op, location, kind): the forward and gradient kernels of
  // one source line are separate ops, so they stay apart.
  std::map<std::tuple<std::string, std::string, std::string>, Row> groups;
  Accumulated steps;
  int64_t inKernels = 0;
  for (size_t e = 0; e < entries.size(); ++e) {
    if (!trainingEntry(entries[e].name))
      continue;
    if (entries[e].name == "train_step")
      steps.calls += tracer.runs()[e].calls;
    steps.nanoseconds += tracer.runs()[e].nanoseconds;
    for (size_t i = 0; i < entries[e].steps.size(); ++i) {
      const StepDesc &desc = entries[e].steps[i].desc;
      const Accumulated &a = tracer.kernels()[e][i];
      // A product's operand shapes and transposes tell the forward product
      // from its gradients, and one use of a block from another (an op
      // inside a block has the block's line wherever it is called).
      std::string kind = kindName(desc.kind);
      if (desc.kind == plan::KernelKind::Matmul && desc.inputs.size() == 2)
        kind += " " + shapeText(desc.inputs[0].shape) +
                (desc.transposeLhs ? "^T" : "") + "x" +
                shapeText(desc.inputs[1].shape) +
                (desc.transposeRhs ? "^T" : "");
      Row &row = groups[{desc.opName, desc.location, kind}];
      row.kind = kind;
      row.op = desc.opName.empty() ? "-" : desc.opName;
      row.location = desc.location.empty() ? "-" : desc.location;
      row.total.nanoseconds += a.nanoseconds;
      row.total.calls += a.calls;
      inKernels += a.nanoseconds;
    }
  }
  std::vector<Row> sorted;
  for (auto &[key, row] : groups)
    sorted.push_back(row);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Row &a, const Row &b) {
                     return a.total.nanoseconds > b.total.nanoseconds;
                   });
  const double total = static_cast<double>(
      std::max<int64_t>(1, std::max(steps.nanoseconds, inKernels)));
  const double ms = 1e-6;
  std::string out =
      "profile: " + std::to_string(steps.calls) + " training steps, " +
      format("%.1f", steps.nanoseconds * ms) + " ms (" +
      format("%.3f", steps.calls ? steps.nanoseconds * ms / steps.calls : 0.0) +
      " ms a step); the top " + std::to_string(std::min(rows, sorted.size())) +
      " of " + std::to_string(sorted.size()) + " kernels by share of it:\n";
  size_t kindWidth = 6, opWidth = 2;
  for (size_t i = 0; i < sorted.size() && i < rows; ++i) {
    kindWidth = std::max(kindWidth, sorted[i].kind.size());
    opWidth = std::max(opWidth, sorted[i].op.size());
  }
  out += "   share    total ms     calls  " + padded("kernel", kindWidth + 2) +
         padded("op", opWidth + 2) + "location\n";
  auto line = [&](double nanoseconds, const std::string &calls,
                  const std::string &rest) {
    out += format("%7.2f%%", 100 * nanoseconds / total) +
           format("%12.3f", nanoseconds * ms) + "  " +
           std::string(calls.size() < 8 ? 8 - calls.size() : 0, ' ') + calls +
           "  " + rest + "\n";
  };
  int64_t rest = 0, restCount = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Row &row = sorted[i];
    if (i >= rows) {
      rest += row.total.nanoseconds;
      ++restCount;
      continue;
    }
    line(static_cast<double>(row.total.nanoseconds),
         std::to_string(row.total.calls),
         padded(row.kind, kindWidth + 2) + padded(row.op, opWidth + 2) +
             row.location);
  }
  if (restCount)
    line(static_cast<double>(rest), "",
         "(the other " + std::to_string(restCount) + " kernels)");
  line(static_cast<double>(std::max<int64_t>(0, steps.nanoseconds - inKernels)),
       "", "(between kernels: collectives' progress, parameter exchange)");
  return out;
}

} // namespace braid::runtime::trace
