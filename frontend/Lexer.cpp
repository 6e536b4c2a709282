// The model language's lexer.
#include "frontend/Lexer.h"

#include <cstdio>

namespace braid::frontend {

const char *describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::EndOfFile:
    return "end of file";
  case TokenKind::Identifier:
    return "identifier";
  case TokenKind::Number:
    return "number";
  case TokenKind::KwModel:
    return "'model'";
  case TokenKind::KwInput:
    return "'input'";
  case TokenKind::KwParam:
    return "'param'";
  case TokenKind::KwOutput:
    return "'output'";
  case TokenKind::KwTrain:
    return "'train'";
  case TokenKind::KwMinimize:
    return "'minimize'";
  case TokenKind::KwWith:
    return "'with'";
  case TokenKind::KwLet:
    return "'let'";
  case TokenKind::KwBlock:
    return "'block'";
  case TokenKind::KwReturn:
    return "'return'";
  case TokenKind::KwFor:
    return "'for'";
  case TokenKind::KwAs:
    return "'as'";
  case TokenKind::Dot:
    return "'.'";
  case TokenKind::DotDot:
    return "'..'";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::Colon:
    return "':'";
  case TokenKind::Semicolon:
    return "';'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Equal:
    return "'='";
  case TokenKind::Plus:
    return "'+'";
  case TokenKind::Minus:
    return "'-'";
  case TokenKind::Star:
    return "'*'";
  case TokenKind::Slash:
    return "'/'";
  case TokenKind::Invalid:
    return "invalid text";
  }
  return "token";
}

namespace {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentBody(char c) { return isIdentStart(c) || isDigit(c); }

TokenKind keywordOrIdentifier(std::string_view text) {
  if (text == "model")
    return TokenKind::KwModel;
  if (text == "input")
    return TokenKind::KwInput;
  if (text == "param")
    return TokenKind::KwParam;
  if (text == "output")
    return TokenKind::KwOutput;
  if (text == "train")
    return TokenKind::KwTrain;
  if (text == "minimize")
    return TokenKind::KwMinimize;
  if (text == "with")
    return TokenKind::KwWith;
  if (text == "let")
    return TokenKind::KwLet;
  if (text == "block")
    return TokenKind::KwBlock;
  if (text == "return")
    return TokenKind::KwReturn;
  if (text == "for")
    return TokenKind::KwFor;
  if (text == "as")
    return TokenKind::KwAs;
  return TokenKind::Identifier;
}

} // namespace

size_t Lexer::utf8Length(size_t pos) const {
  unsigned char c = text_[pos];
  size_t length;
  uint32_t min;
  if (c >= 0xc2 && c <= 0xdf) {
    length = 2;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    length = 3;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    length = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text_.size())
    return 0;
  uint32_t code = c & (0x7f >> length);
  for (size_t i = 1; i < length; ++i) {
    unsigned char cc = text_[pos + i];
    if ((cc & 0xc0) != 0x80)
      return 0;
    code = (code << 6) | (cc & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    return 0;
  return length;
}

void Lexer::skipTrivia(bool &sawLineBreak) {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\n') {
      sawLineBreak = true;
      ++pos_;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++pos_;
    } else if (c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') {
        if (static_cast<unsigned char>(text_[pos_]) < 0x80) {
          ++pos_;
          continue;
        }
        size_t length = utf8Length(pos_);
        if (length == 0) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x",
                        static_cast<unsigned char>(text_[pos_]));
          diags_.error(file_.locationOf(pos_),
                       std::string("invalid UTF-8 byte ") + hex +
                           " in a comment");
          length = 1;
        }
        pos_ += length;
      }
    } else {
      return;
    }
  }
}

Token Lexer::make(TokenKind kind, size_t begin, size_t end) {
  Token token;
  token.kind = kind;
  token.text = std::string(text_.substr(begin, end - begin));
  token.loc = file_.locationOf(begin);
  token.atLineStart = pendingLineStart_;
  pendingLineStart_ = false;
  pos_ = end;
  return token;
}

