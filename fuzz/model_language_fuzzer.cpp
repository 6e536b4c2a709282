// libFuzzer harness for the model language: lexer, parser, expansion, Sema
// and MLIRGen, as braidc runs them for --emit=mlir.
#include "frontend/AST.h"
#include "frontend/Expand.h"
#include "frontend/Lexer.h"
#include "frontend/MLIRGen.h"
#include "frontend/OpBuiltins.h"
#include "frontend/Parser.h"
#include "frontend/Sema.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

using namespace braid::frontend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input keeps each run independent of the ones before
  // it (a context interns every name it sees); without threads, as one
  // input is small.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  // The verifier's diagnostics of a module that fails to verify would be a
  // front-end bug, which the abort below reports; keep them off stderr.
  mlir::ScopedDiagnosticHandler silence(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  const BuiltinTable builtins = builtinTable(context);

  SourceFile source("fuzz.braid",
                    std::string(reinterpret_cast<const char *>(data), size));
  std::ostringstream diagText;
  DiagnosticEngine diags(source, diagText);
  ExpandOptions expandOptions;
  expandOptions.isBuiltin = [&](const std::string &name) {
    return builtins.lookup(name, false) || builtins.lookup(name, true);
  };

  Lexer lexer(source, diags);
  Parser parser(lexer, diags);
  File file = parser.parseFile();
  Model model;
  if (!diags.tooManyErrors())
    model = expandFile(file, expandOptions, diags);
  std::optional<CheckedModel> checked;
  if (!diags.tooManyErrors())
    checked = checkModel(model, builtins, SemaOptions(), diags);
  if (diags.hasErrors() || !checked)
    return 0;

  // --emit=ast prints the expanded model.
  std::ostringstream ast;
  dump(model, ast);

  // A model Sema accepts must give a module that verifies: braidc calls
  // anything else an internal error.
  mlir::OwningOpRef<mlir::ModuleOp> module = generateModule(
      context, model, *checked, source.name(), &diags.instances());
  if (!module)
    std::abort();
  return 0;
}
