// Graph and Node: walking an ONNX graph into func @forward.
#include "frontend/onnx/Graph.h"
#include "frontend/onnx/TrainSpec.h"

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;

namespace braid::frontend::onnx_import {

//===----------------------------------------------------------------------===//
// Node
//===----------------------------------------------------------------------===//

static Location nodeLoc(Graph &graph, const onnx::NodeProto &proto, int index) {
  // The node's position stands for a line, so a kernel's location in a
  // trace or a diagnostic (model.onnx:12:1) finds the node.
  Location at = FileLineColLoc::get(graph.fileName(), index + 1, 1);
  std::string name = proto.name().empty() ? proto.op_type() : proto.name();
  return NameLoc::get(StringAttr::get(&graph.context(), name), at);
}

Node::Node(Graph &graph, const onnx::NodeProto &proto, int index)
    : graph_(graph), proto_(proto), index_(index),
      loc_(nodeLoc(graph, proto, index)) {}

OpBuilder &Node::builder() { return graph_.builder(); }

LogicalResult Node::fail(const std::string &message) {
  if (graph_.error.empty())
    graph_.error = "node " + std::to_string(index_) + " '" + proto_.name() +
                   "' (" + proto_.op_type() + "): " + message;
  return failure();
}

bool Node::hasInput(int i) const {
  return i < proto_.input_size() && !proto_.input(i).empty();
}

const OnnxValue &Node::input(int i) const {
  return *graph_.lookup(proto_.input(i));
}

LogicalResult Node::requireInputs(int min, int max) {
  if (proto_.input_size() > max)
    return fail("takes at most " + std::to_string(max) + " inputs, got " +
                std::to_string(proto_.input_size()));
  for (int i = 0; i < min; ++i)
    if (!hasInput(i))
      return fail("needs input " + std::to_string(i) + ", which is missing");
  return success();
}

std::vector<int64_t> Node::shapeOf(Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  return std::vector<int64_t>(type.getShape().begin(), type.getShape().end());
}

std::vector<int64_t> Node::inputShape(int i) const {
  const OnnxValue &v = input(i);
  if (v.constant)
    return v.constant->shape;
  return shapeOf(v.value ? v.value : v.patternInput);
}

FailureOr<Value> Node::materialize(const HostTensor &t) {
  OpBuilder &b = builder();
  DenseElementsAttr value;
  if (t.isFloat) {
    auto type = RankedTensorType::get(t.shape, b.getF32Type());
    value = DenseElementsAttr::get(type, llvm::ArrayRef(t.floats));
  } else {
    std::vector<int32_t> values;
    for (int64_t v : t.ints) {
      if (v < INT32_MIN || v > INT32_MAX)
        return fail("the constant value " + std::to_string(v) +
                    " does not fit the i32 tensors braid computes with");
      values.push_back(static_cast<int32_t>(v));
    }
    auto type = RankedTensorType::get(t.shape, b.getI32Type());
    value = DenseElementsAttr::get(type, llvm::ArrayRef(values));
  }
  // Created generically and verified, as in create(): the typed builder
  // aborts on a type braid.constant rejects (an empty tensor, say).
  OperationState state(loc_, ConstantOp::getOperationName());
  state.addAttribute("value", value);
  state.addTypes(value.getType());
  Operation *op = b.create(state);
  graph_.diagnostics.clear();
  if (failed(verify(op))) {
    op->erase();
    return fail("its constant of shape " + shape::toString(t.shape) +
                " cannot be a braid tensor: " + graph_.diagnostics);
  }
  return op->getResult(0);
}

FailureOr<Value> Node::tensor(int i, std::optional<InitKind> init) {
  if (!hasInput(i))
    return fail("needs input " + std::to_string(i) + ", which is missing");
  const OnnxValue &v = input(i);
  if (v.value)
    return v.value;
  if (v.pattern != Pattern::None)
    return fail(
        "its input '" + proto_.input(i) +
        "' is part of a pattern braidc maps as a whole (GELU's erf form "
        "x * 0.5 * (1 + erf(x / sqrt(2))), or a causal mask Where(triu, "
        "-inf, x) before Softmax), used here in another way");
  if (!v.initializer.empty())
    return graph_.parameter(v.initializer, *v.constant, init);
  return materialize(*v.constant);
}

FailureOr<SmallVector<Value>> Node::tensors() {
  SmallVector<Value> values;
  for (int i = 0; i < numInputs(); ++i) {
    if (!hasInput(i))
      continue;
    FailureOr<Value> v = tensor(i);
    if (failed(v))
      return failure();
    values.push_back(*v);
  }
  return values;
}

FailureOr<int64_t> Node::axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return fail("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

FailureOr<const HostTensor *> Node::constant(int i, llvm::StringRef what) {
  if (!hasInput(i))
    return fail("needs input " + std::to_string(i) + " (" + what.str() +
                "), which is missing");
  const OnnxValue &v = input(i);
  if (!v.constant)
    return fail("its " + what.str() + " (input '" + proto_.input(i) +
                "') must be known at compile time, but is computed by the "
                "model");
  return &*v.constant;
}

FailureOr<std::vector<int64_t>> Node::ints(int i, llvm::StringRef what) {
  FailureOr<const HostTensor *> t = constant(i, what);
  if (failed(t))
    return failure();
  if ((*t)->isFloat || (*t)->rank() > 1)
    return fail("its " + what.str() + " must be a list of integers, got " +
                ((*t)->isFloat
                     ? "floats"
                     : "a tensor of shape " + shape::toString((*t)->shape)));
  return (*t)->ints;
}

const onnx::AttributeProto *Node::attribute(llvm::StringRef name) const {
  for (const onnx::AttributeProto &a : proto_.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t Node::attrInt(llvm::StringRef name, int64_t fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->has_i() ? a->i() : fallback;
}

float Node::attrFloat(llvm::StringRef name, float fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->has_f() ? a->f() : fallback;
}

std::vector<int64_t> Node::attrInts(llvm::StringRef name,
                                    std::vector<int64_t> fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  if (!a)
    return fallback;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::string Node::attrString(llvm::StringRef name, std::string fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->has_s() ? a->s() : fallback;
}

NamedAttribute Node::attr(llvm::StringRef name, Attribute value) {
  return builder().getNamedAttr(name, value);
}
Attribute Node::i64(int64_t v) { return builder().getI64IntegerAttr(v); }
Attribute Node::i64s(llvm::ArrayRef<int64_t> v) {
  return builder().getDenseI64ArrayAttr(v);
}

LogicalResult Node::createOutput(llvm::StringRef opName, ValueRange operands,
                                 llvm::ArrayRef<NamedAttribute> attributes) {
  FailureOr<Value> y = create(opName, operands, attributes);
  if (failed(y))
    return failure();
  setOutput(0, OnnxValue::runtime(*y));
  return success();
}

FailureOr<Value> Node::create(llvm::StringRef opName, ValueRange operands,
                              llvm::ArrayRef<NamedAttribute> attributes) {
  std::string why;
  FailureOr<Value> v =
      graph_.createOp(loc_, opName, operands, attributes, &why);
  if (failed(v))
    return fail(why);
  return v;
}

void Node::setOutput(int i, OnnxValue value) {
  if (i < proto_.output_size() && !proto_.output(i).empty())
    graph_.define(proto_.output(i), std::move(value));
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

Graph::Graph(MLIRContext &context, const std::string &fileName,
             const ImportOptions &options)
    : context_(context), builder_(&context), options_(options),
      fileName_(StringAttr::get(&context, fileName)) {}

const OnnxValue *Graph::lookup(const std::string &name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

void Graph::define(const std::string &name, OnnxValue value) {
  values_[name] = std::move(value);
}

FailureOr<Value> Graph::createOp(Location loc, llvm::StringRef opName,
                                 ValueRange operands,
                                 llvm::ArrayRef<NamedAttribute> attributes,
                                 std::string *why) {
  std::optional<RegisteredOperationName> name =
      RegisteredOperationName::lookup(opName, &context_);
  if (!name || !name->hasInterface<InferTypeOpInterface>() ||
      operands.empty()) {
    *why = "internal error: '" + opName.str() +
           "' is not a braid op with type inference";
    return failure();
  }
  // The op is created with a placeholder result type, then given the type
  // its own inference computes from its operands and properties: the typed
  // builders would abort on operands that do not fit, and these come from
  // an untrusted file.
  OperationState state(loc, *name);
  state.addOperands(operands);
  state.addAttributes(attributes);
  state.addTypes(operands.front().getType());
  Operation *op = builder_.create(state);
  SmallVector<Type> types;
  diagnostics.clear();
  auto inference = llvm::cast<InferTypeOpInterface>(op);
  if (failed(inference.inferReturnTypes(
          &context_, loc, op->getOperands(), op->getRawDictionaryAttrs(),
          op->getPropertiesStorage(), op->getRegions(), types)) ||
      types.size() != 1) {
    op->erase();
    *why = diagnostics.empty()
               ? "braid's " + opName.str() + " does not accept these operands"
               : diagnostics;
    return failure();
  }
  op->getResult(0).setType(types[0]);
  if (failed(verify(op))) {
    op->erase();
    *why = diagnostics;
    return failure();
  }
  return op->getResult(0);
}

Location Graph::fileLoc(llvm::StringRef name) {
  Location file = FileLineColLoc::get(fileName_, 0, 0);
  return name.empty() ? file : NameLoc::get(builder_.getStringAttr(name), file);
}

Value Graph::parameter(const std::string &name, const HostTensor &value,
                       std::optional<InitKind> init) {
  auto it = params_.find(name);
  if (it != params_.end())
    return it->second;
  Block &entry = func_.getBody().front();
  Location at = fileLoc(name);
  Value arg = entry.addArgument(
      RankedTensorType::get(value.shape, builder_.getF32Type()), at);
  // Training from scratch initialises matrices as the language's layers do;
  // the imported values come from the checkpoint beside the plan.
  InitKind kind = init.value_or(value.rank() >= 2 ? InitKind::glorot_uniform
                                                  : InitKind::zeros);
  argAttrs_.push_back(builder_.getDictionaryAttr(
      {builder_.getNamedAttr(attrs::kParam, builder_.getStringAttr(name)),
       builder_.getNamedAttr(
           attrs::kInit,
           InitializerAttr::get(&context_, kind, llvm::ArrayRef<double>()))}));
  params_[name] = arg;
  weights_.push_back(Weight{name, value.shape, value.floats});
  return arg;
}

bool Graph::declareInputs(const onnx::GraphProto &graph) {
  std::set<std::string> initializers;
  for (const onnx::TensorProto &t : graph.initializer())
    initializers.insert(t.name());
  SmallVector<Type> types;
  SmallVector<std::string> names;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.count(input.name()))
      continue;
    std::string what = "input '" + input.name() + "'";
    if (!input.type().has_tensor_type() ||
        !input.type().tensor_type().has_shape()) {
      error = what + " is not a tensor of known rank";
      return false;
    }
    const onnx::TypeProto::Tensor &tensor = input.type().tensor_type();
    Type element;
    switch (tensor.elem_type()) {
    case onnx::TensorProto::FLOAT:
      element = builder_.getF32Type();
      break;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::INT32:
      // Ids and labels: braid computes with i32 (the data's values must fit).
      element = builder_.getI32Type();
      break;
    default:
      error = what + " has element type " + std::to_string(tensor.elem_type()) +
              "; braidc imports float and int32/int64 inputs";
      return false;
    }
    std::vector<int64_t> shape;
    bool batched = false;
    for (int d = 0; d < tensor.shape().dim_size(); ++d) {
      const onnx::TensorShapeProto::Dimension &dim = tensor.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        shape.push_back(dim.dim_value());
        continue;
      }
      if (d != 0) {
        error = what + ": dimension " + std::to_string(d) +
                " is dynamic; braidc binds only the first (the batch) and "
                "needs the others fixed (export with a static shape)";
        return false;
      }
      if (options_.batch <= 0) {
        error = what + " has a dynamic first dimension (the batch); pass "
                       "--batch N";
        return false;
      }
      shape.push_back(options_.batch);
      batched = true;
    }
    if (checkedElements(shape, shape::kMaxElements) < 0) {
      error = what + " has the shape " + shape::toString(shape) +
              ", larger than braidc compiles";
      return false;
    }
    types.push_back(RankedTensorType::get(shape, element));
    SmallVector<NamedAttribute, 2> attrs{builder_.getNamedAttr(
        attrs::kInput, builder_.getStringAttr(input.name()))};
    if (batched ||
        (options_.batch > 0 && !shape.empty() && shape[0] == options_.batch))
      attrs.push_back(builder_.getNamedAttr(
          attrs::kBatchDims, builder_.getDenseI64ArrayAttr({0})));
    argAttrs_.push_back(builder_.getDictionaryAttr(attrs));
    names.push_back(input.name());
  }
  func_ = func::FuncOp::create(builder_, fileLoc(), "forward",
                               builder_.getFunctionType(types, {}));
  Block *entry = func_.addEntryBlock();
  for (size_t i = 0; i < names.size(); ++i) {
    entry->getArgument(i).setLoc(fileLoc(names[i]));
    define(names[i], OnnxValue::runtime(entry->getArgument(i)));
  }
  builder_.setInsertionPointToStart(entry);
  return true;
}

void Graph::eraseDeadOps() {
  // Folded shape arithmetic and matched patterns leave ops nothing uses
  // (the x / sqrt 2 of GELU's erf form); every braid op here is pure.
  Block &entry = func_.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(entry)))
    if (op.use_empty() && !op.hasTrait<OpTrait::IsTerminator>())
      op.erase();
}

bool Graph::run(const onnx::ModelProto &model, ImportedModel *out) {
  const onnx::GraphProto &graph = model.graph();
  // Diagnostics of the ops' verifiers and inference become the node's error.
  ScopedDiagnosticHandler handler(&context_, [&](Diagnostic &diag) {
    if (!diagnostics.empty())
      diagnostics += "; ";
    diagnostics += diag.str();
    return success();
  });

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc());
  builder_.setInsertionPointToEnd(module->getBody());
  if (!declareInputs(graph))
    return false;

  for (const onnx::TensorProto &t : graph.initializer()) {
    HostTensor value;
    std::string why;
    if (!decodeTensor(t, &value, &why)) {
      error = "initializer '" + t.name() + "': " + why;
      return false;
    }
    OnnxValue v = OnnxValue::known(std::move(value));
    if (v.constant->isFloat)
      v.initializer = t.name();
    define(t.name(), std::move(v));
  }

  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &proto = graph.node(i);
    Node node(*this, proto, i);
    if (!proto.domain().empty() && proto.domain() != "ai.onnx") {
      (void)node.fail("op of domain '" + proto.domain() +
                      "'; braidc imports the default ONNX domain only");
      return false;
    }
    OpImporter importer = findOpImporter(proto.op_type());
    if (!importer) {
      std::string list;
      for (const std::string &op : supportedOps())
        list += (list.empty() ? "" : ", ") + op;
      (void)node.fail("unsupported op; braidc imports " + list);
      return false;
    }
    for (int j = 0; j < proto.input_size(); ++j)
      if (!proto.input(j).empty() && !lookup(proto.input(j))) {
        (void)node.fail("its input '" + proto.input(j) +
                        "' is defined by no earlier node, initializer or graph "
                        "input (the graph must be sorted)");
        return false;
      }
    if (failed(importer(node)))
      return false;
    for (int j = 0; j < proto.output_size(); ++j)
      if (!proto.output(j).empty() && !lookup(proto.output(j))) {
        (void)node.fail("output " + std::to_string(j) + " ('" +
                        proto.output(j) + "') is not one braidc computes");
        return false;
      }
  }

