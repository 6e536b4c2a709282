// The sizes of predict a plan serves requests with: every predict of a plan
// compiled for a range of batch sizes (braidc --batch LO..HI), checked to
// share one signature but for the rows, or the one predict of other plans.
#include "runtime/plan/LoadedPlan.h"

#include "shape/ShapeRules.h"

namespace braid::runtime {
namespace {

constexpr const char *kPredict = "predict";
/// More sizes than a range of 1..10^9 compiles (its powers of two).
constexpr size_t kMaxPredictBatches = 64;

} // namespace

Status LoadedPlan::checkVariant(const PredictVariant &variant,
                                const PredictVariant &whole) const {
  const PlanEntryPoint &e = *variant.entry, &w = *whole.entry;
  std::string where = "entry point '" + e.name + "'";
  if (e.inputs.size() != w.inputs.size() ||
      e.outputs.size() != w.outputs.size())
    return invalidPlan(where + " has " + std::to_string(e.inputs.size()) +
                       " inputs and " + std::to_string(e.outputs.size()) +
                       " outputs; predict has " +
                       std::to_string(w.inputs.size()) + " and " +
                       std::to_string(w.outputs.size()));
  auto check = [&](uint32_t id, uint32_t wholeId, bool isInput) -> Status {
    const PlanTensor &t = tensors_[id], &wt = tensors_[wholeId];
    // Rows lead; a batch-free input is the same tensor shape in every size.
    bool rows = !isInput || wt.batchDim == 0;
    if (isInput && wt.batchDim != 0 && wt.batchDim != -1)
      return invalidPlan("predict's input '" + wt.name +
                         "' has its rows on dimension " +
                         std::to_string(wt.batchDim) +
                         "; a plan for a range of batch sizes has them first");
    std::vector<int64_t> expected = wt.desc.shape;
    if (rows) {
      if (expected.empty() || expected[0] != whole.batch)
        return invalidPlan("predict's " +
                           std::string(isInput ? "input" : "output") + " '" +
                           wt.name + "' " + shape::toString(expected) +
                           " does not lead with the batch's " +
                           std::to_string(whole.batch) + " rows");
      expected[0] = variant.batch;
    }
    if (t.name != wt.name || t.desc.type != wt.desc.type ||
        t.desc.shape != expected || (isInput && t.batchDim != wt.batchDim))
      return invalidPlan(where + " " + (isInput ? "input" : "output") + " '" +
                         t.name + "' " + shape::toString(t.desc.shape) +
                         " is not predict's '" + wt.name + "' with " +
                         std::to_string(variant.batch) + " rows (" +
                         shape::toString(expected) + ")");
    return Status::ok();
  };
  for (size_t i = 0; i < e.inputs.size(); ++i)
    BRAID_RETURN_IF_ERROR(check(e.inputs[i], w.inputs[i], true));
  for (size_t o = 0; o < e.outputs.size(); ++o)
    BRAID_RETURN_IF_ERROR(check(e.outputs[o], w.outputs[o], false));
  return Status::ok();
}

Status LoadedPlan::decodePredictVariants() {
  const std::vector<int64_t> &batches = metadata_.predictBatches;
  const PlanEntryPoint *predict = findEntryPoint(kPredict);
  if (batches.empty()) {
    if (!predict)
      return Status::ok();
    // A plan of one batch serves fewer rows by padding when its rows lead;
    // the caller then vouches that they are independent, as braidc does for
    // a range.
    PredictVariant whole{metadata_.batch, predict};
    Status s = metadata_.replicas == 1
                   ? checkVariant(whole, whole)
                   : unsupported("predict of a plan for " +
                                 std::to_string(metadata_.replicas) +
                                 " replicas runs on all of them at once");
    if (s)
      predictVariants_.push_back(whole);
    else
      predictRowsProblem_ = s.message();
    return Status::ok();
  }
  std::string list;
  for (int64_t b : batches)
    list += (list.empty() ? "" : ", ") + std::to_string(b);
  if (batches.size() > kMaxPredictBatches || metadata_.replicas != 1 ||
      !predict || batches.back() != metadata_.batch)
    return invalidPlan("the plan's predict batches [" + list +
                       "] need a predict, one replica, at most " +
                       std::to_string(kMaxPredictBatches) +
                       " sizes and the plan's batch " +
                       std::to_string(metadata_.batch) + " last");
  PredictVariant whole{metadata_.batch, predict};
  for (size_t i = 0; i < batches.size(); ++i) {
    if (batches[i] < 1 || (i > 0 && batches[i] <= batches[i - 1]))
      return invalidPlan("the plan's predict batches [" + list +
                         "] are not positive and strictly ascending");
    std::string name = i + 1 == batches.size() ? std::string(kPredict)
                                               : std::string(kPredict) + "@" +
                                                     std::to_string(batches[i]);
    const PlanEntryPoint *entry = findEntryPoint(name);
    if (!entry)
      return invalidPlan("the plan's predict batches [" + list +
                         "] name entry point '" + name +
                         "', which the plan lacks");
    PredictVariant variant{batches[i], entry};
    BRAID_RETURN_IF_ERROR(checkVariant(variant, whole));
    predictVariants_.push_back(variant);
  }
  return Status::ok();
}

} // namespace braid::runtime
