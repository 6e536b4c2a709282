// Recursive-descent parser of the model language.
#include "frontend/Parser.h"
#include "frontend/Expand.h"

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
  case TokenKind::KwLet:
  case TokenKind::KwFor:
  case TokenKind::KwReturn:
  case TokenKind::KwBlock:
  case TokenKind::KwModel:
    return true;
  default:
    return false;
  }
}

bool isOperator(const Token &t) {
  return t.is(TokenKind::Plus) || t.is(TokenKind::Minus) ||
         t.is(TokenKind::Star) || t.is(TokenKind::Slash) ||
         t.is(TokenKind::LParen);
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

void Parser::synchronizeFile() {
  while (!peek().is(TokenKind::EndOfFile) &&
         !(peek().atLineStart &&
           (peek().is(TokenKind::KwLet) || peek().is(TokenKind::KwBlock) ||
            peek().is(TokenKind::KwModel))))
    take();
}

Model Parser::parseModel() {
  File file = parseFile();
  return expandFile(file, ExpandOptions(), diags_);
}

File Parser::parseFile() {
  File file;
  if (peek().is(TokenKind::EndOfFile)) {
    diags_.error(peek().loc, "empty model file: expected 'model NAME { ... }'");
    return file;
  }
  // Constants and blocks come before the model.
  bool header = false;
  while ((peek().is(TokenKind::KwLet) || peek().is(TokenKind::KwBlock)) &&
         !diags_.tooManyErrors()) {
    header = true;
    if (peek().is(TokenKind::KwLet)) {
      if (auto let = parseLet())
        file.lets.push_back(std::move(*let));
      else
        synchronizeFile();
    } else if (auto block = parseBlock()) {
      file.blocks.push_back(std::move(*block));
    }
  }
  if (diags_.tooManyErrors())
    return file;
  file.model.loc = peek().loc;
  if (!expect(TokenKind::KwModel, header ? "'let', 'block' or 'model'"
                                         : "'model' at the start of the file"))
    return file;
  parseModelInto(file.model);
  return file;
}

void Parser::parseModelInto(Model &model) {
  if (peek().is(TokenKind::Identifier))
    model.name = take().text;
  else
    errorAtCurrent("expected the model's name after 'model'");
  if (!expect(TokenKind::LBrace, "'{' to open the model's body"))
    return;

  parseItems(model.items, Context::Model);

  if (diags_.tooManyErrors())
    return;
  if (!consumeIf(TokenKind::RBrace)) {
    diags_.error(peek().loc, "expected '}' to close model '" + model.name +
                                 "' opened at line " +
                                 std::to_string(model.loc.line));
    return;
  }
  if (!peek().is(TokenKind::EndOfFile))
    errorAtCurrent("expected end of file after the model's closing '}'");
}

void Parser::parseItems(std::vector<Item> &items, Context context) {
  while (!peek().is(TokenKind::RBrace) && !peek().is(TokenKind::EndOfFile) &&
         !(context == Context::Block && peek().is(TokenKind::KwReturn)) &&
         !diags_.tooManyErrors()) {
    // A loop or block body missing its '}' ends at the next top-level item.
    if (context != Context::Model && peek().atLineStart &&
        (peek().is(TokenKind::KwBlock) || peek().is(TokenKind::KwModel)))
      return;
    parseItem(items, context);
  }
}

std::optional<LetDecl> Parser::parseLet() {
  take(); // 'let'
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected the constant's name after 'let'");
    return std::nullopt;
  }
  Token name = take();
  LetDecl decl{name.text, name.loc, nullptr};
  if (!expect(TokenKind::Equal, "'=' and a value after 'let " + name.text +
                                    "', as in 'let dim = 128'"))
    return std::nullopt;
  decl.value = parseExpr();
  if (!decl.value)
    return std::nullopt;
  return decl;
}

