// The expander: constants, loops, blocks and rebindings to a flat model.
#include "frontend/Expand.h"
#include "frontend/Sema.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace braid::frontend {

std::optional<std::string> checkCountSetting(const std::string &key,
                                             double value) {
  // Exact integers only: 64, not 64.5 or 1e30. The range is checked first:
  // converting a double past int64's range is undefined.
  if (!(value >= 1 && value <= 1e9) || value != std::floor(value))
    return "'" + key + "' must be an integer from 1 to 10^9";
  return std::nullopt;
}

namespace {

/// Most iterations one loop may have.
constexpr int64_t kMaxIterations = 100000;

/// A constant's value; integers are exact up to 2^53.
struct Constant {
  double value = 0;
  bool isInteger = false;
};

/// What a name denotes in a scope.
struct Binding {
  enum Kind {
    Tensor, // an assignment or a block's tensor argument: may be rebound
    Fixed,  // an input or a parameter: defined once
    Const,  // a `let`, a loop variable or a block's constant argument
  } kind;
  /// The flat name of a tensor (Tensor, Fixed).
  std::string flat;
  Constant value;
  /// A constant whose definition failed: its uses stay silent.
  bool poisoned = false;
  Location loc;
};

struct Scope {
  Scope *parent = nullptr;
  std::unordered_map<std::string, Binding> names;
};

/// Where the expander stands: the model, a loop iteration or a block
/// instance.
struct Frame {
  Scope *scope;
  /// The instance's scope (`blocks.0`); empty in the model.
  std::string prefix;
  /// Stamped on every location expanded in this frame.
  uint32_t instance = 0;
  bool inBlock = false;
  bool inLoop = false;
  /// Numbers of unnamed nested calls, by block or layer kind, of the
  /// enclosing model or instance.
  std::map<std::string, unsigned> *counters;
  /// Names the enclosing model or block body defines: numbered names skip
  /// them.
  const std::set<std::string> *taken;
};

std::string formatNumber(double value, bool isInteger) {
  if (isInteger && std::fabs(value) < 9.007199254740992e15)
    return std::to_string(static_cast<int64_t>(value));
  char text[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value)
      break;
  }
  return text;
}

/// Every name a body defines (inputs, parameters, assignments, lets), loops
/// included.
void collectNames(const std::vector<Item> &items, std::set<std::string> &out) {
  for (const Item &item : items) {
    if (auto *a = std::get_if<AssignStmt>(&item))
      out.insert(a->name);
    else if (auto *d = std::get_if<InputDecl>(&item))
      out.insert(d->name);
    else if (auto *p = std::get_if<ParamDecl>(&item))
      out.insert(p->name);
    else if (auto *l = std::get_if<LetDecl>(&item))
      out.insert(l->name);
    else if (auto *f = std::get_if<std::unique_ptr<ForStmt>>(&item))
      collectNames((*f)->body, out);
  }
}

class Expander {
public:
  Expander(const File &file, const ExpandOptions &options,
           DiagnosticEngine &diags)
      : file_(file), options_(options), diags_(diags) {}

  Model run();

private:
  Location tag(Location loc, const Frame &f) const {
    loc.instance = f.instance;
    return loc;
  }
  Binding *lookup(const std::string &name, Scope *scope) {
    for (; scope; scope = scope->parent) {
      auto it = scope->names.find(name);
      if (it != scope->names.end())
        return &it->second;
    }
    return nullptr;
  }
  std::vector<std::string> visibleNames(Scope *scope, bool constantsOnly) {
    std::vector<std::string> names;
    for (; scope; scope = scope->parent)
      for (const auto &[name, binding] : scope->names)
        if (!constantsOnly || binding.kind == Binding::Const)
          names.push_back(name);
    return names;
  }
  /// A fresh flat name: `base` when free, else base'1, base'2, ...
  std::string fresh(const std::string &base, bool alwaysSuffix = false) {
    if (!alwaysSuffix && taken_.insert(base).second)
      return base;
    std::string name;
    do
      name = base + "'" + std::to_string(++suffixes_[base]);
    while (!taken_.insert(name).second);
    return name;
  }
  void redefinition(const std::string &name, Location loc,
                    const Binding &first) {
    diags_.error(loc, "redefinition of '" + name + "'");
    diags_.note(first.loc, "'" + name + "' was first defined here");
  }
  bool countItem(Location loc) {
    if (++itemCount_ <= kMaxExpandedItems)
      return true;
    if (!tooManyItems_)
      diags_.error(loc, "the model expands to more than " +
                            std::to_string(kMaxExpandedItems) +
                            " items; reduce its loops or blocks");
    tooManyItems_ = true;
    return false;
  }

