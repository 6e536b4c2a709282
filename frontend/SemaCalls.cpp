// Semantic checks of calls: binding arguments against the builtins table,
// evaluating literal arguments, creating layer parameters and applying each
// op's shape rule.
#include "frontend/SemaInternal.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace braid::frontend {
namespace {

constexpr int64_t kMaxLiteral = int64_t(1) << 40;

const char *activationNames = "relu, sigmoid, tanh, gelu, softmax or none";

std::string argNames(const Builtin &builtin);

} // namespace

bool isConvLayer(const CallExpr &call) {
  for (const Argument &arg : call.args)
    if (arg.name == "filters" || arg.name == "kernel" ||
        arg.name == "activation")
      return true;
  if (call.args.size() < 2 || !call.args[1].name.empty())
    return false;
  const Expr *second = call.args[1].value.get();
  if (second->kind == ExprKind::Unary)
    second = as<UnaryExpr>(*second).operand.get();
  return second->kind == ExprKind::Number;
}

namespace {
/// A number as the model file would write it: 1e-05, 0.5.
std::string formatNumber(double value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

std::string argNames(const Builtin &builtin) {
  std::string names;
  for (const ArgSpec &spec : builtin.args)
    names += (names.empty() ? "" : ", ") + spec.name;
  return names;
}

} // namespace

std::optional<int64_t> Sema::evalInt(const Expr *expr, const char *what) {
  bool negative = false;
  if (expr->kind == ExprKind::Unary) {
    negative = true;
    expr = as<UnaryExpr>(*expr).operand.get();
  }
  if (expr->kind != ExprKind::Number || !as<NumberExpr>(*expr).isInteger ||
      as<NumberExpr>(*expr).value > static_cast<double>(kMaxLiteral)) {
    diags_.error(expr->loc, std::string("expected an integer for '") + what +
                                "' (at most 2^40 in magnitude)");
    return std::nullopt;
  }
  auto value = static_cast<int64_t>(as<NumberExpr>(*expr).value);
  return negative ? -value : value;
}

std::optional<double> Sema::evalFloat(const Expr *expr, const char *what) {
  bool negative = false;
  if (expr->kind == ExprKind::Unary) {
    negative = true;
    expr = as<UnaryExpr>(*expr).operand.get();
  }
  if (expr->kind != ExprKind::Number) {
    diags_.error(expr->loc,
                 std::string("expected a number for '") + what + "'");
    return std::nullopt;
  }
  double value = as<NumberExpr>(*expr).value;
  return negative ? -value : value;
}

std::optional<std::vector<int64_t>> Sema::evalIntList(const Expr *expr,
                                                      const char *what) {
  if (expr->kind != ExprKind::List) {
    std::optional<int64_t> single = evalInt(expr, what);
    if (!single)
      return std::nullopt;
    return std::vector<int64_t>{*single};
  }
  std::vector<int64_t> values;
  for (const ExprPtr &element : as<ListExpr>(*expr).elements) {
    std::optional<int64_t> value = evalInt(element.get(), what);
    if (!value)
      return std::nullopt;
    values.push_back(*value);
  }
  if (values.empty()) {
    diags_.error(expr->loc, std::string("'") + what + "' must not be empty");
    return std::nullopt;
  }
  return values;
}

std::optional<std::vector<int64_t>> Sema::evalIntPair(const Expr *expr,
                                                      const char *what) {
  std::optional<std::vector<int64_t>> values = evalIntList(expr, what);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    values->push_back(values->front());
  if (values->size() != 2) {
    diags_.error(expr->loc, std::string("'") + what +
                                "' takes one integer or [height, width], got " +
                                shape::toString(*values));
    return std::nullopt;
  }
  return values;
}

std::optional<std::vector<int64_t>> Sema::evalShape(const Expr *expr,
                                                    bool allowInferred) {
  if (expr->kind != ExprKind::List) {
    diags_.error(expr->loc, "expected a shape such as [B, 784]");
    return std::nullopt;
  }
  std::vector<int64_t> dims;
  bool inferred = false;
  for (const ExprPtr &element : as<ListExpr>(*expr).elements) {
    if (element->kind == ExprKind::Name && as<NameExpr>(*element).name == "B") {
      std::optional<int64_t> batch = batchAt(element->loc);
      if (!batch)
        return std::nullopt;
      dims.push_back(*batch);
      continue;
    }
    std::optional<int64_t> dim = evalInt(element.get(), "shape");
    if (!dim)
      return std::nullopt;
    if (*dim == -1 && allowInferred && !inferred) {
      inferred = true;
    } else if (*dim <= 0) {
      diags_.error(element->loc,
                   "shape dimensions must be positive" +
                       std::string(allowInferred
                                       ? " (or a single -1 to infer one)"
                                       : "") +
                       ", got " + std::to_string(*dim));
      return std::nullopt;
    }
    dims.push_back(*dim);
  }
  return dims;
}

std::optional<Activation> Sema::evalActivation(const Expr *expr) {
  if (expr->kind == ExprKind::Name) {
    const std::string &name = as<NameExpr>(*expr).name;
    if (name == "none")
      return Activation::None;
    if (name == "relu")
      return Activation::Relu;
    if (name == "sigmoid")
      return Activation::Sigmoid;
    if (name == "tanh")
      return Activation::Tanh;
    if (name == "gelu")
      return Activation::Gelu;
    if (name == "softmax")
      return Activation::Softmax;
  }
  diags_.error(expr->loc, std::string("activation must be ") + activationNames);
  return std::nullopt;
}

std::optional<Activation> Sema::evalApproximation(const Expr *expr) {
  if (expr->kind == ExprKind::Name) {
    const std::string &name = as<NameExpr>(*expr).name;
    if (name == "none")
      return Activation::None;
    if (name == "tanh")
      return Activation::Tanh;
  }
  diags_.error(expr->loc, "approximate must be none or tanh");
  return std::nullopt;
}

std::optional<bool> Sema::evalBool(const Expr *expr, const char *what) {
  if (expr->kind == ExprKind::Name) {
    const std::string &name = as<NameExpr>(*expr).name;
    if (name == "true")
      return true;
    if (name == "false")
      return false;
  }
  diags_.error(expr->loc,
               std::string("expected true or false for '") + what + "'");
  return std::nullopt;
}

std::string Sema::layerName(const std::string &target, const char *kind) {
  // The whole right side of `h = dense(...)` names its parameters h.w and
  // h.b; a nested layer is numbered by kind: dense1.w, dense2.w, ...
  // A number whose name the model defines is skipped: `dense1 = dense(...)`
  // names its own parameters dense1.w and dense1.b.
  if (!target.empty())
    return target;
  std::string name;
  do
    name = kind + std::to_string(++layerCounts_[kind]);
  while (laterDefinitions_.count(name));
  return name;
}

size_t Sema::addLayerParam(const std::string &name, shape::TensorType type,
                           const char *init, Location loc) {
  auto [it, inserted] = paramNames_.emplace(name, loc);
  if (!inserted)
    duplicateParam(name, loc, it->second);
  result_.params.push_back(
      {name, std::move(type), InitSpec{init, {}, loc, {}}, loc});
  return result_.params.size() - 1;
}

std::optional<shape::TensorType> Sema::checkCall(CallExpr &call,
                                                 const std::string &target) {
  const Builtin *builtin = builtins_.lookup(call.callee, isConvLayer(call));
  if (!builtin) {
    std::string suggestion = builtins_.suggest(call.callee);
    diags_.error(call.loc, "unknown function '" + call.callee + "'" +
                               (suggestion.empty()
                                    ? std::string()
                                    : "; did you mean '" + suggestion + "'?"));
    for (Argument &arg : call.args)
      if (arg.value->kind != ExprKind::List)
        checkExpr(*arg.value);
    return std::nullopt;
  }

  // Bind arguments to the builtin's slots.
  std::vector<const Expr *> slots(builtin->args.size(), nullptr);
  bool ok = true;
  for (size_t i = 0; i < call.args.size(); ++i) {
    const Argument &arg = call.args[i];
    size_t slot = i;
    if (!arg.name.empty()) {
      slot = builtin->args.size();
      for (size_t j = 0; j < builtin->args.size(); ++j)
        if (arg.name == builtin->args[j].name)
          slot = j;
      if (slot == builtin->args.size()) {
        diags_.error(arg.nameLoc, call.callee + " has no argument '" +
                                      arg.name + "'; it takes " +
                                      argNames(*builtin));
        ok = false;
        continue;
      }
    } else if (slot >= builtin->args.size()) {
      diags_.error(arg.nameLoc, call.callee + " takes at most " +
                                    std::to_string(builtin->args.size()) +
                                    " arguments: " + builtin->signature);
      ok = false;
      continue;
    }
    if (slots[slot]) {
      diags_.error(arg.nameLoc, "argument '" + builtin->args[slot].name +
                                    "' of " + call.callee + " is given twice");
      ok = false;
      continue;
    }
    slots[slot] = arg.value.get();
  }
  for (size_t j = 0; j < builtin->args.size(); ++j)
    if (!slots[j] && builtin->args[j].required) {
      diags_.error(call.loc, "missing argument '" + builtin->args[j].name +
                                 "' in " + builtin->signature);
      ok = false;
    }

  // Evaluate each bound argument by its kind.
  ResolvedCall resolved;
  resolved.kind = builtin->kind;
  resolved.opName = builtin->opName;
  std::vector<std::optional<shape::TensorType>> tensorTypes;
  for (size_t j = 0; j < builtin->args.size(); ++j) {
    const ArgSpec &spec = builtin->args[j];
    const Expr *value = slots[j];
    if (!value)
      continue;
    switch (spec.kind) {
    case ArgKind::Tensor:
    case ArgKind::OptTensor: {
      std::optional<shape::TensorType> type =
          checkExpr(*const_cast<Expr *>(value));
      ok &= type.has_value();
      resolved.tensors.push_back(value);
      tensorTypes.push_back(type);
      break;
    }
    case ArgKind::Int: {
      std::optional<int64_t> v = evalInt(value, spec.name.c_str());
      ok &= v.has_value();
      const std::string &name = spec.name;
      (name == "axis"    ? resolved.axis
       : name == "start" ? resolved.start
       : name == "size"  ? resolved.size
                         : resolved.units) = v.value_or(0);
      break;
    }
    case ArgKind::Float: {
      std::optional<double> v = evalFloat(value, spec.name.c_str());
      ok &= v.has_value();
      if (spec.name == "eps")
        resolved.eps = v.value_or(0);
      else
        (builtin->kind == BuiltinKind::Dropout ? resolved.probability
                                               : resolved.exponent) =
            v.value_or(0);
      break;
    }
    case ArgKind::TensorList: {
      if (value->kind != ExprKind::List ||
          as<ListExpr>(*value).elements.empty()) {
        diags_.error(value->loc, "'" + spec.name +
                                     "' must be a list of one or more "
                                     "tensors, [a, b, ...]");
        ok = false;
        break;
      }
      for (const ExprPtr &element : as<ListExpr>(*value).elements) {
        std::optional<shape::TensorType> type = checkExpr(*element);
        ok &= type.has_value();
        resolved.tensors.push_back(element.get());
        tensorTypes.push_back(type);
      }
      break;
    }
    case ArgKind::Element: {
      const std::string *name =
          value->kind == ExprKind::Name ? &as<NameExpr>(*value).name : nullptr;
      if (name && (*name == "f32" || *name == "i32")) {
        resolved.element =
            *name == "f32" ? shape::ElementType::F32 : shape::ElementType::I32;
      } else {
        diags_.error(value->loc, "'" + spec.name + "' must be f32 or i32");
        ok = false;
      }
      break;
    }
    case ArgKind::IntPair:
    case ArgKind::IntList: {
      auto v = spec.kind == ArgKind::IntPair
                   ? evalIntPair(value, spec.name.c_str())
                   : evalIntList(value, spec.name.c_str());
      ok &= v.has_value();
      const std::string &name = spec.name;
      auto &field = name == "stride"     ? resolved.strides
                    : name == "padding"  ? resolved.padding
                    : name == "dilation" ? resolved.dilations
                    : name == "kernel"   ? resolved.kernel
                    : name == "perm"     ? resolved.perm
                                         : resolved.axes;
      field = v.value_or(std::vector<int64_t>{});
      break;
    }
    case ArgKind::Shape: {
      auto v = evalShape(value, builtin->kind == BuiltinKind::Reshape);
      ok &= v.has_value();
      resolved.shape = v.value_or(std::vector<int64_t>{});
      break;
    }
    case ArgKind::Activation: {
      std::optional<Activation> v = spec.name == "approximate"
                                        ? evalApproximation(value)
                                        : evalActivation(value);
      ok &= v.has_value();
      resolved.activation = v.value_or(Activation::None);
      break;
    }
    case ArgKind::Bool: {
      std::optional<bool> v = evalBool(value, spec.name.c_str());
      ok &= v.has_value();
      resolved.flags[spec.name] = v.value_or(false);
      break;
    }
    }
  }
  if (!ok)
    return std::nullopt;

  // Defaults that depend on other arguments.
  // Pooling windows step by their own size unless told otherwise, as in
  // PyTorch and Keras; convolutions step by 1.
  bool isPool = builtin->kind == BuiltinKind::MaxPool2D ||
                builtin->kind == BuiltinKind::AvgPool2D;
  if (resolved.strides.empty())
    resolved.strides = isPool ? resolved.kernel : std::vector<int64_t>{1, 1};
  if (resolved.padding.empty())
    resolved.padding = {0, 0};
  if (resolved.dilations.empty())
    resolved.dilations = {1, 1};

  const shape::TensorType &x = *tensorTypes[0];
  auto fail = [&](const std::string &message) {
    diags_.error(call.loc, call.callee + ": " + message);
    return std::optional<shape::TensorType>();
  };
  auto apply = [&](const shape::RuleResult &r) {
    if (!r)
      return fail(r.error());
    return std::optional<shape::TensorType>(r.type());
  };

  std::optional<shape::TensorType> type;
  switch (builtin->kind) {
  case BuiltinKind::Op: {
    std::vector<shape::TensorType> operands;
    for (const std::optional<shape::TensorType> &operand : tensorTypes)
      operands.push_back(*operand);
    type = apply(builtin->rule(operands));
    break;
  }
  case BuiltinKind::Softmax:
  case BuiltinKind::LogSoftmax:
    if (!slots[1])
      resolved.axis = -1;
    type = apply(shape::softmax(x, resolved.axis,
                                resolved.flags.count("causal") &&
                                    resolved.flags.at("causal")));
    break;
  case BuiltinKind::ReduceSum:
  case BuiltinKind::ReduceMean:
  case BuiltinKind::ReduceMax:
    type = apply(shape::reduce(x, resolved.axes));
    if (type && resolved.flags["keepdims"]) {
      // The reduced axes stay, as 1s (MLIRGen reshapes the reduction).
      type->dims = x.dims;
      for (int64_t axis : resolved.axes)
        type->dims[axis < 0 ? axis + x.rank() : axis] = 1;
    }
    break;
  case BuiltinKind::Reshape: {
    // Resolve a -1 from the element count.
    int64_t known = 1, total = 1;
    for (int64_t d : x.dims)
      total *= d;
    for (int64_t d : resolved.shape)
      if (d != -1)
        known = known > kMaxLiteral / d ? kMaxLiteral + 1 : known * d;
    for (int64_t &d : resolved.shape)
      if (d == -1) {
        if (known > total || total % known != 0)
          return fail("cannot infer the -1 in " +
                      shape::toString(resolved.shape) + " for " +
                      shape::toString(x));
        d = total / known;
      }
    type = apply(shape::reshape(x, resolved.shape));
    break;
  }
  case BuiltinKind::Transpose:
    if (!slots[1])
      for (int64_t i = x.rank() - 1; i >= 0; --i)
        resolved.perm.push_back(i);
    type = apply(shape::transpose(x, resolved.perm));
    break;
  case BuiltinKind::BroadcastTo:
    type = apply(shape::broadcastTo(x, resolved.shape));
    break;
  case BuiltinKind::Gelu:
    type = apply(shape::unaryFloat(x));
    break;
  case BuiltinKind::Pow:
    // The kernel computes in f32: a larger exponent would not convert.
    if (!(std::fabs(resolved.exponent) <= std::numeric_limits<float>::max()))
      return fail("p must be a finite f32, at most 3.4e38 in magnitude");
    type = apply(shape::unaryFloat(x));
    break;
  case BuiltinKind::Concat: {
    std::vector<shape::TensorType> operands;
    for (const std::optional<shape::TensorType> &operand : tensorTypes)
      operands.push_back(*operand);
    type = apply(shape::concat(operands, resolved.axis));
    break;
  }
  case BuiltinKind::Slice:
    type = apply(shape::slice(x, resolved.axis, resolved.start, resolved.size));
    break;
  case BuiltinKind::Cast:
    type = apply(shape::cast(x, resolved.element));
    break;
  case BuiltinKind::Dropout:
    if (x.rank() == 0)
      return fail("x must have rank 1 or more (its leading dimension "
                  "indexes the batch rows), got " +
                  shape::toString(x));
    type = apply(shape::dropout(x, resolved.probability));
    break;
  case BuiltinKind::LayerNorm:
    // Only the last axis is normalised (the kernels' layout, PyTorch's
    // normalized_shape of one dimension).
    if (slots[3] && resolved.axis != -1 && resolved.axis != x.rank() - 1)
      return fail("only axis -1 (the last) is supported, got " +
                  std::to_string(resolved.axis));
    if (!(resolved.eps > 0 && resolved.eps < 1))
      return fail("eps must be in (0, 1), got " + formatNumber(resolved.eps));
    type = apply(shape::layerNorm(x, *tensorTypes[1], *tensorTypes[2]));
    break;
  case BuiltinKind::Conv2D: {
    std::optional<shape::TensorType> bias;
    if (tensorTypes.size() > 2)
      bias = tensorTypes[2];
    type = apply(shape::conv2d(x, *tensorTypes[1], bias, resolved.strides,
                               resolved.padding, resolved.dilations));
    break;
  }
  case BuiltinKind::MaxPool2D:
  case BuiltinKind::AvgPool2D:
    type = apply(
        shape::pool2d(x, resolved.kernel, resolved.strides, resolved.padding));
    break;
  case BuiltinKind::Dense: {
    if (x.element != shape::ElementType::F32 || x.rank() != 2)
      return fail("x must be f32[N, K], got " + shape::toString(x) +
                  "; flatten it first");
    if (resolved.units < 1 || resolved.units > (1 << 24))
      return fail("units must be from 1 to 2^24, got " +
                  std::to_string(resolved.units));
    std::string name =
        call.layerName.empty() ? layerName(target, "dense") : call.layerName;
    shape::TensorType w{shape::ElementType::F32, {x.dims[1], resolved.units}};
    if (auto bad = shape::checkValid(w))
      return fail(*bad);
    resolved.params.push_back(
        addLayerParam(name + ".w", w, "glorot_uniform", call.loc));
    resolved.params.push_back(
        addLayerParam(name + ".b", {shape::ElementType::F32, {resolved.units}},
                      "zeros", call.loc));
    type =
        shape::TensorType{shape::ElementType::F32, {x.dims[0], resolved.units}};
    break;
  }
  case BuiltinKind::Conv2DLayer: {
    if (x.element != shape::ElementType::F32 || x.rank() != 4)
      return fail("x must be f32[N, C, H, W], got " + shape::toString(x));
    if (resolved.units < 1 || resolved.units > (1 << 20))
      return fail("filters must be from 1 to 2^20, got " +
                  std::to_string(resolved.units));
    shape::TensorType w{
        shape::ElementType::F32,
        {resolved.units, x.dims[1], resolved.kernel[0], resolved.kernel[1]}};
    shape::TensorType b{shape::ElementType::F32, {resolved.units}};
    if (auto bad = shape::checkValid(w))
      return fail(*bad);
    type = apply(shape::conv2d(x, w, b, resolved.strides, resolved.padding,
                               resolved.dilations));
    if (!type)
      return std::nullopt;
    std::string name =
        call.layerName.empty() ? layerName(target, "conv") : call.layerName;
    resolved.params.push_back(
        addLayerParam(name + ".w", w, "glorot_uniform", call.loc));
    resolved.params.push_back(addLayerParam(name + ".b", b, "zeros", call.loc));
    break;
  }
  }
  if (!type)
    return std::nullopt;
  call.resolved = std::move(resolved);
  return type;
}

} // namespace braid::frontend