std::unique_ptr<ForStmt> Parser::parseFor(Context context) {
  auto loop = std::make_unique<ForStmt>();
  loop->loc = take().loc; // 'for'
  // After an error in the header, skip the loop's body: up to its '{' on
  // the same line, then to the matching '}'.
  auto fail = [&]() -> std::unique_ptr<ForStmt> {
    while (!peek().is(TokenKind::EndOfFile) && !peek().is(TokenKind::LBrace) &&
           !(peek().atLineStart && startsItem(peek())))
      take();
    if (!peek().is(TokenKind::LBrace))
      return nullptr;
    unsigned depth = 0;
    while (!peek().is(TokenKind::EndOfFile)) {
      Token t = take();
      if (t.is(TokenKind::LBrace))
        ++depth;
      else if (t.is(TokenKind::RBrace) && --depth == 0)
        break;
    }
    return nullptr;
  };
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected the loop variable after 'for'");
    return fail();
  }
  Token var = take();
  loop->var = var.text;
  loop->varLoc = var.loc;
  if (!peek().is(TokenKind::Identifier) || peek().text != "in") {
    errorAtCurrent("expected 'in' after 'for " + var.text + "'");
    return fail();
  }
  take();
  loop->first = parseExpr();
  if (!loop->first)
    return fail();
  if (!expect(TokenKind::DotDot, "'..' in the loop's range, as in 'for i in "
                                 "0..layers'"))
    return fail();
  loop->last = parseExpr();
  if (!loop->last)
    return fail();
  if (!expect(TokenKind::LBrace, "'{' to open the loop's body"))
    return fail();
  Context inner = context == Context::Block ? Context::Block : Context::Loop;
  parseItems(loop->body, inner);
  while (peek().is(TokenKind::KwReturn) && !diags_.tooManyErrors()) {
    // Reported, and skipped with its expression: the loop goes on.
    errorAtCurrent("expected '}' to close the loop: 'return' ends a block's "
                   "body, outside any loop");
    take();
    if (!parseExpr())
      synchronize();
    parseItems(loop->body, inner);
  }
  if (!expect(TokenKind::RBrace, "'}' to close the loop opened at line " +
                                     std::to_string(loop->loc.line))) {
    synchronize();
    return nullptr;
  }
  return loop;
}

std::optional<BlockDecl> Parser::parseBlock() {
  BlockDecl block;
  Token keyword = take(); // 'block'
  block.loc = keyword.loc;
  auto fail = [&]() -> std::optional<BlockDecl> {
    synchronizeFile();
    return std::nullopt;
  };
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected the block's name after 'block'");
    return fail();
  }
  Token name = take();
  block.name = name.text;
  block.loc = name.loc;
  if (!expect(TokenKind::LParen, "'(' and the block's parameters, as in "
                                 "'block linear(x, n_out) { ... }'"))
    return fail();
  if (!consumeIf(TokenKind::RParen)) {
    do {
      if (!peek().is(TokenKind::Identifier)) {
        errorAtCurrent("expected a parameter name");
        return fail();
      }
      Token param = take();
      block.params.push_back({param.text, param.loc});
    } while (consumeIf(TokenKind::Comma));
    if (!expect(TokenKind::RParen,
                "',' or ')' after a parameter of block '" + block.name + "'"))
      return fail();
  }
  if (!expect(TokenKind::LBrace,
              "'{' to open the body of block '" + block.name + "'"))
    return fail();
  parseItems(block.body, Context::Block);
  if (diags_.tooManyErrors())
    return std::nullopt;
  if (peek().is(TokenKind::KwReturn)) {
    block.returnLoc = take().loc;
    block.result = parseExpr();
    if (!block.result)
      return fail();
    consumeIf(TokenKind::Semicolon);
    if (!peek().is(TokenKind::RBrace)) {
      errorAtCurrent("expected '}' after the return of block '" + block.name +
                     "': 'return' is its last item");
      return fail();
    }
  } else if (peek().is(TokenKind::RBrace)) {
    diags_.error(peek().loc, "block '" + block.name +
                                 "' needs 'return EXPR' as its last item");
  }
  if (!expect(TokenKind::RBrace, "'}' to close block '" + block.name + "'"))
    return fail();
  return block;
}

bool Parser::literalAhead() {
  size_t at = peek().is(TokenKind::Minus) ? 1 : 0;
  return peek(at).is(TokenKind::Number) && !isOperator(peek(at + 1));
}

bool Parser::parseConstant(double &value, std::shared_ptr<const Expr> &expr) {
  if (literalAhead()) {
    std::optional<double> literal = parseSignedNumber();
    if (!literal)
      return false;
    value = *literal;
    return true;
  }
  if (!peek().is(TokenKind::Identifier) && !peek().is(TokenKind::LParen) &&
      !peek().is(TokenKind::Minus) && !peek().is(TokenKind::Number)) {
    errorAtCurrent("expected a number");
    return false;
  }
  ExprPtr parsed = parseExpr();
  if (!parsed)
    return false;
  expr = std::move(parsed);
  return true;
}

