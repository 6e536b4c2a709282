// Recursive-descent parser of the model language (grammar: docs/language.md).
#ifndef BRAID_FRONTEND_PARSER_H
#define BRAID_FRONTEND_PARSER_H

#include "frontend/AST.h"
#include "frontend/Lexer.h"

#include <deque>

namespace braid::frontend {

/// How deep an expression may nest, and how tall its tree may grow. Every
/// later recursive walk relies on this bound; real models stay far below it.
constexpr unsigned kMaxExpressionDepth = 256;

class Parser {
public:
  Parser(Lexer &lexer, DiagnosticEngine &diags)
      : lexer_(lexer), diags_(diags) {}

  /// Parses a whole file: its constants, blocks and model. Returns what
  /// parsed even when errors were reported, so that later checks can still
  /// report theirs; callers check diags.hasErrors().
  File parseFile();

  /// Parses a whole file and expands it (Expand.h) with no -D overrides:
  /// the model Sema checks.
  Model parseModel();

private:
  // Token stream.
  const Token &peek(size_t ahead = 0);
  Token take();
  bool consumeIf(TokenKind kind);
  /// Takes a token of `kind` or reports "expected <what>".
  bool expect(TokenKind kind, const std::string &what);
  void errorAtCurrent(const std::string &message);
  /// Skips to the next token that can start an item at the start of a line,
  /// or to the file's last '}'.
  void synchronize();
  /// Skips to the next `let`, `block` or `model` that starts a line: the
  /// recovery of an error in a file-level item.
  void synchronizeFile();

  // Items.
  /// Where an item stands: what it may be.
  enum class Context { Model, Block, Loop };
  void parseItem(std::vector<Item> &items, Context context);
  /// Items up to (not including) the '}' that closes them; in a block, up to
  /// its `return`.
  void parseItems(std::vector<Item> &items, Context context);
  std::optional<LetDecl> parseLet();
  std::unique_ptr<ForStmt> parseFor(Context context);
  std::optional<BlockDecl> parseBlock();
  void parseModelInto(Model &model);
  /// A number literal (optionally negated) where a constant goes, or a
  /// constant expression for the expander to evaluate.
  bool parseConstant(double &value, std::shared_ptr<const Expr> &expr);
  /// Whether the tokens ahead are `[-] NUMBER` not followed by an operator.
  bool literalAhead();
  std::optional<InputDecl> parseInput();
  std::optional<ParamDecl> parseParam();
  std::optional<OutputDecl> parseOutput();
  std::optional<TrainBlock> parseTrain();
  /// Parses the train block's settings up to (not including) its '}'.
  bool parseTrainBody(TrainBlock &block);
  /// Recovery after an error inside a train block.
  void skipRestOfTrainBlock();
  std::optional<AssignStmt> parseAssign();
  std::optional<TypeSpec> parseType();
  std::optional<InitSpec> parseInit();
  std::optional<OptimizerSpec> parseOptimizer();
  std::optional<double> parseSignedNumber();

  // Expressions; each returns null after reporting an error.
  ExprPtr parseExpr();
  ExprPtr parseTerm();
  /// One left-associative level of binary operators: operand {op operand}.
  ExprPtr parseBinary(TokenKind first, TokenKind second,
                      ExprPtr (Parser::*operand)());
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  ExprPtr parseCall(Token callee);
  /// `as IDENT { "." IDENT | "[" expr "]" }` after a call.
  bool parseScope(CallExpr &call);
  ExprPtr parseList();
  /// Reports and fails when `node` is taller than kMaxExpressionDepth.
  ExprPtr checkHeight(ExprPtr node);

  Lexer &lexer_;
  DiagnosticEngine &diags_;
  std::deque<Token> lookahead_;
  unsigned depth_ = 0;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_PARSER_H