  void bindFileConstants();
  void checkBlocks();
  void expandItems(const std::vector<Item> &items, Frame &f);
  void expandParam(const ParamDecl &decl, Frame &f);
  void expandAssign(const AssignStmt &stmt, Frame &f);
  void expandLet(const LetDecl &decl, Frame &f);
  void expandFor(const ForStmt &loop, Frame &f);
  void expandTrain(const TrainBlock &block, Frame &f);
  /// Resolves the outputs and the loss to their last bindings.
  void resolveModelNames(Scope &modelScope);

  /// Whether `expr` is made of numbers, constants and + - * / only;
  /// `named`: whether it uses a named constant.
  bool isConstant(const Expr &expr, Scope *scope, bool &named);
  bool isConstantSqrt(const Expr &expr);
  /// The value of a constant expression, or nullopt after reporting why it
  /// has none. `what` names the place in messages.
  std::optional<Constant> evaluate(const Expr &expr, Frame &f,
                                   const std::string &what);
  std::optional<int64_t> evaluateInt(const Expr &expr, Frame &f,
                                     const std::string &what);
  /// The expression with constants replaced by numbers and names by their
  /// flat names; block calls are expanded. Null after an error.
  /// `target`: the assignment's name when `expr` is its whole right side.
  ExprPtr expandExpr(const Expr &expr, Frame &f, const std::string *target);
  ExprPtr expandCall(const CallExpr &call, Frame &f, const std::string *target);
  ExprPtr instantiate(const BlockDecl &block, const CallExpr &call, Frame &f,
                      const std::string *target);
  /// `as a.b[i]` as a dotted name, or nullopt after an error.
  std::optional<std::string> scopeName(const CallExpr &call, Frame &f);
  std::string numbered(const std::string &kind, Frame &f);
  ExprPtr number(Location loc, Constant c);
  void emit(AssignStmt stmt) { out_.items.push_back(std::move(stmt)); }

  const File &file_;
  const ExpandOptions &options_;
  DiagnosticEngine &diags_;
  Model out_;
  Scope fileScope_;
  std::map<std::string, const BlockDecl *> blocks_;
  std::map<const BlockDecl *, std::set<std::string>> blockNames_;
  /// Blocks being instantiated, outermost first: a call of one is recursion.
  std::vector<const BlockDecl *> active_;
  std::unordered_set<std::string> taken_;
  std::unordered_map<std::string, unsigned> suffixes_;
  size_t itemCount_ = 0;
  bool tooManyItems_ = false;
  /// Output and train items of out_, resolved once the model is expanded.
  std::vector<size_t> outputItems_;
  std::optional<size_t> trainItem_;
};

bool Expander::isConstant(const Expr &expr, Scope *scope, bool &named) {
  switch (expr.kind) {
  case ExprKind::Number:
    return true;
  case ExprKind::Name: {
    Binding *b = lookup(as<NameExpr>(expr).name, scope);
    named = true;
    return b && b->kind == Binding::Const;
  }
  case ExprKind::Unary:
    return isConstant(*as<UnaryExpr>(expr).operand, scope, named);
  case ExprKind::Binary:
    return isConstant(*as<BinaryExpr>(expr).lhs, scope, named) &&
           isConstant(*as<BinaryExpr>(expr).rhs, scope, named);
  case ExprKind::Call:
    return isConstantSqrt(expr) &&
           isConstant(*as<CallExpr>(expr).args[0].value, scope, named);
  default:
    return false;
  }
}

/// `sqrt(e)` with one positional argument and no `as`: over a constant
/// expression it is a constant (initializer bounds such as
/// `1 / sqrt(n_in)`, attention's scale), otherwise the tensor function.
bool Expander::isConstantSqrt(const Expr &expr) {
  if (expr.kind != ExprKind::Call)
    return false;
  const auto &call = as<CallExpr>(expr);
  return call.callee == "sqrt" && call.args.size() == 1 &&
         call.args[0].name.empty() && call.scope.empty() &&
         !blocks_.count("sqrt");
}

