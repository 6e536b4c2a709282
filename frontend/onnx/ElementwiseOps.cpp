// Elementwise ONNX ops: Add, Sub, Mul, Div (folded when both operands are
// known), Relu, Tanh, Sigmoid, Sqrt, Pow, Gelu, the erf form of GELU, and
// Where as a causal mask.
#include "frontend/onnx/Graph.h"
#include "frontend/onnx/HostOps.h"

#include "dialects/braid/IR/BraidOps.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace braid::frontend::onnx_import {

namespace {

/// The single value of a known tensor of one element, if it is one.
std::optional<double> scalarOf(const OnnxValue &v) {
  if (!v.isConstant() || v.constant->elements() != 1)
    return std::nullopt;
  return v.constant->at(0);
}

/// The single value of a braid.constant of one element defining `v`.
std::optional<double> constantScalar(Value v) {
  auto op = v.getDefiningOp<ConstantOp>();
  if (!op)
    return std::nullopt;
  auto dense = llvm::dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense || dense.getNumElements() != 1 || !dense.getElementType().isF32())
    return std::nullopt;
  return (*dense.getValues<float>().begin());
}

bool near(std::optional<double> v, double expected) {
  return v && std::fabs(*v - expected) <= 1e-5 * std::fabs(expected);
}

// Wrapping integer arithmetic: a hostile file's shape math must not be
// undefined behaviour.
int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(uint64_t(a) + uint64_t(b));
}
int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(uint64_t(a) - uint64_t(b));
}
int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(uint64_t(a) * uint64_t(b));
}

/// GELU's erf form, one node at a time: Add(erf, 1), Mul(x, 1 + erf),
/// Mul(x (1 + erf), 0.5). Returns true when `node` continued a pattern.
FailureOr<bool> continueGelu(Node &node, const OnnxValue &a,
                             const OnnxValue &b) {
  const std::string &op = node.opType();
  for (int swap = 0; swap < 2; ++swap) {
    const OnnxValue &p = swap ? b : a, &other = swap ? a : b;
    if (p.pattern == Pattern::ErfScaled && op == "Add" &&
        near(scalarOf(other), 1.0)) {
      node.setOutput(0,
                     OnnxValue::partial(Pattern::OnePlusErf, p.patternInput));
      return true;
    }
    if (p.pattern == Pattern::OnePlusErf && op == "Mul" &&
        other.value == p.patternInput) {
      node.setOutput(0,
                     OnnxValue::partial(Pattern::XOnePlusErf, p.patternInput));
      return true;
    }
    if (p.pattern == Pattern::XOnePlusErf && op == "Mul" &&
        near(scalarOf(other), 0.5)) {
      FailureOr<Value> gelu = node.create("braid.gelu", {p.patternInput});
      if (failed(gelu))
        return failure();
      node.setOutput(0, OnnxValue::runtime(*gelu));
      return true;
    }
  }
  return false;
}

} // namespace

LogicalResult importBinary(Node &node) {
  if (failed(node.requireInputs(2, 2)))
    return failure();
  const OnnxValue &a = node.input(0), &b = node.input(1);
  const std::string &op = node.opType();
  FailureOr<bool> gelu = continueGelu(node, a, b);
  if (failed(gelu) || *gelu)
    return failure(failed(gelu));

  if (a.isConstant() && b.isConstant()) {
    std::vector<int64_t> shape;
    if (!broadcastShapes(a.constant->shape, b.constant->shape, &shape))
      return node.fail("the shapes " + shape::toString(a.constant->shape) +
                       " and " + shape::toString(b.constant->shape) +
                       " do not broadcast");
    if (checkedElements(shape, kMaxFoldedElements) < 0)
      return node.fail("folding it would make a constant of shape " +
                       shape::toString(shape) + ", larger than braidc folds");
    std::function<double(double, double)> f;
    std::function<int64_t(int64_t, int64_t)> i;
    bool divideByZero = false;
    if (op == "Add") {
      f = [](double x, double y) { return x + y; };
      i = wrapAdd;
    } else if (op == "Sub") {
      f = [](double x, double y) { return x - y; };
      i = wrapSub;
    } else if (op == "Mul") {
      f = [](double x, double y) { return x * y; };
      i = wrapMul;
    } else {
      f = [](double x, double y) { return x / y; };
      i = [&](int64_t x, int64_t y) -> int64_t {
        if (y == 0 || (y == -1 && x == std::numeric_limits<int64_t>::min())) {
          divideByZero = true;
          return 0;
        }
        return x / y;
      };
    }
    HostTensor result = binary(*a.constant, *b.constant, f, i);
    if (divideByZero)
      return node.fail("integer division by zero (or overflow) in constants");
    node.setOutput(0, OnnxValue::known(std::move(result)));
    return success();
  }

  FailureOr<SmallVector<Value>> operands = node.tensors();
  if (failed(operands))
    return failure();
  return node.createOutput("braid." + llvm::StringRef(op).lower(), *operands);
}

