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

/// callee(args): a primitive op or layer sugar (Builtins.h).
struct CallExpr : Expr {
  CallExpr(Location loc, std::string callee)
      : Expr(ExprKind::Call, loc), callee(std::move(callee)) {}
  std::string callee;
  std::vector<Argument> args;
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
};

/// output logits, probs
struct OutputDecl {
  struct Name {
    std::string name;
    Location loc;
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
  };
  Location loc;
  std::optional<std::string> loss;
  Location lossLoc;
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

using Item =
    std::variant<InputDecl, ParamDecl, AssignStmt, OutputDecl, TrainBlock>;

/// model NAME { items }
struct Model {
  std::string name;
  Location loc;
  std::vector<Item> items;
};

/// Prints the tree for `braidc --emit=ast`; with Sema's annotations when they
/// are present.
void dump(const Model &model, std::ostream &os);

} // namespace braid::frontend

#endif // BRAID_FRONTEND_AST_H
