// Tests the lowering of the examples to plans: an independent check that the
// memory plan never lets two live buffers overlap, and the exporter's errors.
#include "dialects/braid/IR/BraidOps.h"
#include "frontend/MLIRGen.h"
#include "frontend/OpBuiltins.h"
#include "frontend/Parser.h"
#include "frontend/Sema.h"
#include "passes/Pipelines.h"
#include "runtime/plan/PlanFormat.h"
#include "runtime/schema/plan_generated.h"
#include "target/Plan/ExportPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace braid::frontend;

/// One arena value as the test sees it: the op indices where its bytes are
/// in use, and where they are.
struct Placed {
  std::string what;
  int64_t offset, bytes;
  unsigned start, end;
  /// In an all-reduce bucket: packed without padding, so only the bucket's
  /// first tensor is 64-byte aligned.
  bool packed = false;
};

/// Runs the front end on examples/<name>.braid, or fails the test.
mlir::OwningOpRef<mlir::ModuleOp> compileExample(mlir::MLIRContext &context,
                                                 const std::string &name) {
  std::string path = std::string(BRAID_EXAMPLES_DIR) + "/" + name + ".braid";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  SourceFile source(path, text.str());
  std::ostringstream diagText;
  DiagnosticEngine diags(source, diagText);
  Lexer lexer(source, diags);
  Parser parser(lexer, diags);
  Model model = parser.parseModel();
  std::optional<CheckedModel> checked =
      checkModel(model, builtinTable(context), SemaOptions(), diags);
  EXPECT_TRUE(checked && !diags.hasErrors()) << diagText.str();
  if (!checked)
    return nullptr;
  return generateModule(context, model, *checked, source.name());
}

/// The arena values of `func` with their live ranges, computed here from
/// scratch: a value is in use from its op to its last reader (the end for a
/// result); a reshape or flatten shares its operand's bytes, so both stay in
/// use while either is, and so do an all_reduce's or all_reduce_wait's
/// results (in place). The tensors of a bucket (all_reduce_start) must be
/// contiguous, and are in use together, from the first's definition to the
/// last use of any.
std::vector<Placed> liveBuffers(mlir::func::FuncOp func) {
  mlir::Block &block = func.getBody().front();
  std::map<mlir::Operation *, unsigned> index;
  for (mlir::Operation &op : block)
    index[&op] = index.size();
  unsigned last = index.size() - 1;
  // The root (non-alias) value of each arena value.
  std::map<void *, mlir::Value> root;
  std::map<void *, Placed> placed;
  std::vector<std::vector<void *>> buckets;
  for (mlir::Operation &op : block) {
    // In-place collectives: results are their operands' bytes.
    auto alias = [&](mlir::ValueRange from, mlir::ValueRange to) {
      for (auto [source, result] : llvm::zip(from, to))
        if (root.count(source.getAsOpaquePointer()))
          root[result.getAsOpaquePointer()] = root[source.getAsOpaquePointer()];
    };
    if (auto reduce = llvm::dyn_cast<braid::AllReduceOp>(op))
      alias(reduce.getInputs(), reduce.getResults());
    if (auto wait = llvm::dyn_cast<braid::AllReduceWaitOp>(op))
      alias(wait.getStart().getInputs(), wait.getResults());
    if (auto start = llvm::dyn_cast<braid::AllReduceStartOp>(op)) {
      std::vector<void *> members;
      for (mlir::Value v : start.getInputs()) {
        EXPECT_TRUE(root.count(v.getAsOpaquePointer()))
            << "a bucket member is not in the arena";
        members.push_back(root[v.getAsOpaquePointer()].getAsOpaquePointer());
      }
      buckets.push_back(members);
    }
    auto offset = op.getAttrOfType<mlir::IntegerAttr>(braid::attrs::kOffset);
    if (!offset)
      continue;
    mlir::Value result = op.getResult(0);
    auto type = llvm::cast<mlir::RankedTensorType>(result.getType());
    mlir::Value base = result;
    if (llvm::isa<braid::ReshapeOp, braid::FlattenOp>(op) &&
        root.count(op.getOperand(0).getAsOpaquePointer()))
      base = root[op.getOperand(0).getAsOpaquePointer()];
    root[result.getAsOpaquePointer()] = base;
    Placed &p = placed[base.getAsOpaquePointer()];
    if (base == result) {
      p.what =
          op.getName().getStringRef().str() + " #" + std::to_string(index[&op]);
      p.offset = offset.getInt();
      p.bytes = type.getNumElements() * 4;
      p.start = p.end = index[&op];
    } else {
      EXPECT_EQ(offset.getInt(), p.offset)
          << "an alias must share its operand's offset";
    }
  }
  for (mlir::Operation &op : block)
    for (mlir::Value operand : op.getOperands()) {
      auto it = root.find(operand.getAsOpaquePointer());
      if (it == root.end())
        continue;
      Placed &p = placed[it->second.getAsOpaquePointer()];
      unsigned use = llvm::isa<mlir::func::ReturnOp>(op) ? last : index[&op];
      p.end = std::max(p.end, use);
    }
  for (const std::vector<void *> &members : buckets) {
    unsigned start = UINT_MAX, end = 0;
    for (void *m : members) {
      start = std::min(start, placed[m].start);
      end = std::max(end, placed[m].end);
    }
    EXPECT_EQ(placed[members[0]].offset % 64, 0)
        << "a bucket must start 64-byte aligned";
    for (size_t k = 0; k < members.size(); ++k) {
      Placed &p = placed[members[k]];
      p.start = start;
      p.end = end;
      p.packed = true;
      if (k > 0) {
        const Placed &before = placed[members[k - 1]];
        EXPECT_EQ(p.offset, before.offset + before.bytes)
            << p.what << " does not follow " << before.what << " in its bucket";
      }
    }
  }
  std::vector<Placed> buffers;
  for (auto &[key, p] : placed)
    buffers.push_back(p);
  return buffers;
}

