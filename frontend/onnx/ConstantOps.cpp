// ONNX ops the importer folds or forwards: Constant, Identity, Shape, Cast,
// ConstantOfShape and Trilu (torch.onnx.export's shape arithmetic and
// causal masks).
#include "frontend/onnx/Graph.h"
#include "frontend/onnx/HostOps.h"

using namespace mlir;

namespace braid::frontend::onnx_import {

LogicalResult importConstant(Node &node) {
  if (failed(node.requireInputs(0, 0)))
    return failure();
  const onnx::NodeProto &proto = node.proto();
  if (proto.attribute_size() != 1)
    return node.fail("expected exactly one value attribute, got " +
                     std::to_string(proto.attribute_size()));
  const onnx::AttributeProto &a = proto.attribute(0);
  HostTensor t;
  if (a.name() == "value") {
    std::string why;
    if (!decodeTensor(a.t(), &t, &why))
      return node.fail("its value: " + why);
  } else if (a.name() == "value_float") {
    t.floats = {a.f()};
  } else if (a.name() == "value_floats") {
    t.floats.assign(a.floats().begin(), a.floats().end());
    t.shape = {static_cast<int64_t>(t.floats.size())};
  } else if (a.name() == "value_int") {
    t.isFloat = false;
    t.ints = {a.i()};
  } else if (a.name() == "value_ints") {
    t.isFloat = false;
    t.ints.assign(a.ints().begin(), a.ints().end());
    t.shape = {static_cast<int64_t>(t.ints.size())};
  } else {
    return node.fail("its attribute '" + a.name() +
                     "' is not supported; expected value, value_float(s) or "
                     "value_int(s)");
  }
  node.setOutput(0, OnnxValue::known(std::move(t)));
  return success();
}

LogicalResult importIdentity(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  node.setOutput(0, node.input(0));
  return success();
}

LogicalResult importShape(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  std::vector<int64_t> shape = node.inputShape(0);
  int64_t rank = static_cast<int64_t>(shape.size());
  auto clamp = [&](int64_t v) {
    if (v < 0)
      v = v < -rank ? 0 : v + rank;
    return std::min(v, rank);
  };
  int64_t start = clamp(node.attrInt("start", 0));
  int64_t end = clamp(node.attrInt("end", rank));
  HostTensor t;
  t.isFloat = false;
  if (end > start)
    t.ints.assign(shape.begin() + start, shape.begin() + end);
  t.shape = {static_cast<int64_t>(t.ints.size())};
  node.setOutput(0, OnnxValue::known(std::move(t)));
  return success();
}

LogicalResult importCast(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  int64_t to = node.attrInt("to", 0);
  using TP = onnx::TensorProto;
  bool toFloat = to == TP::FLOAT || to == TP::DOUBLE || to == TP::FLOAT16;
  bool toInt = to == TP::INT64 || to == TP::INT32 || to == TP::INT16 ||
               to == TP::INT8 || to == TP::UINT8 || to == TP::BOOL;
  if (!toFloat && !toInt)
    return node.fail("cast to data type " + std::to_string(to) +
                     " is not supported");
  const OnnxValue &in = node.input(0);
  if (in.isConstant()) {
    HostTensor t = convert(*in.constant, toFloat);
    if (to == TP::BOOL)
      for (int64_t &v : t.ints)
        v = v != 0;
    node.setOutput(0, OnnxValue::known(std::move(t)));
    return success();
  }
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  bool isFloat =
      llvm::cast<RankedTensorType>(x->getType()).getElementType().isF32();
  if (isFloat == toFloat) {
    node.setOutput(0, OnnxValue::runtime(*x));
    return success();
  }
  if (to == TP::BOOL)
    return node.fail("a cast of a computed tensor to bool is not supported");
  OpBuilder &b = node.builder();
  return node.createOutput(
      "braid.cast", {*x},
      {node.attr("element", TypeAttr::get(toFloat ? Type(b.getF32Type())
                                                  : Type(b.getI32Type())))});
}

LogicalResult importConstantOfShape(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  FailureOr<std::vector<int64_t>> shape = node.ints(0, "shape");
  if (failed(shape))
    return failure();
  if (checkedElements(*shape, kMaxFoldedElements) < 0)
    return node.fail("the shape " + shape::toString(*shape) +
                     " is negative or larger than braidc folds");
  HostTensor fill;
  fill.floats = {0.0f};
  if (const onnx::AttributeProto *value = node.attribute("value")) {
    std::string why;
    if (!decodeTensor(value->t(), &fill, &why))
      return node.fail("its value: " + why);
    if (fill.elements() != 1)
      return node.fail("its value must hold one element");
  }
  HostTensor t;
  t.isFloat = fill.isFloat;
  t.shape = *shape;
  t.resize();
  if (t.isFloat)
    std::fill(t.floats.begin(), t.floats.end(), fill.floats[0]);
  else
    std::fill(t.ints.begin(), t.ints.end(), fill.ints[0]);
  node.setOutput(0, OnnxValue::known(std::move(t)));
  return success();
}

LogicalResult importTrilu(Node &node) {
  if (failed(node.requireInputs(1, 2)))
    return failure();
  FailureOr<const HostTensor *> in = node.constant(0, "input");
  if (failed(in))
    return failure();
  int64_t k = 0;
  if (node.hasInput(1)) {
    FailureOr<std::vector<int64_t>> given = node.ints(1, "k");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return node.fail("k must hold one integer");
    k = std::max<int64_t>(-(int64_t(1) << 40),
                          std::min<int64_t>((*given)[0], int64_t(1) << 40));
  }
  HostTensor t = **in;
  if (t.rank() < 2)
    return node.fail("its input must have rank 2 or more");
  bool upper = node.attrInt("upper", 1) != 0;
  int64_t rows = t.shape[t.rank() - 2], cols = t.shape[t.rank() - 1];
  for (int64_t i = 0, n = t.elements(); i < n; ++i) {
    int64_t col = i % cols, row = (i / cols) % rows;
    bool keep = upper ? col - row >= k : col - row <= k;
    if (!keep) {
      if (t.isFloat)
        t.floats[i] = 0;
      else
        t.ints[i] = 0;
    }
  }
  node.setOutput(0, OnnxValue::known(std::move(t)));
  return success();
}

} // namespace braid::frontend::onnx_import