  SmallVector<Value> results;
  SmallVector<std::string> outputNames;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    const OnnxValue *v = lookup(output.name());
    if (!v || !v->value) {
      error = "graph output '" + output.name() + "' " +
              (v ? "is not a tensor the model computes from its inputs"
                 : "is defined by no node");
      return false;
    }
    if (llvm::is_contained(outputNames, output.name())) {
      error = "graph output '" + output.name() + "' is listed twice";
      return false;
    }
    results.push_back(v->value);
    outputNames.push_back(output.name());
  }
  if (results.empty()) {
    error = "the graph has no outputs";
    return false;
  }
  size_t numOutputs = results.size();
  if (!options_.loss.empty() && !addLoss(results[0], results))
    return false;
  func::ReturnOp::create(builder_, fileLoc(), results);
  SmallVector<Type> argTypes, resultTypes;
  for (BlockArgument arg : func_.getBody().front().getArguments())
    argTypes.push_back(arg.getType());
  for (Value r : results)
    resultTypes.push_back(r.getType());
  func_.setFunctionType(builder_.getFunctionType(argTypes, resultTypes));
  func_.setAllArgAttrs(argAttrs_);
  for (size_t i = 0; i < numOutputs; ++i)
    func_.setResultAttr(i, attrs::kOutput,
                        builder_.getStringAttr(outputNames[i]));
  if (results.size() > numOutputs)
    func_.setResultAttr(numOutputs, attrs::kLoss,
                        builder_.getStringAttr("loss"));
  eraseDeadOps();
  setModuleAttributes(*module);
  diagnostics.clear();
  if (failed(verify(*module))) {
    error =
        "internal error: the imported module does not verify: " + diagnostics;
    return false;
  }
  out->module = std::move(module);
  out->weights = std::move(weights_);
  return true;
}

