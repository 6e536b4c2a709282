// Recursive-descent parser of the model language.
#include "frontend/Parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace braid::frontend {
namespace {

/// Counts nesting for the duration of one recursive call.
class DepthGuard {
public:
  explicit DepthGuard(unsigned &depth) : depth_(depth) { ++depth_; }
  ~DepthGuard() { --depth_; }

private:
  unsigned &depth_;
};

bool startsItem(const Token &t) {
  switch (t.kind) {
  case TokenKind::KwInput:
  case TokenKind::KwParam:
  case TokenKind::KwOutput:
  case TokenKind::KwTrain:
  case TokenKind::Identifier:
  case TokenKind::RBrace:
    return true;
  default:
    return false;
  }
}

} // namespace

const Token &Parser::peek(size_t ahead) {
  while (lookahead_.size() <= ahead)
    lookahead_.push_back(lexer_.next());
  return lookahead_[ahead];
}

Token Parser::take() {
  Token t = peek();
  lookahead_.pop_front();
  return t;
}

bool Parser::consumeIf(TokenKind kind) {
  if (!peek().is(kind))
    return false;
  take();
  return true;
}

void Parser::errorAtCurrent(const std::string &message) {
  const Token &t = peek();
  // The lexer already reported the text it rejected.
  if (t.is(TokenKind::Invalid))
    return;
  std::string got = t.is(TokenKind::Identifier) || t.is(TokenKind::Number)
                        ? std::string(describe(t.kind)) + " '" + t.text + "'"
                        : describe(t.kind);
  diags_.error(t.loc, message + ", got " + got);
}

bool Parser::expect(TokenKind kind, const std::string &what) {
  if (consumeIf(kind))
    return true;
  errorAtCurrent("expected " + what);
  return false;
}

void Parser::synchronize() {
  // Stop at the start of a line that can begin an item, at the file's last
  // '}' (which closes the model) or at the end; the token that stopped a
  // failed item may be such a start. The parser still advances: a failed
  // item has taken its first token, and parseItem's other failure stops at a
  // token that cannot start an item.
  while (!peek().is(TokenKind::EndOfFile) &&
         !(peek().atLineStart && startsItem(peek())) &&
         !(peek().is(TokenKind::RBrace) && peek(1).is(TokenKind::EndOfFile)))
    take();
}

Model Parser::parseModel() {
  Model model;
  if (peek().is(TokenKind::EndOfFile)) {
    diags_.error(peek().loc, "empty model file: expected 'model NAME { ... }'");
    return model;
  }
  model.loc = peek().loc;
  if (!expect(TokenKind::KwModel, "'model' at the start of the file"))
    return model;
  if (peek().is(TokenKind::Identifier))
    model.name = take().text;
  else
    errorAtCurrent("expected the model's name after 'model'");
  if (!expect(TokenKind::LBrace, "'{' to open the model's body"))
    return model;

  while (!peek().is(TokenKind::RBrace) && !peek().is(TokenKind::EndOfFile) &&
         !diags_.tooManyErrors())
    parseItem(model);

  if (diags_.tooManyErrors())
    return model;
  if (!consumeIf(TokenKind::RBrace)) {
    diags_.error(peek().loc, "expected '}' to close model '" + model.name +
                                 "' opened at line " +
                                 std::to_string(model.loc.line));
    return model;
  }
  if (!peek().is(TokenKind::EndOfFile))
    errorAtCurrent("expected end of file after the model's closing '}'");
  return model;
}

void Parser::parseItem(Model &model) {
  const Token &t = peek();
  bool ok = true;
  switch (t.kind) {
  case TokenKind::Semicolon:
    take();
    return;
  case TokenKind::KwInput:
    if (auto item = parseInput())
      model.items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwParam:
    if (auto item = parseParam())
      model.items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwOutput:
    if (auto item = parseOutput())
      model.items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwTrain:
    // parseTrain resynchronises by itself, at the block's own '}'.
    if (auto item = parseTrain())
      model.items.push_back(std::move(*item));
    return;
  case TokenKind::Identifier:
    if (auto item = parseAssign()) {
      // An assignment whose expression failed still defines its name, so
      // that its uses report nothing more.
      ok = item->value != nullptr;
      model.items.push_back(std::move(*item));
    } else {
      ok = false;
    }
    break;
  default:
    errorAtCurrent("expected 'input', 'param', 'output', 'train' or an "
                   "assignment 'name = ...'");
    ok = false;
    break;
  }
  if (!ok)
    synchronize();
}

