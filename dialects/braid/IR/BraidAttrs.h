// Attributes of the braid dialect (parameter initializers).
#ifndef BRAID_DIALECTS_BRAID_IR_BRAIDATTRS_H
#define BRAID_DIALECTS_BRAID_IR_BRAIDATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "dialects/braid/IR/BraidEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/braid/IR/BraidAttrs.h.inc"

#endif // BRAID_DIALECTS_BRAID_IR_BRAIDATTRS_H
