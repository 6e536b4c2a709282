// The exporter's code section: a plan exported with generated kernels
// carries their symbols (Plan.kernels) and one image per ISA variant
// (Plan.code) whose hash is the loader's codeHash of its bytes; one exported
// without them has neither.
#include "codegen/NativeCode.h"
#include "target/Plan/ExportPlan.h"

#include "dialects/braid/IR/BraidDialect.h"
#include "runtime/plan/CodeHash.h"
#include "runtime/schema/plan_generated.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

namespace {

// An entry point as braid-lower-to-plan leaves it, and one kernel body.
const char *kModule = R"mlir(
func.func @predict(%x: tensor<16xf32> {braid.input = "x"})
    -> (tensor<16xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict", braid.arena_bytes = 64 : i64} {
  %0 = braid.relu %x {braid.offset = 0 : i64} : tensor<16xf32>
  return %0 : tensor<16xf32>
}
func.func @bias_relu(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> attributes {braid.kernel} {
  %s = braid.add %x, %b : tensor<64x128xf32>, tensor<128xf32>
  %y = braid.relu %s : tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
)mlir";

const braid::plan::Plan *exported(mlir::ModuleOp module,
                                  const braid::codegen::NativeCode *code,
                                  std::string &bytes) {
  llvm::raw_string_ostream os(bytes);
  if (mlir::failed(braid::exportPlan(module, os, code)))
    return nullptr;
  const auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
  flatbuffers::Verifier verifier(data, bytes.size());
  if (!braid::plan::VerifyPlanBuffer(verifier))
    return nullptr;
  return braid::plan::GetPlan(data);
}

TEST(ExportCode, PlanCarriesKernelsAndHashedImages) {
  mlir::MLIRContext context;
  context.loadDialect<braid::BraidDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
  ASSERT_TRUE(module);
  mlir::FailureOr<braid::codegen::NativeCode> code =
      braid::codegen::compileKernels(*module);
  ASSERT_TRUE(mlir::succeeded(code));
  ASSERT_EQ(code->symbols, std::vector<std::string>{"bias_relu"});
  // 64 rows of 128: 32 rows (4096 elements) per work item.
  EXPECT_EQ(code->workItems, std::vector<int64_t>{2});

  std::string bytes;
  const braid::plan::Plan *plan = exported(*module, &*code, bytes);
  ASSERT_TRUE(plan);
  ASSERT_TRUE(plan->kernels());
  ASSERT_EQ(plan->kernels()->size(), 1u);
  EXPECT_EQ(plan->kernels()->Get(0)->str(), "bias_relu");
  ASSERT_TRUE(plan->code());
  ASSERT_EQ(plan->code()->size(), 2u);
  for (unsigned i = 0; i < 2; ++i) {
    const braid::plan::CodeObject *object = plan->code()->Get(i);
    EXPECT_EQ(object->isa()->str(), code->images[i].isa);
    std::vector<uint8_t> image(object->image()->begin(),
                               object->image()->end());
    EXPECT_EQ(image, code->images[i].bytes);
    EXPECT_EQ(object->hash(),
              braid::plan::codeHash(image.data(), image.size()));
    // An ELF shared object.
    ASSERT_GT(image.size(), 18u);
    EXPECT_EQ(std::string(image.begin() + 1, image.begin() + 4), "ELF");
    EXPECT_EQ(image[16], 3); // e_type ET_DYN
  }
  EXPECT_EQ(plan->code()->Get(0)->isa()->str(), "x86-64-v3");
  EXPECT_EQ(plan->code()->Get(1)->isa()->str(), "x86-64-v4");

  // The same kernels give the same bytes (no build id, no timestamp), so
  // ranks and repeated compiles agree on the plan.
  mlir::FailureOr<braid::codegen::NativeCode> again =
      braid::codegen::compileKernels(*module);
  ASSERT_TRUE(mlir::succeeded(again));
  ASSERT_EQ(again->images.size(), 2u);
  EXPECT_EQ(again->images[0].bytes, code->images[0].bytes);
  EXPECT_EQ(again->images[1].bytes, code->images[1].bytes);

  std::string plain;
  const braid::plan::Plan *withoutCode = exported(*module, nullptr, plain);
  ASSERT_TRUE(withoutCode);
  EXPECT_FALSE(withoutCode->kernels());
  EXPECT_FALSE(withoutCode->code());
}

} // namespace