std::optional<Constant> Expander::evaluate(const Expr &expr, Frame &f,
                                           const std::string &what) {
  Location at = tag(expr.loc, f);
  switch (expr.kind) {
  case ExprKind::Number: {
    const auto &n = as<NumberExpr>(expr);
    return Constant{n.value, n.isInteger};
  }
  case ExprKind::Name: {
    const std::string &name = as<NameExpr>(expr).name;
    Binding *b = lookup(name, f.scope);
    if (b && b->kind == Binding::Const) {
      if (b->poisoned)
        return std::nullopt;
      return b->value;
    }
    if (b || name == "B") {
      diags_.error(at, "'" + name + "' is not a constant: " + what +
                           " takes numbers and 'let' constants");
      return std::nullopt;
    }
    std::string suggestion =
        closestMatch(name, visibleNames(f.scope, /*constantsOnly=*/true));
    diags_.error(at, "unknown constant '" + name + "'" +
                         (suggestion.empty()
                              ? std::string()
                              : "; did you mean '" + suggestion + "'?"));
    return std::nullopt;
  }
  case ExprKind::Unary: {
    std::optional<Constant> v = evaluate(*as<UnaryExpr>(expr).operand, f, what);
    if (v)
      v->value = -v->value;
    return v;
  }
  case ExprKind::Binary: {
    const auto &b = as<BinaryExpr>(expr);
    std::optional<Constant> lhs = evaluate(*b.lhs, f, what);
    std::optional<Constant> rhs = evaluate(*b.rhs, f, what);
    if (!lhs || !rhs)
      return std::nullopt;
    Constant r;
    r.isInteger = lhs->isInteger && rhs->isInteger;
    switch (b.op) {
    case '+':
      r.value = lhs->value + rhs->value;
      break;
    case '-':
      r.value = lhs->value - rhs->value;
      break;
    case '*':
      r.value = lhs->value * rhs->value;
      break;
    default:
      if (rhs->value == 0) {
        diags_.error(at, "division by zero in a constant expression");
        return std::nullopt;
      }
      r.value = lhs->value / rhs->value;
      // Integer division is exact or gives a fraction, which is an error
      // where an integer is needed.
      r.isInteger = r.isInteger && r.value == std::floor(r.value);
      break;
    }
    if (!std::isfinite(r.value)) {
      diags_.error(at, "constant expression overflows: " + what);
      return std::nullopt;
    }
    if (std::fabs(r.value) >= 9.007199254740992e15)
      r.isInteger = false;
    return r;
  }
  case ExprKind::Call:
    if (isConstantSqrt(expr)) {
      std::optional<Constant> v =
          evaluate(*as<CallExpr>(expr).args[0].value, f, what);
      if (!v)
        return std::nullopt;
      if (v->value < 0) {
        diags_.error(at, "sqrt of a negative constant (" +
                             formatNumber(v->value, v->isInteger) + ") in " +
                             what);
        return std::nullopt;
      }
      double root = std::sqrt(v->value);
      return Constant{root, v->isInteger && root == std::floor(root)};
    }
    [[fallthrough]];
  default:
    diags_.error(at, what + " must be a constant expression (numbers, 'let' "
                            "constants, + - * /, sqrt and parentheses)");
    return std::nullopt;
  }
}

std::optional<int64_t> Expander::evaluateInt(const Expr &expr, Frame &f,
                                             const std::string &what) {
  std::optional<Constant> c = evaluate(expr, f, what);
  if (!c)
    return std::nullopt;
  if (!c->isInteger || std::fabs(c->value) > 9.007199254740992e15) {
    diags_.error(tag(expr.loc, f), what + " must be an integer, got " +
                                       formatNumber(c->value, false));
    return std::nullopt;
  }
  return static_cast<int64_t>(c->value);
}

ExprPtr Expander::number(Location loc, Constant c) {
  return std::make_unique<NumberExpr>(loc, formatNumber(c.value, c.isInteger),
                                      c.value, c.isInteger);
}

ExprPtr Expander::expandExpr(const Expr &expr, Frame &f,
                             const std::string *target) {
  Location at = tag(expr.loc, f);
  // A constant expression that names a constant is evaluated here; one of
  // literals only keeps its tree (a tensor expression, as it always was).
  if (expr.kind == ExprKind::Name || expr.kind == ExprKind::Unary ||
      expr.kind == ExprKind::Binary || isConstantSqrt(expr)) {
    bool named = false;
    if (isConstant(expr, f.scope, named) && named) {
      std::optional<Constant> c = evaluate(expr, f, "a constant expression");
      if (!c)
        return nullptr;
      return number(at, *c);
    }
  }
  switch (expr.kind) {
  case ExprKind::Number: {
    const auto &n = as<NumberExpr>(expr);
    return std::make_unique<NumberExpr>(at, n.spelling, n.value, n.isInteger);
  }
  case ExprKind::Name: {
    const std::string &name = as<NameExpr>(expr).name;
    auto node = std::make_unique<NameExpr>(at, name);
    if (Binding *b = lookup(name, f.scope)) {
      node->name = b->flat; // a tensor: constants were handled above
    } else {
      // Unknown here: Sema reports it (or reads it as an activation or B).
      node->outsideBlock = f.inBlock;
    }
    return node;
  }
  case ExprKind::List: {
    auto list = std::make_unique<ListExpr>(at);
    for (const ExprPtr &element : as<ListExpr>(expr).elements) {
      ExprPtr e = expandExpr(*element, f, nullptr);
      if (!e)
        return nullptr;
      list->height = std::max(list->height, e->height + 1);
      list->elements.push_back(std::move(e));
    }
    return list;
  }
  case ExprKind::Unary: {
    ExprPtr operand = expandExpr(*as<UnaryExpr>(expr).operand, f, nullptr);
    if (!operand)
      return nullptr;
    unsigned height = operand->height + 1;
    ExprPtr node = std::make_unique<UnaryExpr>(at, '-', std::move(operand));
    node->height = height;
    return node;
  }
  case ExprKind::Binary: {
    const auto &b = as<BinaryExpr>(expr);
    ExprPtr lhs = expandExpr(*b.lhs, f, nullptr);
    ExprPtr rhs = lhs ? expandExpr(*b.rhs, f, nullptr) : nullptr;
    if (!lhs || !rhs)
      return nullptr;
    unsigned height = std::max(lhs->height, rhs->height) + 1;
    ExprPtr node =
        std::make_unique<BinaryExpr>(at, b.op, std::move(lhs), std::move(rhs));
    node->height = height;
    return node;
  }
  case ExprKind::Call:
    return expandCall(as<CallExpr>(expr), f, target);
  }
  return nullptr;
}

