// braid-run: runs compiled plans. Built on the public C API (braid/braid.h),
// plus the runtime's readers of .npy and IDX files; it links no LLVM.
//
//   braid-run info PLAN
//   braid-run predict PLAN [--checkpoint FILE] --input NAME=FILE ...
//                          --output [NAME=]FILE.npy
//   braid-run train PLAN --data SOURCE [--epochs N] [--seed S] ...
//   braid-run eval PLAN --checkpoint FILE --data SOURCE
#include "Common.h"

#include "braid/braid.h"
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

int info(const std::string &planPath) {
  braid_plan_t *raw = nullptr;
  if (braid_plan_load_file(planPath.c_str(), &raw) != BRAID_OK)
    return failApi("cannot load plan " + planPath);
  PlanPtr plan(raw);
  braid_plan_info_t pi;
  braid_plan_info(plan.get(), &pi);
  std::printf("plan:              %s\n", planPath.c_str());
  std::printf("model:             %s\n", pi.model_name);
  std::printf("compiled by:       braidc %s\n", pi.compiler_version);
  std::printf("batch:             %lld\n", static_cast<long long>(pi.batch));
  std::printf("replicas:          %d\n", pi.replicas);
  std::printf("module hash:       %016llx\n",
              static_cast<unsigned long long>(pi.module_hash));
  std::printf("parameters:        %zu tensors, %lld values\n",
              pi.parameter_count,
              static_cast<long long>(pi.parameter_elements));
  std::printf("arena:             %llu bytes\n",
              static_cast<unsigned long long>(pi.arena_bytes));
  for (size_t e = 0; e < pi.entry_point_count; ++e) {
    const char *name;
    braid_plan_entry_point_name(plan.get(), e, &name);
    size_t inputs, outputs;
    braid_plan_entry_point_signature(plan.get(), name, &inputs, &outputs);
    std::printf("entry point %s\n", name);
    for (size_t i = 0; i < inputs + outputs; ++i) {
      braid_tensor_info_t t;
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

int predict(const std::string &planPath, const std::string &checkpoint,
            const std::vector<std::string> &inputSpecs,
            const std::vector<std::string> &outputSpecs, int threads,
            uint64_t seed) {
  const char *entry = "predict";
  braid_plan_t *rawPlan = nullptr;
  if (braid_plan_load_file(planPath.c_str(), &rawPlan) != BRAID_OK)
    return failApi("cannot load plan " + planPath);
  PlanPtr plan(rawPlan);
  size_t inputCount, outputCount;
  if (braid_plan_entry_point_signature(plan.get(), entry, &inputCount,
                                       &outputCount) != BRAID_OK)
    return failApi(planPath);

  // Inputs: every input of predict, from NAME=FILE.
  std::map<std::string, std::string> files;
  for (const std::string &spec : inputSpecs) {
    auto [name, file] = splitBinding(spec);
    if (name.empty() || file.empty())
      return fail("--input takes NAME=FILE, got '" + spec + "'");
    files[name] = file;
  }
  std::vector<braid_tensor_info_t> inputs(inputCount);
  std::vector<Array> arrays(inputCount);
  std::string expected;
  for (size_t i = 0; i < inputCount; ++i) {
    braid_plan_entry_point_input(plan.get(), entry, i, &inputs[i]);
    expected +=
        std::string(i ? ", " : "") + inputs[i].name + " " + typeText(inputs[i]);
  }
  for (const auto &[name, file] : files) {
    bool known = false;
    for (const braid_tensor_info_t &t : inputs)
      known |= name == t.name;
    if (!known)
      return fail("the plan's predict has no input '" + name +
                  "'; it takes: " + expected);
  }
  int64_t batch = 0, samples = -1;
  for (size_t i = 0; i < inputCount; ++i) {
    const braid_tensor_info_t &t = inputs[i];
    auto it = files.find(t.name);
    if (it == files.end())
      return fail("missing --input " + std::string(t.name) + "=FILE (" +
                  typeText(t) + ")");
    Status s = readInput(it->second, t, &arrays[i]);
    if (!s)
      return fail(s.message());
    // The file holds N samples of the input's per-sample size.
    batch = t.rank ? t.shape[0] : 1;
    int64_t perSample = static_cast<int64_t>(t.byte_size / 4) / batch;
    const Array &a = arrays[i];
    int64_t n = a.shape.empty() ? 1 : a.shape[0];
    if (a.elements() != n * perSample)
      return fail(it->second + " has shape " +
                  shapeText(a.shape.data(), a.shape.size()) +
                  ", which is not N samples of input '" + t.name + "' " +
                  typeText(t) + " (" + std::to_string(perSample) +
                  " values each)");
    if (samples >= 0 && n != samples)
      return fail(it->second + " has " + std::to_string(n) +
                  " samples, the other inputs " + std::to_string(samples));
    samples = n;
  }

  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = threads;
  options.seed = seed;
  braid_session_t *rawSession = nullptr;
  if (braid_session_create(plan.get(), &options, &rawSession) != BRAID_OK)
    return failApi("cannot create a session");
  SessionPtr session(rawSession);
  if (!checkpoint.empty()) {
    if (braid_session_load_checkpoint(session.get(), checkpoint.c_str()) !=
        BRAID_OK)
      return failApi("cannot load checkpoint");
  } else {
    std::fprintf(stderr, "braid-run: warning: no --checkpoint; predicting "
                         "with freshly initialized parameters\n");
  }

  // Outputs: FILE for a single output, NAME=FILE for several.
  std::vector<braid_tensor_info_t> outputs(outputCount);
  std::vector<std::string> outputFiles(outputCount);
  for (size_t o = 0; o < outputCount; ++o)
    braid_plan_entry_point_output(plan.get(), entry, o, &outputs[o]);
  for (const std::string &spec : outputSpecs) {
    auto [name, file] = splitBinding(spec);
    bool matched = false;
    for (size_t o = 0; o < outputCount; ++o)
      if (name == outputs[o].name || (name.empty() && outputCount == 1)) {
        outputFiles[o] = file;
        matched = true;
      }
    if (!matched)
      return fail("--output '" + spec +
                  "' names no output of predict (use NAME=FILE.npy when the "
                  "plan has several outputs)");
  }
  std::vector<Array> results(outputCount);
  for (size_t o = 0; o < outputCount; ++o) {
    const braid_tensor_info_t &t = outputs[o];
    if (t.rank == 0 || t.shape[0] != batch)
      return fail("output '" + std::string(t.name) + "' " + typeText(t) +
                  " has no leading batch dimension; braid-run predict cannot "
                  "split it by sample");
    results[o].dtype = t.element_type == BRAID_F32 ? DType::F32 : DType::I32;
    results[o].shape.assign(t.shape, t.shape + t.rank);
    results[o].shape[0] = samples;
    results[o].data.resize(t.byte_size / batch * samples);
  }

  // Whole batches are bound straight from the file's arrays; the last,
  // partial one is padded with zeros in a staging buffer and its padding
  // rows dropped from the outputs.
  std::vector<std::vector<uint8_t>> staging(inputCount);
  for (int64_t start = 0; start < samples; start += batch) {
    int64_t rows = std::min(batch, samples - start);
    for (size_t i = 0; i < inputCount; ++i) {
      size_t rowBytes = inputs[i].byte_size / batch;
      const uint8_t *src = arrays[i].data.data() + start * rowBytes;
      if (rows < batch) {
        staging[i].assign(inputs[i].byte_size, 0);
        std::memcpy(staging[i].data(), src, rows * rowBytes);
        src = staging[i].data();
      }
      if (braid_session_bind_input(session.get(), entry, inputs[i].name, src,
                                   inputs[i].byte_size) != BRAID_OK)
        return failApi("binding input");
    }
    if (braid_session_run(session.get(), entry) != BRAID_OK)
      return failApi("predict failed");
    for (size_t o = 0; o < outputCount; ++o) {
      const void *data;
      size_t bytes;
      if (braid_session_output(session.get(), entry, outputs[o].name, &data,
                               &bytes) != BRAID_OK)
        return failApi("reading output");
      size_t rowBytes = bytes / batch;
      std::memcpy(results[o].data.data() + start * rowBytes, data,
                  rows * rowBytes);
    }
  }
  for (size_t o = 0; o < outputCount; ++o) {
    if (outputFiles[o].empty())
      continue;
    Status s = braid::runtime::io::writeNpy(outputFiles[o], results[o]);
    if (!s)
      return fail(s.message());
  }
  std::fprintf(stderr, "braid-run: predicted %lld samples\n",
               static_cast<long long>(samples));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"braid-run: run a compiled Braid plan"};
  app.set_version_flag("--version",
                       std::string("braid-run ") + braid_version());
  app.require_subcommand(1);

  std::string planPath;
  CLI::App *infoCommand = app.add_subcommand(
      "info", "Print a plan's entry points, tensors, arena and parameters");
  infoCommand
      ->add_option("plan", planPath, "The plan file (braidc --emit=plan)")
      ->required();

  std::string checkpoint;
  std::vector<std::string> inputs, outputs;
  int threads = 0;
  uint64_t seed = 0;
  CLI::App *predictCommand =
      app.add_subcommand("predict", "Run the predict entry point over files");
  predictCommand->add_option("plan", planPath, "The plan file")->required();
  predictCommand->add_option("--checkpoint", checkpoint,
                             "safetensors file with the parameters");
  predictCommand
      ->add_option("--input", inputs,
                   "NAME=FILE: an input from a .npy file or an IDX file "
                   "(plain or .gz; unsigned-byte images are scaled to [0, 1])")
      ->required();
  predictCommand->add_option("--output", outputs,
                             "[NAME=]FILE.npy: where an output goes");
  predictCommand->add_option("--threads", threads,
                             "oneDNN threads (0: cores / local processes)");
  predictCommand->add_option("--seed", seed,
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
          "a directory of IDX files in MNIST naming, or "
          "NAME=FILE.npy,... (images scaled to [0, 1])")
      ->required();
  trainCommand->add_option("--test-data", trainOptions.testData,
                           "NAME=FILE.npy,... for evaluation when --data is "
                           ".npy files");
  trainCommand->add_option("--epochs", trainOptions.epochs,
                           "Epochs (default: the train block's)");
  trainCommand->add_option("--seed", trainOptions.seed,
                           "Seed of the initializers and the shuffling");
  trainCommand->add_option("--init-from", trainOptions.initFrom,
                           "Checkpoint to start from; a braid checkpoint "
                           "resumes where it stopped");
  trainCommand->add_option("--save", trainOptions.save,
                           "Checkpoint to write at the end");
  trainCommand->add_option("--metrics", trainOptions.metrics,
                           "JSON Lines file: one object per step and epoch");
  trainCommand->add_option("--eval-every", trainOptions.evalEvery,
                           "Evaluate every N epochs (0: never)");
  trainCommand->add_option("--max-steps", trainOptions.maxSteps,
                           "Stop (and save) after N steps in all");
  trainCommand->add_option("--threads", trainOptions.threads,
                           "oneDNN threads (0: cores / local processes)");

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
  evalCommand->add_option("--threads", evalOptions.threads, "oneDNN threads");
  const char *timeoutHelp =
      "Seconds a data-parallel collective may wait for the other ranks before "
      "the job is ended (a rank died or hangs)";
  trainCommand
      ->add_option("--comm-timeout", trainOptions.commTimeout, timeoutHelp)
      ->check(CLI::PositiveNumber);
  evalCommand
      ->add_option("--comm-timeout", evalOptions.commTimeout, timeoutHelp)
      ->check(CLI::PositiveNumber);

  CLI11_PARSE(app, argc, argv);
  if (*infoCommand)
    return info(planPath);
  if (*trainCommand)
    return braidrun::train(trainOptions);
  if (*evalCommand)
    return braidrun::eval(evalOptions);
  return predict(planPath, checkpoint, inputs, outputs, threads, seed);
}