/// What is wrong with `buffers` in an arena of `arena` bytes: a misaligned
/// buffer, one outside the arena, two that are live at once and overlap.
std::vector<std::string> planProblems(const std::vector<Placed> &buffers,
                                      int64_t arena) {
  std::vector<std::string> problems;
  auto range = [](const Placed &b) {
    return b.what + " [" + std::to_string(b.offset) + ", " +
           std::to_string(b.offset + b.bytes) + ") live in ops " +
           std::to_string(b.start) + ".." + std::to_string(b.end);
  };
  for (const Placed &b : buffers) {
    if (b.offset % 64 != 0 && !b.packed)
      problems.push_back(range(b) + " is not 64-byte aligned");
    if (b.offset < 0 || b.offset + b.bytes > arena)
      problems.push_back(range(b) + " is outside the arena of " +
                         std::to_string(arena) + " bytes");
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const Placed &a = buffers[i], &b = buffers[j];
      bool liveTogether = a.start <= b.end && b.start <= a.end;
      bool overlap =
          a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
      if (liveTogether && overlap)
        problems.push_back(range(a) + " overlaps " + range(b));
    }
  return problems;
}

/// An example and the replicas it is compiled for (1: no data parallelism;
/// 2: buckets of 4 KiB, so that every example has several).
class LowerToPlan
    : public ::testing::TestWithParam<std::tuple<const char *, int>> {};

