// The braid dialect's attributes and types: parsing, printing and verifying
// #braid.init<...>; #braid.reduction<...> and !braid.request are generated.
#include "dialects/braid/IR/BraidOps.h"
#include "shape/ModelRules.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

#include "dialects/braid/IR/BraidEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/braid/IR/BraidAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/braid/IR/BraidTypes.cpp.inc"

namespace braid {

void BraidDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/braid/IR/BraidAttrs.cpp.inc"
      >();
}

void BraidDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/braid/IR/BraidTypes.cpp.inc"
      >();
}

unsigned InitializerAttr::arity(InitKind kind) {
  switch (kind) {
  case InitKind::constant:
    return 1;
  case InitKind::uniform:
  case InitKind::normal:
    return 2;
  default:
    return 0;
  }
}

LogicalResult
InitializerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        InitKind kind, DenseF64ArrayAttr args) {
  if (!args)
    return emitError() << "initializer has no argument list";
  if (std::optional<std::string> bad = shape::checkInitializer(
          stringifyInitKind(kind).str(), args.asArrayRef().vec()))
    return emitError() << *bad;
  return success();
}

Attribute InitializerAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<InitKind> kind = symbolizeInitKind(keyword);
  if (!kind) {
    parser.emitError(loc) << *shape::checkInitializer(keyword.str(), {});
    return {};
  }
  SmallVector<double> args;
  if (succeeded(parser.parseOptionalLParen())) {
    if (parser.parseCommaSeparatedList([&]() -> ParseResult {
          double value;
          if (parser.parseFloat(value))
            return failure();
          args.push_back(value);
          return success();
        }) ||
        parser.parseRParen())
      return {};
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); }, parser.getContext(),
                    *kind, DenseF64ArrayAttr::get(parser.getContext(), args));
}

void InitializerAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyInitKind(getKind());
  if (!getArgs().empty()) {
    printer << '(';
    llvm::interleaveComma(getArgs().asArrayRef(), printer, [&](double value) {
      printer.printFloat(llvm::APFloat(value));
    });
    printer << ')';
  }
  printer << '>';
}

} // namespace braid
