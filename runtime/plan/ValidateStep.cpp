// Validating a decoded plan step against its kind's row of KernelKinds.def:
// operand counts, what it may write, its shape rule, and the families'
// checks (in-place updates, collectives). Plans are untrusted input: a step
// that passes gives its kernel nothing it could read or write out of bounds.
#include "runtime/plan/LoadedPlan.h"

#include "runtime/plan/StepRules.h"
#include "shape/ModelRules.h"

#include <algorithm>

namespace braid::runtime {

Status LoadedPlan::checkNotInFlight(const PlanStep &step,
                                    const std::string &where,
                                    const EntryScope &scope) const {
  // The reduction may write a bucket at any time between its start and its
  // wait, so no other step touches its bytes there.
  const StepDesc &s = step.desc;
  for (const auto &[request, members] : scope.pending)
    for (uint32_t member : members) {
      const PlanTensor &m = tensors_[member];
      for (const std::vector<uint32_t> *ids : {&step.inputs, &step.outputs})
        for (uint32_t id : *ids) {
          const PlanTensor &t = tensors_[id];
          if (t.storage == plan::Storage::Arena &&
              t.offset < m.offset + m.desc.bytes() &&
              m.offset < t.offset + t.desc.bytes() &&
              !(s.kind == plan::KernelKind::AllReduceWait &&
                s.request == request))
            return invalidPlan(where + " touches " + tensorName(id) +
                               ", which is being reduced (request " +
                               std::to_string(request) + ")");
        }
    }
  return Status::ok();
}

Status LoadedPlan::validateStep(const PlanStep &step,
                                const std::string &where) const {
  const StepDesc &s = step.desc;
  const KernelKindInfo &kind = *kernelKindInfo(s.kind);
  size_t outputCount = std::max<size_t>(1, kind.traits.updatedCount);
  if (s.inputs.size() < kind.minInputs || s.inputs.size() > kind.maxInputs ||
      s.outputs.size() != outputCount)
    return invalidPlan(where + " has " + std::to_string(s.inputs.size()) +
                       " inputs and " + std::to_string(s.outputs.size()) +
                       " outputs; the kernel takes " +
                       std::to_string(kind.minInputs) +
                       (kind.maxInputs != kind.minInputs
                            ? " to " + std::to_string(kind.maxInputs)
                            : std::string()) +
                       " inputs and " + std::to_string(outputCount) +
                       " output" + (outputCount == 1 ? "" : "s"));
  if (kind.updatesInPlace())
    return validateUpdate(step, where);
  // A kernel's output never overlaps its inputs, except that a kind that
  // may alias (reshape, flatten) may run in place when memory planning
  // aliases them exactly: partial overlap would make kernels read what they
  // are writing.
  for (uint32_t out : step.outputs)
    for (uint32_t in : step.inputs) {
      const PlanTensor &o = tensors_[out], &i = tensors_[in];
      if (i.storage != plan::Storage::Arena)
        continue;
      bool disjoint = o.offset + o.desc.bytes() <= i.offset ||
                      i.offset + i.desc.bytes() <= o.offset;
      bool same = o.offset == i.offset && o.desc.bytes() == i.desc.bytes();
      if (!disjoint && !(kind.traits.mayAlias && same))
        return invalidPlan(where + " writes " + tensorName(out) +
                           " over the bytes of its input " + tensorName(in));
    }
  // The same rule the compiler applied: a plan whose shapes disagree with
  // its kernels is rejected before any kernel sees it.
  shape::RuleResult rule = stepRule(s.kind)(s);
  if (!rule)
    return invalidPlan(where + ": " + rule.error());
  if (rule.type() != toRuleType(s.outputs[0]))
    return invalidPlan(where + " writes " + tensorName(step.outputs[0]) +
                       " as " + shape::toString(toRuleType(s.outputs[0])) +
                       " but its inputs give " + shape::toString(rule.type()));
  return Status::ok();
}

Status LoadedPlan::validateUpdate(const PlanStep &step,
                                  const std::string &where) const {
  const StepDesc &s = step.desc;
  const KernelTraits &traits = kernelKindInfo(s.kind)->traits;
  // Outputs are exactly the updated inputs: the parameter for the first of
  // an optimizer, state tensors otherwise.
  for (size_t k = 0; k < traits.updatedCount; ++k) {
    uint32_t id = step.outputs[k];
    if (id != step.inputs[traits.updated[k]])
      return invalidPlan(where + " must update its input #" +
                         std::to_string(traits.updated[k]) + " in place");
    bool isParam = traits.optimizer && k == 0;
    plan::Storage expected =
        isParam ? plan::Storage::Parameter : plan::Storage::OptimizerState;
    if (tensors_[id].storage != expected)
      return invalidPlan(where + " updates " + tensorName(id) +
                         ", which is not " +
                         (isParam ? "a parameter" : "optimizer state"));
  }
  using K = plan::KernelKind;
  if (!traits.optimizer) { // Increment, Accumulate, Reset
    if (s.kind == K::Increment && !s.inputs[0].shape.empty())
      return invalidPlan(where + " counts in a scalar f32[]");
    if (s.kind == K::Accumulate && (s.inputs[1].shape != s.inputs[0].shape ||
                                    s.inputs[1].type != s.inputs[0].type))
      return invalidPlan(where + " adds " + tensorName(step.inputs[1]) +
                         ", whose type is not its accumulator's");
    return Status::ok();
  }
  // Gradient and state tensors have the parameter's type; the step counter,
  // the learning rate and the gradient scale are scalars.
  auto isScalar = [&](size_t i) {
    switch (s.kind) {
    case K::AdamUpdate:
      return i == 4;
    case K::AdamWUpdate:
      return i >= 4;
    case K::SgdWdUpdate:
      return i >= 3;
    default:
      return false;
    }
  };
  const TensorDesc &param = s.inputs[0];
  for (size_t i = 1; i < s.inputs.size(); ++i) {
    bool scalar = isScalar(i);
    if (scalar ? !(s.inputs[i].shape.empty() &&
                   s.inputs[i].type == plan::ElementType::F32)
               : !(s.inputs[i].shape == param.shape &&
                   s.inputs[i].type == plan::ElementType::F32))
      return invalidPlan(where + " input #" + std::to_string(i) + " " +
                         tensorName(step.inputs[i]) +
                         " does not have the type it needs");
  }
  if ((s.kind == K::AdamUpdate || s.kind == K::AdamWUpdate) &&
      tensors_[step.inputs[4]].storage != plan::Storage::OptimizerState)
    return invalidPlan(where + " reads its step count from " +
                       tensorName(step.inputs[4]) +
                       ", which is not optimizer state");
  const char *optimizer = s.kind == K::SgdUpdate     ? "sgd"
                          : s.kind == K::SgdWdUpdate ? "sgd"
                          : s.kind == K::AdamUpdate  ? "adam"
                                                     : "adamw";
  // The rate of AdamWUpdate and SgdWdUpdate is a tensor (LrSchedule's).
  bool lrTensor = s.kind == K::AdamWUpdate || s.kind == K::SgdWdUpdate;
  std::map<std::string, double> values = {
      {"lr", s.lr},       {"momentum", s.momentum},
      {"beta1", s.beta1}, {"beta2", s.beta2},
      {"eps", s.eps},     {"weight_decay", s.weightDecay}};
  for (const shape::OptimizerParam &p : *shape::optimizerParams(optimizer)) {
    if (lrTensor && std::string_view(p.name) == "lr")
      continue;
    if (auto bad = shape::checkOptimizerParam(p, values[p.name]))
      return invalidPlan(where + ": " + *bad);
  }
  return Status::ok();
}

Status LoadedPlan::validateCollective(const PlanStep &step,
                                      const std::string &where,
                                      EntryScope &scope) const {
  const StepDesc &s = step.desc;
  using K = plan::KernelKind;
  if (s.kind != K::Broadcast && s.reduction != plan::Reduction::Sum &&
      s.reduction != plan::Reduction::Mean &&
      s.reduction != plan::Reduction::Max &&
      s.reduction != plan::Reduction::Min)
    return invalidPlan(where + " has an unknown reduction " +
                       std::to_string(static_cast<unsigned>(s.reduction)));
  if (s.kind == K::AllReduceWait) {
    auto it = scope.pending.find(s.request);
    if (!step.inputs.empty() || it == scope.pending.end() ||
        it->second != step.outputs)
      return invalidPlan(where +
                         " must wait on an earlier start's request "
                         "(request " +
                         std::to_string(s.request) +
                         "), with no inputs and that start's inputs as its "
                         "outputs");
    scope.pending.erase(it);
    return Status::ok();
  }
  // AllReduce, AllReduceStart, Broadcast: distinct inputs, each written in
  // place (the outputs are the inputs; a start has none).
  bool start = s.kind == K::AllReduceStart;
  if (step.inputs.empty() ||
      (start ? !step.outputs.empty() : step.outputs != step.inputs))
    return invalidPlan(where + " needs at least one input and " +
                       (start ? std::string("no outputs")
                              : std::string("its inputs as its outputs")));
  std::set<uint32_t> seen;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    uint32_t id = step.inputs[i];
    const PlanTensor &t = tensors_[id];
    if (!seen.insert(id).second)
      return invalidPlan(where + " lists " + tensorName(id) + " twice");
    if (s.kind == K::Broadcast) {
      if (t.storage != plan::Storage::Parameter &&
          t.storage != plan::Storage::OptimizerState)
        return invalidPlan(where + " broadcasts " + tensorName(id) +
                           ", which is not a parameter or optimizer state");
      continue;
    }
    if (t.storage != plan::Storage::Arena ||
        t.desc.type != plan::ElementType::F32)
      return invalidPlan(where + " reduces " + tensorName(id) +
                         ", which is not an f32 arena tensor");
    // A bucket is one byte range: the first input 64-aligned, each next one
    // right after the one before.
    if (start) {
      const PlanTensor *before = i ? &tensors_[step.inputs[i - 1]] : nullptr;
      uint64_t expected = before ? before->offset + before->desc.bytes() : 0;
      if (before ? t.offset != expected : t.offset % 64 != 0)
        return invalidPlan(where + " input " + tensorName(id) +
                           " at arena offset " + std::to_string(t.offset) +
                           (before ? " does not follow the input before it (" +
                                         std::to_string(expected) + ")"
                                   : std::string(" is not 64-aligned")));
    }
  }
  if (s.kind == K::Broadcast &&
      (s.root < 0 || s.root >= std::max(1, metadata_.replicas)))
    return invalidPlan(where + " has root " + std::to_string(s.root) +
                       "; the plan has " + std::to_string(metadata_.replicas) +
                       " replicas");
  if (start) {
    if (!scope.requests.insert(s.request).second)
      return invalidPlan(where + " reuses request " +
                         std::to_string(s.request));
    scope.pending[s.request] = step.inputs;
  }
  return Status::ok();
}

} // namespace braid::runtime
