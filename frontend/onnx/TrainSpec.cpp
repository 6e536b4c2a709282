// TrainSpec: parsing --optimizer NAME(ARGS) against the optimizers' table.
#include "frontend/onnx/TrainSpec.h"

#include "dialects/braid/IR/BraidOps.h"
#include "shape/ModelRules.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;

namespace braid::frontend::onnx_import {

std::optional<DictionaryAttr>
trainAttribute(OpBuilder &b, const ImportOptions &options, std::string *error) {
  llvm::StringRef text = llvm::StringRef(options.optimizer).trim();
  llvm::StringRef name = text.take_until([](char c) { return c == '('; });
  llvm::StringRef rest = text.drop_front(name.size()).trim();
  name = name.trim();
  auto bad = [&](const std::string &why) {
    *error = "--optimizer '" + options.optimizer + "': " + why;
    return std::nullopt;
  };
  const std::vector<shape::OptimizerParam> *params =
      shape::optimizerParams(name);
  if (!params)
    return bad("unknown optimizer '" + name.str() + "'; expected " +
               shape::optimizerSignatures());
  std::vector<std::optional<double>> values(params->size());
  if (!rest.empty()) {
    if (!rest.consume_front("(") || !rest.consume_back(")"))
      return bad("expected NAME or NAME(ARG, NAME = VALUE, ...)");
    llvm::SmallVector<llvm::StringRef> args;
    if (!rest.trim().empty())
      rest.split(args, ',');
    for (size_t i = 0; i < args.size(); ++i) {
      llvm::StringRef arg = args[i].trim(), key, valueText = arg;
      size_t slot = i;
      if (arg.contains('=')) {
        std::tie(key, valueText) = arg.split('=');
        key = key.trim();
        valueText = valueText.trim();
        slot = params->size();
        for (size_t j = 0; j < params->size(); ++j)
          if (key == (*params)[j].name)
            slot = j;
        if (slot == params->size()) {
          std::string names;
          for (const shape::OptimizerParam &p : *params)
            names += (names.empty() ? "" : ", ") + std::string(p.name);
          return bad(name.str() + " has no argument '" + key.str() +
                     "'; it takes " + names);
        }
      } else if (slot >= params->size()) {
        return bad(name.str() + " takes at most " +
                   std::to_string(params->size()) + " arguments");
      }
      double value;
      if (valueText.getAsDouble(value))
        return bad("'" + valueText.str() + "' is not a number");
      if (values[slot])
        return bad(std::string((*params)[slot].name) + " is given twice");
      if (std::optional<std::string> why =
              shape::checkOptimizerParam((*params)[slot], value))
        return bad(*why);
      values[slot] = value;
    }
  }
  if (options.batch <= 0) {
    *error = "training (--loss) needs --batch N";
    return std::nullopt;
  }
  SmallVector<NamedAttribute> entries = {
      b.getNamedAttr("loss", b.getStringAttr("loss")),
      b.getNamedAttr("optimizer", b.getStringAttr(name)),
      b.getNamedAttr("batch", b.getI64IntegerAttr(options.batch)),
      b.getNamedAttr("epochs", b.getI64IntegerAttr(options.epochs)),
  };
  for (size_t j = 0; j < params->size(); ++j) {
    const shape::OptimizerParam &p = (*params)[j];
    if (!values[j] && p.optional)
      continue;
    entries.push_back(b.getNamedAttr(
        p.name, b.getF64FloatAttr(values[j].value_or(p.defaultValue))));
  }
  return b.getDictionaryAttr(entries);
}

} // namespace braid::frontend::onnx_import
