// The front end's stages in order, from source text to a checked model.
#include "frontend/CheckSource.h"
#include "frontend/Lexer.h"
#include "frontend/Parser.h"

namespace braid::frontend {

std::optional<CheckedModel> checkSource(const SourceFile &source,
                                        const BuiltinTable &builtins,
                                        ExpandOptions expandOptions,
                                        const SemaOptions &options,
                                        DiagnosticEngine &diags, Model &model) {
  expandOptions.isBuiltin = [&builtins](const std::string &name) {
    return builtins.lookup(name, false) || builtins.lookup(name, true);
  };
  Lexer lexer(source, diags);
  Parser parser(lexer, diags);
  File file = parser.parseFile();
  if (diags.tooManyErrors())
    return std::nullopt;
  model = expandFile(file, expandOptions, diags);
  if (diags.tooManyErrors())
    return std::nullopt;
  std::optional<CheckedModel> checked =
      checkModel(model, builtins, options, diags);
  if (diags.hasErrors())
    return std::nullopt;
  return checked;
}

} // namespace braid::frontend