bool Graph::addLoss(Value logits, SmallVectorImpl<Value> &results) {
  std::vector<int64_t> shape = Node::shapeOf(logits);
  if (!llvm::cast<RankedTensorType>(logits.getType())
           .getElementType()
           .isF32()) {
    error = "--loss needs f32 logits; the first output is an integer tensor";
    return false;
  }
  Type labelType;
  if (options_.loss == "sparse_softmax_cross_entropy") {
    if (shape.empty()) {
      error = "--loss sparse_softmax_cross_entropy needs logits of rank 1 "
              "or more; the first output is a scalar";
      return false;
    }
    shape.pop_back();
    labelType = RankedTensorType::get(shape, builder_.getI32Type());
  } else if (options_.loss == "mean_squared_error") {
    labelType = RankedTensorType::get(shape, builder_.getF32Type());
  } else {
    error = "--loss " + options_.loss +
            ": expected sparse_softmax_cross_entropy or mean_squared_error";
    return false;
  }
  if (lookup(options_.labels)) {
    error = "--labels " + options_.labels +
            ": the model already has a value of that name";
    return false;
  }
  std::optional<DictionaryAttr> train =
      trainAttribute(builder_, options_, &error);
  if (!train)
    return false;
  trainAttr_ = builder_.getNamedAttr(attrs::kTrain, *train);
  // The labels are an input: after the model's inputs, before the
  // parameters (arguments are inputs first).
  Block &entry = func_.getBody().front();
  unsigned position = 0;
  while (position < entry.getNumArguments() &&
         argAttrs_[position].get(attrs::kInput))
    ++position;
  Location at = fileLoc(options_.labels);
  Value labels = entry.insertArgument(position, labelType, at);
  SmallVector<NamedAttribute, 2> attrs{builder_.getNamedAttr(
      attrs::kInput, builder_.getStringAttr(options_.labels))};
  if (!shape.empty() && shape[0] == options_.batch)
    attrs.push_back(builder_.getNamedAttr(attrs::kBatchDims,
                                          builder_.getDenseI64ArrayAttr({0})));
  argAttrs_.insert(argAttrs_.begin() + position,
                   builder_.getDictionaryAttr(attrs));
  Location lossAt = fileLoc("loss");
  std::string why;
  FailureOr<Value> loss = createOp(lossAt,
                                   options_.loss == "mean_squared_error"
                                       ? "braid.mean_squared_error"
                                       : "braid.sparse_softmax_cross_entropy",
                                   {logits, labels}, {}, &why);
  if (failed(loss)) {
    error = "--loss " + options_.loss + " over the first output: " + why;
    return false;
  }
  results.push_back(*loss);
  return true;
}

void Graph::setModuleAttributes(ModuleOp module) {
  module->setAttr(attrs::kModel, builder_.getStringAttr(options_.modelName));
  if (options_.batch > 0)
    module->setAttr(attrs::kBatch, builder_.getI64IntegerAttr(options_.batch));
  if (trainAttr_)
    module->setAttr(trainAttr_->getName(), trainAttr_->getValue());
}

} // namespace braid::frontend::onnx_import
