// braid-opt: mlir-opt with the braid dialect and every braid pass registered,
// so that lit tests can run any pass alone.
#include "dialects/braid/IR/BraidOps.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<braid::BraidDialect, mlir::func::FuncDialect>();
  // Core passes such as canonicalize and cse, braid's own (passes/Passes.td)
  // and its named pipelines (braid-lower-to-plan).
  mlir::registerTransformsPasses();
  braid::registerBraidPasses();
  braid::registerBraidPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Braid optimizer driver\n", registry));
}
