// Attributes and types of the braid dialect (parameter initializers,
// reductions, collective requests).
#ifndef BRAID_DIALECTS_BRAID_IR_BRAIDATTRS_H
#define BRAID_DIALECTS_BRAID_IR_BRAIDATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Types.h"

#include "dialects/braid/IR/BraidEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/braid/IR/BraidAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/braid/IR/BraidTypes.h.inc"

#endif // BRAID_DIALECTS_BRAID_IR_BRAIDATTRS_H
