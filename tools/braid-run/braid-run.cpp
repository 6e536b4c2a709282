// braid-run: runs compiled plans. Built on the public C API (braid/braid.h),
// plus the runtime's readers of .npy and IDX files; it links no LLVM.
//
//   braid-run info PLAN
//   braid-run predict PLAN [--checkpoint FILE] --input NAME=FILE ...
//                          --output [NAME=]FILE.npy
//   braid-run train PLAN --data SOURCE [--epochs N] [--seed S] ...
//   braid-run eval PLAN --checkpoint FILE --data SOURCE
//   braid-run generate PLAN --checkpoint FILE --prompt TEXT [--tokens N] ...
#include "Common.h"
#include "Generate.h"
#include "OpenMpEnv.h"
#include "Plot.h"

#include "braid/braid.h"
#include "runtime/io/AtomicFile.h"
#include "runtime/io/Idx.h"
#include "runtime/io/Npy.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

using braid::runtime::Status;
using braid::runtime::io::Array;
using braid::runtime::io::DType;

namespace {

using namespace braidrun;

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Splits NAME=VALUE; a bare VALUE gives an empty name.
std::pair<std::string, std::string> splitBinding(const std::string &text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos)
    return {"", text};
  return {text.substr(0, eq), text.substr(eq + 1)};
}

/// Reads an input file and converts it to the input's element type. IDX
/// images (unsigned bytes) are scaled to [0, 1]; see docs/c-api.md.
Status readInput(const std::string &path, const braid_tensor_info_t &info,
                 Array *out) {
  Array raw;
  bool isNpy = endsWith(path, ".npy");
  Status s = isNpy ? braid::runtime::io::readNpy(path, &raw)
                   : braid::runtime::io::readIdx(path, &raw);
  if (!s)
    return s;
  if (info.element_type == BRAID_F32) {
    if (raw.dtype == DType::U8 && !isNpy) {
      out->dtype = DType::F32;
      out->shape = raw.shape;
      out->data.resize(raw.data.size() * 4);
      auto *dst = reinterpret_cast<float *>(out->data.data());
      for (size_t i = 0; i < raw.data.size(); ++i)
        dst[i] = raw.data[i] / 255.0f;
      return Status::ok();
    }
    if (raw.dtype != DType::F32 && raw.dtype != DType::F64)
      return braid::runtime::invalidArgument(
          path + " holds " + braid::runtime::io::toString(raw.dtype) +
          " values but input '" + info.name + "' is " + typeText(info));
    return braid::runtime::io::convert(raw, DType::F32, out);
  }
  if (raw.dtype != DType::I32 && raw.dtype != DType::I64 &&
      raw.dtype != DType::U8)
    return braid::runtime::invalidArgument(
        path + " holds " + braid::runtime::io::toString(raw.dtype) +
        " values but input '" + info.name + "' is " + typeText(info));
  return braid::runtime::io::convert(raw, DType::I32, out);
}

/// The plan's generated code: each image, the one this machine would load
/// (or why none), and the kernels' symbols.
void printCode(const braid_plan_t *plan) {
  size_t images = braid_plan_code_image_count(plan);
  if (images == 0) {
    std::printf("generated code:    none (prebuilt kernels only)\n");
    return;
  }
  std::printf("generated code:    %zu images\n", images);
  for (size_t i = 0; i < images; ++i) {
    const char *isa;
    uint64_t bytes, hash;
    braid_plan_code_image(plan, i, &isa, &bytes, &hash);
    std::printf("  image %-10s %llu bytes, hash %016llx\n", isa,
                static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(hash));
  }
  const char *chosen;
  if (braid_plan_code_isa(plan, &chosen) == BRAID_OK)
    std::printf("  this CPU loads   %s\n", chosen);
  else
    std::printf("  this CPU loads   none: %s\n", braid_status_message());
  size_t kernels = braid_plan_kernel_count(plan);
  std::printf("  kernels          %zu\n", kernels);
  for (size_t k = 0; k < kernels; ++k) {
    const char *name;
    braid_plan_kernel_name(plan, k, &name);
    std::printf("    %s\n", name);
  }
}

