// Plan export: the parameters of every entry point, then the entry points,
// then the plan's metadata, written by a PlanWriter; and the module hash.
#include "target/Plan/ExportPlan.h"
#include "target/Plan/PlanWriter.h"

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OperationSupport.h"

#include <optional>
#include <string>

using namespace mlir;

namespace braid {

/// 64-bit FNV-1a.
static uint64_t fnv1a(StringRef text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

uint64_t hashModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  // Every flag that changes the text is pinned, so that --mlir-print-*
  // options given to braidc do not change the hash.
  OpPrintingFlags flags;
  flags.printGenericOpForm()
      .enableDebugInfo(false)
      .elideLargeElementsAttrs(INT64_MAX)
      .printLargeElementsAttrWithHex(-1)
      .printValueUsers(false)
      .printUniqueSSAIDs(false)
      .printNameLocAsPrefix(false)
      .useLocalScope(false);
  module->print(os, flags);
  return fnv1a(text);
}

LogicalResult exportPlan(ModuleOp module, llvm::raw_ostream &os,
                         const codegen::NativeCode *code) {
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(attrs::kEntryPoint))
      entries.push_back(func);
  if (entries.empty())
    return module.emitError()
           << "cannot be exported to a plan: no func has braid.entry_point "
              "(run the braid-lower-to-plan pipeline first)";
  PlanWriter writer(code);
  // Parameters first, once each, shared by every entry point.
  for (func::FuncOp func : entries)
    if (failed(writer.addParameters(func)))
      return failure();
  for (func::FuncOp func : entries)
    if (failed(writer.addEntryPoint(func)))
      return failure();
  writer.write(module, hashModule(module), os);
  return success();
}

LogicalResult compileAndExportPlan(ModuleOp module, llvm::raw_ostream &os) {
  std::optional<codegen::NativeCode> code;
  if (codegen::hasKernels(module)) {
    FailureOr<codegen::NativeCode> compiled = codegen::compileKernels(module);
    if (failed(compiled))
      return failure();
    code = std::move(*compiled);
  }
  return exportPlan(module, os, code ? &*code : nullptr);
}

} // namespace braid