std::optional<InputDecl> Parser::parseInput() {
  InputDecl decl;
  decl.loc = take().loc; // 'input'
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected the input's name after 'input'");
    return std::nullopt;
  }
  Token name = take();
  decl.name = name.text;
  decl.loc = name.loc;
  if (!expect(TokenKind::Colon, "':' and the input's type, as in 'input x : "
                                "f32[B, 784]'"))
    return std::nullopt;
  auto type = parseType();
  if (!type)
    return std::nullopt;
  decl.type = std::move(*type);
  return decl;
}

std::optional<ParamDecl> Parser::parseParam() {
  ParamDecl decl;
  take(); // 'param'
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected the parameter's name after 'param'");
    return std::nullopt;
  }
  Token name = take();
  decl.name = name.text;
  decl.loc = name.loc;
  if (!expect(TokenKind::Colon, "':' and the parameter's type, as in 'param "
                                "w : f32[784, 64] = glorot_uniform'"))
    return std::nullopt;
  auto type = parseType();
  if (!type)
    return std::nullopt;
  decl.type = std::move(*type);
  if (consumeIf(TokenKind::Equal)) {
    auto init = parseInit();
    if (!init)
      return std::nullopt;
    decl.init = std::move(*init);
  }
  return decl;
}

std::optional<TypeSpec> Parser::parseType() {
  TypeSpec type;
  type.loc = peek().loc;
  if (!peek().is(TokenKind::Identifier) ||
      (peek().text != "f32" && peek().text != "i32")) {
    errorAtCurrent("expected an element type 'f32' or 'i32'");
    return std::nullopt;
  }
  type.element =
      take().text == "f32" ? shape::ElementType::F32 : shape::ElementType::I32;
  if (!expect(TokenKind::LBracket, "'[' and the shape, as in 'f32[B, 784]' "
                                   "('f32[]' for a scalar)"))
    return std::nullopt;
  if (consumeIf(TokenKind::RBracket))
    return type;
  do {
    Dim dim;
    dim.loc = peek().loc;
    if (peek().is(TokenKind::Identifier) && peek().text == "B") {
      take();
      dim.isBatch = true;
    } else if (peek().is(TokenKind::Number)) {
      Token number = take();
      errno = 0;
      char *end = nullptr;
      long long value = std::strtoll(number.text.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE) {
        diags_.error(number.loc, "dimension '" + number.text +
                                     "' must be a positive integer");
        return std::nullopt;
      }
      dim.value = value;
    } else {
      errorAtCurrent("expected a dimension (a positive integer or the batch "
                     "symbol B)");
      return std::nullopt;
    }
    type.dims.push_back(dim);
  } while (consumeIf(TokenKind::Comma));
  if (!expect(TokenKind::RBracket, "',' or ']' in the shape"))
    return std::nullopt;
  return type;
}

std::optional<double> Parser::parseSignedNumber() {
  bool negative = consumeIf(TokenKind::Minus);
  if (!peek().is(TokenKind::Number)) {
    errorAtCurrent("expected a number");
    return std::nullopt;
  }
  double value = std::strtod(take().text.c_str(), nullptr);
  return negative ? -value : value;
}

std::optional<InitSpec> Parser::parseInit() {
  InitSpec init;
  init.loc = peek().loc;
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected an initializer such as 'zeros', "
                   "'glorot_uniform' or 'uniform(-0.1, 0.1)'");
    return std::nullopt;
  }
  init.kind = take().text;
  if (consumeIf(TokenKind::LParen) && !consumeIf(TokenKind::RParen)) {
    do {
      auto value = parseSignedNumber();
      if (!value)
        return std::nullopt;
      init.args.push_back(*value);
    } while (consumeIf(TokenKind::Comma));
    if (!expect(TokenKind::RParen, "',' or ')' after an initializer argument"))
      return std::nullopt;
  }
  return init;
}