TEST_P(LowerToPlan, LiveBuffersNeverOverlap) {
  const char *example = std::get<0>(GetParam());
  int replicas = std::get<1>(GetParam());
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = compileExample(context, example);
  ASSERT_TRUE(module);
  mlir::PassManager pm(&context);
  braid::LowerToPlanConfig config;
  config.replicas = replicas;
  config.bucketBytes = 4096;
  braid::buildLowerToPlanPipelineFor(pm, *module, config);
  ASSERT_TRUE(mlir::succeeded(pm.run(*module)));

  unsigned entryPoints = 0;
  for (auto func : module->getOps<mlir::func::FuncOp>()) {
    if (!func->hasAttr(braid::attrs::kEntryPoint))
      continue;
    ++entryPoints;
    // Parameters and state only, outside the arena.
    if (func.getSymName() == "broadcast_params")
      continue;
    auto arenaAttr =
        func->getAttrOfType<mlir::IntegerAttr>(braid::attrs::kArenaBytes);
    ASSERT_TRUE(arenaAttr) << "no braid.arena_bytes on @"
                           << func.getSymName().str();
    int64_t arena = arenaAttr.getInt();
    std::vector<Placed> buffers = liveBuffers(func);
    ASSERT_FALSE(buffers.empty());

    // Every braid op but constants has an offset; the tensors' bytes add up
    // to what the arena would need without reuse or aliasing.
    int64_t tensorBytes = 0;
    unsigned tensors = 0;
    for (mlir::Operation &op : func.getBody().front().without_terminator()) {
      // Constants live in the plan; optimizer updates write parameters and
      // state in place and have no result.
      // Collectives reduce in place.
      if (llvm::isa<braid::ConstantOp, braid::AllReduceOp,
                    braid::AllReduceStartOp, braid::AllReduceWaitOp>(op) ||
          op.getNumResults() == 0)
        continue;
      EXPECT_TRUE(op.hasAttr(braid::attrs::kOffset))
          << op.getName().getStringRef().str() << " has no braid.offset";
      auto type = llvm::cast<mlir::RankedTensorType>(op.getResult(0).getType());
      tensorBytes += type.getNumElements() * 4;
      ++tensors;
    }

    for (const std::string &problem : planProblems(buffers, arena))
      ADD_FAILURE() << problem;
    int64_t sum = 0;
    for (const Placed &b : buffers)
      sum += b.bytes;
    EXPECT_EQ(arena % 64, 0);
    std::cout << "[ arena    ] " << example << " x" << replicas << " @"
              << func.getSymName().str() << ": arena " << arena
              << " bytes; sum of the " << tensors << " intermediate tensors "
              << tensorBytes << " bytes (" << buffers.size()
              << " buffers after aliasing: " << sum << " bytes); arena / sum = "
              << (tensorBytes ? 100.0 * arena / tensorBytes : 0.0) << "%\n";
  }
  // predict, eval and train_step: both examples have a train block; and
  // broadcast_params with replicas.
  EXPECT_EQ(entryPoints, replicas > 1 ? 4u : 3u);

  std::string plan;
  llvm::raw_string_ostream os(plan);
  ASSERT_TRUE(mlir::succeeded(braid::compileAndExportPlan(*module, os)));
  ASSERT_GE(plan.size(), 8u);
  EXPECT_EQ(plan.substr(4, 4), "BRPL");
}

INSTANTIATE_TEST_SUITE_P(Examples, LowerToPlan,
                         ::testing::Combine(::testing::Values("mlp", "lenet"),
                                            ::testing::Values(1, 2)));

// The checker itself catches a bad plan: %1 reads %0 and is written over
// it, and %2 sits outside the arena.
TEST(PlanChecker, CatchesOverlapsAndOverflow) {
  mlir::MLIRContext context;
  context.loadDialect<braid::BraidDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    func.func @predict(%x: tensor<16xf32> {braid.input = "x"})
        -> (tensor<16xf32> {braid.output = "y"})
        attributes {braid.entry_point = "predict", braid.arena_bytes = 128 : i64} {
      %0 = braid.relu %x {braid.offset = 0 : i64} : tensor<16xf32>
      %1 = braid.tanh %0 {braid.offset = 0 : i64} : tensor<16xf32>
      %2 = braid.sigmoid %1 {braid.offset = 128 : i64} : tensor<16xf32>
      return %2 : tensor<16xf32>
    })mlir",
                                              &context);
  ASSERT_TRUE(module);
  auto func = *module->getOps<mlir::func::FuncOp>().begin();
  std::vector<std::string> problems = planProblems(liveBuffers(func), 128);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("outside the arena"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("overlaps"), std::string::npos) << problems[1];
}