LogicalResult importUnary(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  // Relu, Tanh, Sigmoid, Sqrt: the braid op of the same name, as for the
  // binary ops.
  const std::string &op = node.opType();
  std::string name = "braid." + llvm::StringRef(op).lower();
  if (op == "Gelu") {
    std::string approximate = node.attrString("approximate", "none");
    if (approximate != "none" && approximate != "tanh")
      return node.fail("approximate = '" + approximate +
                       "'; expected none or tanh");
    name = approximate == "tanh" ? "braid.gelu_tanh" : "braid.gelu";
  }
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  return node.createOutput(name, {*x});
}

LogicalResult importErf(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  // Erf itself has no braid op: it is imported as the start of GELU's erf
  // form, whose argument is x / sqrt(2) (or x * (1 / sqrt(2))).
  const OnnxValue &in = node.input(0);
  Operation *def = in.value ? in.value.getDefiningOp() : nullptr;
  Value x;
  if (auto div = llvm::dyn_cast_or_null<DivOp>(def);
      div && near(constantScalar(div.getRhs()), std::sqrt(2.0)))
    x = div.getLhs();
  else if (auto mul = llvm::dyn_cast_or_null<MulOp>(def);
           mul && near(constantScalar(mul.getRhs()), std::sqrt(0.5)))
    x = mul.getLhs();
  if (!x)
    return node.fail("Erf is imported only as part of GELU's erf form, "
                     "x * 0.5 * (1 + erf(x / sqrt(2))); its input is not "
                     "x / sqrt(2)");
  node.setOutput(0, OnnxValue::partial(Pattern::ErfScaled, x));
  return success();
}

LogicalResult importWhere(Node &node) {
  if (failed(node.requireInputs(3, 3)))
    return failure();
  const OnnxValue &c = node.input(0), &a = node.input(1), &b = node.input(2);
  if (c.isConstant() && a.isConstant() && b.isConstant()) {
    std::vector<int64_t> shape, all;
    if (!broadcastShapes(c.constant->shape, a.constant->shape, &shape) ||
        !broadcastShapes(shape, b.constant->shape, &all))
      return node.fail("its operands' shapes do not broadcast");
    if (checkedElements(all, kMaxFoldedElements) < 0)
      return node.fail("folding it would make a constant of shape " +
                       shape::toString(all) + ", larger than braidc folds");
    HostTensor out;
    out.isFloat = a.constant->isFloat || b.constant->isFloat;
    out.shape = all;
    out.resize();
    HostTensor x = convert(*a.constant, out.isFloat),
               y = convert(*b.constant, out.isFloat);
    for (int64_t i = 0, n = out.elements(); i < n; ++i) {
      bool pick =
          c.constant->at(broadcastIndex(c.constant->shape, all, i)) != 0;
      const HostTensor &from = pick ? x : y;
      int64_t j = broadcastIndex(from.shape, all, i);
      if (out.isFloat)
        out.floats[i] = from.floats[j];
      else
        out.ints[i] = from.ints[j];
    }
    node.setOutput(0, OnnxValue::known(std::move(out)));
    return success();
  }
  // Where(mask, -inf, scores) with mask the strict upper triangle [T, T]:
  // a causal mask, which the next Softmax takes as softmax's `causal`.
  std::optional<double> fill = scalarOf(a);
  if (c.isConstant() && fill && std::isinf(*fill) && *fill < 0 && b.value) {
    const HostTensor &mask = *c.constant;
    std::vector<int64_t> scores = Node::shapeOf(b.value);
    int64_t r = mask.rank();
    bool causal = r >= 2 && scores.size() >= 2 &&
                  mask.shape[r - 1] == mask.shape[r - 2] &&
                  mask.shape[r - 1] == scores.back() &&
                  scores[scores.size() - 2] == scores.back() &&
                  mask.elements() == mask.shape[r - 1] * mask.shape[r - 1];
    int64_t t = causal ? mask.shape[r - 1] : 0;
    for (int64_t i = 0; causal && i < t; ++i)
      for (int64_t j = 0; j < t; ++j)
        causal &= (mask.at(i * t + j) != 0) == (j > i);
    if (causal) {
      node.setOutput(0, OnnxValue::partial(Pattern::CausalMasked, b.value));
      return success();
    }
  }
  return node.fail("Where is imported only on constants, or as a causal "
                   "mask: Where(upper triangle [T, T], -inf, scores) feeding "
                   "a Softmax over the last axis");
}

LogicalResult importPow(Node &node) {
  if (failed(node.requireInputs(2, 2)))
    return failure();
  // braid's pow takes a constant exponent (opset 14 exports LayerNorm's
  // variance as Pow(x - mean, 2)).
  std::optional<double> exponent = scalarOf(node.input(1));
  if (!exponent)
    return node.fail("its exponent must be one number known when compiling");
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  return node.createOutput(
      "braid.pow", {*x},
      {node.attr("exponent", node.builder().getF64FloatAttr(*exponent))});
}

} // namespace braid::frontend::onnx_import