Token Lexer::lexNumber(size_t begin) {
  size_t end = begin;
  while (end < text_.size() && isDigit(text_[end]))
    ++end;
  if (end + 1 < text_.size() && text_[end] == '.' && isDigit(text_[end + 1])) {
    ++end;
    while (end < text_.size() && isDigit(text_[end]))
      ++end;
  }
  if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
    size_t exp = end + 1;
    if (exp < text_.size() && (text_[exp] == '+' || text_[exp] == '-'))
      ++exp;
    if (exp >= text_.size() || !isDigit(text_[exp])) {
      diags_.error(file_.locationOf(end),
                   "expected digits in the exponent of a number");
      return make(TokenKind::Invalid, begin, exp);
    }
    end = exp;
    while (end < text_.size() && isDigit(text_[end]))
      ++end;
  }
  if (end < text_.size() && isIdentStart(text_[end])) {
    size_t stop = end;
    while (stop < text_.size() && isIdentBody(text_[stop]))
      ++stop;
    diags_.error(file_.locationOf(end),
                 "a number must not run into a name: '" +
                     std::string(text_.substr(begin, stop - begin)) + "'");
    return make(TokenKind::Invalid, begin, stop);
  }
  return make(TokenKind::Number, begin, end);
}

Token Lexer::next() {
  bool sawLineBreak = atFileStart_;
  atFileStart_ = false;
  skipTrivia(sawLineBreak);
  if (sawLineBreak)
    pendingLineStart_ = true;
  if (pos_ >= text_.size())
    return make(TokenKind::EndOfFile, text_.size(), text_.size());

  size_t begin = pos_;
  char c = text_[begin];
  if (isIdentStart(c)) {
    size_t end = begin;
    while (end < text_.size() && isIdentBody(text_[end]))
      ++end;
    return make(keywordOrIdentifier(text_.substr(begin, end - begin)), begin,
                end);
  }
  if (isDigit(c))
    return lexNumber(begin);

  switch (c) {
  case '{':
    return make(TokenKind::LBrace, begin, begin + 1);
  case '}':
    return make(TokenKind::RBrace, begin, begin + 1);
  case '(':
    return make(TokenKind::LParen, begin, begin + 1);
  case ')':
    return make(TokenKind::RParen, begin, begin + 1);
  case '[':
    return make(TokenKind::LBracket, begin, begin + 1);
  case ']':
    return make(TokenKind::RBracket, begin, begin + 1);
  case ':':
    return make(TokenKind::Colon, begin, begin + 1);
  case ';':
    return make(TokenKind::Semicolon, begin, begin + 1);
  case ',':
    return make(TokenKind::Comma, begin, begin + 1);
  case '=':
    return make(TokenKind::Equal, begin, begin + 1);
  case '+':
    return make(TokenKind::Plus, begin, begin + 1);
  case '-':
    return make(TokenKind::Minus, begin, begin + 1);
  case '*':
    return make(TokenKind::Star, begin, begin + 1);
  case '/':
    return make(TokenKind::Slash, begin, begin + 1);
  case '.':
    // `0..layers`: the number stops before "..", which is one token; a
    // single '.' separates the parts of a scope (`as blocks.attn`).
    if (begin + 1 < text_.size() && text_[begin + 1] == '.')
      return make(TokenKind::DotDot, begin, begin + 2);
    return make(TokenKind::Dot, begin, begin + 1);
  default:
    break;
  }

  // Anything else is one rejected character (or byte).
  unsigned char byte = static_cast<unsigned char>(c);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", byte);
  std::string shown;
  size_t length = 1;
  if (byte >= 0x80) {
    length = utf8Length(begin);
    if (length == 0) {
      shown = std::string("invalid UTF-8 byte ") + hex;
      length = 1;
    } else {
      shown = "unexpected non-ASCII character; names and operators are ASCII "
              "(UTF-8 is allowed in comments)";
    }
  } else if (byte < 0x20 || byte == 0x7f) {
    shown = std::string("unexpected control byte ") + hex;
  } else {
    shown = std::string("unexpected character '") + c + "'";
  }
  diags_.error(file_.locationOf(begin), shown);
  return make(TokenKind::Invalid, begin, begin + length);
}

} // namespace braid::frontend