// Every braid op but the constant (plan data) and braid.yield (the end of a
// braid.fused body, which the exporter never enters) runs as a step, so the
// exporter, which asks ops only through PlanStepOpInterface, knows them all.
TEST(ExportPlan, EveryBraidOpButTheConstantAndYieldIsAPlanStep) {
  mlir::MLIRContext context;
  context.loadDialect<braid::BraidDialect>();
  unsigned steps = 0;
  for (mlir::RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "braid")
      continue;
    bool step = name.hasInterface<braid::PlanStepOpInterface>();
    EXPECT_EQ(step, name.getStringRef() != "braid.constant" &&
                        name.getStringRef() != "braid.yield")
        << name.getStringRef().str();
    steps += step;
  }
  EXPECT_GE(steps, 43u);
}

/// Parses `text` and exports it, returning the diagnostics.
std::string exportErrors(const char *text) {
  mlir::MLIRContext context;
  context.loadDialect<braid::BraidDialect, mlir::func::FuncDialect>();
  std::string messages;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    messages += d.str() + "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  EXPECT_TRUE(module) << messages;
  if (!module)
    return messages;
  std::string plan;
  llvm::raw_string_ostream os(plan);
  EXPECT_TRUE(mlir::failed(braid::exportPlan(*module, os)));
  EXPECT_TRUE(plan.empty()) << "a failed export wrote bytes";
  return messages;
}

TEST(ExportPlan, RejectsAModuleWithoutEntryPoints) {
  EXPECT_NE(exportErrors("module {}").find("no func has braid.entry_point"),
            std::string::npos);
}

TEST(ExportPlan, RejectsAnOpWithoutOffset) {
  std::string messages = exportErrors(R"mlir(
    func.func @predict(%x: tensor<4xf32> {braid.input = "x"})
        -> (tensor<4xf32> {braid.output = "y"})
        attributes {braid.entry_point = "predict"} {
      %0 = braid.relu %x : tensor<4xf32>
      return %0 : tensor<4xf32>
    })mlir");
  EXPECT_NE(messages.find("'braid.relu' op cannot be exported to a plan: it "
                          "has no braid.offset"),
            std::string::npos)
      << messages;
}

TEST(ExportPlan, RejectsAnOpThatIsNotAPlanStep) {
  std::string messages = exportErrors(R"mlir(
    func.func private @helper(tensor<4xf32>) -> tensor<4xf32>
    func.func @predict(%x: tensor<4xf32> {braid.input = "x"})
        -> (tensor<4xf32> {braid.output = "y"})
        attributes {braid.entry_point = "predict", braid.arena_bytes = 64 : i64} {
      %0 = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
      return %0 : tensor<4xf32>
    })mlir");
  EXPECT_NE(messages.find("'func.call' op is not a plan step: no kernel runs "
                          "it, so it cannot be exported to a plan"),
            std::string::npos)
      << messages;
}

TEST(ExportPlan, RejectsAnOutputThatIsAnInput) {
  std::string messages = exportErrors(R"mlir(
    func.func @predict(%x: tensor<4xf32> {braid.input = "x"})
        -> (tensor<4xf32> {braid.output = "y"}, tensor<4xf32> {braid.output = "z"})
        attributes {braid.entry_point = "predict", braid.arena_bytes = 64 : i64} {
      %0 = braid.relu %x {braid.offset = 0 : i64} : tensor<4xf32>
      return %0, %x : tensor<4xf32>, tensor<4xf32>
    })mlir");
  EXPECT_NE(messages.find("result #1 is not computed by a step"),
            std::string::npos)
      << messages;
}

TEST(ExportPlan, RejectsAnOffsetOutsideTheArena) {
  std::string messages = exportErrors(R"mlir(
    func.func @predict(%x: tensor<32xf32> {braid.input = "x"})
        -> (tensor<32xf32> {braid.output = "y"})
        attributes {braid.entry_point = "predict", braid.arena_bytes = 64 : i64} {
      %0 = braid.relu %x {braid.offset = 0 : i64} : tensor<32xf32>
      return %0 : tensor<32xf32>
    })mlir");
  EXPECT_NE(messages.find("do not fit a 64-aligned place"), std::string::npos)
      << messages;
}