int info(const std::string &planPath) {
  braid_plan_t *raw = nullptr;
  if (braid_plan_load_file(planPath.c_str(), &raw) != BRAID_OK)
    return failApi("cannot load plan " + planPath);
  PlanPtr plan(raw);
  braid_plan_info_t pi;
  braid_plan_info_init(&pi);
  braid_plan_info(plan.get(), &pi);
  std::printf("plan:              %s\n", planPath.c_str());
  std::printf("model:             %s\n", pi.model_name);
  std::printf("compiled by:       braidc %s\n", pi.compiler_version);
  std::printf("batch:             %lld\n", static_cast<long long>(pi.batch));
  // A plan for a range of batch sizes (braidc --batch LO..HI).
  if (pi.predict_batch_count > 1) {
    std::printf("predict batches:   ");
    for (size_t i = 0; i < pi.predict_batch_count; ++i)
      std::printf("%s%lld", i ? ", " : "",
                  static_cast<long long>(pi.predict_batches[i]));
    std::printf(" (serves 1 to %lld rows)\n", static_cast<long long>(pi.batch));
  }
  std::printf("replicas:          %d\n", pi.replicas);
  // The train block's length and accumulation, when it sets them.
  if (pi.steps > 0)
    std::printf("train steps:       %lld\n", static_cast<long long>(pi.steps));
  if (pi.accumulate > 1)
    std::printf("accumulate:        %lld micro-batches of %lld per step\n",
                static_cast<long long>(pi.accumulate),
                static_cast<long long>(pi.batch));
  std::printf("module hash:       %016llx\n",
              static_cast<unsigned long long>(pi.module_hash));
  std::printf("parameters:        %zu tensors, %lld values\n",
              pi.parameter_count,
              static_cast<long long>(pi.parameter_elements));
  std::printf("arena:             %llu bytes\n",
              static_cast<unsigned long long>(pi.arena_bytes));
  const auto state = static_cast<unsigned long long>(pi.optimizer_state_bytes);
  // The update of every gradient bucket is sharded over the replicas
  // (docs/data-parallel.md): each rank keeps about 1/N of the state.
  if (pi.replicas > 1)
    std::printf("optimizer state:   %llu bytes, about %llu per rank on %d "
                "ranks\n",
                state, (state + pi.replicas - 1) / pi.replicas, pi.replicas);
  else
    std::printf("optimizer state:   %llu bytes\n", state);
  std::printf("oneDNN ISA:        %s\n", braid_runtime_onednn_isa());
  std::printf("native loops ISA:  %s\n", braid_runtime_native_isa());
  printCode(plan.get());
  for (size_t e = 0; e < pi.entry_point_count; ++e) {
    const char *name;
    braid_plan_entry_point_name(plan.get(), e, &name);
    size_t inputs, outputs;
    braid_plan_entry_point_signature(plan.get(), name, &inputs, &outputs);
    std::printf("entry point %s\n", name);
    for (size_t i = 0; i < inputs + outputs; ++i) {
      braid_tensor_info_t t;
      braid_tensor_info_init(&t);
      if (i < inputs)
        braid_plan_entry_point_input(plan.get(), name, i, &t);
      else
        braid_plan_entry_point_output(plan.get(), name, i - inputs, &t);
      std::printf("  %-6s %-20s %s (%zu bytes)\n",
                  i < inputs ? "input" : "output", t.name, typeText(t).c_str(),
                  t.byte_size);
    }
  }
  return 0;
}

struct PredictOptions {
  std::string plan, checkpoint;
  std::vector<std::string> inputs, outputs; // NAME=FILE, [NAME=]FILE.npy
  SessionFlags session;
};

/// One `braid-run predict`: each step of the command is a method, run in
/// the order run() lists.
class Predictor {
public:
  explicit Predictor(const PredictOptions &options) : o_(options) {}