std::optional<std::string> Expander::scopeName(const CallExpr &call, Frame &f) {
  std::string name;
  for (const ScopePart &part : call.scope) {
    if (!part.index) {
      name += (name.empty() ? "" : ".") + part.name;
      continue;
    }
    std::optional<int64_t> i =
        evaluateInt(*part.index, f, "the index of an instance name");
    if (!i)
      return std::nullopt;
    name += "." + std::to_string(*i);
  }
  return name;
}

std::string Expander::numbered(const std::string &kind, Frame &f) {
  // `block2` numbered 1 would read `block21`: a separator keeps it apart.
  std::string base =
      !kind.empty() && std::isdigit(static_cast<unsigned char>(kind.back()))
          ? kind + "_"
          : kind;
  std::string name;
  do
    name = base + std::to_string(++(*f.counters)[kind]);
  while (f.taken->count(name));
  return name;
}

ExprPtr Expander::expandCall(const CallExpr &call, Frame &f,
                             const std::string *target) {
  auto block = blocks_.find(call.callee);
  if (block != blocks_.end())
    return instantiate(*block->second, call, f, target);

  Location at = tag(call.loc, f);
  auto node = std::make_unique<CallExpr>(at, call.callee);
  node->scopeLoc = tag(call.scopeLoc, f);
  unsigned height = 1;
  for (const Argument &arg : call.args) {
    ExprPtr value = expandExpr(*arg.value, f, nullptr);
    if (!value)
      return nullptr;
    height = std::max(height, value->height + 1);
    node->args.push_back({arg.name, tag(arg.nameLoc, f), std::move(value)});
  }
  node->height = height;
  bool dense = call.callee == "dense";
  bool layer = dense || (call.callee == "conv2d" && isConvLayer(*node));
  if (!call.scope.empty() && !layer) {
    diags_.error(node->scopeLoc, "'as' names an instance of a block or a "
                                 "layer; '" +
                                     call.callee + "' is neither");
    return nullptr;
  }
  // Layers in a block are named in the instance's scope; in the model,
  // Sema names them (after the assignment, or numbered) unless 'as' does.
  if (layer && (!call.scope.empty() || f.inBlock)) {
    std::string name;
    if (!call.scope.empty()) {
      std::optional<std::string> scoped = scopeName(call, f);
      if (!scoped)
        return nullptr;
      name = *scoped;
    } else if (target) {
      name = *target;
    } else {
      name = numbered(dense ? "dense" : "conv", f);
    }
    node->layerName = f.prefix.empty() ? name : f.prefix + "." + name;
  }
  return node;
}

