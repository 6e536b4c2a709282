// The model language's lexer: identifiers, keywords, numbers, punctuation and
// '#' comments. Model files are ASCII outside comments; comments may hold any
// valid UTF-8.
#ifndef BRAID_FRONTEND_LEXER_H
#define BRAID_FRONTEND_LEXER_H

#include "frontend/Diagnostics.h"
#include "frontend/Token.h"

namespace braid::frontend {

class Lexer {
public:
  Lexer(const SourceFile &file, DiagnosticEngine &diags)
      : file_(file), text_(file.contents()), diags_(diags) {}

  /// The next token; EndOfFile forever at the end. A rejected byte sequence is
  /// reported here and returned as one Invalid token.
  Token next();

private:
  /// Skips spaces, line breaks and comments; notes whether a line break passed.
  void skipTrivia(bool &sawLineBreak);
  /// Length of the valid UTF-8 sequence at `pos`, or 0.
  size_t utf8Length(size_t pos) const;
  Token make(TokenKind kind, size_t begin, size_t end);
  Token lexNumber(size_t begin);

  const SourceFile &file_;
  std::string_view text_;
  DiagnosticEngine &diags_;
  size_t pos_ = 0;
  bool atFileStart_ = true;
  bool pendingLineStart_ = true;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_LEXER_H