std::optional<OutputDecl> Parser::parseOutput() {
  OutputDecl decl;
  decl.loc = take().loc; // 'output'
  do {
    if (!peek().is(TokenKind::Identifier)) {
      errorAtCurrent("expected the name of a tensor to output");
      return std::nullopt;
    }
    Token name = take();
    decl.names.push_back({name.text, name.loc});
  } while (consumeIf(TokenKind::Comma));
  return decl;
}

std::optional<OptimizerSpec> Parser::parseOptimizer() {
  OptimizerSpec spec;
  spec.loc = peek().loc;
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent(
        "expected an optimizer, 'sgd(...)', 'adam(...)' or 'adamw(...)'");
    return std::nullopt;
  }
  spec.name = take().text;
  if (!consumeIf(TokenKind::LParen) || consumeIf(TokenKind::RParen))
    return spec;
  do {
    OptimizerSpec::Arg arg;
    arg.loc = peek().loc;
    if (peek().is(TokenKind::Identifier) && peek(1).is(TokenKind::Equal)) {
      arg.name = take().text;
      take();
    }
    auto value = parseSignedNumber();
    if (!value)
      return std::nullopt;
    arg.value = *value;
    spec.args.push_back(arg);
  } while (consumeIf(TokenKind::Comma));
  if (!expect(TokenKind::RParen, "',' or ')' in the optimizer's arguments"))
    return std::nullopt;
  return spec;
}

void Parser::skipRestOfTrainBlock() {
  // Stop after the block's '}' (counting nested braces), or before an item
  // keyword that starts a line: a train block missing its '}' ends there.
  unsigned depth = 1;
  while (!peek().is(TokenKind::EndOfFile)) {
    const Token &t = peek();
    if (t.atLineStart &&
        (t.is(TokenKind::KwInput) || t.is(TokenKind::KwParam) ||
         t.is(TokenKind::KwOutput) || t.is(TokenKind::KwTrain)))
      return;
    Token taken = take();
    if (taken.is(TokenKind::LBrace))
      ++depth;
    else if (taken.is(TokenKind::RBrace) && --depth == 0)
      return;
  }
}

std::optional<TrainBlock> Parser::parseTrain() {
  TrainBlock block;
  block.loc = take().loc; // 'train'
  if (!expect(TokenKind::LBrace, "'{' to open the train block")) {
    synchronize();
    return std::nullopt;
  }
  if (!parseTrainBody(block)) {
    // Resynchronising at the start of a line would take the block's '}' for
    // the model's and its `batch = N` for an assignment.
    skipRestOfTrainBlock();
    return std::nullopt;
  }
  take(); // '}'
  return block;
}

