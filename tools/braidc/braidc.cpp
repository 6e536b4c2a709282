// braidc: compiles a model file to a plan, or stops after an earlier stage
// (--emit=ast, mlir, mlir-train, mlir-parallel, mlir-fused, mlir-lowered or
// plan).
#include "braid/Version.h"
#include "frontend/AST.h"
#include "frontend/CheckSource.h"
#include "frontend/Expand.h"
#include "frontend/MLIRGen.h"
#include "frontend/OpBuiltins.h"
#include "frontend/Sema.h"
#include "frontend/onnx/OnnxImport.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/io/AtomicFile.h"
#include "runtime/io/Safetensors.h"
#include "target/Plan/ExportPlan.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>
#include <optional>
#include <sstream>

namespace cl = llvm::cl;
using namespace braid::frontend;

namespace {

enum class Emit {
  AST,
  MLIR,
  MLIRTrain,
  MLIRParallel,
  MLIRFused,
  MLIRLowered,
  Plan
};

cl::OptionCategory braidCategory("braidc options");

cl::opt<std::string> inputFile(cl::Positional,
                               cl::desc("<model.braid | model.onnx>"),
                               cl::Required, cl::cat(braidCategory));
cl::opt<std::string> outputFile("o", cl::desc("Write the output to <file>"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(braidCategory));
cl::opt<Emit>
    emit("emit", cl::desc("The stage to stop after and print"),
         cl::values(clEnumValN(Emit::AST, "ast",
                               "the syntax tree, annotated with tensor types"),
                    clEnumValN(Emit::MLIR, "mlir",
                               "the braid dialect module (func @forward)"),
                    clEnumValN(Emit::MLIRTrain, "mlir-train",
                               "the module with @train_step: the loss and "
                               "every parameter's gradient"),
                    clEnumValN(Emit::MLIRParallel, "mlir-parallel",
                               "the entry points after data parallelism and "
                               "all-reduce bucketing (--replicas), before "
                               "memory planning"),
                    clEnumValN(Emit::MLIRFused, "mlir-fused",
                               "the entry points after fusion: elementwise "
                               "chains grouped into braid.fused kernels, "
                               "before memory planning"),
                    clEnumValN(Emit::MLIRLowered, "mlir-lowered",
                               "the module as exported: entry points with "
                               "planned memory"),
                    clEnumValN(Emit::Plan, "plan",
                               "the FlatBuffer plan the runtime loads "
                               "(default file: MODEL.plan)")),
         cl::init(Emit::MLIR), cl::cat(braidCategory));
cl::opt<std::string>
    batch("batch",
          cl::desc("Bind the batch symbol B to <n> (overrides the train "
                   "block's batch), or compile predict for every size of "
                   "<lo>..<hi>: one plan serving 1 to <hi> rows"),
          cl::value_desc("n|lo..hi"), cl::cat(braidCategory));
cl::list<std::string>
    defines("D",
            cl::desc("Set the file's constant NAME (a 'let' at file level) "
                     "to the number VALUE; repeatable"),
            cl::value_desc("NAME=VALUE"), cl::Prefix, cl::cat(braidCategory));
cl::opt<int64_t>
    replicas("replicas",
             cl::desc("Compile for <n> data-parallel replicas, each taking "
                      "B/n rows of every batch (default 1)"),
             cl::value_desc("n"), cl::init(1), cl::cat(braidCategory));
cl::opt<int64_t> bucketBytes(
    "bucket-bytes",
    cl::desc("With --replicas: the most bytes of gradients one all-reduce "
             "bucket holds (default 64 KiB)"),
    cl::value_desc("bytes"), cl::init(braid::kDefaultBucketBytes),
    cl::cat(braidCategory));
cl::opt<bool> noCodegen(
    "no-codegen",
    cl::desc("Generate no code: fuse nothing, so that the plan runs on the "
             "runtime's prebuilt kernels only"),
    cl::init(false), cl::cat(braidCategory));

cl::OptionCategory
    onnxCategory("braidc options for an ONNX model (docs/onnx.md)");
cl::opt<std::string>
    loss("loss",
         cl::desc("Train the imported model: the loss over its first output, "
                  "sparse_softmax_cross_entropy or mean_squared_error"),
         cl::value_desc("name"), cl::cat(onnxCategory));
cl::opt<std::string> labels("labels",
                            cl::desc("With --loss: the name of the labels "
                                     "input it adds (default y)"),
                            cl::value_desc("name"), cl::init("y"),
                            cl::cat(onnxCategory));
cl::opt<std::string>
    optimizer("optimizer",
              cl::desc("With --loss: the optimizer, as in a train block "
                       "(default adam): 'adam(lr = 0.001)', 'sgd(0.1, "
                       "momentum = 0.9)'"),
              cl::value_desc("spec"), cl::init("adam"), cl::cat(onnxCategory));
cl::opt<std::string>
    weightsFile("weights",
                cl::desc("Where the imported initializers' values go (default: "
                         "the plan's path with .safetensors)"),
                cl::value_desc("file"), cl::cat(onnxCategory));

int fail(const std::string &message) {
  llvm::errs() << "braidc: error: " << message << '\n';
  return 1;
}

/// --batch N, or LO..HI for a plan that serves any request of 1 to HI rows.
struct BatchOption {
  int64_t lo = 0, hi = 0;
  bool isRange() const { return lo != hi; }
};

/// Parses --batch; an error message otherwise.
std::optional<BatchOption> parseBatch(llvm::StringRef text,
                                      std::string *error) {
  auto number = [](llvm::StringRef part, int64_t *out) {
    return !part.getAsInteger(10, *out) && *out >= 1 && *out <= 1000000000;
  };
  BatchOption option;
  auto [lo, hi] = text.split("..");
  bool range = text.contains("..");
  if (!number(lo, &option.lo) || (range && !number(hi, &option.hi)) ||
      (range && option.hi <= option.lo)) {
    *error = "--batch takes a number from 1 to 10^9, or a range LO..HI of "
             "them with LO < HI (as in --batch 1..64), got '" +
             text.str() + "'";
    return std::nullopt;
  }
  if (!range)
    option.hi = option.lo;
  return option;
}

/// The batches predict is compiled for: LO, the powers of two between, HI.
/// A request of n rows runs the smallest of them that holds n, so it pads
/// fewer than half its rows (beyond LO).
std::vector<int64_t> predictBatches(BatchOption option) {
  std::vector<int64_t> sizes{option.lo};
  for (int64_t p = 1; p < option.hi; p *= 2)
    if (p > option.lo)
      sizes.push_back(p);
  if (option.hi != option.lo)
    sizes.push_back(option.hi);
  return sizes;
}

/// Writes the output once it is complete: to standard output for "-", else
/// through the runtime's atomic write, so that a failed compile leaves the
/// file -o names as it was, a symbolic link stays a link and a FIFO or
/// device is written in place (runtime/io/AtomicFile.h).
int writeOutput(const std::string &path, const std::string &bytes) {
  if (path == "-") {
    llvm::outs() << bytes;
    llvm::outs().flush();
    return llvm::outs().has_error() ? fail("cannot write to standard output")
                                    : 0;
  }
  braid::runtime::Status s =
      braid::runtime::io::writeFileAtomically(path, bytes.data(), bytes.size());
  return s ? 0 : fail(s.message());
}

/// Outlines @predict of `model` with B bound to `size`, checks that it keeps
/// its rows apart, and adds it to `module` as the entry point
/// "predict@SIZE", for the lowering pipeline to treat as any other entry
/// point. Its parameters are the same tensors, so the plan shares them.
mlir::LogicalResult addPredictAt(mlir::MLIRContext &context,
                                 mlir::ModuleOp module, Model &model,
                                 int64_t size, DiagnosticEngine &diags,
                                 const std::string &sourceName) {
  SemaOptions options;
  options.batch = size;
  std::optional<CheckedModel> checked =
      checkModel(model, builtinTable(context), options, diags);
  if (diags.hasErrors() || !checked)
    return mlir::failure();
  mlir::OwningOpRef<mlir::ModuleOp> sized =
      generateModule(context, model, *checked, sourceName, &diags.instances());
  if (!sized)
    return mlir::failure();
  mlir::PassManager pm(&context);
  pm.addPass(braid::createOutlinePredictPass());
  pm.addPass(braid::createCheckRowsPass());
  if (mlir::failed(pm.run(*sized)))
    return mlir::failure();
  auto predict = sized->lookupSymbol<mlir::func::FuncOp>("predict");
  std::string name = "predict@" + std::to_string(size);
  predict->remove();
  predict.setSymName(name);
  predict->setAttr(braid::attrs::kEntryPoint,
                   mlir::StringAttr::get(&context, name));
  module.getBody()->push_back(predict);
  return mlir::success();
}

/// Without --emit, an output file named *.plan asks for a plan, so that
/// `braidc model.braid -o model.plan` does what it says.
Emit chooseStage() {
  if (!emit.getNumOccurrences() &&
      llvm::StringRef(outputFile.getValue()).ends_with(".plan"))
    return Emit::Plan;
  return emit;
}

/// A plan goes to MODEL.plan in the current directory unless -o names a
/// file, and never to a terminal; a destination that cannot be written is
/// found before the compile. Returns braidc's exit status on failure.
int chooseOutputPath(Emit stage, const std::string &modelName,
                     std::string *outputPath) {
  *outputPath = outputFile;
  if (stage == Emit::Plan && !outputFile.getNumOccurrences()) {
    llvm::StringRef stem = inputFile == "-"
                               ? llvm::StringRef(modelName)
                               : llvm::sys::path::stem(inputFile.getValue());
    *outputPath = (stem.empty() ? std::string("model") : stem.str()) + ".plan";
  }
  if (stage == Emit::Plan && *outputPath == "-" &&
      llvm::sys::Process::StandardOutIsDisplayed())
    return fail("refusing to write a binary plan to a terminal; name a file "
                "with -o");
  if (*outputPath != "-")
    if (braid::runtime::Status s =
            braid::runtime::io::checkWritable(*outputPath);
        !s)
      return fail(s.message());
  return 0;
}

/// The stages after the braid dialect module: autodiff, data parallelism,
/// fusion, memory planning, code generation and the plan, stopping at
/// `stage`. `checkRows`: predict serves a range of batch sizes.
int lowerAndWrite(mlir::MLIRContext &context, mlir::ModuleOp module, Emit stage,
                  const std::string &outputPath, const std::string &modelName,
                  bool checkRows = false) {
  std::string outputBytes;
  llvm::raw_string_ostream output(outputBytes);
  if (stage == Emit::MLIR) {
    module.print(output);
    return writeOutput(outputPath, output.str());
  }
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return fail("cannot apply the pass manager options");
  mlir::applyDefaultTimingPassManagerCLOptions(pm);
  if (stage == Emit::MLIRTrain) {
    if (!module->hasAttr(braid::attrs::kTrain))
      return fail("model '" + modelName +
                  "' has no train block; --emit=mlir-train needs one");
    // The pass's diagnostics point into the model file; the IR dump MLIR
    // would attach to them means nothing to its author.
    context.printOpOnDiagnostic(false);
    pm.addPass(braid::createAutodiffPass());
    if (mlir::failed(pm.run(module)))
      return 1;
    module.print(output);
    return writeOutput(outputPath, output.str());
  }
  braid::LowerToPlanConfig config;
  config.replicas = replicas;
  config.bucketBytes = bucketBytes;
  // mlir-parallel stops before fusion, mlir-fused after it; the other
  // stages fuse unless --no-codegen says to generate no code.
  config.fuse = stage == Emit::MLIRFused ||
                (stage != Emit::MLIRParallel && config.fuse && !noCodegen);
  config.planMemory = stage != Emit::MLIRParallel && stage != Emit::MLIRFused;
  config.checkRows = checkRows;
  // The data-parallel passes' and braid-check-rows' errors point into the
  // model file, like the autodiff pass's.
  if (replicas != 1 || checkRows)
    context.printOpOnDiagnostic(false);
  braid::buildLowerToPlanPipelineFor(pm, module, config);
  if (mlir::failed(pm.run(module)))
    return 1;
  if (stage == Emit::MLIRLowered || stage == Emit::MLIRParallel ||
      stage == Emit::MLIRFused) {
    module.print(output);
    return writeOutput(outputPath, output.str());
  }
  // Fused kernels become native code, which the plan carries.
  if (mlir::failed(braid::compileAndExportPlan(module, output)))
    return 1;
  return writeOutput(outputPath, output.str());
}

/// `braidc model.onnx`: the imported graph through the same stages; with a
/// plan, the initializers' values go to a safetensors file beside it.
int compileOnnx(const std::string &bytes,
                const std::optional<BatchOption> &batchOption) {
  if (!defines.empty())
    return fail("-D sets a model file's constants; an ONNX model has none");
  Emit stage = chooseStage();
  if (stage == Emit::AST)
    return fail("--emit=ast shows a model file's syntax tree; an ONNX model "
                "starts at --emit=mlir");
  braid::frontend::onnx_import::ImportOptions options;
  if (batchOption && batchOption->isRange())
    return fail(
        "--batch " + batch.getValue() +
        ": an ONNX model is compiled for one batch size; give --batch N");
  options.batch = batchOption ? batchOption->hi : 0;
  options.loss = loss;
  options.labels = labels;
  options.optimizer = optimizer;
  llvm::StringRef stem = llvm::sys::path::stem(inputFile.getValue());
  options.modelName = stem.empty() ? "model" : stem.str();
  std::string outputPath;
  if (int failed = chooseOutputPath(stage, options.modelName, &outputPath))
    return failed;
  mlir::MLIRContext context;
  braid::frontend::onnx_import::ImportedModel imported;
  std::string error;
  if (!braid::frontend::onnx_import::importOnnx(
          context, bytes, inputFile.getValue(), options, &imported, &error))
    return fail(inputFile.getValue() + ": " + error);
  // Diagnostics of later passes name the node (its name and position).
  context.printOpOnDiagnostic(false);
  if (int failed = lowerAndWrite(context, *imported.module, stage, outputPath,
                                 options.modelName))
    return failed;
  if (stage != Emit::Plan && !weightsFile.getNumOccurrences())
    return 0;
  std::string path = weightsFile;
  if (path.empty()) {
    if (outputPath == "-")
      return fail("the plan went to standard output; name the weights' file "
                  "with --weights");
    llvm::SmallString<128> p(outputPath);
    llvm::sys::path::replace_extension(p, ".safetensors");
    path = p.str().str();
  }
  std::vector<braid::runtime::io::NamedArray> arrays;
  for (const braid::frontend::onnx_import::Weight &w : imported.weights) {
    braid::runtime::io::NamedArray a;
    a.name = w.name;
    a.array.dtype = braid::runtime::io::DType::F32;
    a.array.shape = w.shape;
    const auto *data = reinterpret_cast<const uint8_t *>(w.values.data());
    a.array.data.assign(data, data + w.values.size() * sizeof(float));
    arrays.push_back(std::move(a));
  }
  braid::runtime::Status s = braid::runtime::io::writeSafetensors(
      path, arrays, {{"format", "braid"}, {"model", options.modelName}});
  return s ? 0 : fail(s.message());
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "braidc " << BRAID_VERSION << " (MLIR " << LLVM_VERSION_STRING
       << ")\n";
  });
  // The shared libLLVM registers every backend's options; --help shows
  // braidc's own, and MLIR's (--mlir-print-ir-after-all, --mlir-timing,
  // --mlir-print-debuginfo, ...) still work and are listed by --help-hidden.
  cl::HideUnrelatedOptions({&braidCategory, &onnxCategory});
  cl::ParseCommandLineOptions(
      argc, argv,
      "braidc: compile a Braid model file, or import and compile an ONNX "
      "model\n\n"
      "  braidc MODEL.braid [-o FILE] "
      "[--emit=ast|mlir|mlir-train|mlir-parallel|mlir-fused|mlir-lowered|"
      "plan] [--batch N] [-D NAME=VALUE ...] [--replicas N [--bucket-bytes "
      "BYTES]] [--no-codegen]"
      "\n"
      "  braidc MODEL.onnx --batch N [-o FILE] [--emit=...] [--loss NAME "
      "[--labels NAME] [--optimizer SPEC]] [--weights FILE]\n\n"
      "MLIR's printing and timing flags (see --help-hidden) apply as in "
      "mlir-opt.\n");