ExprPtr Expander::instantiate(const BlockDecl &block, const CallExpr &call,
                              Frame &f, const std::string *target) {
  Location at = tag(call.loc, f);
  for (size_t i = 0; i < active_.size(); ++i)
    if (active_[i] == &block) {
      std::string chain;
      for (size_t j = i; j < active_.size(); ++j)
        chain += active_[j]->name + " -> ";
      diags_.error(at, "block '" + block.name + "' calls itself (" + chain +
                           block.name + "); recursion is not allowed");
      return nullptr;
    }
  if (!block.result)
    return nullptr; // reported by the parser

  std::string name;
  if (!call.scope.empty()) {
    std::optional<std::string> scoped = scopeName(call, f);
    if (!scoped)
      return nullptr;
    name = *scoped;
  } else if (target) {
    name = *target;
  } else {
    name = numbered(block.name, f);
  }
  std::string full = f.prefix.empty() ? name : f.prefix + "." + name;

  // Bind the arguments to the block's parameters.
  std::vector<const Argument *> slots(block.params.size(), nullptr);
  bool ok = true;
  for (size_t i = 0; i < call.args.size(); ++i) {
    const Argument &arg = call.args[i];
    size_t slot = i;
    if (!arg.name.empty()) {
      slot = block.params.size();
      for (size_t j = 0; j < block.params.size(); ++j)
        if (block.params[j].name == arg.name)
          slot = j;
      if (slot == block.params.size()) {
        diags_.error(tag(arg.nameLoc, f), "block '" + block.name +
                                              "' has no parameter '" +
                                              arg.name + "'");
        ok = false;
        continue;
      }
    } else if (slot >= block.params.size()) {
      diags_.error(tag(arg.nameLoc, f),
                   "block '" + block.name + "' takes " +
                       std::to_string(block.params.size()) +
                       (block.params.size() == 1 ? " argument" : " arguments") +
                       ", got " + std::to_string(call.args.size()));
      ok = false;
      break;
    }
    if (slots[slot]) {
      diags_.error(tag(arg.nameLoc, f), "argument '" + block.params[slot].name +
                                            "' of block '" + block.name +
                                            "' is given twice");
      ok = false;
      continue;
    }
    slots[slot] = &arg;
  }
  for (size_t j = 0; j < block.params.size(); ++j)
    if (!slots[j] && ok) {
      diags_.error(at, "missing argument '" + block.params[j].name +
                           "' of block '" + block.name + "'");
      ok = false;
    }
  if (!ok)
    return nullptr;

  auto scope = std::make_unique<Scope>();
  scope->parent = &fileScope_;
  for (size_t j = 0; j < block.params.size(); ++j) {
    const Argument &arg = *slots[j];
    const BlockDecl::Param &param = block.params[j];
    Binding binding{Binding::Tensor, "", {}, false, param.loc};
    bool named = false;
    if (isConstant(*arg.value, f.scope, named)) {
      // A constant argument binds a constant.
      std::optional<Constant> c =
          evaluate(*arg.value, f, "argument '" + param.name + "'");
      if (!c)
        return nullptr;
      binding.kind = Binding::Const;
      binding.value = *c;
    } else if (arg.value->kind == ExprKind::Name &&
               lookup(as<NameExpr>(*arg.value).name, f.scope)) {
      // A tensor by name: no copy.
      binding.flat = lookup(as<NameExpr>(*arg.value).name, f.scope)->flat;
    } else {
      // Any other tensor expression is computed once, at the call; a nested
      // block call is already a value of its own.
      ExprPtr value = expandExpr(*arg.value, f, nullptr);
      if (value && value->kind == ExprKind::Name &&
          arg.value->kind == ExprKind::Call) {
        binding.flat = as<NameExpr>(*value).name;
      } else {
        binding.flat = fresh(full + "/" + param.name);
        if (!countItem(at))
          return nullptr;
        bool failed = !value;
        emit({binding.flat, tag(arg.value->loc, f), std::move(value),
              std::string()});
        if (failed)
          return nullptr;
      }
    }
    scope->names.emplace(param.name, std::move(binding));
  }

  std::map<std::string, unsigned> counters;
  Frame inner{scope.get(),
              full,
              diags_.addInstance(at, "in instance '" + full + "' of block '" +
                                         block.name + "'"),
              true,
              false,
              &counters,
              &blockNames_[&block]};
  active_.push_back(&block);
  expandItems(block.body, inner);
  ExprPtr result = expandExpr(*block.result, inner, nullptr);
  active_.pop_back();
  if (!result)
    return nullptr;
  if (target)
    return result; // the whole right side: the assignment takes the result
  // Nested in an expression: the result is its own value, used by name.
  std::string flat = fresh(full + "/return");
  if (!countItem(at))
    return nullptr;
  emit({flat, tag(block.returnLoc, inner), std::move(result), std::string()});
  return std::make_unique<NameExpr>(at, flat);
}

