// Graph: the importer's state while it walks an ONNX graph (values by name,
// the func being built) and the view of one node that each op's mapping
// gets. Internal to frontend/onnx.
#ifndef BRAID_FRONTEND_ONNX_GRAPH_H
#define BRAID_FRONTEND_ONNX_GRAPH_H

#include "frontend/onnx/HostTensor.h"
#include "frontend/onnx/OnnxImport.h"

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <set>

namespace braid::frontend::onnx_import {

/// A partial match of a multi-node pattern that has a single braid op: the
/// erf form of GELU, x * 0.5 * (1 + erf(x / sqrt 2)), and the causal mask
/// before a softmax. Such a value may only feed the pattern's next node.
enum class Pattern {
  None,
  ErfScaled,    // erf(x / sqrt 2)
  OnePlusErf,   // 1 + erf(x / sqrt 2)
  XOnePlusErf,  // x * (1 + erf(x / sqrt 2))
  CausalMasked, // where(upper triangle, -inf, x)
};

/// An ONNX value: computed at run time (an MLIR value), known now (a host
/// tensor, possibly an initializer), or a partial pattern.
struct OnnxValue {
  mlir::Value value;
  std::optional<HostTensor> constant;
  /// Non-empty for an initializer: a parameter when used as a tensor.
  std::string initializer;
  Pattern pattern = Pattern::None;
  /// The pattern's x.
  mlir::Value patternInput;

  static OnnxValue runtime(mlir::Value v) {
    OnnxValue o;
    o.value = v;
    return o;
  }
  static OnnxValue known(HostTensor t) {
    OnnxValue o;
    o.constant = std::move(t);
    return o;
  }
  static OnnxValue partial(Pattern p, mlir::Value x) {
    OnnxValue o;
    o.pattern = p;
    o.patternInput = x;
    return o;
  }
  bool isConstant() const {
    return constant.has_value() && initializer.empty();
  }
};

class Graph;

/// One node being imported: its inputs, attributes, outputs and the helpers
/// that create braid ops located at it. Every failing helper has recorded
/// the error (node, op type, message) before it returns failure.
class Node {
public:
  Node(Graph &graph, const onnx::NodeProto &proto, int index);

  const onnx::NodeProto &proto() const { return proto_; }
  const std::string &opType() const { return proto_.op_type(); }
  mlir::Location loc() const { return loc_; }
  mlir::OpBuilder &builder();

  /// The number of inputs, counting empty (omitted optional) ones.
  int numInputs() const { return proto_.input_size(); }
  bool hasInput(int i) const;
  /// Input i; hasInput(i) must hold (checked by requireInputs).
  const OnnxValue &input(int i) const;
  /// Fails unless inputs [0, min) are present and there are at most max.
  mlir::LogicalResult requireInputs(int min, int max);

  /// Input i as a tensor of the braid dialect: an initializer becomes its
  /// parameter, a constant a braid.constant.
  /// `init` is how a parameter made from an initializer here starts when
  /// trained from scratch (glorot_uniform for a matrix, zeros otherwise,
  /// unless given: a layer norm's gain starts at ones).
  mlir::FailureOr<mlir::Value> tensor(int i, std::optional<InitKind> init = {});
  /// Every present input, in order, as tensor(i) gives it.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>> tensors();
  /// Input i's value, which must be known now (a shape, an axis list).
  mlir::FailureOr<const HostTensor *> constant(int i, llvm::StringRef what);
  /// Input i as a list of integers known now.
  mlir::FailureOr<std::vector<int64_t>> ints(int i, llvm::StringRef what);
  /// The static shape of a tensor value.
  static std::vector<int64_t> shapeOf(mlir::Value v);
  /// The shape of input i, known now for every kind of value: a constant's,
  /// a run-time tensor's, a partial pattern's x.
  std::vector<int64_t> inputShape(int i) const;

  /// `axis` of a rank-`rank` tensor normalised into [0, rank); fails when
  /// it is outside [-rank, rank).
  mlir::FailureOr<int64_t> axis(int64_t axis, int64_t rank);

  // Attributes, with the default when absent.
  const onnx::AttributeProto *attribute(llvm::StringRef name) const;
  int64_t attrInt(llvm::StringRef name, int64_t fallback) const;
  float attrFloat(llvm::StringRef name, float fallback) const;
  std::vector<int64_t> attrInts(llvm::StringRef name,
                                std::vector<int64_t> fallback = {}) const;
  std::string attrString(llvm::StringRef name, std::string fallback) const;

  /// Creates the braid op `opName` (e.g. "braid.relu"), inferring its result
  /// type; fails with the op's own diagnostic when the operands do not fit.
  mlir::FailureOr<mlir::Value>
  create(llvm::StringRef opName, mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attributes = {});
  /// create, with the op's result as the node's one output.
  mlir::LogicalResult
  createOutput(llvm::StringRef opName, mlir::ValueRange operands,
               llvm::ArrayRef<mlir::NamedAttribute> attributes = {});
  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value);
  mlir::Attribute i64(int64_t v);
  mlir::Attribute i64s(llvm::ArrayRef<int64_t> v);
  /// A braid.constant of `t` (f32, or i32 for integers).
  mlir::FailureOr<mlir::Value> materialize(const HostTensor &t);