// A plan decodes with the schema's verifier, and carries normalized axes,
// constant bytes and the module hash.
TEST(ExportPlan, WritesAxesConstantsAndMetadata) {
  mlir::MLIRContext context;
  context.loadDialect<braid::BraidDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    module attributes {braid.model = "axes", braid.batch = 2 : i64} {
      func.func @forward(%x: tensor<2x3xf32> {braid.input = "x"},
                         %b: tensor<3xf32> {braid.param = "b", braid.init = #braid.init<uniform(-0.5, 0.5)>})
          -> (tensor<f32> {braid.output = "s"}, tensor<2x3xf32> {braid.output = "p"}) {
        %c = braid.constant dense<[1.0, 2.0, -3.0]> : tensor<3xf32>
        %0 = braid.add %x, %c : tensor<2x3xf32>, tensor<3xf32>
        %1 = braid.add %0, %b : tensor<2x3xf32>, tensor<3xf32>
        %2 = braid.softmax %1, axis = -1 : tensor<2x3xf32>
        %3 = braid.reduce_sum %2, axes = [-1, 0] : tensor<2x3xf32>
        return %3, %2 : tensor<f32>, tensor<2x3xf32>
      }
    })mlir",
                                              &context);
  ASSERT_TRUE(module);
  mlir::PassManager pm(&context);
  // Unfused: each add is its own step.
  braid::LowerToPlanConfig config;
  config.fuse = false;
  braid::buildLowerToPlanPipelineFor(pm, *module, config);
  ASSERT_TRUE(mlir::succeeded(pm.run(*module)));
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  ASSERT_TRUE(mlir::succeeded(braid::exportPlan(*module, os)));

  const auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
  flatbuffers::Verifier verifier(data, bytes.size());
  ASSERT_TRUE(braid::plan::VerifyPlanBuffer(verifier));
  const braid::plan::Plan *plan = braid::plan::GetPlan(data);
  EXPECT_EQ(plan->format_version(), braid::kFormatVersion);
  EXPECT_EQ(plan->metadata()->model_name()->str(), "axes");
  EXPECT_EQ(plan->metadata()->batch(), 2);
  EXPECT_EQ(plan->metadata()->module_hash(), braid::hashModule(*module));

  ASSERT_EQ(plan->parameters()->size(), 1u);
  const braid::plan::Initializer *init =
      plan->parameters()->Get(0)->initializer();
  EXPECT_EQ(init->kind(), braid::plan::InitKind::Uniform);
  ASSERT_EQ(init->args()->size(), 2u);
  EXPECT_EQ(init->args()->Get(0), -0.5);
  EXPECT_EQ(init->args()->Get(1), 0.5);

  ASSERT_EQ(plan->constants()->size(), 1u);
  const braid::plan::ConstantData *constant = plan->constants()->Get(0);
  const braid::plan::Tensor *constantTensor =
      plan->tensors()->Get(constant->tensor());
  EXPECT_EQ(constantTensor->storage(), braid::plan::Storage::Constant);
  EXPECT_EQ(constantTensor->index(), 0u);
  ASSERT_EQ(constant->data()->size(), 12u);
  float values[3];
  std::memcpy(values, constant->data()->data(), sizeof(values));
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], 2.0f);
  EXPECT_EQ(values[2], -3.0f);

  ASSERT_EQ(plan->entry_points()->size(), 1u);
  const braid::plan::EntryPoint *predict = plan->entry_points()->Get(0);
  EXPECT_EQ(predict->name()->str(), "predict");
  const auto *steps = predict->steps();
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ(steps->Get(0)->kind(), braid::plan::KernelKind::Add);
  EXPECT_EQ(steps->Get(1)->kind(), braid::plan::KernelKind::Add);
  EXPECT_EQ(steps->Get(2)->kind(), braid::plan::KernelKind::Softmax);
  EXPECT_EQ(steps->Get(2)->axis(), 1);
  EXPECT_EQ(steps->Get(3)->kind(), braid::plan::KernelKind::ReduceSum);
  ASSERT_EQ(steps->Get(3)->axes()->size(), 2u);
  EXPECT_EQ(steps->Get(3)->axes()->Get(0), 0);
  EXPECT_EQ(steps->Get(3)->axes()->Get(1), 1);
  // The outputs, in result order, are the arena tensors of the last steps.
  ASSERT_EQ(predict->outputs()->size(), 2u);
  EXPECT_EQ(predict->outputs()->Get(0), steps->Get(3)->outputs()->Get(0));
  EXPECT_EQ(predict->outputs()->Get(1), steps->Get(2)->outputs()->Get(0));
  EXPECT_EQ(plan->tensors()->Get(predict->outputs()->Get(1))->name()->str(),
            "p");
  EXPECT_GT(plan->arena_bytes(), 0u);
}

