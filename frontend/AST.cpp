// Printing the syntax tree for `braidc --emit=ast`.
#include "frontend/AST.h"

namespace braid::frontend {
namespace {

class Dumper {
public:
  explicit Dumper(std::ostream &os) : os_(os) {}

  void model(const Model &model) {
    line(0, model.loc) << "Model " << model.name << '\n';
    for (const Item &item : model.items)
      std::visit([&](const auto &node) { this->item(node); }, item);
  }

private:
  std::ostream &line(unsigned indent, Location loc) {
    os_ << std::string(2 * indent, ' ');
    os_ << '@' << loc.line << ':' << loc.column << ' ';
    return os_;
  }

  static std::string typeSpec(const TypeSpec &type) {
    std::string out = shape::toString(type.element);
    out += '[';
    for (size_t i = 0; i < type.dims.size(); ++i) {
      out += i ? ", " : "";
      out += type.dims[i].isBatch ? "B" : std::to_string(type.dims[i].value);
    }
    return out + ']';
  }

  void item(const InputDecl &decl) {
    line(1, decl.loc) << "Input " << decl.name << " : " << typeSpec(decl.type)
                      << '\n';
  }
  void item(const ParamDecl &decl) {
    line(1, decl.loc) << "Param " << decl.name << " : " << typeSpec(decl.type);
    if (decl.init) {
      os_ << " = " << decl.init->kind;
      if (!decl.init->args.empty()) {
        os_ << '(';
        for (size_t i = 0; i < decl.init->args.size(); ++i)
          os_ << (i ? ", " : "") << decl.init->args[i];
        os_ << ')';
      }
    }
    os_ << '\n';
  }
  void item(const AssignStmt &stmt) {
    line(1, stmt.loc) << "Assign " << stmt.name << '\n';
    expr(*stmt.value, 2);
  }
  void item(const OutputDecl &decl) {
    line(1, decl.loc) << "Output";
    for (const OutputDecl::Name &name : decl.names)
      os_ << ' ' << name.name;
    os_ << '\n';
  }
  void item(const TrainBlock &block) {
    line(1, block.loc) << "Train\n";
    if (block.loss && block.optimizer) {
      line(2, block.lossLoc)
          << "Minimize " << *block.loss << " with " << block.optimizer->name;
      for (const OptimizerSpec::Arg &arg : block.optimizer->args)
        os_ << ' ' << (arg.name.empty() ? "_" : arg.name) << '=' << arg.value;
      os_ << '\n';
    }
    if (block.batch)
      line(2, block.batch->loc) << "Batch " << block.batch->value << '\n';
    if (block.epochs)
      line(2, block.epochs->loc) << "Epochs " << block.epochs->value << '\n';
  }

  // The expander removes lets and loops; a tree dumped before it shows them.
  void item(const LetDecl &decl) {
    line(1, decl.loc) << "Let " << decl.name << '\n';
    if (decl.value)
      expr(*decl.value, 2);
  }
  void item(const std::unique_ptr<ForStmt> &loop) {
    line(1, loop->loc) << "For " << loop->var << '\n';
  }

  void expr(const Expr &e, unsigned indent) {
    std::ostream &os = line(indent, e.loc);
    switch (e.kind) {
    case ExprKind::Number:
      os << "Number " << as<NumberExpr>(e).spelling;
      break;
    case ExprKind::Name:
      os << "Name " << as<NameExpr>(e).name;
      break;
    case ExprKind::List:
      os << "List";
      break;
    case ExprKind::Unary:
      os << "Unary " << as<UnaryExpr>(e).op;
      break;
    case ExprKind::Binary:
      os << "Binary " << as<BinaryExpr>(e).op;
      break;
    case ExprKind::Call:
      os << "Call " << as<CallExpr>(e).callee;
      if (!as<CallExpr>(e).layerName.empty())
        os << " as " << as<CallExpr>(e).layerName;
      break;
    }
    if (e.type)
      os << " : " << shape::toString(*e.type);
    os << '\n';
    switch (e.kind) {
    case ExprKind::List:
      for (const ExprPtr &element : as<ListExpr>(e).elements)
        expr(*element, indent + 1);
      break;
    case ExprKind::Unary:
      expr(*as<UnaryExpr>(e).operand, indent + 1);
      break;
    case ExprKind::Binary:
      expr(*as<BinaryExpr>(e).lhs, indent + 1);
      expr(*as<BinaryExpr>(e).rhs, indent + 1);
      break;
    case ExprKind::Call:
      for (const Argument &arg : as<CallExpr>(e).args) {
        if (!arg.name.empty())
          line(indent + 1, arg.nameLoc) << "Arg " << arg.name << '\n';
        expr(*arg.value, indent + (arg.name.empty() ? 1 : 2));
      }
      break;
    default:
      break;
    }
  }

  std::ostream &os_;
};

} // namespace

void dump(const Model &model, std::ostream &os) { Dumper(os).model(model); }

} // namespace braid::frontend
