// The front end's stages in order, from source text to a checked model: lex,
// parse, expand and check, as braidc runs them.
#ifndef BRAID_FRONTEND_CHECKSOURCE_H
#define BRAID_FRONTEND_CHECKSOURCE_H

#include "frontend/AST.h"
#include "frontend/Expand.h"
#include "frontend/Sema.h"

#include <optional>

namespace braid::frontend {

/// Parses `source`, expands it with `expandOptions` (its isBuiltin set from
/// `builtins`) into `model`, and checks it; each stage runs unless an earlier
/// one reached the error limit. Returns the model's interface, or nullopt
/// when any stage reported an error. braidc and the fuzzer share it so that
/// the fuzzer tests braidc's sequence.
std::optional<CheckedModel> checkSource(const SourceFile &source,
                                        const BuiltinTable &builtins,
                                        ExpandOptions expandOptions,
                                        const SemaOptions &options,
                                        DiagnosticEngine &diags, Model &model);

} // namespace braid::frontend

#endif // BRAID_FRONTEND_CHECKSOURCE_H
