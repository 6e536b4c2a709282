// The model language's syntax tree. Every node has a location; semantic
// checks (Sema) annotate expressions with their types and resolved calls.
#ifndef BRAID_FRONTEND_AST_H
#define BRAID_FRONTEND_AST_H

#include "frontend/Builtins.h"
#include "frontend/Diagnostics.h"
#include "shape/ShapeRules.h"

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace braid::frontend {

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

enum class ExprKind { Number, Name, List, Unary, Binary, Call };

struct Expr {
  Expr(ExprKind kind, Location loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;

  const ExprKind kind;
  const Location loc;
  /// Height of the tree below and including this node. The parser bounds it,
  /// so every recursive walk over expressions has bounded depth.
  unsigned height = 1;
  /// Set by Sema on expressions that denote tensors.
  std::optional<shape::TensorType> type;
};
using ExprPtr = std::unique_ptr<Expr>;

/// 42, 0.001, 1e-3.
struct NumberExpr : Expr {
  NumberExpr(Location loc, std::string spelling, double value, bool isInteger)
      : Expr(ExprKind::Number, loc), spelling(std::move(spelling)),
        value(value), isInteger(isInteger) {}
  std::string spelling;
  double value;
  bool isInteger;
};

/// A name: a tensor, the batch symbol B, or an activation given as an
/// argument of layer sugar.
struct NameExpr : Expr {
  NameExpr(Location loc, std::string name)
      : Expr(ExprKind::Name, loc), name(std::move(name)) {}
  std::string name;
  /// Set by the expander on a name inside a block that names nothing the
  /// block can see: Sema reports it unknown instead of finding a model name.
  bool outsideBlock = false;
};

/// [a, b, ...]: shapes, axes and window sizes given to calls.
struct ListExpr : Expr {
  ListExpr(Location loc) : Expr(ExprKind::List, loc) {}
  std::vector<ExprPtr> elements;
};

/// -operand.
struct UnaryExpr : Expr {
  UnaryExpr(Location loc, char op, ExprPtr operand)
      : Expr(ExprKind::Unary, loc), op(op), operand(std::move(operand)) {}
  char op;
  ExprPtr operand;
};

/// lhs + rhs, lhs - rhs, lhs * rhs, lhs / rhs.
struct BinaryExpr : Expr {
  BinaryExpr(Location loc, char op, ExprPtr lhs, ExprPtr rhs)
      : Expr(ExprKind::Binary, loc), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  char op;
  ExprPtr lhs, rhs;
};

/// One argument of a call: positional, or `name = value`.
struct Argument {
  std::string name; // empty when positional
  Location nameLoc;
  ExprPtr value;
};

/// One part of an instance scope: `blocks` or `[i]` (index set).
struct ScopePart {
  std::string name;
  ExprPtr index; // null for a name part
  Location loc;
};

/// callee(args) [as SCOPE]: a primitive op, layer sugar (Builtins.h) or a
/// block (expanded before Sema).
struct CallExpr : Expr {
  CallExpr(Location loc, std::string callee)
      : Expr(ExprKind::Call, loc), callee(std::move(callee)) {}
  std::string callee;
  std::vector<Argument> args;
  /// `as a.b[i]`: the instance's scope; empty when not written.
  std::vector<ScopePart> scope;
  Location scopeLoc;
  /// Set by the expander on layer sugar: the full name of the layer, whose
  /// parameters are LAYER.w and LAYER.b. Empty: Sema names it.
  std::string layerName;
  /// Set by Sema: what the call resolved to.
  std::optional<ResolvedCall> resolved;
};

template <typename T> T &as(Expr &e) { return static_cast<T &>(e); }
template <typename T> const T &as(const Expr &e) {
  return static_cast<const T &>(e);
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

/// One dimension of a declared type: a number or the batch symbol B.
struct Dim {
  int64_t value = 0; // meaningful when !isBatch
  bool isBatch = false;
  Location loc;
  /// A constant expression (`dim / heads`) the expander evaluates into
  /// value; null for a literal.
  std::shared_ptr<const Expr> expr;
};

/// f32[B, 784].
struct TypeSpec {
  shape::ElementType element = shape::ElementType::F32;
  std::vector<Dim> dims;
  Location loc;
};

/// glorot_uniform, uniform(-0.1, 0.1), ...
struct InitSpec {
  std::string kind;
  std::vector<double> args;
  Location loc;
  /// The arguments as written when one is not a literal: constant
  /// expressions the expander evaluates into args.
  std::vector<std::shared_ptr<const Expr>> argExprs;
};

/// input x : f32[B, 784]
struct InputDecl {
  std::string name;
  Location loc;
  TypeSpec type;
};

/// param w : f32[784, 64] = glorot_uniform
struct ParamDecl {
  std::string name;
  Location loc;
  TypeSpec type;
  std::optional<InitSpec> init;
};

/// name = expr
struct AssignStmt {
  std::string name;
  Location loc;
  /// Null when the expression failed to parse (an error was reported).
  ExprPtr value;
  /// Set by the expander when `name` is a renamed value (`h'1`, `a/q`): the
  /// name as written, which names a layer on the right side; empty for a
  /// value the expander introduced (a block's tensor argument).
  std::optional<std::string> target;
};

/// output logits, probs
struct OutputDecl {
  struct Name {
    std::string name;
    Location loc;
    /// Set by the expander: the value `name` denotes at the end of the
    /// model (its last rebinding); empty means `name` itself.
    std::string value;
  };
  std::vector<Name> names;
  Location loc;
};

/// adam(lr = 0.001), sgd(0.1, 0.9)
struct OptimizerSpec {
  struct Arg {
    std::string name; // empty when positional
    double value = 0;
    Location loc;
    /// A constant expression the expander evaluates into value; null for a
    /// literal.
    std::shared_ptr<const Expr> expr;
  };
  std::string name;
  std::vector<Arg> args;
  Location loc;
};

/// train { minimize loss with adam(lr = 0.001); batch = 64; epochs = 10 }
struct TrainBlock {
  struct Setting {
    int64_t value = 0;
    Location loc;
    /// A constant expression the expander evaluates into value; null for a
    /// literal.
    std::shared_ptr<const Expr> expr;
  };
  Location loc;
  std::optional<std::string> loss;
  Location lossLoc;
  /// Set by the expander: the value the loss names (its last rebinding).
  std::string lossValue;
  std::optional<OptimizerSpec> optimizer;
  std::optional<Setting> batch;
  std::optional<Setting> epochs;
  /// accumulate = K; steps = N.
  std::optional<Setting> accumulate;
  std::optional<Setting> steps;
  /// clip_norm = C.
  std::optional<double> clipNorm;
  Location clipNormLoc;
  /// schedule = warmup_cosine(warmup = 100, total = 1000, floor = 0.1): an
  /// OptimizerSpec's form (a name and arguments).
  std::optional<OptimizerSpec> schedule;
  /// no_decay = [pos, norm*]: parameter names, a trailing '*' a prefix.
  struct Name {
    std::string name;
    Location loc;
  };
  std::vector<Name> noDecay;
};

/// let NAME = EXPR: a numeric constant.
struct LetDecl {
  std::string name;
  Location loc;
  /// Null when the expression failed to parse.
  ExprPtr value;
};

struct ForStmt;

/// The items of a model or a block body. The expander turns lets and for
/// loops into the other kinds, so Sema and MLIRGen never meet them.
using Item = std::variant<InputDecl, ParamDecl, AssignStmt, OutputDecl,
                          TrainBlock, LetDecl, std::unique_ptr<ForStmt>>;

/// for VAR in FIRST..LAST { items }: unrolled; VAR is a constant.
struct ForStmt {
  std::string var;
  Location loc; // of 'for'
  Location varLoc;
  ExprPtr first, last;
  std::vector<Item> body;
};

/// model NAME { items }
struct Model {
  std::string name;
  Location loc;
  std::vector<Item> items;
};

/// block NAME(params) { items; return expr }
struct BlockDecl {
  struct Param {
    std::string name;
    Location loc;
  };
  std::string name;
  Location loc;
  std::vector<Param> params;
  std::vector<Item> body;
  /// Null when missing or when it failed to parse.
  ExprPtr result;
  Location returnLoc;
};

/// A whole file: constants and blocks, then the model.
struct File {
  std::vector<LetDecl> lets;
  std::vector<BlockDecl> blocks;
  Model model;
};

/// Prints the tree for `braidc --emit=ast`; with Sema's annotations when they
/// are present.
void dump(const Model &model, std::ostream &os);

} // namespace braid::frontend

#endif // BRAID_FRONTEND_AST_H
