// The table of builtin functions.
#include "frontend/Builtins.h"

#include <algorithm>

namespace braid::frontend {
namespace {

ArgSpec tensor(const char *name) { return {name, ArgKind::Tensor, true}; }

/// The functions with attributes or the language's own argument forms; the
/// functions of tensors only are declared by their ops.
const std::vector<Builtin> &writtenBuiltins() {
  static const std::vector<Builtin> builtins = {
      {"softmax",
       BuiltinKind::Softmax,
       {tensor("x"),
        {"axis", ArgKind::Int, false},
        {"causal", ArgKind::Bool, false}},
       "softmax(x, axis = -1, causal = false)"},
      {"log_softmax",
       BuiltinKind::LogSoftmax,
       {tensor("x"), {"axis", ArgKind::Int, false}},
       "log_softmax(x, axis = -1)"},
      {"reduce_sum",
       BuiltinKind::ReduceSum,
       {tensor("x"),
        {"axes", ArgKind::IntList, true},
        {"keepdims", ArgKind::Bool, false}},
       "reduce_sum(x, axes, keepdims = false)"},
      {"reduce_mean",
       BuiltinKind::ReduceMean,
       {tensor("x"),
        {"axes", ArgKind::IntList, true},
        {"keepdims", ArgKind::Bool, false}},
       "reduce_mean(x, axes, keepdims = false)"},
      {"reduce_max",
       BuiltinKind::ReduceMax,
       {tensor("x"),
        {"axes", ArgKind::IntList, true},
        {"keepdims", ArgKind::Bool, false}},
       "reduce_max(x, axes, keepdims = false)"},
      {"reshape",
       BuiltinKind::Reshape,
       {tensor("x"), {"shape", ArgKind::Shape, true}},
       "reshape(x, [d, ...])"},
      {"transpose",
       BuiltinKind::Transpose,
       {tensor("x"), {"perm", ArgKind::IntList, false}},
       "transpose(x, perm = reversed)"},
      {"broadcast_to",
       BuiltinKind::BroadcastTo,
       {tensor("x"), {"shape", ArgKind::Shape, true}},
       "broadcast_to(x, [d, ...])"},
      {"gelu",
       BuiltinKind::Gelu,
       {tensor("x"), {"approximate", ArgKind::Activation, false}},
       "gelu(x, approximate = none)"},
      {"pow",
       BuiltinKind::Pow,
       {tensor("x"), {"p", ArgKind::Float, true}},
       "pow(x, p)"},
      {"concat",
       BuiltinKind::Concat,
       {{"tensors", ArgKind::TensorList, true}, {"axis", ArgKind::Int, true}},
       "concat([a, b, ...], axis)"},
      {"slice",
       BuiltinKind::Slice,
       {tensor("x"),
        {"axis", ArgKind::Int, true},
        {"start", ArgKind::Int, true},
        {"size", ArgKind::Int, true}},
       "slice(x, axis, start, size)"},
      {"cast",
       BuiltinKind::Cast,
       {tensor("x"), {"to", ArgKind::Element, true}},
       "cast(x, f32 | i32)"},
      {"dropout",
       BuiltinKind::Dropout,
       {tensor("x"), {"p", ArgKind::Float, true}},
       "dropout(x, p)"},
      {"layer_norm",
       BuiltinKind::LayerNorm,
       {tensor("x"),
        tensor("gain"),
        tensor("bias"),
        {"axis", ArgKind::Int, false},
        {"eps", ArgKind::Float, false}},
       "layer_norm(x, gain, bias, axis = -1, eps = 1e-5)"},
      {"conv2d",
       BuiltinKind::Conv2D,
       {tensor("x"),
        tensor("w"),
        {"b", ArgKind::OptTensor, false},
        {"stride", ArgKind::IntPair, false},
        {"padding", ArgKind::IntPair, false},
        {"dilation", ArgKind::IntPair, false}},
       "conv2d(x, w, b, stride = 1, padding = 0, dilation = 1)"},
      {"max_pool2d",
       BuiltinKind::MaxPool2D,
       {tensor("x"),
        {"kernel", ArgKind::IntPair, true},
        {"stride", ArgKind::IntPair, false},
        {"padding", ArgKind::IntPair, false}},
       "max_pool2d(x, kernel, stride = kernel, padding = 0)"},
      {"avg_pool2d",
       BuiltinKind::AvgPool2D,
       {tensor("x"),
        {"kernel", ArgKind::IntPair, true},
        {"stride", ArgKind::IntPair, false},
        {"padding", ArgKind::IntPair, false}},
       "avg_pool2d(x, kernel, stride = kernel, padding = 0)"},
      {"dense",
       BuiltinKind::Dense,
       {tensor("x"),
        {"units", ArgKind::Int, true},
        {"activation", ArgKind::Activation, false}},
       "dense(x, units, activation = none)"},
  };
  return builtins;
}

const Builtin &conv2dLayer() {
  static const Builtin layer = {
      "conv2d",
      BuiltinKind::Conv2DLayer,
      {tensor("x"),
       {"filters", ArgKind::Int, true},
       {"kernel", ArgKind::IntPair, true},
       {"stride", ArgKind::IntPair, false},
       {"padding", ArgKind::IntPair, false},
       {"dilation", ArgKind::IntPair, false},
       {"activation", ArgKind::Activation, false}},
      "conv2d(x, filters, kernel, stride = 1, padding = 0, dilation = 1, "
      "activation = none)"};
  return layer;
}

/// An op's function as a row of the table: every argument a required tensor,
/// written `name(a, b)`.
Builtin fromOp(const OpBuiltin &op) {
  Builtin builtin{op.name,       BuiltinKind::Op, {},
                  op.name + "(", op.rule,         op.opName};
  for (const std::string &argument : op.arguments) {
    if (!builtin.args.empty())
      builtin.signature += ", ";
    builtin.args.push_back({argument, ArgKind::Tensor, true});
    builtin.signature += argument;
  }
  builtin.signature += ")";
  return builtin;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t next = std::min({row[j] + 1, row[j - 1] + 1,
                              diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

} // namespace

BuiltinTable::BuiltinTable(const std::vector<OpBuiltin> &opBuiltins) {
  for (const OpBuiltin &op : opBuiltins)
    builtins_.push_back(fromOp(op));
  builtins_.insert(builtins_.end(), writtenBuiltins().begin(),
                   writtenBuiltins().end());
}

const Builtin *BuiltinTable::lookup(std::string_view name,
                                    bool layerForm) const {
  if (name == "conv2d" && layerForm)
    return &conv2dLayer();
  for (const Builtin &b : builtins_)
    if (name == b.name)
      return &b;
  return nullptr;
}

std::string closestMatch(std::string_view name,
                         const std::vector<std::string> &candidates) {
  // Only names short enough to be a typo are compared: the distance table is
  // quadratic in their length.
  if (name.size() > 64)
    return "";
  std::string best;
  size_t bestDistance = 3;
  for (const std::string &candidate : candidates) {
    if (candidate.size() > 64)
      continue;
    size_t d = editDistance(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

std::string BuiltinTable::suggest(std::string_view name) const {
  std::vector<std::string> names;
  for (const Builtin &b : builtins_)
    names.push_back(b.name);
  return closestMatch(name, names);
}

} // namespace braid::frontend
