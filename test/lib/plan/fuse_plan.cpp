// braid-plan-fuse IN OUT [--image ISA=SO]... [--unused-kernel SYMBOL]...
// [KIND=SYMBOL]...: stands in for
// braidc's code generation in the runtime's tests. Rewrites every step of
// each KIND (the plan's spelling, "relu") into a Fused step that calls
// SYMBOL over one work item per output element, and writes the shared
// objects as the plan's code section (each with its hash). The step keeps
// its inputs and output, so the rewritten plan must compute what the
// original computes when SYMBOL has the kind's semantics.
//
// It reads and writes the plan through FlatBuffers' object API (a schema
// header of its own, built with --gen-object-api), and writes every field,
// defaults included, so that braid-plan-corruption can mutate any of them.
#include "plan_object_api/plan_generated.h"
#include "runtime/io/AtomicFile.h"
#include "runtime/plan/CodeHash.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using braid::runtime::Status;
namespace io = braid::runtime::io;

int fail(const Status &s) {
  std::fprintf(stderr, "braid-plan-fuse: %s\n", s.message().c_str());
  return 1;
}

/// The plan's spelling of a kind ("relu" for ReluGrad's "relu_grad"):
/// FlatBuffers' enum name in snake case.
std::string snake(const char *name) {
  std::string out;
  for (const char *c = name; *c; ++c) {
    if (*c >= 'A' && *c <= 'Z') {
      if (c != name)
        out += '_';
      out += static_cast<char>(*c - 'A' + 'a');
    } else {
      out += *c;
    }
  }
  return out;
}

int usage() {
  std::fprintf(stderr, "usage: braid-plan-fuse IN OUT [--image ISA=SO]... "
                       "[--unused-kernel SYMBOL]... [KIND=SYMBOL]...\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3)
    return usage();
  std::map<std::string, std::string> symbols; // kind -> symbol
  std::vector<std::pair<std::string, std::string>> images;
  std::vector<std::string> unused; // --unused-kernel: named, never run
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--unused-kernel" && i + 1 < argc) {
      unused.push_back(argv[++i]);
      continue;
    }
    if (arg == "--image" && i + 1 < argc) {
      std::string spec = argv[++i];
      size_t eq = spec.find('=');
      if (eq == std::string::npos)
        return usage();
      images.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
      continue;
    }
    size_t eq = arg.find('=');
    if (eq == std::string::npos)
      return usage();
    symbols[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  std::vector<uint8_t> bytes;
  if (Status s = io::readFile(argv[1], &bytes); !s)
    return fail(s);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!braid::plan::VerifyPlanBuffer(verifier)) {
    std::fprintf(stderr, "braid-plan-fuse: %s is not a valid plan\n", argv[1]);
    return 1;
  }
  std::unique_ptr<braid::plan::PlanT> plan =
      braid::plan::UnPackPlan(bytes.data());

  std::map<std::string, uint32_t> kernelIndex;
  int rewritten = 0;
  for (auto &entry : plan->entry_points)
    for (auto &step : entry->steps) {
      auto found =
          symbols.find(snake(braid::plan::EnumNameKernelKind(step->kind)));
      if (found == symbols.end())
        continue;
      auto [it, added] = kernelIndex.emplace(
          found->second, static_cast<uint32_t>(kernelIndex.size()));
      if (added)
        plan->kernels.push_back(found->second);
      int64_t elements = 1;
      for (int64_t d : plan->tensors[step->outputs.at(0)]->shape)
        elements *= d;
      step->kind = braid::plan::KernelKind::Fused;
      step->kernel_index = it->second;
      step->work_items = elements;
      step->op_name = "braid." + found->first;
      ++rewritten;
    }
  for (const std::string &symbol : unused)
    plan->kernels.push_back(symbol);
  for (const auto &[isa, path] : images) {
    auto code = std::make_unique<braid::plan::CodeObjectT>();
    code->isa = isa;
    if (Status s = io::readFile(path, &code->image); !s)
      return fail(s);
    code->hash = braid::plan::codeHash(code->image.data(), code->image.size());
    plan->code.push_back(std::move(code));
  }

  flatbuffers::FlatBufferBuilder builder;
  builder.ForceDefaults(true);
  braid::plan::FinishPlanBuffer(builder,
                                braid::plan::Plan::Pack(builder, plan.get()));
  if (Status s = io::writeFileAtomically(argv[2], builder.GetBufferPointer(),
                                         builder.GetSize());
      !s)
    return fail(s);
  std::printf("rewrote %d steps into fused steps of %zu kernels\n", rewritten,
              plan->kernels.size());
  return 0;
}