  int run() {
    if (int rc = loadPlan())
      return rc;
    if (int rc = matchOutputs())
      return rc;
    if (int rc = readInputs())
      return rc;
    if (int rc = createSession(plan_.get(), o_.session, nullptr, &session_))
      return rc;
    if (int rc =
            loadCheckpointOrWarn(session_.get(), o_.checkpoint, "predicting"))
      return rc;
    if (int rc = prepareOutputs())
      return rc;
    for (int64_t start = 0; start < samples_; start += batch_)
      if (int rc = runBatch(start))
        return rc;
    if (int rc = writeOutputs())
      return rc;
    std::fprintf(stderr, "braid-run: predicted %lld samples\n",
                 static_cast<long long>(samples_));
    return 0;
  }

private:
  static constexpr const char *kEntry = "predict";

  /// The plan and the signature of its predict.
  int loadPlan() {
    braid_plan_t *raw = nullptr;
    if (braid_plan_load_file(o_.plan.c_str(), &raw) != BRAID_OK)
      return failApi("cannot load plan " + o_.plan);
    plan_.reset(raw);
    size_t inputCount, outputCount;
    if (braid_plan_entry_point_signature(plan_.get(), kEntry, &inputCount,
                                         &outputCount) != BRAID_OK)
      return failApi(o_.plan);
    inputs_.resize(inputCount);
    for (size_t i = 0; i < inputCount; ++i) {
      braid_tensor_info_init(&inputs_[i]);
      braid_plan_entry_point_input(plan_.get(), kEntry, i, &inputs_[i]);
    }
    outputs_.resize(outputCount);
    for (size_t o = 0; o < outputCount; ++o) {
      braid_tensor_info_init(&outputs_[o]);
      braid_plan_entry_point_output(plan_.get(), kEntry, o, &outputs_[o]);
    }
    return 0;
  }

  /// --input NAME=FILE for every input of predict, each read whole; the
  /// files must hold the same number of samples.
  int readInputs() {
    std::map<std::string, std::string> files;
    for (const std::string &spec : o_.inputs) {
      auto [name, file] = splitBinding(spec);
      if (name.empty() || file.empty())
        return fail("--input takes NAME=FILE, got '" + spec + "'");
      if (auto [it, added] = files.emplace(name, file); !added)
        return fail("input '" + name + "' is given twice (--input " + name +
                    "=" + it->second + " and --input " + spec +
                    "); give each input once");
    }
    std::string expected;
    for (size_t i = 0; i < inputs_.size(); ++i)
      expected += std::string(i ? ", " : "") + inputs_[i].name + " " +
                  typeText(inputs_[i]);
    for (const auto &[name, file] : files) {
      bool known = false;
      for (const braid_tensor_info_t &t : inputs_)
        known |= name == t.name;
      if (!known)
        return fail("the plan's predict has no input '" + name +
                    "'; it takes: " + expected);
    }
    arrays_.resize(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const braid_tensor_info_t &t = inputs_[i];
      auto it = files.find(t.name);
      if (it == files.end())
        return fail("missing --input " + std::string(t.name) + "=FILE (" +
                    typeText(t) + ")");
      if (int rc = readInputFile(t, it->second, &arrays_[i]))
        return rc;
    }
    return 0;
  }

  /// Reads one input file, which must hold N samples of the input's
  /// per-sample size, N the same for every input.
  int readInputFile(const braid_tensor_info_t &t, const std::string &path,
                    Array *out) {
    Status s = readInput(path, t, out);
    if (!s)
      return fail(s.message());
    batch_ = t.rank ? t.shape[0] : 1;
    int64_t perSample = static_cast<int64_t>(t.byte_size / 4) / batch_;
    int64_t n = out->shape.empty() ? 1 : out->shape[0];
    if (out->elements() != n * perSample)
      return fail(path + " has shape " +
                  shapeText(out->shape.data(), out->shape.size()) +
                  ", which is not N samples of input '" + t.name + "' " +
                  typeText(t) + " (" + std::to_string(perSample) +
                  " values each)");
    if (samples_ >= 0 && n != samples_)
      return fail(path + " has " + std::to_string(n) +
                  " samples, the other inputs " + std::to_string(samples_));
    samples_ = n;
    return 0;
  }

