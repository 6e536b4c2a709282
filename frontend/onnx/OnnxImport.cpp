// OnnxImport: reading an ONNX file's bytes (untrusted) and importing its
// graph.
#include "frontend/onnx/OnnxImport.h"
#include "frontend/onnx/Graph.h"

#include "dialects/braid/IR/BraidOps.h"

namespace braid::frontend::onnx_import {

namespace {

/// The opsets whose semantics the op mappings follow (Softmax's axis,
/// Split's and Unsqueeze's inputs, ...): torch.onnx.export's 13 to 17, and
/// the later ones that keep them.
constexpr int64_t kMinOpset = 13, kMaxOpset = 21;

bool checkModel(const onnx::ModelProto &model, std::string *error) {
  if (!model.has_graph()) {
    *error = "not an ONNX model: it has no graph";
    return false;
  }
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  if (opset < 0) {
    *error = "the model imports no version of the default ONNX opset";
    return false;
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    *error = "the model uses opset " + std::to_string(opset) +
             "; braidc imports opsets " + std::to_string(kMinOpset) + " to " +
             std::to_string(kMaxOpset) +
             " (torch.onnx.export(..., opset_version=17))";
    return false;
  }
  if (model.graph().node_size() == 0) {
    *error = "the graph has no nodes";
    return false;
  }
  return true;
}

} // namespace

bool importOnnx(mlir::MLIRContext &context, const std::string &bytes,
                const std::string &fileName, const ImportOptions &options,
                ImportedModel *out, std::string *error) {
  onnx::ModelProto model;
  // protobuf checks the wire format (lengths, tags, nesting depth); a
  // damaged file fails here or in the checks of each field below.
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    *error = "not a valid ONNX model (the protobuf does not parse; is the "
             "file damaged or truncated?)";
    return false;
  }
  if (!checkModel(model, error))
    return false;
  context.loadDialect<BraidDialect, mlir::func::FuncDialect>();
  Graph graph(context, fileName, options);
  if (!graph.run(model, out)) {
    *error =
        graph.error.empty() ? "the model could not be imported" : graph.error;
    return false;
  }
  return true;
}

} // namespace braid::frontend::onnx_import