// A braid.fused op is one Fused step that reads its operands and writes one
// new arena tensor; the exporter does not enter its body, so the ops inside
// are no steps of their own.
TEST(ExportPlan, AFusedOpIsOneStep) {
  mlir::MLIRContext context;
  context.loadDialect<braid::BraidDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    module attributes {braid.model = "fused", braid.batch = 2 : i64} {
      func.func @forward(%x: tensor<2x3xf32> {braid.input = "x"},
                         %b: tensor<3xf32> {braid.param = "b", braid.init = #braid.init<zeros>})
          -> (tensor<2x3xf32> {braid.output = "p"}) {
        %0 = braid.add %x, %b : tensor<2x3xf32>, tensor<3xf32>
        %1 = braid.relu %0 : tensor<2x3xf32>
        %2 = braid.tanh %1 : tensor<2x3xf32>
        %3 = braid.softmax %2, axis = -1 : tensor<2x3xf32>
        return %3 : tensor<2x3xf32>
      }
    })mlir",
                                              &context);
  ASSERT_TRUE(module);
  mlir::PassManager pm(&context);
  braid::LowerToPlanConfig config;
  config.fuse = true;
  braid::buildLowerToPlanPipelineFor(pm, *module, config);
  ASSERT_TRUE(mlir::succeeded(pm.run(*module)));
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  ASSERT_TRUE(mlir::succeeded(braid::compileAndExportPlan(*module, os)));

  const auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
  flatbuffers::Verifier verifier(data, bytes.size());
  ASSERT_TRUE(braid::plan::VerifyPlanBuffer(verifier));
  const braid::plan::Plan *plan = braid::plan::GetPlan(data);
  ASSERT_EQ(plan->entry_points()->size(), 1u);
  const braid::plan::EntryPoint *predict = plan->entry_points()->Get(0);
  const auto *steps = predict->steps();
  ASSERT_EQ(steps->size(), 2u);
  const braid::plan::Step *fused = steps->Get(0);
  EXPECT_EQ(fused->kind(), braid::plan::KernelKind::Fused);
  // Its inputs: the input x and the parameter b, in the order the chain
  // reads them; its output, a new arena tensor, is the softmax's input.
  ASSERT_EQ(fused->inputs()->size(), 2u);
  EXPECT_EQ(fused->inputs()->Get(0), predict->inputs()->Get(0));
  EXPECT_EQ(plan->tensors()->Get(fused->inputs()->Get(1))->storage(),
            braid::plan::Storage::Parameter);
  ASSERT_EQ(fused->outputs()->size(), 1u);
  EXPECT_EQ(plan->tensors()->Get(fused->outputs()->Get(0))->storage(),
            braid::plan::Storage::Arena);
  EXPECT_EQ(steps->Get(1)->kind(), braid::plan::KernelKind::Softmax);
  EXPECT_EQ(steps->Get(1)->inputs()->Get(0), fused->outputs()->Get(0));
}

} // namespace
