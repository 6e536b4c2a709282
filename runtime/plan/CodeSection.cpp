// Decoding and checking a plan's code section, and choosing the image this
// CPU runs. Nothing here runs or maps the code: a plan loaded only to be
// inspected (braid-run info) never executes it.
#include "runtime/plan/CodeSection.h"

#include "runtime/plan/CodeHash.h"

#include <elf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace braid::runtime {
namespace {

std::string hex(uint64_t v) {
  char text[19];
  std::snprintf(text, sizeof text, "%016llx",
                static_cast<unsigned long long>(v));
  return text;
}

bool isCIdentifier(const std::string &s) {
  if (s.empty() || s.size() > 1024 || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (char c : s)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return false;
  return true;
}

/// Bytes [offset, offset + length) lie within `size` (without overflow).
bool within(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

/// The ELF header of a shared object for x86-64, and the bounds of the
/// tables and segments dlopen reads. dlopen parses the rest: a plan's code
/// is trusted (its hash catches damage, not tampering).
Status checkElf(const PlanCodeImage &image) {
  const std::vector<uint8_t> &b = image.bytes;
  std::string what = "code image " + image.isa;
  Elf64_Ehdr h;
  if (b.size() < sizeof h)
    return invalidPlan(what + " is " + std::to_string(b.size()) +
                       " bytes, smaller than an ELF64 header (" +
                       std::to_string(sizeof h) + " bytes)");
  std::memcpy(&h, b.data(), sizeof h);
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
    return invalidPlan(what + " is not an ELF file (expected \\x7fELF at "
                              "byte 0)");
  if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_ident[EI_DATA] != ELFDATA2LSB)
    return invalidPlan(what + " is not a 64-bit little-endian ELF file");
  if (h.e_machine != EM_X86_64)
    return invalidPlan(what + " is for ELF machine " +
                       std::to_string(h.e_machine) + "; expected x86-64 (" +
                       std::to_string(EM_X86_64) + ")");
  if (h.e_type != ET_DYN)
    return invalidPlan(what + " has ELF type " + std::to_string(h.e_type) +
                       "; expected a shared object (ET_DYN, " +
                       std::to_string(ET_DYN) + ")");
  if (h.e_phnum == 0 || h.e_phentsize != sizeof(Elf64_Phdr) ||
      !within(h.e_phoff, uint64_t(h.e_phnum) * sizeof(Elf64_Phdr), b.size()))
    return invalidPlan(what + ": its " + std::to_string(h.e_phnum) +
                       " program headers at byte " + std::to_string(h.e_phoff) +
                       " do not lie within its " + std::to_string(b.size()) +
                       " bytes");
  if (h.e_shnum != 0 &&
      (h.e_shentsize != sizeof(Elf64_Shdr) ||
       !within(h.e_shoff, uint64_t(h.e_shnum) * sizeof(Elf64_Shdr), b.size())))
    return invalidPlan(what + ": its " + std::to_string(h.e_shnum) +
                       " section headers at byte " + std::to_string(h.e_shoff) +
                       " do not lie within its " + std::to_string(b.size()) +
                       " bytes");
  for (uint16_t i = 0; i < h.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, b.data() + h.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_LOAD && (!within(ph.p_offset, ph.p_filesz, b.size()) ||
                                 ph.p_filesz > ph.p_memsz))
      return invalidPlan(what + ": loadable segment " + std::to_string(i) +
                         " (" + std::to_string(ph.p_filesz) +
                         " bytes at byte " + std::to_string(ph.p_offset) +
                         ") does not lie within its " +
                         std::to_string(b.size()) + " bytes");
  }
  return Status::ok();
}

} // namespace

const char *const kNoCodegenHint =
    "; compile the model with braidc --no-codegen for a plan that runs on "
    "the prebuilt kernels only";

const std::vector<std::string> &knownCodeIsas() {
  static const std::vector<std::string> isas = {"x86-64-v4", "x86-64-v3"};
  return isas;
}

std::string cpuCodeIsa(std::string *missing) {
  std::string lacks;
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool v4 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
            __builtin_cpu_supports("bmi2");
  if (v3 && v4)
    return "x86-64-v4";
  if (v3)
    return "x86-64-v3";
  // (The builtin takes only a literal.)
  auto add = [&](bool has, const char *feature) {
    if (!has)
      lacks += std::string(lacks.empty() ? "" : ", ") + feature;
  };
  add(__builtin_cpu_supports("avx2"), "AVX2");
  add(__builtin_cpu_supports("fma"), "FMA");
  add(__builtin_cpu_supports("bmi2"), "BMI2");
#else
  lacks = "an x86-64 CPU";
#endif
  if (missing)
    *missing = lacks;
  return "";
}