bool Parser::parseTrainBody(TrainBlock &block) {
  while (!peek().is(TokenKind::RBrace)) {
    if (consumeIf(TokenKind::Semicolon))
      continue;
    const Token &t = peek();
    if (t.is(TokenKind::KwMinimize)) {
      Token keyword = take();
      if (block.loss) {
        diags_.error(keyword.loc,
                     "the train block has more than one 'minimize'");
        diags_.note(block.lossLoc,
                    "the first one minimizes '" + *block.loss + "'");
      }
      if (!peek().is(TokenKind::Identifier)) {
        errorAtCurrent("expected the name of the loss after 'minimize'");
        return false;
      }
      Token loss = take();
      block.loss = loss.text;
      block.lossLoc = loss.loc;
      if (!expect(TokenKind::KwWith, "'with' and an optimizer after the loss"))
        return false;
      auto optimizer = parseOptimizer();
      if (!optimizer)
        return false;
      block.optimizer = std::move(*optimizer);
    } else if (t.is(TokenKind::Identifier) &&
               (t.text == "batch" || t.text == "epochs" ||
                t.text == "accumulate" || t.text == "steps")) {
      Token key = take();
      if (!expect(TokenKind::Equal, "'=' after '" + key.text + "'"))
        return false;
      Location valueLoc = peek().loc;
      auto value = parseSignedNumber();
      if (!value)
        return false;
      // Exact integers only: 64, not 64.5 or 1e30. The range is checked
      // first: converting a double past int64's range is undefined.
      if (*value < 1 || *value > 1e9 || *value != std::floor(*value)) {
        diags_.error(valueLoc,
                     "'" + key.text + "' must be an integer from 1 to 10^9");
        return false;
      }
      std::optional<TrainBlock::Setting> &setting =
          key.text == "batch"        ? block.batch
          : key.text == "epochs"     ? block.epochs
          : key.text == "accumulate" ? block.accumulate
                                     : block.steps;
      if (setting) {
        diags_.error(key.loc,
                     "'" + key.text + "' is set twice in the train block");
        diags_.note(setting->loc, "first set here");
      }
      setting = TrainBlock::Setting{static_cast<int64_t>(*value), key.loc};
    } else if (t.is(TokenKind::Identifier) && t.text == "clip_norm") {
      Token key = take();
      if (!expect(TokenKind::Equal, "'=' after 'clip_norm'"))
        return false;
      Location valueLoc = peek().loc;
      auto value = parseSignedNumber();
      if (!value)
        return false;
      if (!(*value > 0 && *value < 1e30)) {
        diags_.error(valueLoc, "'clip_norm' must be a positive number (the "
                               "largest global gradient norm left unscaled)");
        return false;
      }
      if (block.clipNorm) {
        diags_.error(key.loc, "'clip_norm' is set twice in the train block");
        diags_.note(block.clipNormLoc, "first set here");
      }
      block.clipNorm = *value;
      block.clipNormLoc = key.loc;
    } else if (t.is(TokenKind::Identifier) && t.text == "schedule") {
      Token key = take();
      if (!expect(TokenKind::Equal, "'=' after 'schedule'"))
        return false;
      if (!peek().is(TokenKind::Identifier)) {
        errorAtCurrent("expected a schedule: constant, warmup_cosine(...), "
                       "warmup_linear(...) or step_decay(...)");
        return false;
      }
      auto schedule = parseOptimizer();
      if (!schedule)
        return false;
      if (block.schedule) {
        diags_.error(key.loc, "'schedule' is set twice in the train block");
        diags_.note(block.schedule->loc, "first set here");
      }
      block.schedule = std::move(*schedule);
    } else if (t.is(TokenKind::Identifier) && t.text == "no_decay") {
      take();
      if (!expect(TokenKind::Equal, "'=' after 'no_decay'") ||
          !expect(TokenKind::LBracket, "'[' and parameter names after "
                                       "'no_decay ='"))
        return false;
      if (!consumeIf(TokenKind::RBracket)) {
        do {
          if (!peek().is(TokenKind::Identifier)) {
            errorAtCurrent("expected a parameter name (a trailing '*' "
                           "matches a prefix)");
            return false;
          }
          Token name = take();
          TrainBlock::Name entry{name.text, name.loc};
          if (consumeIf(TokenKind::Star))
            entry.name += "*";
          block.noDecay.push_back(entry);
        } while (consumeIf(TokenKind::Comma));
        if (!expect(TokenKind::RBracket, "',' or ']' after a name"))
          return false;
      }
    } else {
      errorAtCurrent("expected 'minimize', 'batch', 'epochs', 'steps', "
                     "'accumulate', 'schedule', 'clip_norm', 'no_decay' or '}' "
                     "in the train block");
      return false;
    }
  }
  return true;
}

std::optional<AssignStmt> Parser::parseAssign() {
  AssignStmt stmt;
  Token name = take();
  stmt.name = name.text;
  stmt.loc = name.loc;
  if (!expect(TokenKind::Equal, "'=' after '" + name.text +
                                    "' (an assignment 'name = expression')"))
    return std::nullopt;
  stmt.value = parseExpr(); // null after an error in the expression
  return stmt;
}

ExprPtr Parser::checkHeight(ExprPtr node) {
  if (node && node->height > kMaxExpressionDepth) {
    diags_.error(node->loc, "expression is nested more than " +
                                std::to_string(kMaxExpressionDepth) +
                                " levels deep; split it into named steps");
    return nullptr;
  }
  return node;
}