void Expander::expandParam(const ParamDecl &decl, Frame &f) {
  ParamDecl out;
  out.name = f.prefix.empty() ? decl.name : f.prefix + "." + decl.name;
  out.loc = tag(decl.loc, f);
  out.type.element = decl.type.element;
  out.type.loc = tag(decl.type.loc, f);
  bool ok = true;
  for (const Dim &dim : decl.type.dims) {
    Dim d = dim;
    d.loc = tag(dim.loc, f);
    if (dim.expr) {
      std::optional<int64_t> v = evaluateInt(*dim.expr, f, "a dimension");
      ok &= v.has_value();
      d.value = v.value_or(1);
      d.expr.reset();
    }
    out.type.dims.push_back(d);
  }
  if (decl.init) {
    InitSpec init = *decl.init;
    init.loc = tag(init.loc, f);
    for (size_t i = 0; i < init.argExprs.size(); ++i)
      if (init.argExprs[i]) {
        std::optional<Constant> c =
            evaluate(*init.argExprs[i], f, "an initializer's argument");
        ok &= c.has_value();
        init.args[i] = c ? c->value : 0;
      }
    init.argExprs.clear();
    out.init = std::move(init);
  }
  if (Binding *b = lookup(decl.name, f.scope);
      b && (f.inBlock || b->kind == Binding::Const)) {
    redefinition(decl.name, out.loc, *b);
    return;
  }
  if (!ok) {
    // Defined without a type, so that its uses stay silent.
    f.scope->names.emplace(
        decl.name, Binding{Binding::Fixed, out.name, {}, false, out.loc});
    emit({out.name, out.loc, nullptr, std::nullopt});
    return;
  }
  // In the model, Sema reports a parameter that redefines a name.
  f.scope->names.emplace(decl.name,
                         Binding{Binding::Fixed, out.name, {}, false, out.loc});
  out_.items.push_back(std::move(out));
}

void Expander::expandAssign(const AssignStmt &stmt, Frame &f) {
  Location at = tag(stmt.loc, f);
  ExprPtr value = stmt.value ? expandExpr(*stmt.value, f, &stmt.name) : nullptr;
  Binding *b = lookup(stmt.name, f.scope);
  if (b && b->kind == Binding::Const) {
    diags_.error(at, "'" + stmt.name +
                         "' is a constant; a tensor cannot be "
                         "assigned to it");
    diags_.note(b->loc, "'" + stmt.name + "' is defined here");
    return;
  }
  if (b && b->kind == Binding::Fixed) {
    if (f.inBlock) {
      redefinition(stmt.name, at, *b);
      return;
    }
    // In the model, Sema reports the redefinition of an input or parameter.
    emit({stmt.name, at, std::move(value), std::nullopt});
    return;
  }
  std::string flat;
  if (b) {
    // Rebinding: later uses see the new value, in the scope that holds it.
    flat = fresh(f.prefix.empty() ? stmt.name : f.prefix + "/" + stmt.name,
                 /*alwaysSuffix=*/f.prefix.empty());
    b->flat = flat;
  } else {
    // A name first assigned in a loop lives in its iteration only; its flat
    // name is never the name itself, which the model may define later.
    flat = f.prefix.empty() ? fresh(stmt.name, /*alwaysSuffix=*/f.inLoop)
                            : fresh(f.prefix + "/" + stmt.name);
    f.scope->names.emplace(stmt.name,
                           Binding{Binding::Tensor, flat, {}, false, at});
  }
  bool renamed = flat != stmt.name;
  emit({flat, at, std::move(value),
        renamed ? std::optional<std::string>(stmt.name) : std::nullopt});
}

void Expander::expandLet(const LetDecl &decl, Frame &f) {
  Location at = tag(decl.loc, f);
  if (decl.name == "B") {
    diags_.error(at, "'B' is the batch size symbol and cannot name a constant");
    return;
  }
  if (Binding *b = lookup(decl.name, f.scope)) {
    redefinition(decl.name, at, *b);
    return;
  }
  Binding binding{Binding::Const, "", {}, false, at};
  std::optional<Constant> c;
  if (decl.value)
    c = evaluate(*decl.value, f, "'let " + decl.name + "'");
  binding.poisoned = !c;
  binding.value = c.value_or(Constant{});
  f.scope->names.emplace(decl.name, std::move(binding));
}

void Expander::expandFor(const ForStmt &loop, Frame &f) {
  Location at = tag(loop.loc, f);
  std::optional<int64_t> first =
      evaluateInt(*loop.first, f, "the start of a loop's range");
  std::optional<int64_t> last =
      evaluateInt(*loop.last, f, "the end of a loop's range");
  if (!first || !last)
    return;
  if (*last < *first || *last - *first > kMaxIterations) {
    diags_.error(at, "the range " + std::to_string(*first) + ".." +
                         std::to_string(*last) + " must have from 0 to " +
                         std::to_string(kMaxIterations) +
                         " iterations (A..B counts A up to B - 1)");
    return;
  }
  if (loop.var == "B") {
    diags_.error(
        tag(loop.varLoc, f),
        "'B' is the batch size symbol and cannot name a loop variable");
    return;
  }
  if (Binding *b = lookup(loop.var, f.scope); b && b->kind != Binding::Const) {
    redefinition(loop.var, tag(loop.varLoc, f), *b);
    return;
  }
  for (int64_t i = *first; i < *last && !diags_.tooManyErrors(); ++i) {
    Scope scope;
    scope.parent = f.scope;
    scope.names.emplace(loop.var, Binding{Binding::Const,
                                          "",
                                          {static_cast<double>(i), true},
                                          false,
                                          tag(loop.varLoc, f)});
    Frame inner = f;
    inner.scope = &scope;
    inner.inLoop = true;
    inner.instance = diags_.addInstance(at,
                                        "in iteration " + loop.var + " = " +
                                            std::to_string(i) + " of the loop",
                                        /*isCall=*/false);
    expandItems(loop.body, inner);
    if (tooManyItems_)
      return;
  }
}