namespace {

/// `isa`'s place in knownCodeIsas() (best first), or its size when unknown.
size_t isaRank(const std::string &isa) {
  const std::vector<std::string> &known = knownCodeIsas();
  return std::find(known.begin(), known.end(), isa) - known.begin();
}

/// Whether a CPU whose best level is `best` ("" for none) runs `isa`: the
/// levels are supersets, so it runs its own and every lower one.
bool runsCodeIsa(const std::string &best, const std::string &isa) {
  const size_t known = knownCodeIsas().size();
  const size_t b = isaRank(best), i = isaRank(isa);
  return b < known && i < known && i >= b;
}

} // namespace

bool cpuRunsCodeIsa(const std::string &isa) {
  return runsCodeIsa(cpuCodeIsa(), isa);
}

Status decodeCodeSection(const plan::Plan &p, PlanCode *out) {
  PlanCode code;
  std::set<std::string> names;
  if (p.kernels())
    for (const flatbuffers::String *s : *p.kernels()) {
      std::string name = s ? s->str() : "";
      if (!isCIdentifier(name))
        return invalidPlan("kernel #" + std::to_string(code.kernels.size()) +
                           " has symbol '" + name +
                           "'; expected a C identifier");
      if (!names.insert(name).second)
        return invalidPlan("two kernels have the symbol '" + name + "'");
      code.kernels.push_back(std::move(name));
    }
  std::set<std::string> isas;
  if (p.code())
    for (const plan::CodeObject *c : *p.code()) {
      PlanCodeImage image;
      image.isa = c->isa() ? c->isa()->str() : "";
      if (isaRank(image.isa) == knownCodeIsas().size())
        return invalidPlan("code image #" + std::to_string(code.images.size()) +
                           " is for ISA '" + image.isa +
                           "'; this runtime knows x86-64-v3 and x86-64-v4");
      if (!isas.insert(image.isa).second)
        return invalidPlan("two code images are for " + image.isa);
      if (c->image() && c->image()->size() > 0)
        image.bytes.assign(c->image()->begin(), c->image()->end());
      image.hash = c->hash();
      uint64_t actual = plan::codeHash(image.bytes.data(), image.bytes.size());
      if (actual != image.hash)
        return invalidPlan("code image " + image.isa + " is damaged: its " +
                           std::to_string(image.bytes.size()) +
                           " bytes hash to " + hex(actual) +
                           ", the plan records " + hex(image.hash));
      BRAID_RETURN_IF_ERROR(checkElf(image));
      code.images.push_back(std::move(image));
    }
  if (code.kernels.empty() != code.images.empty())
    return invalidPlan(code.kernels.empty()
                           ? "the plan carries code images but no kernels"
                           : "the plan names " +
                                 std::to_string(code.kernels.size()) +
                                 " generated kernels but carries no code "
                                 "image");
  *out = std::move(code);
  return Status::ok();
}

Status chooseCodeImage(const PlanCode &code, size_t *index) {
  std::string available;
  for (const PlanCodeImage &image : code.images)
    available += (available.empty() ? "" : ", ") + image.isa;
  auto find = [&](const std::string &isa) {
    for (size_t i = 0; i < code.images.size(); ++i)
      if (code.images[i].isa == isa)
        return i;
    return code.images.size();
  };
  std::string missing;
  const std::string best = cpuCodeIsa(&missing);
  const char *forced = std::getenv("BRAID_CODE_ISA");
  if (forced && *forced) {
    std::string isa = forced;
    if (isaRank(isa) == knownCodeIsas().size())
      return invalidArgument("BRAID_CODE_ISA=" + isa +
                             " is not a code ISA; expected x86-64-v3 or "
                             "x86-64-v4");
    if (!runsCodeIsa(best, isa)) {
      return unsupported("BRAID_CODE_ISA=" + isa +
                         " forces code this CPU cannot run (it runs " +
                         (best.empty() ? std::string("neither x86-64-v3 nor "
                                                     "x86-64-v4")
                                       : "up to " + best) +
                         ")");
    }
    *index = find(isa);
    if (*index == code.images.size())
      return unsupported("BRAID_CODE_ISA=" + isa +
                         " forces an image the plan lacks (it has " +
                         available + ")");
    return Status::ok();
  }
  if (best.empty())
    return unsupported("the plan's generated kernels need x86-64-v3 (AVX2, "
                       "FMA, BMI2) or better, and this CPU lacks " +
                       missing + kNoCodegenHint);
  for (const std::string &isa : knownCodeIsas())
    if (runsCodeIsa(best, isa) && (*index = find(isa)) != code.images.size())
      return Status::ok();
  return unsupported("the plan's generated kernels are built for " + available +
                     ", which this CPU (" + best + ") cannot run" +
                     kNoCodegenHint);
}

} // namespace braid::runtime