  /// Matches --output FILE (a single output) or NAME=FILE (several) to the
  /// outputs, each at most once, and checks that every file can be written
  /// before any work is done.
  int matchOutputs() {
    outputFiles_.resize(outputs_.size());
    for (const std::string &spec : o_.outputs) {
      auto [name, file] = splitBinding(spec);
      bool matched = false;
      for (size_t o = 0; o < outputs_.size(); ++o)
        if (name == outputs_[o].name ||
            (name.empty() && outputs_.size() == 1)) {
          if (!outputFiles_[o].empty())
            return fail("output '" + std::string(outputs_[o].name) +
                        "' is given twice (--output " + outputFiles_[o] +
                        " and --output " + spec + "); give each output once");
          outputFiles_[o] = file;
          matched = true;
        }
      if (!matched)
        return fail("--output '" + spec +
                    "' names no output of predict (use NAME=FILE.npy when the "
                    "plan has several outputs)");
      if (Status s = braid::runtime::io::checkWritable(file); !s)
        return fail(s.message());
    }
    return 0;
  }

  /// Sizes each result for every sample.
  int prepareOutputs() {
    results_.resize(outputs_.size());
    for (size_t o = 0; o < outputs_.size(); ++o) {
      const braid_tensor_info_t &t = outputs_[o];
      if (t.rank == 0 || t.shape[0] != batch_)
        return fail("output '" + std::string(t.name) + "' " + typeText(t) +
                    " has no leading batch dimension; braid-run predict "
                    "cannot split it by sample");
      results_[o].dtype = t.element_type == BRAID_F32 ? DType::F32 : DType::I32;
      results_[o].shape.assign(t.shape, t.shape + t.rank);
      results_[o].shape[0] = samples_;
      results_[o].data.resize(t.byte_size / batch_ * samples_);
    }
    return 0;
  }

  /// Predicts the batch of samples from `start`: up to the plan's batch,
  /// run by the smallest compiled size of predict that holds them
  /// (braid_session_predict pads a partial one with zero rows).
  int runBatch(int64_t start) {
    int64_t rows = std::min(batch_, samples_ - start);
    std::vector<const void *> in(inputs_.size());
    std::vector<void *> out(outputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i)
      in[i] = arrays_[i].data.data() + start * (inputs_[i].byte_size / batch_);
    for (size_t o = 0; o < outputs_.size(); ++o)
      out[o] =
          results_[o].data.data() + start * (outputs_[o].byte_size / batch_);
    if (braid_session_predict(session_.get(), rows, in.data(), in.size(),
                              out.data(), out.size()) != BRAID_OK)
      return failApi("predict failed");
    return 0;
  }

  int writeOutputs() {
    for (size_t o = 0; o < outputs_.size(); ++o) {
      if (outputFiles_[o].empty())
        continue;
      Status s = braid::runtime::io::writeNpy(outputFiles_[o], results_[o]);
      if (!s)
        return fail(s.message());
    }
    return 0;
  }

  const PredictOptions &o_;
  PlanPtr plan_;
  SessionPtr session_;
  std::vector<braid_tensor_info_t> inputs_, outputs_;
  std::vector<Array> arrays_; // each input's samples, from its file
  int64_t batch_ = 0;         // the plan's batch
  int64_t samples_ = -1;      // samples in the input files
  std::vector<std::string> outputFiles_;
  std::vector<Array> results_; // each output for every sample
};

/// --threads and --ieee-denormals (and --seed where `seedHelp` is given),
/// which every command that runs a session takes.
void addSessionFlags(CLI::App *command, SessionFlags *flags,
                     const char *seedHelp) {
  command->add_option("--threads", flags->threads,
                      "OpenMP threads (default: OMP_NUM_THREADS, else the "
                      "cores / local processes)");
  command->add_flag("--ieee-denormals", flags->ieeeDenormals,
                    "Compute with IEEE denormals instead of flushing them to "
                    "zero (slower once values underflow)");
  command->add_flag("--no-native-code", flags->noNativeCode,
                    "Refuse a plan that carries generated native code "
                    "(compile it with braidc --no-codegen to run without)");
  if (seedHelp)
    command->add_option("--seed", flags->seed, seedHelp);
}

} // namespace