  std::optional<BatchOption> batchOption;
  if (batch.getNumOccurrences()) {
    std::string error;
    batchOption = parseBatch(batch.getValue(), &error);
    if (!batchOption)
      return fail(error);
  }
  bool batchRange = batchOption && batchOption->isRange();
  if (batchRange && replicas != 1)
    return fail("--batch " + batch.getValue() +
                " (a range) is for serving and --replicas for training; "
                "compile them as two plans");

  if (replicas < 1 || replicas > 1000000)
    return fail("--replicas must be from 1 to 10^6, got " +
                std::to_string(replicas));
  if (bucketBytes < 1)
    return fail("--bucket-bytes must be positive, got " +
                std::to_string(bucketBytes));
  if (noCodegen && emit == Emit::MLIRFused)
    return fail("--emit=mlir-fused shows the fused kernels, which "
                "--no-codegen leaves out; drop one of the two");

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      mlir::openInputFile(inputFile, &errorMessage);
  if (!buffer)
    return fail(errorMessage);
  if (llvm::StringRef(inputFile.getValue()).ends_with(".onnx"))
    return compileOnnx(buffer->getBuffer().str(), batchOption);
  for (cl::Option *onnxOnly : std::initializer_list<cl::Option *>{
           &loss, &labels, &optimizer, &weightsFile})
    if (onnxOnly->getNumOccurrences())
      return fail("--" + onnxOnly->ArgStr.str() +
                  " applies to an ONNX model (a .onnx file); a model file "
                  "sets its training in its train block");
  SourceFile source(inputFile == "-" ? std::string("<stdin>")
                                     : inputFile.getValue(),
                    buffer->getBuffer().str());

