// The functions of the model language that the braid dialect's ops declare
// (BuiltinOpInterface), read from the registered dialect as plain data for
// Sema.
#ifndef BRAID_FRONTEND_OPBUILTINS_H
#define BRAID_FRONTEND_OPBUILTINS_H

#include "frontend/Builtins.h"

#include "mlir/IR/MLIRContext.h"

#include <vector>

namespace braid::frontend {

/// One OpBuiltin per braid op that declares BuiltinOpInterface, ordered by
/// op name. Loads the braid dialect into `context`.
std::vector<OpBuiltin> collectOpBuiltins(mlir::MLIRContext &context);

/// The table Sema checks calls against: the ops' functions and the written
/// ones. Loads the braid dialect into `context`.
BuiltinTable builtinTable(mlir::MLIRContext &context);

} // namespace braid::frontend

#endif // BRAID_FRONTEND_OPBUILTINS_H
