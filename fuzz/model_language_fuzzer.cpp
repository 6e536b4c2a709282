// libFuzzer harness for the model language: lexer, parser, expansion, Sema
// and MLIRGen, as braidc runs them for --emit=mlir.
#include "frontend/AST.h"
#include "frontend/CheckSource.h"
#include "frontend/MLIRGen.h"
#include "frontend/OpBuiltins.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

using namespace braid::frontend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context for many inputs: creating one and loading the dialect per
  // input would cost more than the front end itself. A new one every 256
  // inputs bounds what it interns (each name it sees); without threads, as
  // one input is small.
  static std::unique_ptr<mlir::MLIRContext> context;
  static std::unique_ptr<BuiltinTable> builtinsHolder;
  static unsigned uses = 0;
  if (uses++ % 256 == 0) {
    builtinsHolder.reset();
    context = std::make_unique<mlir::MLIRContext>(
        mlir::MLIRContext::Threading::DISABLED);
    context->printOpOnDiagnostic(false);
    // The verifier's diagnostics of a module that fails to verify would be
    // a front-end bug, which the abort below reports; keep them off stderr.
    context->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
    builtinsHolder = std::make_unique<BuiltinTable>(builtinTable(*context));
  }
  const BuiltinTable &builtins = *builtinsHolder;

  SourceFile source("fuzz.braid",
                    std::string(reinterpret_cast<const char *>(data), size));
  std::ostringstream diagText;
  DiagnosticEngine diags(source, diagText);
  Model model;
  std::optional<CheckedModel> checked = checkSource(
      source, builtins, ExpandOptions(), SemaOptions(), diags, model);
  if (!checked)
    return 0;

  // --emit=ast prints the expanded model.
  std::ostringstream ast;
  dump(model, ast);

  // A model Sema accepts must give a module that verifies: braidc calls
  // anything else an internal error.
  mlir::OwningOpRef<mlir::ModuleOp> module = generateModule(
      *context, model, *checked, source.name(), &diags.instances());
  if (!module)
    std::abort();
  return 0;
}
