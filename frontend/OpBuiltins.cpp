// Reads the functions that braid ops declare from the registered dialect.
#include "frontend/OpBuiltins.h"

#include "dialects/braid/IR/BraidOps.h"

namespace braid::frontend {

std::vector<OpBuiltin> collectOpBuiltins(mlir::MLIRContext &context) {
  context.getOrLoadDialect<BraidDialect>();
  std::vector<OpBuiltin> builtins;
  for (mlir::RegisteredOperationName name :
       context.getRegisteredOperationsByDialect(
           BraidDialect::getDialectNamespace())) {
    auto *builtin = name.getInterface<BuiltinOpInterface>();
    if (!builtin)
      continue;
    OpBuiltin entry;
    entry.name = builtin->getBuiltinName().str();
    for (llvm::StringLiteral argument : builtin->getBuiltinArguments())
      entry.arguments.push_back(argument.str());
    entry.rule = builtin->inferBuiltinType;
    entry.opName = name.getStringRef().str();
    builtins.push_back(std::move(entry));
  }
  return builtins;
}

BuiltinTable builtinTable(mlir::MLIRContext &context) {
  return BuiltinTable(collectOpBuiltins(context));
}

} // namespace braid::frontend