void Expander::expandTrain(const TrainBlock &block, Frame &f) {
  // A train block with an error is left out, as the parser leaves out one
  // with a syntax error.
  TrainBlock out = block;
  bool ok = true;
  for (std::optional<OptimizerSpec> *spec : {&out.optimizer, &out.schedule})
    if (*spec)
      for (OptimizerSpec::Arg &arg : (*spec)->args)
        if (arg.expr) {
          std::optional<Constant> c =
              evaluate(*arg.expr, f,
                       spec == &out.optimizer ? "an optimizer's argument"
                                              : "a schedule's argument");
          ok &= c.has_value();
          arg.value = c ? c->value : 0;
          arg.expr.reset();
        }
  for (auto [setting, key] :
       {std::pair{&out.batch, "batch"}, std::pair{&out.epochs, "epochs"},
        std::pair{&out.accumulate, "accumulate"},
        std::pair{&out.steps, "steps"}}) {
    if (!*setting || !(*setting)->expr)
      continue;
    std::optional<Constant> c =
        evaluate(*(*setting)->expr, f, std::string("'") + key + "'");
    std::optional<std::string> bad;
    if (c)
      bad = checkCountSetting(key, c->value);
    if (bad)
      diags_.error((*setting)->expr->loc, *bad);
    if (!c || bad) {
      ok = false;
      continue;
    }
    (*setting)->value = static_cast<int64_t>(c->value);
    (*setting)->expr.reset();
  }
  if (!ok)
    return;
  trainItem_ = out_.items.size();
  out_.items.push_back(std::move(out));
}

void Expander::expandItems(const std::vector<Item> &items, Frame &f) {
  for (const Item &item : items) {
    if (diags_.tooManyErrors() || tooManyItems_)
      return;
    Location loc;
    std::visit(
        [&](const auto &node) {
          if constexpr (std::is_same_v<std::decay_t<decltype(node)>,
                                       std::unique_ptr<ForStmt>>)
            loc = node->loc;
          else
            loc = node.loc;
        },
        item);
    if (!countItem(tag(loc, f)))
      return;
    if (auto *decl = std::get_if<InputDecl>(&item)) {
      if (Binding *b = lookup(decl->name, f.scope);
          b && b->kind == Binding::Const) {
        redefinition(decl->name, decl->loc, *b);
        continue;
      }
      f.scope->names.emplace(
          decl->name,
          Binding{Binding::Fixed, decl->name, {}, false, decl->loc});
      InputDecl out = *decl;
      bool ok = true;
      for (Dim &dim : out.type.dims)
        if (dim.expr) {
          std::optional<int64_t> v = evaluateInt(*dim.expr, f, "a dimension");
          ok &= v.has_value();
          dim.value = v.value_or(1);
          dim.expr.reset();
        }
      if (ok)
        out_.items.push_back(std::move(out));
      else // defined without a type: its uses stay silent
        emit({decl->name, decl->loc, nullptr, std::nullopt});
    } else if (auto *decl = std::get_if<ParamDecl>(&item)) {
      expandParam(*decl, f);
    } else if (auto *stmt = std::get_if<AssignStmt>(&item)) {
      expandAssign(*stmt, f);
    } else if (auto *decl = std::get_if<OutputDecl>(&item)) {
      outputItems_.push_back(out_.items.size());
      out_.items.push_back(*decl);
    } else if (auto *block = std::get_if<TrainBlock>(&item)) {
      expandTrain(*block, f);
    } else if (auto *let = std::get_if<LetDecl>(&item)) {
      expandLet(*let, f);
    } else if (auto *loop = std::get_if<std::unique_ptr<ForStmt>>(&item)) {
      expandFor(**loop, f);
    }
  }
}