ExprPtr Parser::parseBinary(TokenKind first, TokenKind second,
                            ExprPtr (Parser::*operand)()) {
  ExprPtr lhs = (this->*operand)();
  while (lhs && (peek().is(first) || peek().is(second))) {
    Token op = take();
    ExprPtr rhs = (this->*operand)();
    if (!rhs)
      return nullptr;
    unsigned height = std::max(lhs->height, rhs->height) + 1;
    lhs = std::make_unique<BinaryExpr>(op.loc, op.text[0], std::move(lhs),
                                       std::move(rhs));
    lhs->height = height;
    lhs = checkHeight(std::move(lhs));
  }
  return lhs;
}

ExprPtr Parser::parseExpr() {
  return parseBinary(TokenKind::Plus, TokenKind::Minus, &Parser::parseTerm);
}

ExprPtr Parser::parseTerm() {
  return parseBinary(TokenKind::Star, TokenKind::Slash, &Parser::parseUnary);
}

ExprPtr Parser::parseUnary() {
  DepthGuard guard(depth_);
  if (depth_ > kMaxExpressionDepth) {
    diags_.error(peek().loc, "expression is nested more than " +
                                 std::to_string(kMaxExpressionDepth) +
                                 " levels deep; split it into named steps");
    return nullptr;
  }
  if (peek().is(TokenKind::Minus)) {
    Token op = take();
    ExprPtr operand = parseUnary();
    if (!operand)
      return nullptr;
    unsigned height = operand->height + 1;
    ExprPtr node = std::make_unique<UnaryExpr>(op.loc, '-', std::move(operand));
    node->height = height;
    return checkHeight(std::move(node));
  }
  return parsePrimary();
}

ExprPtr Parser::parsePrimary() {
  const Token &t = peek();
  switch (t.kind) {
  case TokenKind::Number: {
    Token number = take();
    bool isInteger = number.text.find_first_of(".eE") == std::string::npos;
    double value = std::strtod(number.text.c_str(), nullptr);
    return std::make_unique<NumberExpr>(number.loc, number.text, value,
                                        isInteger);
  }
  case TokenKind::Identifier: {
    Token name = take();
    if (peek().is(TokenKind::LParen))
      return parseCall(std::move(name));
    return std::make_unique<NameExpr>(name.loc, name.text);
  }
  case TokenKind::LParen: {
    take();
    ExprPtr inner = parseExpr();
    if (!inner)
      return nullptr;
    if (!expect(TokenKind::RParen, "')'"))
      return nullptr;
    return inner;
  }
  case TokenKind::LBracket:
    return parseList();
  default:
    errorAtCurrent("expected an expression (a name, a number, a call or "
                   "'(')");
    return nullptr;
  }
}

ExprPtr Parser::parseCall(Token callee) {
  auto call = std::make_unique<CallExpr>(callee.loc, callee.text);
  take(); // '('
  unsigned height = 1;
  if (!consumeIf(TokenKind::RParen)) {
    do {
      Argument arg;
      if (peek().is(TokenKind::Identifier) && peek(1).is(TokenKind::Equal)) {
        Token name = take();
        take();
        arg.name = name.text;
        arg.nameLoc = name.loc;
      }
      arg.value = parseExpr();
      if (!arg.value)
        return nullptr;
      if (arg.nameLoc.line == 0)
        arg.nameLoc = arg.value->loc;
      height = std::max(height, arg.value->height + 1);
      call->args.push_back(std::move(arg));
    } while (consumeIf(TokenKind::Comma));
    if (!expect(TokenKind::RParen,
                "',' or ')' after an argument of '" + callee.text + "'"))
      return nullptr;
  }
  call->height = height;
  return checkHeight(std::move(call));
}

ExprPtr Parser::parseList() {
  auto list = std::make_unique<ListExpr>(take().loc); // '['
  unsigned height = 1;
  if (!consumeIf(TokenKind::RBracket)) {
    do {
      ExprPtr element = parseExpr();
      if (!element)
        return nullptr;
      height = std::max(height, element->height + 1);
      list->elements.push_back(std::move(element));
    } while (consumeIf(TokenKind::Comma));
    if (!expect(TokenKind::RBracket, "',' or ']' in the list"))
      return nullptr;
  }
  list->height = height;
  return checkHeight(std::move(list));
}

} // namespace braid::frontend