  // Diagnostics are collected and printed through LLVM's stream so that they
  // interleave correctly with MLIR's.
  std::ostringstream diagText;
  DiagnosticEngine diags(source, diagText);
  auto flushDiagnostics = [&] {
    llvm::errs() << diagText.str();
    diagText.str("");
  };

  ExpandOptions expandOptions;
  for (const std::string &define : defines) {
    size_t equal = define.find('=');
    if (equal == std::string::npos || equal == 0)
      return fail("-D " + define + ": expected NAME=VALUE, as in -D layers=2");
    expandOptions.defines.emplace_back(define.substr(0, equal),
                                       define.substr(equal + 1));
  }
  // The functions the dialect's ops declare are read from the registered
  // dialect, so the context exists before the checks.
  mlir::MLIRContext context;
  SemaOptions options;
  if (batchOption)
    options.batch = batchOption->hi;
  Model model;
  std::optional<CheckedModel> checked = checkSource(
      source, builtinTable(context), expandOptions, options, diags, model);
  flushDiagnostics();
  if (!checked)
    return 1;

  Emit stage = chooseStage();
  std::string outputPath;
  if (int failed = chooseOutputPath(stage, model.name, &outputPath))
    return failed;
  std::string outputBytes;
  llvm::raw_string_ostream output(outputBytes);

  if (stage == Emit::AST) {
    std::ostringstream text;
    dump(model, text);
    output << text.str();
    return writeOutput(outputPath, output.str());
  }

  // MLIR's diagnostics (from a pass or the exporter) print as the front
  // end's do: file:line:col, the source line and a caret.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source.contents(), source.name()),
      llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler diagnosticHandler(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module = generateModule(
      context, model, *checked, source.name(), &diags.instances());
  if (!module)
    return fail("internal error: the generated module does not verify "
                "(please report this with the model file)");
  // A range's smaller sizes of predict join the module first, so that
  // canonicalization and memory planning treat every entry point alike.
  if (batchRange && stage != Emit::MLIR && stage != Emit::MLIRTrain) {
    std::vector<int64_t> sizes = predictBatches(*batchOption);
    for (int64_t size : llvm::ArrayRef(sizes).drop_back())
      if (mlir::failed(addPredictAt(context, *module, model, size, diags,
                                    source.name())))
        return 1;
    flushDiagnostics();
    (*module)->setAttr(braid::attrs::kPredictBatches,
                       mlir::DenseI64ArrayAttr::get(&context, sizes));
  }
  return lowerAndWrite(context, *module, stage, outputPath, model.name,
                       batchRange);
}
