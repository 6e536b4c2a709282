// Session::predictRows: predict over any number of rows up to the plan's
// batch, through the smallest compiled size of predict that holds them.
#include "runtime/exec/Session.h"

#include <cstdlib>
#include <cstring>

namespace braid::runtime {

Status Session::predictRows(int64_t rows, const void *const *inputs,
                            size_t inputCount, void *const *outputs,
                            size_t outputCount) {
  const std::vector<PredictVariant> &variants = plan_->predictVariants();
  if (variants.empty())
    return plan_->findEntryPoint("predict")
               ? unsupported("predict cannot take fewer rows than its batch: " +
                             plan_->predictRowsProblem())
               : notFound("the plan has no entry point 'predict'");
  int64_t most = variants.back().batch;
  if (rows < 1 || rows > most)
    return invalidArgument("predict takes 1 to " + std::to_string(most) +
                           " rows (the plan's batch), got " +
                           std::to_string(rows));
  const PredictVariant *variant = &variants.back();
  for (const PredictVariant &v : variants)
    if (v.batch >= rows) {
      variant = &v;
      break;
    }
  const PlanEntryPoint &entry = *variant->entry;
  const PlanEntryPoint &whole = *variants.back().entry;
  if (inputCount != entry.inputs.size() || outputCount != entry.outputs.size())
    return invalidArgument(
        "predict takes " + std::to_string(entry.inputs.size()) +
        " inputs and " + std::to_string(entry.outputs.size()) +
        " outputs, got " + std::to_string(inputCount) + " and " +
        std::to_string(outputCount));
  // Every buffer before anything is bound or run: a null one fails the
  // call without a wasted run.
  for (size_t i = 0; i < entry.inputs.size(); ++i)
    if (!inputs || !inputs[i])
      return invalidArgument("predict's input '" +
                             plan_->tensors()[entry.inputs[i]].name +
                             "' is null");
  for (size_t o = 0; o < entry.outputs.size(); ++o)
    if (!outputs || !outputs[o])
      return invalidArgument("predict's output '" +
                             plan_->tensors()[entry.outputs[o]].name +
                             "' is null");
  if (predictStaging_.empty())
    for (size_t i = 0; i < whole.inputs.size(); ++i)
      predictStaging_.emplace_back(nullptr, std::free);
  for (size_t i = 0; i < entry.inputs.size(); ++i) {
    uint32_t id = entry.inputs[i];
    const PlanTensor &t = plan_->tensors()[id];
    const void *data = inputs[i];
    // Rows lead (LoadedPlan::checkVariant); the padding rows are zero.
    if (t.batchDim == 0 && rows < variant->batch) {
      size_t rowBytes = t.desc.bytes() / variant->batch;
      auto &staging = predictStaging_[i];
      if (!staging) {
        size_t most = plan_->tensors()[whole.inputs[i]].desc.bytes();
        staging.reset(static_cast<uint8_t *>(
            std::aligned_alloc(64, (most + 63) / 64 * 64)));
        if (!staging)
          return internalError("cannot allocate " + std::to_string(most) +
                               " bytes for predict's input '" + t.name + "'");
      }
      std::memcpy(staging.get(), data, rows * rowBytes);
      std::memset(staging.get() + rows * rowBytes, 0,
                  (variant->batch - rows) * rowBytes);
      data = staging.get();
    }
    if (tensorData_[id] != data || !bound_[id]) {
      tensorData_[id] = const_cast<void *>(data);
      bound_[id] = true;
      rebind(id);
    }
  }
  BRAID_RETURN_IF_ERROR(run(entry.name));
  for (size_t o = 0; o < entry.outputs.size(); ++o) {
    const PlanTensor &t = plan_->tensors()[entry.outputs[o]];
    size_t rowBytes = t.desc.bytes() / variant->batch;
    std::memcpy(outputs[o], tensorData_[entry.outputs[o]], rows * rowBytes);
  }
  return Status::ok();
}

} // namespace braid::runtime
