// Layer ONNX ops: MatMul, Gemm, Softmax, LogSoftmax, Conv, MaxPool,
// AveragePool, LayerNormalization and ReduceMean.
#include "frontend/onnx/Graph.h"

using namespace mlir;

namespace braid::frontend::onnx_import {

namespace {

FailureOr<Value> scaled(Node &node, Value v, float factor) {
  if (factor == 1.0f)
    return v;
  HostTensor s;
  s.floats = {factor};
  FailureOr<Value> c = node.materialize(s);
  if (failed(c))
    return failure();
  return node.create("braid.mul", {v, *c});
}

/// ONNX's pads [begin_h, begin_w, end_h, end_w] as braid's symmetric
/// [h, w], failing for asymmetric padding or an auto_pad other than NOTSET.
FailureOr<std::vector<int64_t>> symmetricPads(Node &node) {
  std::string autoPad = node.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID")
    return node.fail("auto_pad = " + autoPad +
                     " is not supported; export with explicit pads");
  std::vector<int64_t> pads = node.attrInts("pads", {0, 0, 0, 0});
  if (pads.size() != 4)
    return node.fail("pads has " + std::to_string(pads.size()) +
                     " entries; braidc imports 2-D windows (4 pads)");
  if (pads[0] != pads[2] || pads[1] != pads[3])
    return node.fail("its padding " + shape::toString(pads) +
                     " differs at the start and the end; braid pads each "
                     "side equally");
  return std::vector<int64_t>{pads[0], pads[1]};
}

FailureOr<std::vector<int64_t>> pair(Node &node, llvm::StringRef name,
                                     std::vector<int64_t> fallback) {
  std::vector<int64_t> v = node.attrInts(name, fallback);
  if (v.size() != 2)
    return node.fail(name.str() + " has " + std::to_string(v.size()) +
                     " entries; braidc imports 2-D windows");
  return v;
}

/// The window attributes Conv and the pools share.
struct Window {
  std::vector<int64_t> strides, dilations, pads;
};

/// strides and dilations (default 1 each) and symmetricPads.
FailureOr<Window> windowAttributes(Node &node) {
  FailureOr<std::vector<int64_t>> strides = pair(node, "strides", {1, 1});
  if (failed(strides))
    return failure();
  FailureOr<std::vector<int64_t>> dilations = pair(node, "dilations", {1, 1});
  if (failed(dilations))
    return failure();
  FailureOr<std::vector<int64_t>> pads = symmetricPads(node);
  if (failed(pads))
    return failure();
  return Window{*strides, *dilations, *pads};
}

} // namespace

LogicalResult importMatMul(Node &node) {
  if (failed(node.requireInputs(2, 2)))
    return failure();
  FailureOr<SmallVector<Value>> ab = node.tensors();
  if (failed(ab))
    return failure();
  return node.createOutput("braid.matmul", *ab);
}

LogicalResult importGemm(Node &node) {
  if (failed(node.requireInputs(2, 3)))
    return failure();
  // A, B and, when present, C.
  FailureOr<SmallVector<Value>> abc = node.tensors();
  if (failed(abc))
    return failure();
  SmallVector<NamedAttribute> attrs;
  if (node.attrInt("transA", 0))
    attrs.push_back(node.attr("transpose_lhs", node.builder().getUnitAttr()));
  if (node.attrInt("transB", 0))
    attrs.push_back(node.attr("transpose_rhs", node.builder().getUnitAttr()));
  FailureOr<Value> y =
      node.create("braid.matmul", {(*abc)[0], (*abc)[1]}, attrs);
  if (failed(y))
    return failure();
  y = scaled(node, *y, node.attrFloat("alpha", 1.0f));
  if (failed(y))
    return failure();
  if (abc->size() == 2) {
    node.setOutput(0, OnnxValue::runtime(*y));
    return success();
  }
  FailureOr<Value> c = scaled(node, (*abc)[2], node.attrFloat("beta", 1.0f));
  if (failed(c))
    return failure();
  return node.createOutput("braid.add", {*y, *c});
}

LogicalResult importSoftmax(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  int64_t axis = node.attrInt("axis", -1);
  const OnnxValue &in = node.input(0);
  bool log = node.opType() == "LogSoftmax";
  if (in.pattern == Pattern::CausalMasked && !log) {
    int64_t rank = static_cast<int64_t>(Node::shapeOf(in.patternInput).size());
    if (axis != -1 && axis != rank - 1)
      return node.fail("a causal mask's softmax must be over the last axis, "
                       "got axis " +
                       std::to_string(axis));
    return node.createOutput(
        "braid.softmax", {in.patternInput},
        {node.attr("axis", node.i64(-1)),
         node.attr("causal", node.builder().getUnitAttr())});
  }
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  return node.createOutput(log ? "braid.log_softmax" : "braid.softmax", {*x},
                           {node.attr("axis", node.i64(axis))});
}

LogicalResult importConv(Node &node) {
  if (failed(node.requireInputs(2, 3)))
    return failure();
  if (node.attrInt("group", 1) != 1)
    return node.fail("group = " + std::to_string(node.attrInt("group", 1)) +
                     "; braid's conv2d has one group");
  FailureOr<Window> window = windowAttributes(node);
  if (failed(window))
    return failure();
  FailureOr<SmallVector<Value>> operands = node.tensors();
  if (failed(operands))
    return failure();
  std::vector<int64_t> filter = Node::shapeOf((*operands)[1]);
  std::vector<int64_t> kernel = node.attrInts("kernel_shape");
  if (!kernel.empty() &&
      (filter.size() != 4 ||
       kernel != std::vector<int64_t>(filter.begin() + 2, filter.end())))
    return node.fail("kernel_shape " + shape::toString(kernel) +
                     " does not match the filter's shape " +
                     shape::toString(filter));
  return node.createOutput(
      "braid.conv2d", *operands,
      {node.attr("strides", node.i64s(window->strides)),
       node.attr("padding", node.i64s(window->pads)),
       node.attr("dilations", node.i64s(window->dilations))});
}

LogicalResult importPool(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  if (node.numOutputs() > 1 && !node.proto().output(1).empty())
    return node.fail("its Indices output is not supported");
  if (node.attrInt("ceil_mode", 0))
    return node.fail("ceil_mode = 1 is not supported (braid rounds the "
                     "output size down)");
  if (node.attrInt("storage_order", 0))
    return node.fail("storage_order = 1 is not supported");
  FailureOr<std::vector<int64_t>> kernel = pair(node, "kernel_shape", {});
  if (failed(kernel))
    return failure();
  FailureOr<Window> window = windowAttributes(node);
  if (failed(window))
    return failure();
  if (window->dilations != std::vector<int64_t>{1, 1})
    return node.fail("dilated pooling is not supported");
  const std::vector<int64_t> &pads = window->pads;
  bool average = node.opType() == "AveragePool";
  if (average && node.attrInt("count_include_pad", 0) && (pads[0] || pads[1]))
    return node.fail("count_include_pad = 1 with padding is not supported "
                     "(braid's average leaves the padding out)");
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  return node.createOutput(average ? "braid.avg_pool2d" : "braid.max_pool2d",
                           {*x},
                           {node.attr("kernel", node.i64s(*kernel)),
                            node.attr("strides", node.i64s(window->strides)),
                            node.attr("padding", node.i64s(pads))});
}

LogicalResult importLayerNorm(Node &node) {
  if (failed(node.requireInputs(2, 3)))
    return failure();
  for (int i = 1; i < node.numOutputs(); ++i)
    if (!node.proto().output(i).empty())
      return node.fail("its Mean and InvStdDev outputs are not supported");
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  int64_t rank = static_cast<int64_t>(Node::shapeOf(*x).size());
  int64_t axis = node.attrInt("axis", -1);
  if (axis != -1 && axis != rank - 1)
    return node.fail("axis = " + std::to_string(axis) +
                     "; braid normalises over the last axis only");
  FailureOr<Value> gain = node.tensor(1, InitKind::ones);
  if (failed(gain))
    return failure();
  FailureOr<Value> bias;
  if (node.hasInput(2)) {
    bias = node.tensor(2);
  } else {
    HostTensor zeros;
    zeros.shape = Node::shapeOf(*gain);
    zeros.resize();
    bias = node.materialize(zeros);
  }
  if (failed(bias))
    return failure();
  return node.createOutput(
      "braid.layer_norm", {*x, *gain, *bias},
      {node.attr("eps", node.builder().getF64FloatAttr(
                            node.attrFloat("epsilon", 1e-5f)))});
}

LogicalResult importReduceMean(Node &node) {
  if (failed(node.requireInputs(1, 2)))
    return failure();
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  std::vector<int64_t> shape = Node::shapeOf(*x);
  int64_t rank = static_cast<int64_t>(shape.size());
  // The axes: an attribute up to opset 17, an input from 18; none means all.
  std::vector<int64_t> axes = node.attrInts("axes");
  if (node.hasInput(1)) {
    FailureOr<std::vector<int64_t>> given = node.ints(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  if (axes.empty()) {
    if (node.attrInt("noop_with_empty_axes", 0)) {
      node.setOutput(0, OnnxValue::runtime(*x));
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  std::vector<int64_t> kept = shape;
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = node.axis(a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
    kept[a] = 1;
  }
  FailureOr<Value> y = node.create("braid.reduce_mean", {*x},
                                   {node.attr("axes", node.i64s(axes))});
  if (failed(y))
    return failure();
  // keepdims (the default): the reduced axes as 1s, a reshape.
  if (node.attrInt("keepdims", 1) && Node::shapeOf(*y) != kept)
    return node.createOutput("braid.reshape", {*y},
                             {node.attr("shape", node.i64s(kept))});
  node.setOutput(0, OnnxValue::runtime(*y));
  return success();
}

} // namespace braid::frontend::onnx_import