  void setOutput(int i, OnnxValue value);
  int numOutputs() const { return proto_.output_size(); }

  /// Records `message` as this node's error; returns failure.
  mlir::LogicalResult fail(const std::string &message);

private:
  Graph &graph_;
  const onnx::NodeProto &proto_;
  int index_;
  mlir::Location loc_;
};

/// Maps one ONNX node to braid ops (or folds it); see OpTable.cpp.
using OpImporter = mlir::LogicalResult (*)(Node &node);

/// The importer of the op type, or null when it has none.
OpImporter findOpImporter(const std::string &opType);

// The mappings, by family (one file each).
// ElementwiseOps.cpp: Add, Sub, Mul, Div, Relu, Tanh, Sigmoid, Sqrt, Pow,
// Gelu, Erf, Where.
mlir::LogicalResult importBinary(Node &node);
mlir::LogicalResult importUnary(Node &node);
mlir::LogicalResult importErf(Node &node);
mlir::LogicalResult importWhere(Node &node);
mlir::LogicalResult importPow(Node &node);
// LayerOps.cpp: MatMul, Gemm, Softmax, LogSoftmax, Conv, MaxPool,
// AveragePool, LayerNormalization, ReduceMean.
mlir::LogicalResult importMatMul(Node &node);
mlir::LogicalResult importGemm(Node &node);
mlir::LogicalResult importSoftmax(Node &node);
mlir::LogicalResult importConv(Node &node);
mlir::LogicalResult importPool(Node &node);
mlir::LogicalResult importLayerNorm(Node &node);
mlir::LogicalResult importReduceMean(Node &node);
// ShapeOps.cpp: Reshape, Flatten, Transpose, Unsqueeze, Squeeze, Concat,
// Split, Slice, Gather and Pad.
mlir::LogicalResult importReshape(Node &node);
mlir::LogicalResult importFlatten(Node &node);
mlir::LogicalResult importTranspose(Node &node);
mlir::LogicalResult importUnsqueeze(Node &node);
mlir::LogicalResult importConcat(Node &node);
mlir::LogicalResult importSplit(Node &node);
mlir::LogicalResult importSlice(Node &node);
mlir::LogicalResult importGather(Node &node);
mlir::LogicalResult importPad(Node &node);
// ConstantOps.cpp: Constant, Identity, Shape, Cast, ConstantOfShape, Trilu.
mlir::LogicalResult importConstant(Node &node);
mlir::LogicalResult importIdentity(Node &node);
mlir::LogicalResult importShape(Node &node);
mlir::LogicalResult importCast(Node &node);
mlir::LogicalResult importConstantOfShape(Node &node);
mlir::LogicalResult importTrilu(Node &node);

/// The graph being imported: values by name, the func @forward being built,
/// its parameters, and the first error.
class Graph {
public:
  Graph(mlir::MLIRContext &context, const std::string &fileName,
        const ImportOptions &options);

  mlir::MLIRContext &context() { return context_; }
  mlir::OpBuilder &builder() { return builder_; }
  const ImportOptions &options() const { return options_; }
  mlir::StringAttr fileName() const { return fileName_; }

  /// nullptr for a name never defined.
  const OnnxValue *lookup(const std::string &name) const;
  void define(const std::string &name, OnnxValue value);
  /// The parameter argument of initializer `name`, added on first use.
  mlir::Value parameter(const std::string &name, const HostTensor &value,
                        std::optional<InitKind> init);

  /// Creates the braid op `opName` at `loc`, its result type inferred;
  /// on failure erases it and says why (the op's diagnostics).
  mlir::FailureOr<mlir::Value>
  createOp(mlir::Location loc, llvm::StringRef opName,
           mlir::ValueRange operands,
           llvm::ArrayRef<mlir::NamedAttribute> attributes, std::string *why);

  bool run(const onnx::ModelProto &model, ImportedModel *out);

  std::string error;
  /// Diagnostics MLIR emitted since the last clear (an op's inference).
  std::string diagnostics;

private:
  /// The file as a whole (line 0), named `name` when given: the location
  /// of what no node makes (inputs, parameters, the loss, the func).
  mlir::Location fileLoc(llvm::StringRef name = {});
  bool declareInputs(const onnx::GraphProto &graph);
  bool addLoss(mlir::Value logits, llvm::SmallVectorImpl<mlir::Value> &results);
  void setModuleAttributes(mlir::ModuleOp module);
  void eraseDeadOps();

  mlir::MLIRContext &context_;
  mlir::OpBuilder builder_;
  const ImportOptions &options_;
  mlir::StringAttr fileName_;
  std::map<std::string, OnnxValue> values_;
  mlir::func::FuncOp func_;
  /// Arguments: the inputs (with their attributes), then the parameters.
  llvm::SmallVector<mlir::DictionaryAttr> argAttrs_;
  std::map<std::string, mlir::Value> params_;
  std::vector<Weight> weights_;
  std::optional<mlir::NamedAttribute> trainAttr_;
};

} // namespace braid::frontend::onnx_import

#endif // BRAID_FRONTEND_ONNX_GRAPH_H