int main(int argc, char **argv) {
  braidrun::preferSleepingWorkers(argv);
  CLI::App app{"braid-run: run a compiled Braid plan"};
  app.set_version_flag("--version",
                       std::string("braid-run ") + braid_runtime_version());
  app.require_subcommand(1);

  std::string planPath;
  CLI::App *infoCommand = app.add_subcommand(
      "info", "Print a plan's entry points, tensors, arena and parameters, "
              "and the instruction sets this machine computes with");
  infoCommand
      ->add_option("plan", planPath, "The plan file (braidc --emit=plan)")
      ->required();

  PredictOptions predictOptions;
  CLI::App *predictCommand =
      app.add_subcommand("predict", "Run the predict entry point over files");
  predictCommand->add_option("plan", predictOptions.plan, "The plan file")
      ->required();
  predictCommand->add_option("--checkpoint", predictOptions.checkpoint,
                             "safetensors file with the parameters");
  predictCommand
      ->add_option("--input", predictOptions.inputs,
                   "NAME=FILE: an input from a .npy file or an IDX file "
                   "(plain or .gz; unsigned-byte images are scaled to [0, 1])")
      ->required();
  predictCommand->add_option("--output", predictOptions.outputs,
                             "[NAME=]FILE.npy: where an output goes");
  addSessionFlags(predictCommand, &predictOptions.session,
                  "initializer seed when no checkpoint is given");

  braidrun::TrainOptions trainOptions;
  CLI::App *trainCommand = app.add_subcommand(
      "train",
      "Train with the plan's train_step, evaluating on the test split");
  trainCommand->add_option("plan", trainOptions.plan, "The plan file")
      ->required();
  trainCommand
      ->add_option(
          "--data", trainOptions.data,
          "fashion-mnist (Debian's /usr/share/datasets/fashion-mnist), "
          "a directory of IDX files in MNIST naming, "
          "NAME=FILE.npy,... (images scaled to [0, 1]), or text=FILE "
          "(bytes; 'text' alone: Debian's fortunes) for two inputs i32[B, T]")
      ->required();
  trainCommand->add_flag("--in-order", trainOptions.inOrder,
                         "Batches in the data's order, unshuffled (batch b "
                         "holds samples b*B to (b+1)*B-1 of every epoch)");
  trainCommand->add_option("--test-data", trainOptions.testData,
                           "NAME=FILE.npy,... for evaluation when --data is "
                           ".npy files");
  trainCommand->add_option("--epochs", trainOptions.epochs,
                           "Epochs (default: the train block's)");
  trainCommand->add_option("--init-from", trainOptions.initFrom,
                           "Checkpoint to start from; a braid checkpoint "
                           "resumes where it stopped");
  trainCommand->add_option("--save", trainOptions.save,
                           "Checkpoint to write at the end (and on SIGTERM "
                           "or SIGINT, at the next step boundary)");
  trainCommand
      ->add_option("--save-every", trainOptions.saveEvery,
                   "Also write the --save checkpoint every N steps")
      ->check(CLI::NonNegativeNumber);
  trainCommand->add_flag("--restart-from-weights",
                         trainOptions.restartFromWeights,
                         "Start at epoch 1 from the --init-from checkpoint's "
                         "weights, ignoring its optimizer state and position");
  trainCommand->add_flag("--fresh-optimizer", trainOptions.freshOptimizer,
                         "Resume at the --init-from checkpoint's position "
                         "with the optimizer state started afresh (zero)");
  trainCommand->add_option("--metrics", trainOptions.metrics,
                           "JSON Lines file: one object per step and epoch");
  trainCommand->add_option("--eval-every", trainOptions.evalEvery,
                           "Evaluate every N epochs (0: never)");
  trainCommand->add_option("--max-steps", trainOptions.maxSteps,
                           "Stop (and save) after N steps in all");
  trainCommand->add_option(
      "--trace", trainOptions.trace,
      "Chrome trace-event JSON (chrome://tracing, Perfetto) of every "
      "kernel, collective, batch and checkpoint of the first --trace-steps "
      "steps, with model-source locations; every rank's in one file");
  trainCommand
      ->add_option("--trace-steps", trainOptions.traceSteps,
                   "The steps --trace keeps (default 100)")
      ->check(CLI::PositiveNumber);
  trainCommand->add_flag("--profile", trainOptions.profile,
                         "At the end, print the share of the step's time "
                         "per kernel and matrix product (top 20)");
  const char *valHelp = "Text data: the share of the text, at its end, held "
                        "out for the validation loss (0: none)";
  trainCommand->add_option("--val-fraction", trainOptions.valFraction, valHelp)
      ->check(CLI::Range(0.0, 0.999999));
  addSessionFlags(trainCommand, &trainOptions.session,
                  "Seed of the initializers and the shuffling");

  braidrun::EvalOptions evalOptions;
  CLI::App *evalCommand = app.add_subcommand(
      "eval", "Print the loss and accuracy of a checkpoint on the test split");
  evalCommand->add_option("plan", evalOptions.plan, "The plan file")
      ->required();
  evalCommand
      ->add_option("--checkpoint", evalOptions.checkpoint,
                   "safetensors checkpoint")
      ->required();
  evalCommand->add_option("--data", evalOptions.data, "As for train")
      ->required();
  evalCommand->add_option("--val-fraction", evalOptions.valFraction, valHelp)
      ->check(CLI::Range(0.0, 0.999999));
  addSessionFlags(evalCommand, &evalOptions.session, nullptr);
  const char *timeoutHelp =
      "Seconds a data-parallel collective may wait for the other ranks before "
      "the job is ended (a rank died or hangs)";
  trainCommand
      ->add_option("--comm-timeout", trainOptions.commTimeout, timeoutHelp)
      ->check(CLI::PositiveNumber);
  evalCommand
      ->add_option("--comm-timeout", evalOptions.commTimeout, timeoutHelp)
      ->check(CLI::PositiveNumber);

  braidrun::GenerateOptions generateOptions;
  CLI::App *generateCommand = app.add_subcommand(
      "generate", "Print a prompt followed by bytes sampled one at a time "
                  "from predict's logits over the last T bytes");
  generateCommand->add_option("plan", generateOptions.plan, "The plan file")
      ->required();
  generateCommand->add_option("--checkpoint", generateOptions.checkpoint,
                              "safetensors file with the parameters");
  generateCommand
      ->add_option("--prompt", generateOptions.prompt,
                   "The text to continue (its bytes are the first tokens)")
      ->required();
  generateCommand->add_option("--tokens", generateOptions.tokens,
                              "Bytes to generate (default 200)");
  generateCommand->add_option(
      "--temperature", generateOptions.temperature,
      "Divides the logits (default 1; 0: the most likely byte)");
  generateCommand->add_option(
      "--top-k", generateOptions.topK,
      "Draw from the K most likely bytes only (default 0: all)");
  addSessionFlags(generateCommand, &generateOptions.session,
                  "Seed of the sampling (and of the initializers without "
                  "--checkpoint)");

  braidrun::PlotOptions plotOptions;
  CLI::App *plotCommand = app.add_subcommand(
      "plot", "Draw the loss, validation loss, learning rate and samples/s "
              "of a train --metrics log as an SVG");
  plotCommand
      ->add_option("metrics", plotOptions.metrics,
                   "The JSON Lines file of braid-run train --metrics")
      ->required();
  plotCommand->add_option("-o,--output", plotOptions.output, "The SVG file")
      ->required();

  CLI11_PARSE(app, argc, argv);
  if (*plotCommand)
    return braidrun::plot(plotOptions);
  if (*generateCommand)
    return braidrun::generate(generateOptions);
  if (*infoCommand)
    return info(planPath);
  if (*trainCommand)
    return braidrun::train(trainOptions);
  if (*evalCommand)
    return braidrun::eval(evalOptions);
  return Predictor(predictOptions).run();
}
