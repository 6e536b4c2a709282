// OnnxImport: `braidc model.onnx`, an ONNX graph as the braid dialect's
// func @forward, its initializers as parameters (docs/onnx.md).
#ifndef BRAID_FRONTEND_ONNX_ONNXIMPORT_H
#define BRAID_FRONTEND_ONNX_ONNXIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace braid::frontend::onnx_import {

/// What to make of the graph beyond its forward computation.
struct ImportOptions {
  /// The batch B that the inputs' dynamic first dimension takes; 0 when
  /// braidc was given none (an input with a dynamic dimension is then an
  /// error that asks for --batch).
  int64_t batch = 0;
  /// Training: the loss over the first output ("" for none),
  /// sparse_softmax_cross_entropy or mean_squared_error ...
  std::string loss;
  /// ... against the labels input of this name ...
  std::string labels = "y";
  /// ... minimised with this optimizer, as in a train block:
  /// "adam(lr = 0.001)", "sgd(0.1, momentum = 0.9)".
  std::string optimizer = "adam";
  int64_t epochs = 1;
  /// braid.model: the file's stem.
  std::string modelName = "model";
};

/// One initializer's value, saved beside the plan as its parameter.
struct Weight {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct ImportedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// The initializers that became parameters, in argument order.
  std::vector<Weight> weights;
};

/// The ops the importer maps (ONNX op types, sorted), for messages and docs.
const std::vector<std::string> &supportedOps();

/// Imports the ONNX model in `bytes` (the file's contents, untrusted: every
/// field is checked). On failure returns false with `error` naming the node
/// (its index and name) and op type at fault, or saying why the file is not
/// a model; never aborts. `fileName` locates the ops (line = the node's
/// position in the graph, from 1).
bool importOnnx(mlir::MLIRContext &context, const std::string &bytes,
                const std::string &fileName, const ImportOptions &options,
                ImportedModel *out, std::string *error);

} // namespace braid::frontend::onnx_import

#endif // BRAID_FRONTEND_ONNX_ONNXIMPORT_H
