// Shape ONNX ops: Reshape, Flatten, Transpose, Unsqueeze, Squeeze, Concat,
// Split, Slice and Gather, on run-time tensors (braid ops) or on constants
// (folded).
#include "frontend/onnx/Graph.h"
#include "frontend/onnx/HostOps.h"

#include <numeric>

using namespace mlir;

namespace braid::frontend::onnx_import {

namespace {

/// Input 0 given the new shape `shape` (same element count): a folded
/// constant, or braid.reshape.
LogicalResult reshapeTo(Node &node, const std::vector<int64_t> &shape) {
  const OnnxValue &in = node.input(0);
  if (in.isConstant()) {
    HostTensor t = *in.constant;
    t.shape = shape;
    node.setOutput(0, OnnxValue::known(std::move(t)));
    return success();
  }
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  if (Node::shapeOf(*x) == shape) {
    node.setOutput(0, OnnxValue::runtime(*x));
    return success();
  }
  return node.createOutput("braid.reshape", {*x},
                           {node.attr("shape", node.i64s(shape))});
}

/// Input 0 as the slices below take it: a constant as it is, anything else
/// as its run-time tensor (an initializer as its parameter).
FailureOr<OnnxValue> sliceable(Node &node) {
  const OnnxValue &in = node.input(0);
  if (in.isConstant())
    return in;
  FailureOr<Value> x = node.tensor(0);
  if (failed(x))
    return failure();
  return OnnxValue::runtime(*x);
}

/// `size` elements of `in` (from sliceable) along `axis`, from `start` and
/// `step` apart: a folded constant, or braid.slice (step 1 only).
FailureOr<OnnxValue> slice(Node &node, const OnnxValue &in, int64_t axis,
                           int64_t start, int64_t size, int64_t step = 1) {
  if (in.isConstant()) {
    if (size > kMaxFoldedElements)
      return node.fail("folding it would make a constant larger than braidc "
                       "folds");
    std::vector<int64_t> indices(size);
    for (int64_t j = 0; j < size; ++j)
      indices[j] = start + j * step;
    return OnnxValue::known(take(*in.constant, axis, indices));
  }
  if (step != 1)
    return node.fail("step " + std::to_string(step) +
                     "; braidc imports slices of step 1 of computed tensors");
  if (start == 0 && Node::shapeOf(in.value)[axis] == size)
    return in;
  FailureOr<Value> y = node.create("braid.slice", {in.value},
                                   {node.attr("axis", node.i64(axis)),
                                    node.attr("start", node.i64(start)),
                                    node.attr("size", node.i64(size))});
  if (failed(y))
    return failure();
  return OnnxValue::runtime(*y);
}

} // namespace

LogicalResult importReshape(Node &node) {
  if (failed(node.requireInputs(2, 2)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  FailureOr<std::vector<int64_t>> target = node.ints(1, "shape");
  if (failed(target))
    return failure();
  bool allowZero = node.attrInt("allowzero", 0) != 0;
  std::vector<int64_t> shape = *target;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowZero) {
      if (i >= in.size())
        return node.fail("shape " + shape::toString(*target) +
                         " copies dimension " + std::to_string(i) +
                         " of an input of rank " + std::to_string(in.size()));
      shape[i] = in[i];
    }
    if (shape[i] == -1) {
      if (inferred >= 0)
        return node.fail("shape " + shape::toString(*target) + " has two -1s");
      inferred = static_cast<int64_t>(i);
      continue;
    }
    if (shape[i] < 0 || (shape[i] && known > shape::kMaxElements / shape[i]))
      return node.fail("shape " + shape::toString(*target) + " is not valid");
    known *= shape[i];
  }
  int64_t elements = product(in, 0, in.size());
  if (inferred >= 0) {
    if (known == 0 || elements % known)
      return node.fail("cannot reshape " + shape::toString(in) + " to " +
                       shape::toString(*target));
    shape[inferred] = elements / known;
  } else if (known != elements) {
    return node.fail("cannot reshape " + shape::toString(in) + " (" +
                     std::to_string(elements) + " elements) to " +
                     shape::toString(shape));
  }
  return reshapeTo(node, shape);
}

LogicalResult importFlatten(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = node.attrInt("axis", 1);
  if (axis < -rank || axis > rank)
    return node.fail("axis " + std::to_string(axis) +
                     " is out of range for rank " + std::to_string(rank));
  if (axis < 0)
    axis += rank;
  return reshapeTo(node, {product(in, 0, axis), product(in, axis, rank)});
}

LogicalResult importTranspose(Node &node) {
  if (failed(node.requireInputs(1, 1)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> reversed(rank);
  for (int64_t i = 0; i < rank; ++i)
    reversed[i] = rank - 1 - i;
  std::vector<int64_t> perm = node.attrInts("perm", reversed);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(rank);
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity)
    return node.fail("perm " + shape::toString(perm) +
                     " is not a permutation of the input's " +
                     std::to_string(rank) + " dimensions");
  const OnnxValue &x = node.input(0);
  if (x.isConstant()) {
    node.setOutput(0, OnnxValue::known(transpose(*x.constant, perm)));
    return success();
  }
  FailureOr<Value> v = node.tensor(0);
  if (failed(v))
    return failure();
  return node.createOutput("braid.transpose", {*v},
                           {node.attr("perm", node.i64s(perm))});
}

LogicalResult importUnsqueeze(Node &node) {
  bool squeeze = node.opType() == "Squeeze";
  if (failed(node.requireInputs(squeeze ? 1 : 2, 2)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  std::vector<int64_t> axes;
  if (node.hasInput(1)) {
    FailureOr<std::vector<int64_t>> given = node.ints(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  int64_t rank = static_cast<int64_t>(in.size());
  int64_t outRank = squeeze ? rank : rank + static_cast<int64_t>(axes.size());
  std::vector<bool> marked(outRank, false);
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = node.axis(a, outRank);
    if (failed(axis))
      return failure();
    if (marked[*axis])
      return node.fail("axis " + std::to_string(a) + " is repeated");
    marked[*axis] = true;
  }
  std::vector<int64_t> shape;
  if (squeeze) {
    for (int64_t i = 0; i < rank; ++i) {
      bool drop = axes.empty() ? in[i] == 1 : bool(marked[i]);
      if (drop && in[i] != 1)
        return node.fail("cannot squeeze dimension " + std::to_string(i) +
                         " of " + shape::toString(in) + ", which is not 1");
      if (!drop)
        shape.push_back(in[i]);
    }
  } else {
    for (int64_t i = 0, j = 0; i < outRank; ++i)
      shape.push_back(marked[i] ? 1 : in[j++]);
  }
  return reshapeTo(node, shape);
}

LogicalResult importConcat(Node &node) {
  if (failed(node.requireInputs(1, 1 << 20)))
    return failure();
  bool allConstant = true;
  for (int i = 0; i < node.numInputs(); ++i) {
    if (!node.hasInput(i))
      return node.fail("input " + std::to_string(i) + " is missing");
    allConstant &= node.input(i).isConstant();
  }
  std::vector<int64_t> first = node.inputShape(0);
  int64_t rank = static_cast<int64_t>(first.size());
  FailureOr<int64_t> axis = node.axis(node.attrInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  if (allConstant) {
    std::vector<const HostTensor *> parts;
    int64_t total = 0, joined = 0;
    for (int i = 0; i < node.numInputs(); ++i) {
      const HostTensor &t = *node.input(i).constant;
      std::vector<int64_t> expected = first, got = t.shape;
      if (got.size() == expected.size())
        expected[*axis] = got[*axis];
      if (got != expected || t.isFloat != node.input(0).constant->isFloat)
        return node.fail("cannot join " + shape::toString(t.shape) + " to " +
                         shape::toString(first) + " along axis " +
                         std::to_string(*axis));
      total += t.elements();
      joined += t.shape[*axis];
      if (total > kMaxFoldedElements || joined > kMaxFoldedElements)
        return node.fail("folding it would make a constant larger than "
                         "braidc folds");
      parts.push_back(&t);
    }
    node.setOutput(0, OnnxValue::known(concat(parts, *axis)));
    return success();
  }
  FailureOr<SmallVector<Value>> operands = node.tensors();
  if (failed(operands))
    return failure();
  return node.createOutput("braid.concat", *operands,
                           {node.attr("axis", node.i64(*axis))});
}

LogicalResult importSplit(Node &node) {
  if (failed(node.requireInputs(1, 2)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  FailureOr<int64_t> axis =
      node.axis(node.attrInt("axis", 0), static_cast<int64_t>(in.size()));
  if (failed(axis))
    return failure();
  int64_t dim = in[*axis], parts = node.numOutputs();
  std::vector<int64_t> sizes;
  if (node.hasInput(1)) {
    FailureOr<std::vector<int64_t>> given = node.ints(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  } else {
    // Equal parts, the last smaller when they do not divide (opset 18).
    int64_t each = parts ? (dim + parts - 1) / parts : 0;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(each, dim - i * each)));
  }
  int64_t sum = 0;
  for (int64_t s : sizes)
    sum += s < 0 || s > dim ? dim + 1 : s;
  if (static_cast<int64_t>(sizes.size()) != parts || sum != dim)
    return node.fail("splits " + shape::toString(sizes) + " into " +
                     std::to_string(parts) + " outputs do not add up to " +
                     "dimension " + std::to_string(*axis) + " of " +
                     shape::toString(in));
  for (int64_t i = 0; i < parts; ++i)
    if (sizes[i] == 0)
      return node.fail("output " + std::to_string(i) + " would be empty");
  FailureOr<OnnxValue> x = sliceable(node);
  if (failed(x))
    return failure();
  int64_t start = 0;
  for (int64_t i = 0; i < parts; ++i) {
    FailureOr<OnnxValue> part = slice(node, *x, *axis, start, sizes[i]);
    if (failed(part))
      return failure();
    node.setOutput(i, std::move(*part));
    start += sizes[i];
  }
  return success();
}

LogicalResult importSlice(Node &node) {
  if (failed(node.requireInputs(3, 5)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  FailureOr<std::vector<int64_t>> starts = node.ints(1, "starts");
  FailureOr<std::vector<int64_t>> ends = node.ints(2, "ends");
  if (failed(starts) || failed(ends))
    return failure();
  int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes(starts->size());
  std::iota(axes.begin(), axes.end(), 0);
  if (node.hasInput(3)) {
    FailureOr<std::vector<int64_t>> given = node.ints(3, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  std::vector<int64_t> steps(starts->size(), 1);
  if (node.hasInput(4)) {
    FailureOr<std::vector<int64_t>> given = node.ints(4, "steps");
    if (failed(given))
      return failure();
    steps = *given;
  }
  if (axes.size() != starts->size() || ends->size() != starts->size() ||
      steps.size() != starts->size())
    return node.fail("starts, ends, axes and steps differ in length");
  // One axis at a time, each result feeding the next.
  FailureOr<OnnxValue> current = sliceable(node);
  if (failed(current))
    return failure();
  for (size_t k = 0; k < axes.size(); ++k) {
    FailureOr<int64_t> axis = node.axis(axes[k], rank);
    if (failed(axis))
      return failure();
    int64_t dim = in[*axis], step = steps[k];
    if (step == 0)
      return node.fail("step 0 is not a valid slice");
    // ONNX's clamping: into [0, dim] going forward, [-1, dim - 1] backward.
    auto clamp = [&](int64_t v, int64_t low, int64_t high) {
      if (v < 0)
        v = v < -dim ? low : v + dim;
      return std::max(low, std::min(v, high));
    };
    int64_t start = step > 0 ? clamp((*starts)[k], 0, dim)
                             : clamp((*starts)[k], 0, dim - 1);
    int64_t end =
        step > 0 ? clamp((*ends)[k], 0, dim) : clamp((*ends)[k], -1, dim - 1);
    // Steps beyond the dimension take one element, as the ends clamp.
    step = std::max(-(int64_t(1) << 41), std::min(step, int64_t(1) << 41));
    int64_t size = 0;
    if (step > 0 && end > start)
      size = (end - start - 1) / step + 1;
    else if (step < 0 && start > end)
      size = (start - end - 1) / -step + 1;
    if (size == 0)
      return node.fail("its slice of axis " + std::to_string(*axis) +
                       " is empty, which braid has no tensor for");
    current = slice(node, *current, *axis, start, size, step);
    if (failed(current))
      return failure();
    in[*axis] = size;
  }
  node.setOutput(0, std::move(*current));
  return success();
}

LogicalResult importGather(Node &node) {
  if (failed(node.requireInputs(2, 2)))
    return failure();
  std::vector<int64_t> in = node.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  if (rank == 0)
    return node.fail("cannot gather from a scalar");
  FailureOr<int64_t> axis = node.axis(node.attrInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  const OnnxValue &data = node.input(0), &ids = node.input(1);
  if (ids.constant) {
    const HostTensor &index = *ids.constant;
    if (index.isFloat)
      return node.fail("its indices are floats; expected integers");
    int64_t dim = in[*axis];
    std::vector<int64_t> flat;
    for (int64_t i : index.ints) {
      if (i < -dim || i >= dim)
        return node.fail("index " + std::to_string(i) +
                         " is out of range for dimension " +
                         std::to_string(*axis) + " of " + shape::toString(in));
      flat.push_back(i < 0 ? i + dim : i);
    }
    std::vector<int64_t> shape(in.begin(), in.begin() + *axis);
    shape.insert(shape.end(), index.shape.begin(), index.shape.end());
    shape.insert(shape.end(), in.begin() + *axis + 1, in.end());
    if (data.isConstant()) {
      if (checkedElements(shape, kMaxFoldedElements) < 0)
        return node.fail("folding it would make a constant larger than "
                         "braidc folds");
      HostTensor t = take(*data.constant, *axis, flat);
      t.shape = shape;
      node.setOutput(0, OnnxValue::known(std::move(t)));
      return success();
    }
    if (index.elements() == 1) {
      // One index of a run-time tensor: a slice, then the axis dropped.
      FailureOr<OnnxValue> x = sliceable(node);
      if (failed(x))
        return failure();
      FailureOr<OnnxValue> part = slice(node, *x, *axis, flat[0], 1);
      if (failed(part))
        return failure();
      Value v = part->value;
      if (Node::shapeOf(v) != shape) {
        FailureOr<Value> y = node.create(
            "braid.reshape", {v}, {node.attr("shape", node.i64s(shape))});
        if (failed(y))
          return failure();
        v = *y;
      }
      node.setOutput(0, OnnxValue::runtime(v));
      return success();
    }
  }
  if (*axis != 0 || rank != 2)
    return node.fail("Gather of a computed or learned tensor is imported as "
                     "an embedding: a table [V, D] gathered along axis 0, "
                     "got " +
                     shape::toString(in) + " along axis " +
                     std::to_string(*axis));
  FailureOr<Value> table = node.tensor(0);
  if (failed(table))
    return failure();
  FailureOr<Value> indices = node.tensor(1);
  if (failed(indices))
    return failure();
  return node.createOutput("braid.embedding", {*table, *indices});
}

LogicalResult importPad(Node &node) {
  if (failed(node.requireInputs(2, 4)))
    return failure();
  // torch.onnx.export puts a Pad of zeros before an AveragePool
  // (nn.AvgPool2d); padding by nothing is the identity.
  FailureOr<std::vector<int64_t>> pads = node.ints(1, "pads");
  if (failed(pads))
    return failure();
  for (int64_t p : *pads)
    if (p != 0)
      return node.fail("pads " + shape::toString(*pads) +
                       "; braidc imports a Pad only when it pads nothing "
                       "(a convolution's or pooling's own pads are "
                       "supported)");
  node.setOutput(0, node.input(0));
  return success();
}

} // namespace braid::frontend::onnx_import
