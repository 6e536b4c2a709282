// The braid dialect's attributes: parsing, printing and verifying
// #braid.init<...>.
#include "dialects/braid/IR/BraidOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

#include "dialects/braid/IR/BraidEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/braid/IR/BraidAttrs.cpp.inc"

namespace braid {

void BraidDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/braid/IR/BraidAttrs.cpp.inc"
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
                        InitKind kind, DenseF64ArrayAttr argsAttr) {
  if (!argsAttr)
    return emitError() << "initializer has no argument list";
  ArrayRef<double> args = argsAttr.asArrayRef();
  if (args.size() != arity(kind))
    return emitError() << "initializer '" << stringifyInitKind(kind)
                       << "' takes " << arity(kind) << " argument(s), got "
                       << args.size();
  for (double a : args)
    if (!std::isfinite(a))
      return emitError() << "initializer '" << stringifyInitKind(kind)
                         << "' has a non-finite argument " << a;
  if (kind == InitKind::uniform && !(args[0] < args[1]))
    return emitError() << "uniform(" << args[0] << ", " << args[1]
                       << ") needs low < high";
  if (kind == InitKind::normal && !(args[1] > 0))
    return emitError() << "normal(" << args[0] << ", " << args[1]
                       << ") needs a positive standard deviation";
  return success();
}

Attribute InitializerAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<InitKind> kind = symbolizeInitKind(keyword);
  if (!kind) {
    parser.emitError(loc) << "unknown initializer '" << keyword
                          << "', expected zeros, ones, constant, uniform, "
                             "normal, glorot_uniform or he_normal";
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
