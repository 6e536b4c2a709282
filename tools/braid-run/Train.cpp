// braid-run train and braid-run eval: the training loop over the C API, with
// the runtime's data sets, batch sampler, progress and metrics.
#include "Common.h"
#include "Job.h"

#include "runtime/io/Safetensors.h"
#include "runtime/train/BatchSampler.h"
#include "runtime/train/Dataset.h"
#include "runtime/train/Metrics.h"
#include "runtime/train/Progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

namespace braidrun {

using namespace braid::runtime;

namespace {

/// An entry point's inputs, each bound once to a staging buffer that every
/// batch is gathered into (so a step allocates nothing).
struct BoundInputs {
  std::vector<braid_tensor_info_t> infos;
  std::vector<train::InputSpec> specs;
  std::vector<std::vector<uint8_t>> buffers;
};

int describeInputs(braid_plan_t *plan, const char *entry, BoundInputs *out) {
  size_t inputs, outputs;
  if (braid_plan_entry_point_signature(plan, entry, &inputs, &outputs) !=
      BRAID_OK)
    return failApi("the plan cannot " + std::string(entry) +
                   " (compile a model with a train block)");
  for (size_t i = 0; i < inputs; ++i) {
    braid_tensor_info_t t;
    braid_plan_entry_point_input(plan, entry, i, &t);
    if (t.rank == 0)
      return fail(std::string("input '") + t.name + "' has no batch dimension");
    train::InputSpec spec;
    spec.name = t.name;
    spec.dtype = t.element_type == BRAID_F32 ? io::DType::F32 : io::DType::I32;
    spec.sampleShape.assign(t.shape + 1, t.shape + t.rank);
    if (braid_plan_label_classes(plan, entry, t.name, &spec.numClasses) !=
        BRAID_OK)
      return failApi("reading the plan");
    out->infos.push_back(t);
    out->specs.push_back(spec);
    out->buffers.emplace_back(t.byte_size);
  }
  return 0;
}

int bind(braid_session_t *session, const char *entry, BoundInputs &inputs) {
  for (size_t i = 0; i < inputs.infos.size(); ++i)
    if (braid_session_bind_input(session, entry, inputs.infos[i].name,
                                 inputs.buffers[i].data(),
                                 inputs.buffers[i].size()) != BRAID_OK)
      return failApi("binding input");
  return 0;
}

int loadData(const std::string &text, train::Split split,
             const std::vector<train::InputSpec> &specs, train::Dataset *out) {
  train::DataSource source;
  Status s = train::parseDataSource(text, &source);
  if (s)
    s = train::loadDataset(source, split, specs, out);
  return s ? 0 : fail(s.message());
}

double readScalar(braid_session_t *session, const char *entry,
                  const char *name) {
  const void *data;
  size_t bytes;
  if (braid_session_output(session, entry, name, &data, &bytes) != BRAID_OK ||
      bytes != sizeof(float))
    return NAN;
  return *static_cast<const float *>(data);
}

struct Evaluation {
  double loss = 0;
  std::optional<double> accuracy;
  int64_t samples = 0;
};

/// The mean loss (and accuracy) of `eval` over every whole batch of
/// `dataset`.
int evaluate(const Job &job, braid_plan_t *plan, braid_session_t *session,
             BoundInputs &inputs, const train::Dataset &dataset,
             Evaluation *out) {
  // Each rank evaluates its slice of every global batch; the plan's eval
  // averages the loss and accuracy over the replicas.
  int64_t batch = inputs.infos[0].shape[0] * job.size();
  train::EvalBatches batches;
  Status s = train::EvalBatches::create(dataset, batch,
                                        train::PartialBatch::Drop, &batches);
  if (!s)
    return fail(s.message());
  size_t inputCount, outputCount;
  braid_plan_entry_point_signature(plan, "eval", &inputCount, &outputCount);
  bool hasAccuracy = outputCount > 1;
  double lossSum = 0, accuracySum = 0;
  for (int64_t b = 0; b < batches.batchCount(); ++b) {
    for (size_t i = 0; i < inputs.infos.size(); ++i) {
      s = batches.gather(b, job.rank(), job.size(), i, inputs.buffers[i].data(),
                         inputs.buffers[i].size(), nullptr);
      if (!s)
        return fail(s.message());
    }
    if (braid_session_run(session, "eval") != BRAID_OK)
      return job.failRank(std::string("eval failed: ") +
                          braid_status_message());
    lossSum += readScalar(session, "eval", "loss");
    if (hasAccuracy)
      accuracySum += readScalar(session, "eval", "accuracy");
  }
  out->samples = batches.batchCount() * batch;
  out->loss = lossSum / batches.batchCount();
  if (hasAccuracy)
    out->accuracy = accuracySum / batches.batchCount();
  return 0;
}

/// Under mpirun: how long each rank waited in collectives for the others
/// while training. Ranks on shared cores can run at lasting different
/// speeds; the rank that waited least is the one the others waited for.
int reportWaits(const Job &job, FILE *out, double waitedAtStart,
                double seconds) {
  if (job.size() < 2)
    return 0;
  std::vector<double> waits;
  if (int rc = job.allGather(job.waitedSeconds() - waitedAtStart, &waits))
    return rc;
  std::fprintf(out, "waiting for other ranks:");
  size_t slowest = 0;
  for (size_t r = 0; r < waits.size(); ++r) {
    std::fprintf(out, "%s rank %zu %.2f s (%.0f%%)", r ? "," : "", r, waits[r],
                 seconds > 0 ? 100 * waits[r] / seconds : 0.0);
    if (waits[r] < waits[slowest])
      slowest = r;
  }
  std::fprintf(out, " of %.2f s of training", seconds);
  // Below a twentieth of the run, who waited for whom is noise.
  const double most = *std::max_element(waits.begin(), waits.end());
  if (most - waits[slowest] >= 0.05 * seconds)
    std::fprintf(out, "; the others waited for rank %zu", slowest);
  std::fprintf(out, "\n");
  return 0;
}

int saveCheckpoint(braid_session_t *session, const std::string &path,
                   const train::TrainingPosition &position) {
  std::map<std::string, std::string> metadata;
  position.toMetadata(&metadata);
  std::vector<const char *> keys, values;
  for (const auto &[k, v] : metadata) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  if (braid_session_save_checkpoint_with_metadata(session, path.c_str(),
                                                  keys.data(), values.data(),
                                                  keys.size()) != BRAID_OK)
    return failApi("cannot save checkpoint");
  return 0;
}

/// Runs the plan's @broadcast_params, if it has one, so that every replica
/// starts from rank 0's parameters and optimizer state.
int broadcastParameters(const Job &job, braid_plan_t *plan,
                        braid_session_t *session) {
  size_t inputs, outputs;
  if (braid_plan_entry_point_signature(plan, "broadcast_params", &inputs,
                                       &outputs) != BRAID_OK)
    return 0;
  if (braid_session_run(session, "broadcast_params") != BRAID_OK)
    return job.failRank(std::string("broadcasting the parameters failed: ") +
                        braid_status_message());
  return 0;
}

} // namespace

int train(const TrainOptions &o) {
  braid_plan_t *rawPlan = nullptr;
  if (braid_plan_load_file(o.plan.c_str(), &rawPlan) != BRAID_OK)
    return failApi("cannot load plan " + o.plan);
  PlanPtr plan(rawPlan);
  braid_plan_info_t info;
  braid_plan_info(plan.get(), &info);
  Job job;
  if (int rc = job.join(plan.get(), o.commTimeout))
    return rc;

  BoundInputs trainInputs, evalInputs;
  if (int rc = describeInputs(plan.get(), "train_step", &trainInputs))
    return rc;
  bool canEval =
      o.evalEvery > 0 && describeInputs(plan.get(), "eval", &evalInputs) == 0;
  // The plan's batch is one replica's; the ranks together run the global
  // batch the model file names.
  int64_t batch = trainInputs.infos[0].shape[0] * job.size();
  int64_t epochs = o.epochs > 0 ? o.epochs : std::max<int64_t>(1, info.epochs);

  train::Dataset trainData, testData;
  if (int rc =
          loadData(o.data, train::Split::Train, trainInputs.specs, &trainData))
    return rc;
  if (canEval) {
    train::DataSource source;
    if (!train::parseDataSource(o.data, &source))
      canEval = false;
    std::string testText = !o.testData.empty()  ? o.testData
                           : source.hasSplits() ? o.data
                                                : std::string();
    if (testText.empty())
      canEval = false; // .npy training data and no --test-data
    else if (int rc = loadData(testText, train::Split::Test, evalInputs.specs,
                               &testData))
      return rc;
  }

  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = o.threads;
  options.seed = o.seed;
  options.communicator = job.communicator();
  braid_session_t *rawSession = nullptr;
  if (braid_session_create(plan.get(), &options, &rawSession) != BRAID_OK)
    return failApi("cannot create a session");
  SessionPtr session(rawSession);

  // --init-from: weights (and, from a braid checkpoint, optimizer state and
  // the position to resume at).
  train::TrainingPosition position;
  position.seed = o.seed;
  bool resumed = false;
  if (!o.initFrom.empty()) {
    if (braid_session_load_checkpoint(session.get(), o.initFrom.c_str()) !=
        BRAID_OK)
      return failApi("cannot load checkpoint");
    std::vector<io::NamedArray> unused;
    std::map<std::string, std::string> metadata;
    Status s = io::readSafetensors(o.initFrom, &unused, &metadata);
    if (s && train::TrainingPosition::fromMetadata(metadata, &position)) {
      resumed = true;
    } else {
      position = train::TrainingPosition{};
      position.seed = o.seed;
    }
  }

  if (int rc = broadcastParameters(job, plan.get(), session.get()))
    return rc;

  train::BatchSampler sampler;
  Status s =
      train::BatchSampler::create(trainData, batch, position.seed, &sampler);
  if (s)
    s = sampler.checkPosition(position);
  if (!s)
    return fail(s.message());
  if (int rc = bind(session.get(), "train_step", trainInputs))
    return rc;
  if (canEval && bind(session.get(), "eval", evalInputs))
    return 1;

  std::unique_ptr<train::MetricsWriter> metrics;
  if (job.speaks() && !o.metrics.empty() &&
      !(s = train::MetricsWriter::open(o.metrics, !resumed, &metrics)))
    return fail(s.message());

  // Only rank 0 reports; the others write their progress nowhere.
  std::unique_ptr<FILE, int (*)(FILE *)> quiet(nullptr, std::fclose);
  if (!job.speaks()) {
    quiet.reset(std::fopen("/dev/null", "w"));
    if (!quiet)
      return job.failRank("cannot open /dev/null");
  }
  FILE *out = job.speaks() ? stdout : quiet.get();
  train::ProgressOptions progressOptions;
  progressOptions.stream = out;
  progressOptions.epochs = epochs;
  progressOptions.stepsPerEpoch = sampler.batchesPerEpoch();
  progressOptions.samplesPerStep = batch;
  train::ProgressReporter progress(progressOptions);
  std::fprintf(
      out,
      "training %s on %lld samples: %lld epochs of %lld steps, batch "
      "%lld%s%s\n",
      info.model_name, static_cast<long long>(trainData.samples),
      static_cast<long long>(epochs),
      static_cast<long long>(sampler.batchesPerEpoch()),
      static_cast<long long>(batch),
      job.size() > 1
          ? (" over " + std::to_string(job.size()) + " replicas").c_str()
          : "",
      resumed ? (" (resuming at epoch " + std::to_string(position.epoch + 1) +
                 ", step " + std::to_string(position.batch) + ")")
                    .c_str()
              : "");
  std::fflush(out);

  const double waitedAtStart = job.waitedSeconds();
  auto start = std::chrono::steady_clock::now();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  std::optional<Evaluation> last;
  while (position.epoch < epochs) {
    int64_t epoch = position.epoch;
    progress.beginEpoch(epoch + 1, position.batch);
    double lossSum = 0;
    int64_t steps = 0;
    while (position.epoch == epoch) {
      for (size_t i = 0; i < trainInputs.infos.size(); ++i) {
        s = sampler.gather(epoch, position.batch, job.rank(), job.size(), i,
                           trainInputs.buffers[i].data(),
                           trainInputs.buffers[i].size());
        if (!s)
          return fail(s.message());
      }
      if (braid_session_run(session.get(), "train_step") != BRAID_OK)
        return job.failRank(std::string("train_step failed: ") +
                            braid_status_message());
      double loss = readScalar(session.get(), "train_step", "loss");
      if (!std::isfinite(loss))
        return fail("the loss is " + std::to_string(loss) + " at epoch " +
                    std::to_string(epoch + 1) + " step " +
                    std::to_string(position.batch) +
                    "; lower the learning rate");
      lossSum += loss;
      ++steps;
      position.advance(sampler.batchesPerEpoch());
      progress.step(position.epoch == epoch ? position.batch
                                            : sampler.batchesPerEpoch(),
                    lossSum / steps);
      if (metrics) {
        Status logged = metrics->logStep({epoch + 1, position.globalStep, loss,
                                          progress.samplesPerSecond(), wall()});
        if (!logged)
          return fail(logged.message());
      }
      if (o.maxSteps > 0 && position.globalStep >= o.maxSteps) {
        std::fprintf(out, "\nstopped after %lld steps\n",
                     static_cast<long long>(position.globalStep));
        if (int rc = reportWaits(job, out, waitedAtStart, wall()))
          return rc;
        if (Status flushed = metrics ? metrics->flush() : Status::ok();
            !flushed)
          return fail(flushed.message());
        return o.save.empty() || !job.speaks()
                   ? 0
                   : saveCheckpoint(session.get(), o.save, position);
      }
    }
    // Throughput of the training steps alone, before evaluation runs.
    double samplesPerSecond = progress.samplesPerSecond();
    train::EpochSummary summary;
    summary.loss = lossSum / std::max<int64_t>(1, steps);
    if (canEval && (epoch + 1) % o.evalEvery == 0) {
      Evaluation e;
      if (int rc = evaluate(job, plan.get(), session.get(), evalInputs,
                            testData, &e))
        return rc;
      summary.testLoss = e.loss;
      summary.testAccuracy = e.accuracy;
      last = e;
    }
    progress.endEpoch(summary);
    if (metrics) {
      Status logged = metrics->logEpoch({epoch + 1, summary.loss, std::nullopt,
                                         summary.testLoss, summary.testAccuracy,
                                         samplesPerSecond, wall()});
      if (!logged)
        return fail(logged.message());
    }
  }
  if (last) {
    std::fprintf(out, "test loss %.4f", last->loss);
    if (last->accuracy)
      std::fprintf(out, ", test accuracy %.2f%%", 100 * *last->accuracy);
    std::fprintf(out, " on %lld samples\n",
                 static_cast<long long>(last->samples));
  }
  if (int rc = reportWaits(job, out, waitedAtStart, wall()))
    return rc;
  if (!o.save.empty() && job.speaks())
    return saveCheckpoint(session.get(), o.save, position);
  return 0;
}

int eval(const EvalOptions &o) {
  braid_plan_t *rawPlan = nullptr;
  if (braid_plan_load_file(o.plan.c_str(), &rawPlan) != BRAID_OK)
    return failApi("cannot load plan " + o.plan);
  PlanPtr plan(rawPlan);
  Job job;
  if (int rc = job.join(plan.get(), o.commTimeout))
    return rc;
  BoundInputs inputs;
  if (int rc = describeInputs(plan.get(), "eval", &inputs))
    return rc;
  train::Dataset data;
  if (int rc = loadData(o.data, train::Split::Test, inputs.specs, &data))
    return rc;
  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = o.threads;
  options.communicator = job.communicator();
  braid_session_t *rawSession = nullptr;
  if (braid_session_create(plan.get(), &options, &rawSession) != BRAID_OK)
    return failApi("cannot create a session");
  SessionPtr session(rawSession);
  if (braid_session_load_checkpoint(session.get(), o.checkpoint.c_str()) !=
      BRAID_OK)
    return failApi("cannot load checkpoint");
  if (int rc = bind(session.get(), "eval", inputs))
    return rc;
  Evaluation e;
  if (int rc = evaluate(job, plan.get(), session.get(), inputs, data, &e))
    return rc;
  if (!job.speaks())
    return 0;
  std::printf("loss %.4f", e.loss);
  if (e.accuracy)
    std::printf(", accuracy %.2f%%", 100 * *e.accuracy);
  std::printf(" on %lld of %lld samples (a partial last batch is left out)\n",
              static_cast<long long>(e.samples),
              static_cast<long long>(data.samples));
  return 0;
}

} // namespace braidrun
