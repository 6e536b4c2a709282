// Checks of the model language's table of functions: the ops that declare
// themselves functions (BuiltinOpInterface) reach it, names are unique, and
// docs/language.md lists exactly its functions.
#include "dialects/braid/IR/BraidOps.h"
#include "frontend/OpBuiltins.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

using namespace braid::frontend;

/// The `name(` of every function in the first column of docs/language.md's
/// table under "## Functions", and the whole text of that column.
std::set<std::string> documentedFunctions(std::string *firstColumn) {
  std::string path = std::string(BRAID_DOCS_DIR) + "/language.md";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::set<std::string> names;
  std::string line;
  bool inSection = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      inSection = line == "## Functions";
      continue;
    }
    if (!inSection || line.rfind("| `", 0) != 0)
      continue;
    std::string column = line.substr(0, line.find(" | ", 1));
    *firstColumn += column + "\n";
    // Each `...(...)` span names one function.
    for (size_t open = column.find('`'); open != std::string::npos;) {
      size_t close = column.find('`', open + 1);
      if (close == std::string::npos)
        break;
      std::string span = column.substr(open + 1, close - open - 1);
      if (size_t paren = span.find('('); paren != std::string::npos)
        names.insert(span.substr(0, paren));
      open = column.find('`', close + 1);
    }
  }
  return names;
}

TEST(BuiltinTable, EveryBuiltinOpIsAFunction) {
  mlir::MLIRContext context;
  std::vector<OpBuiltin> ops = collectOpBuiltins(context);
  BuiltinTable table(ops);
  size_t declaring = 0;
  for (mlir::RegisteredOperationName name :
       context.getRegisteredOperationsByDialect("braid")) {
    if (!name.hasInterface<braid::BuiltinOpInterface>())
      continue;
    ++declaring;
    auto *builtin = name.getInterface<braid::BuiltinOpInterface>();
    const Builtin *found =
        table.lookup(builtin->getBuiltinName().str(), /*layerForm=*/false);
    ASSERT_NE(found, nullptr) << name.getStringRef().str();
    EXPECT_EQ(found->kind, BuiltinKind::Op);
    EXPECT_EQ(found->opName, name.getStringRef().str());
  }
  EXPECT_EQ(declaring, ops.size());
  // The families declare it: a unary and a binary op, for instance.
  EXPECT_NE(table.lookup("relu", false), nullptr);
  EXPECT_EQ(table.lookup("add", false)->signature, "add(a, b)");
}

TEST(BuiltinTable, NamesAreUnique) {
  mlir::MLIRContext context;
  BuiltinTable table(collectOpBuiltins(context));
  std::set<std::string> seen;
  for (const Builtin &builtin : table.all())
    EXPECT_TRUE(seen.insert(builtin.name).second)
        << builtin.name << " is declared twice";
}

TEST(BuiltinTable, OpRuleIsTheOpsInference) {
  // A call is typed by the rule the op's inferReturnTypes applies.
  mlir::MLIRContext context;
  BuiltinTable table(collectOpBuiltins(context));
  braid::shape::TensorType x{braid::shape::ElementType::F32, {4, 3}};
  braid::shape::TensorType bias{braid::shape::ElementType::F32, {3}};
  braid::shape::RuleResult sum = table.lookup("add", false)->rule({x, bias});
  ASSERT_TRUE(sum) << sum.error();
  EXPECT_EQ(sum.type(), x);
  braid::shape::TensorType labels{braid::shape::ElementType::I32, {4}};
  braid::shape::RuleResult bad = table.lookup("relu", false)->rule({labels});
  EXPECT_FALSE(bad);
}

TEST(BuiltinTable, LanguageDocListsEveryFunction) {
  mlir::MLIRContext context;
  BuiltinTable table(collectOpBuiltins(context));
  std::string firstColumn;
  std::set<std::string> documented = documentedFunctions(&firstColumn);
  std::set<std::string> names;
  for (const Builtin &builtin : table.all()) {
    names.insert(builtin.name);
    // An op's function is documented with its signature, as messages show
    // it.
    if (builtin.kind == BuiltinKind::Op) {
      EXPECT_NE(firstColumn.find("`" + builtin.signature + "`"),
                std::string::npos)
          << "docs/language.md does not list `" << builtin.signature << "`";
    }
  }
  EXPECT_EQ(documented, names)
      << "docs/language.md's table of functions differs from the builtins";
}

} // namespace
