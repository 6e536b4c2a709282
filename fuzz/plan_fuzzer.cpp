// libFuzzer harness for the plan loader: FlatBuffers verification, then
// validation and decoding of every table (runtime/plan/LoadedPlan.h).
#include "runtime/plan/LoadedPlan.h"

#include <cstdint>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::shared_ptr<const braid::runtime::LoadedPlan> plan;
  if (!braid::runtime::LoadedPlan::load(data, size, &plan))
    return 0;
  // What a session asks of a loaded plan, which load() promises is safe.
  for (const braid::runtime::PlanEntryPoint &entry : plan->entryPoints())
    for (uint32_t input : entry.inputs)
      (void)plan->labelClasses(entry, plan->tensors()[input].name);
  (void)plan->parameterCount();
  return 0;
}
