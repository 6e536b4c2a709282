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

  /// Parses a whole file. Returns the model even when errors were reported
  /// (with the items that parsed), so that semantic checks can still report
  /// theirs; callers check diags.hasErrors().
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

  // Items.
  void parseItem(Model &model);
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
