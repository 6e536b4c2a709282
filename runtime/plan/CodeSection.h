// A plan's code section (Plan.kernels, Plan.code): the native code braidc
// generated for its fused steps, one ELF shared object per x86-64 level.
// Decoding checks what can be checked without running the code: each
// image's ISA name, hash and ELF header bounds, and the kernels' symbol
// names. Choosing the image this CPU runs is here too; loading it (dlopen)
// is the session's (runtime/exec/NativeCode.h).
#ifndef BRAID_RUNTIME_PLAN_CODESECTION_H
#define BRAID_RUNTIME_PLAN_CODESECTION_H

#include "runtime/schema/plan_generated.h"
#include "runtime/support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace braid::runtime {

/// One CodeObject, decoded and checked.
struct PlanCodeImage {
  std::string isa; // "x86-64-v3" or "x86-64-v4"
  std::vector<uint8_t> bytes;
  uint64_t hash = 0;
};

/// The code section, decoded.
struct PlanCode {
  /// Plan.kernels: the symbol of Step.kernel_index, exported by every image.
  std::vector<std::string> kernels;
  std::vector<PlanCodeImage> images;
  bool empty() const { return kernels.empty() && images.empty(); }
};

/// Decodes and checks Plan.kernels and Plan.code: every image's ISA is
/// known and appears once, its hash is plan::codeHash of its bytes, it
/// starts with an ELF64 little-endian x86-64 ET_DYN header whose program
/// and section header tables and loadable segments lie within it; kernel
/// symbols are unique C identifiers. Kernels without code, or code without
/// kernels, is an invalid plan.
Status decodeCodeSection(const plan::Plan &p, PlanCode *out);

/// The end of every refusal of a plan's code ("; compile the model with
/// braidc --no-codegen ..."): where a plan without native code comes from.
extern const char *const kNoCodegenHint;

/// The x86-64 levels a code image may need, best first.
const std::vector<std::string> &knownCodeIsas();

/// The best level this CPU runs ("x86-64-v4": AVX-512 F, BW, DQ and VL;
/// "x86-64-v3": AVX2, FMA and BMI2), or "" when it runs neither. `missing`
/// (may be null) receives, for "", the features it lacks.
std::string cpuCodeIsa(std::string *missing = nullptr);

/// Whether this CPU runs code built for `isa` (one of knownCodeIsas()).
bool cpuRunsCodeIsa(const std::string &isa);

/// The index in `code.images` of the image to load: the environment's
/// BRAID_CODE_ISA when set (an error if the CPU cannot run it or the plan
/// lacks it), else the best image this CPU runs. Fails with a message
/// naming what is missing and pointing at `braidc --no-codegen`.
Status chooseCodeImage(const PlanCode &code, size_t *index);

} // namespace braid::runtime

#endif // BRAID_RUNTIME_PLAN_CODESECTION_H
