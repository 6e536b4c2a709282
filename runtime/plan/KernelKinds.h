// The kernel kinds' table (KernelKinds.def) as constant data: each kind's
// name, input counts and traits, indexed by plan::KernelKind. Header-only, so
// that the decoder and the kernels read it without linking each other.
#ifndef BRAID_RUNTIME_PLAN_KERNELKINDS_H
#define BRAID_RUNTIME_PLAN_KERNELKINDS_H

#include "runtime/schema/plan_generated.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

namespace braid::runtime {

/// A row's maxInputs when a kind takes any number of inputs.
inline constexpr uint8_t kAnyCount = 255;

/// What a kind's steps do beyond reading inputs into one fresh output: the
/// traits column of KernelKinds.def.
struct KernelTraits {
  /// Inputs written in place, by position; a step's outputs are these
  /// inputs, in this order.
  uint8_t updatedCount = 0;
  uint8_t updated[4] = {};
  bool collective = false;
  bool mayAlias = false;
  /// The input holding class labels, or -1.
  int8_t labels = -1;
  /// An optimizer update: input 0 is a parameter, input 1 its gradient, and
  /// the other updated inputs its optimizer state.
  bool optimizer = false;

  constexpr KernelTraits operator|(const KernelTraits &other) const {
    KernelTraits joined = *this;
    for (uint8_t i = 0; i < other.updatedCount; ++i)
      joined.updated[joined.updatedCount++] = other.updated[i];
    joined.collective |= other.collective;
    joined.mayAlias |= other.mayAlias;
    if (other.labels >= 0)
      joined.labels = other.labels;
    joined.optimizer |= other.optimizer;
    return joined;
  }
};

namespace kinds {
inline constexpr KernelTraits kPlain{};
inline constexpr KernelTraits kCollective{0, {}, true, false, -1, false};
inline constexpr KernelTraits kMayAlias{0, {}, false, true, -1, false};
inline constexpr KernelTraits kOptimizer{0, {}, false, false, -1, true};
template <typename... Index> constexpr KernelTraits updates(Index... index) {
  static_assert(sizeof...(Index) <= 4, "at most 4 updated inputs");
  return {static_cast<uint8_t>(sizeof...(Index)),
          {static_cast<uint8_t>(index)...},
          false,
          false,
          -1,
          false};
}
constexpr KernelTraits labelsAt(int index) {
  return {0, {}, false, false, static_cast<int8_t>(index), false};
}
} // namespace kinds

/// One row of KernelKinds.def, without the columns that belong to one
/// consumer (the shape rule: the decoder; the factory: the kernels).
struct KernelKindInfo {
  plan::KernelKind kind;
  const char *name;
  uint8_t minInputs, maxInputs;
  KernelTraits traits;

  /// Optimizer updates and Increment: outputs are inputs written in place.
  constexpr bool updatesInPlace() const { return traits.updatedCount > 0; }
  /// A step that writes no fresh tensor: an update or a collective.
  constexpr bool inPlace() const {
    return updatesInPlace() || traits.collective;
  }
};

inline constexpr KernelKindInfo kKernelKinds[] = {
#define BRAID_KERNEL_KIND(Enum, name, minInputs, maxInputs, rule, factory,     \
                          traits)                                              \
  {plan::KernelKind::Enum, name, minInputs, maxInputs, [] {                    \
     using namespace kinds;                                                    \
     return traits;                                                            \
   }()},
#include "runtime/plan/KernelKinds.def"
#undef BRAID_KERNEL_KIND
};

// ggml's check, allowing gaps: the rows follow the schema's enum in strictly
// ascending order and end at its last kind. A value between two rows is a
// kind reserved by the schema for another branch of work: no row, so the
// decoder rejects it like a value outside the enum.
constexpr bool kernelKindsInEnumOrder() {
  for (size_t i = 1; i < std::size(kKernelKinds); ++i)
    if (static_cast<size_t>(kKernelKinds[i - 1].kind) >=
        static_cast<size_t>(kKernelKinds[i].kind))
      return false;
  return static_cast<size_t>(kKernelKinds[std::size(kKernelKinds) - 1].kind) ==
         static_cast<size_t>(plan::KernelKind::MAX);
}
static_assert(kernelKindsInEnumOrder(),
              "KernelKinds.def lists the kinds in plan::KernelKind's order, "
              "up to its last");

/// The row of each enum value (-1 for a reserved value): the tables built
/// from KernelKinds.def (rules, factories) are indexed by row.
inline constexpr auto kKernelKindRows = [] {
  std::array<int16_t, static_cast<size_t>(plan::KernelKind::MAX) + 1> rows{};
  for (int16_t &row : rows)
    row = -1;
  for (size_t i = 0; i < std::size(kKernelKinds); ++i)
    rows[static_cast<size_t>(kKernelKinds[i].kind)] = static_cast<int16_t>(i);
  return rows;
}();

/// The row index of `kind` in KernelKinds.def, or -1 (outside the enum, or
/// reserved).
constexpr int kernelKindRow(plan::KernelKind kind) {
  size_t index = static_cast<size_t>(kind);
  return index < kKernelKindRows.size() ? kKernelKindRows[index] : -1;
}

// Each row's traits agree with its input counts.
constexpr bool kernelKindsConsistent() {
  for (const KernelKindInfo &k : kKernelKinds) {
    const KernelTraits &t = k.traits;
    if (k.minInputs > k.maxInputs || (t.collective && t.updatedCount > 0) ||
        (t.optimizer && (t.updatedCount < 2 || t.updated[0] != 0)) ||
        (t.labels >= 0 && (t.labels < 1 || t.labels >= k.minInputs)))
      return false;
    for (uint8_t i = 0; i < t.updatedCount; ++i)
      if (t.updated[i] >= k.minInputs)
        return false;
  }
  return true;
}
static_assert(kernelKindsConsistent(),
              "KernelKinds.def: a row's traits disagree with its inputs");

/// The row of `kind`; null for a value outside the enum (an untrusted plan's).
constexpr const KernelKindInfo *kernelKindInfo(plan::KernelKind kind) {
  int row = kernelKindRow(kind);
  return row >= 0 ? &kKernelKinds[row] : nullptr;
}

/// The kind's name for every message ("sparse_softmax_cross_entropy"), or
/// "kernel kind N" for a value outside the enum.
inline std::string kindName(plan::KernelKind kind) {
  if (const KernelKindInfo *info = kernelKindInfo(kind))
    return info->name;
  return "kernel kind " + std::to_string(static_cast<unsigned>(kind));
}

} // namespace braid::runtime

#endif // BRAID_RUNTIME_PLAN_KERNELKINDS_H
