// The expander: a parsed file (constants, blocks, loops, rebindings) to the
// flat model Sema checks. Constants become numbers, loops are unrolled,
// block calls are inlined with their parameters named by the instance's
// scope (`blocks.0.ln1.weight`), and every rebinding of a name gets a fresh
// one (SSA renaming), so Sema and MLIRGen see each name defined once.
#ifndef BRAID_FRONTEND_EXPAND_H
#define BRAID_FRONTEND_EXPAND_H

#include "frontend/AST.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace braid::frontend {

struct ExpandOptions {
  /// `braidc -D NAME=VALUE`, in command-line order: each overrides the
  /// file-level `let NAME` (the last one given wins).
  std::vector<std::pair<std::string, std::string>> defines;
  /// Whether a name is a builtin function, which a block may not shadow;
  /// unset: not checked.
  std::function<bool(const std::string &)> isBuiltin;
};

/// Expands `file` into one flat model. Reports every error it finds; the
/// model it returns keeps the items that expanded, with failed expressions
/// left null so that their names stay silent in Sema.
Model expandFile(const File &file, const ExpandOptions &options,
                 DiagnosticEngine &diags);

/// The rule of the train block's `batch` and `epochs`: an integer from 1 to
/// 10^9. Returns the message when `value` breaks it.
std::optional<std::string> checkCountSetting(const std::string &key,
                                             double value);

/// Most items a file may expand to (loops times block bodies): a guard
/// against a loop or a call chain that would exhaust memory.
constexpr size_t kMaxExpandedItems = 1000000;

} // namespace braid::frontend

#endif // BRAID_FRONTEND_EXPAND_H
