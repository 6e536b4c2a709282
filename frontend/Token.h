// Tokens of the model language.
#ifndef BRAID_FRONTEND_TOKEN_H
#define BRAID_FRONTEND_TOKEN_H

#include "frontend/Diagnostics.h"

#include <string>

namespace braid::frontend {

enum class TokenKind {
  EndOfFile,
  Identifier,
  Number,
  // Keywords.
  KwModel,
  KwInput,
  KwParam,
  KwOutput,
  KwTrain,
  KwMinimize,
  KwWith,
  KwLet,
  KwBlock,
  KwReturn,
  KwFor,
  KwAs,
  // Punctuation.
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Colon,
  Semicolon,
  Comma,
  Equal,
  Plus,
  Minus,
  Star,
  Slash,
  Dot,
  DotDot,
  // A byte sequence the lexer rejected (already reported).
  Invalid,
};

/// How a token is written in messages: "'model'", "identifier", "end of file".
const char *describe(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::EndOfFile;
  std::string text;
  Location loc;
  /// The first token on its line: the parser resynchronises at such tokens.
  bool atLineStart = false;

  bool is(TokenKind k) const { return kind == k; }
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_TOKEN_H
