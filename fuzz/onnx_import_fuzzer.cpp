// libFuzzer harness for the ONNX importer: the protobuf parse, the checks of
// every field, the op mappings and constant folding, as `braidc model.onnx
// --batch 2 --emit=mlir` runs them.
#include "frontend/onnx/OnnxImport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace braid::frontend::onnx_import;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input keeps each run independent of the ones before
  // it; without threads, as one input is small.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler silence(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  std::string bytes(reinterpret_cast<const char *>(data), size);
  ImportOptions options;
  options.batch = 2;
  // Half the inputs also add a loss, so the training path is fuzzed too.
  if (size && (data[size - 1] & 1))
    options.loss = "sparse_softmax_cross_entropy";
  ImportedModel imported;
  std::string error;
  if (importOnnx(context, bytes, "fuzz.onnx", options, &imported, &error)) {
    // A module the importer returns must verify, and its weights must match
    // its parameters.
    if (!imported.module)
      std::abort();
    for (const Weight &w : imported.weights) {
      int64_t n = 1;
      for (int64_t d : w.shape)
        n *= d;
      if (n != static_cast<int64_t>(w.values.size()))
        std::abort();
    }
  } else if (error.rfind("internal error", 0) == 0) {
    // Any input may be rejected, but never by a failed internal check.
    std::abort();
  }
  return 0;
}