void Expander::resolveModelNames(Scope &modelScope) {
  auto resolve = [&](const std::string &name, Location loc) -> std::string {
    Binding *b = lookup(name, &modelScope);
    if (!b)
      return name; // Sema reports it
    if (b->kind == Binding::Const) {
      diags_.error(loc, "'" + name + "' is a constant, not a tensor");
      return "";
    }
    return b->flat;
  };
  for (size_t index : outputItems_) {
    auto &decl = std::get<OutputDecl>(out_.items[index]);
    std::vector<OutputDecl::Name> names;
    for (OutputDecl::Name &output : decl.names) {
      output.value = resolve(output.name, output.loc);
      if (!output.value.empty())
        names.push_back(output);
    }
    decl.names = std::move(names);
  }
  if (trainItem_) {
    auto &block = std::get<TrainBlock>(out_.items[*trainItem_]);
    if (block.loss) {
      block.lossValue = resolve(*block.loss, block.lossLoc);
      if (block.lossValue.empty())
        block.loss.reset();
    }
  }
}

void Expander::bindFileConstants() {
  // -D NAME=VALUE overrides the file's `let NAME`; the last one given wins.
  std::map<std::string, Constant> overrides;
  for (const auto &[name, text] : options_.defines) {
    bool known = false;
    for (const LetDecl &let : file_.lets)
      known |= let.name == name;
    if (!known) {
      std::string names;
      for (const LetDecl &let : file_.lets)
        names += (names.empty() ? "" : ", ") + let.name;
      diags_.error(Location{},
                   "-D " + name + ": the file defines no constant '" + name +
                       "'" +
                       (names.empty() ? std::string("; it has none")
                                      : "; its constants: " + names));
      continue;
    }
    char *end = nullptr;
    double value = text.empty() ? 0 : std::strtod(text.c_str(), &end);
    bool isNumber = !text.empty() && *end == '\0' && std::isfinite(value) &&
                    text.find_first_of("xXpPnNiI") == std::string::npos &&
                    text.find_first_not_of(" \t") == 0;
    if (!isNumber) {
      diags_.error(Location{}, "-D " + name + "=" + text +
                                   ": the value must be a number, as in -D " +
                                   name + "=2");
      continue;
    }
    bool isInteger = text.find_first_of(".eE") == std::string::npos &&
                     std::fabs(value) < 9.007199254740992e15;
    overrides[name] = Constant{value, isInteger};
  }
  Frame f{&fileScope_, "", 0, false, false, nullptr, nullptr};
  for (const LetDecl &let : file_.lets) {
    auto it = overrides.find(let.name);
    if (it == overrides.end()) {
      expandLet(let, f);
      continue;
    }
    if (Binding *b = lookup(let.name, &fileScope_)) {
      redefinition(let.name, let.loc, *b);
      continue;
    }
    fileScope_.names.emplace(
        let.name, Binding{Binding::Const, "", it->second, false, let.loc});
  }
}

void Expander::checkBlocks() {
  for (const BlockDecl &block : file_.blocks) {
    auto [it, inserted] = blocks_.emplace(block.name, &block);
    if (!inserted) {
      diags_.error(block.loc, "redefinition of block '" + block.name + "'");
      diags_.note(it->second->loc,
                  "block '" + block.name + "' was first defined here");
      continue;
    }
    if (options_.isBuiltin && options_.isBuiltin(block.name))
      diags_.error(block.loc, "block '" + block.name +
                                  "' has the name of a builtin function");
    for (const BlockDecl::Param &param : block.params)
      if (param.name == "B")
        diags_.error(param.loc, "'B' is the batch size symbol and cannot name "
                                "a block's parameter");
    for (size_t i = 0; i < block.params.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (block.params[i].name == block.params[j].name) {
          diags_.error(block.params[i].loc, "block '" + block.name +
                                                "' has two parameters named '" +
                                                block.params[i].name + "'");
          break;
        }
    collectNames(block.body, blockNames_[&block]);
  }
}

Model Expander::run() {
  out_.name = file_.model.name;
  out_.loc = file_.model.loc;
  bindFileConstants();
  checkBlocks();
  Scope modelScope;
  modelScope.parent = &fileScope_;
  std::set<std::string> modelNames;
  collectNames(file_.model.items, modelNames);
  std::map<std::string, unsigned> counters;
  Frame f{&modelScope, "", 0, false, false, &counters, &modelNames};
  expandItems(file_.model.items, f);
  // A model past the limit is not checked further: its items would only
  // cost time and repeat errors.
  if (tooManyItems_) {
    out_.items.clear();
    return std::move(out_);
  }
  resolveModelNames(modelScope);
  return std::move(out_);
}

} // namespace

Model expandFile(const File &file, const ExpandOptions &options,
                 DiagnosticEngine &diags) {
  return Expander(file, options, diags).run();
}

} // namespace braid::frontend