void Parser::parseItem(std::vector<Item> &items, Context context) {
  const Token &t = peek();
  bool ok = true;
  const char *where = context == Context::Block ? "a block" : "a loop";
  if (context != Context::Model &&
      (t.is(TokenKind::KwInput) || t.is(TokenKind::KwOutput) ||
       t.is(TokenKind::KwTrain) ||
       (context == Context::Loop && t.is(TokenKind::KwParam)))) {
    diags_.error(t.loc,
                 std::string(describe(t.kind)) + " is not allowed in " + where +
                     (t.is(TokenKind::KwParam)
                          ? "; declare the parameter in a block and call it "
                            "in the loop with 'as NAME[i]'"
                          : "; it belongs to the model"));
    take();
    synchronize();
    return;
  }
  switch (t.kind) {
  case TokenKind::KwLet:
    if (auto item = parseLet())
      items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwFor:
    // parseFor resynchronises by itself, past the loop's body.
    if (auto item = parseFor(context))
      items.push_back(std::move(item));
    return;
  case TokenKind::Semicolon:
    take();
    return;
  case TokenKind::KwInput:
    if (auto item = parseInput())
      items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwParam:
    if (auto item = parseParam())
      items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwOutput:
    if (auto item = parseOutput())
      items.push_back(std::move(*item));
    else
      ok = false;
    break;
  case TokenKind::KwTrain:
    // parseTrain resynchronises by itself, at the block's own '}'.
    if (auto item = parseTrain())
      items.push_back(std::move(*item));
    return;
  case TokenKind::Identifier:
    if (auto item = parseAssign()) {
      // An assignment whose expression failed still defines its name, so
      // that its uses report nothing more.
      ok = item->value != nullptr;
      items.push_back(std::move(*item));
    } else {
      ok = false;
    }
    break;
  default:
    errorAtCurrent(context == Context::Model
                       ? "expected 'input', 'param', 'output', 'train' or an "
                         "assignment 'name = ...'"
                       : "expected 'let', 'param', 'for', an assignment "
                         "'name = ...' or '}'");
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
    bool endsDim =
        peek(1).is(TokenKind::Comma) || peek(1).is(TokenKind::RBracket);
    if (peek().is(TokenKind::Identifier) && peek().text == "B" && endsDim) {
      take();
      dim.isBatch = true;
    } else if (!(peek().is(TokenKind::Number) && endsDim) &&
               (peek().is(TokenKind::Identifier) ||
                peek().is(TokenKind::Number) || peek().is(TokenKind::LParen))) {
      // A constant expression: `n_in`, `dim / heads`.
      ExprPtr expr = parseExpr();
      if (!expr)
        return std::nullopt;
      dim.expr = std::move(expr);
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
    std::vector<std::shared_ptr<const Expr>> exprs;
    do {
      double value = 0;
      std::shared_ptr<const Expr> expr;
      if (!parseConstant(value, expr))
        return std::nullopt;
      init.args.push_back(value);
      exprs.push_back(std::move(expr));
    } while (consumeIf(TokenKind::Comma));
    for (const auto &expr : exprs)
      if (expr)
        init.argExprs = exprs;
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
    decl.names.push_back({name.text, name.loc, ""});
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
    if (!parseConstant(arg.value, arg.expr))
      return std::nullopt;
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
      double value = 0;
      std::shared_ptr<const Expr> expr;
      if (!parseConstant(value, expr))
        return false;
      // A literal is checked here; a constant expression once the expander
      // has evaluated it.
      if (!expr)
        if (std::optional<std::string> bad =
                checkCountSetting(key.text, value)) {
          diags_.error(valueLoc, *bad);
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
      setting = TrainBlock::Setting{expr ? 0 : static_cast<int64_t>(value),
                                    key.loc, std::move(expr)};
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
  if (peek().is(TokenKind::KwAs) && !parseScope(*call))
    return nullptr;
  return checkHeight(std::move(call));
}

bool Parser::parseScope(CallExpr &call) {
  call.scopeLoc = take().loc; // 'as'
  if (!peek().is(TokenKind::Identifier)) {
    errorAtCurrent("expected the instance's name after 'as', as in 'as "
                   "blocks[i]'");
    return false;
  }
  Token first = take();
  call.scope.push_back({first.text, nullptr, first.loc});
  while (peek().is(TokenKind::Dot) || peek().is(TokenKind::LBracket)) {
    Token open = take();
    if (open.is(TokenKind::Dot)) {
      if (!peek().is(TokenKind::Identifier)) {
        errorAtCurrent("expected a name after '.' in the instance's name");
        return false;
      }
      Token part = take();
      call.scope.push_back({part.text, nullptr, part.loc});
      continue;
    }
    ExprPtr index = parseExpr();
    if (!index)
      return false;
    if (!expect(TokenKind::RBracket, "']' after the index"))
      return false;
    call.scope.push_back({"", std::move(index), open.loc});
  }
  return true;
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
