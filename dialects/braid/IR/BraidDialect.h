// The braid dialect's class. Include BraidOps.h for its ops and attributes.
#ifndef BRAID_DIALECTS_BRAID_IR_BRAIDDIALECT_H
#define BRAID_DIALECTS_BRAID_IR_BRAIDDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/braid/IR/BraidDialect.h.inc"

#endif // BRAID_DIALECTS_BRAID_IR_BRAIDDIALECT_H
