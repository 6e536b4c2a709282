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
#include <optional>
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
    braid_tensor_info_init(&t);
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

/// One `braid-run train`: each step of the command is a method, run in the
/// order run() lists.
class Trainer {
public:
  explicit Trainer(const TrainOptions &options) : o_(options) {}

  int run() {
    if (int rc = loadPlan())
      return rc;
    if (int rc = loadData())
      return rc;
    if (int rc = createSession(plan_.get(), o_.session, job_.communicator(),
                               &session_))
      return rc;
    if (int rc = resume())
      return rc;
    if (int rc = broadcastParameters(job_, plan_.get(), session_.get()))
      return rc;
    if (int rc = prepareSteps())
      return rc;
    if (int rc = openOutputs())
      return rc;
    printBanner();
    waitedAtStart_ = job_.waitedSeconds();
    start_ = std::chrono::steady_clock::now();
    bool stopped = false;
    while (position_.epoch < epochs_ && !stopped)
      if (int rc = runEpoch(&stopped))
        return rc;
    return finish(stopped);
  }

private:
  /// The plan, the job it is meant for, and the batch and epochs.
  int loadPlan() {
    braid_plan_t *raw = nullptr;
    if (braid_plan_load_file(o_.plan.c_str(), &raw) != BRAID_OK)
      return failApi("cannot load plan " + o_.plan);
    plan_.reset(raw);
    braid_plan_info_init(&info_);
    braid_plan_info(plan_.get(), &info_);
    if (int rc = job_.join(plan_.get(), o_.commTimeout))
      return rc;
    if (int rc = describeInputs(plan_.get(), "train_step", &trainInputs_))
      return rc;
    canEval_ = o_.evalEvery > 0 &&
               describeInputs(plan_.get(), "eval", &evalInputs_) == 0;
    // The plan's batch is one replica's; the ranks together run the global
    // batch the model file names.
    batch_ = trainInputs_.infos[0].shape[0] * job_.size();
    epochs_ = o_.epochs > 0 ? o_.epochs : std::max<int64_t>(1, info_.epochs);
    return 0;
  }

  /// The training split, and the test split when evaluation can run.
  int loadData() {
    if (int rc = braidrun::loadData(o_.data, train::Split::Train,
                                    trainInputs_.specs, &trainData_))
      return rc;
    if (!canEval_)
      return 0;
    train::DataSource source;
    if (!train::parseDataSource(o_.data, &source)) {
      canEval_ = false;
      return 0;
    }
    std::string testText = !o_.testData.empty() ? o_.testData
                           : source.hasSplits() ? o_.data
                                                : std::string();
    if (testText.empty()) {
      canEval_ = false; // .npy training data and no --test-data
      return 0;
    }
    return braidrun::loadData(testText, train::Split::Test, evalInputs_.specs,
                              &testData_);
  }

  /// --init-from: weights (and, from a braid checkpoint, optimizer state and
  /// the position to resume at).
  int resume() {
    position_.seed = o_.session.seed;
    if (o_.initFrom.empty())
      return 0;
    if (braid_session_load_checkpoint(session_.get(), o_.initFrom.c_str()) !=
        BRAID_OK)
      return failApi("cannot load checkpoint");
    std::vector<io::NamedArray> unused;
    std::map<std::string, std::string> metadata;
    Status s = io::readSafetensors(o_.initFrom, &unused, &metadata);
    if (s && train::TrainingPosition::fromMetadata(metadata, &position_)) {
      resumed_ = true;
    } else {
      position_ = train::TrainingPosition{};
      position_.seed = o_.session.seed;
    }
    return 0;
  }

  /// The batch sampler, at the position to start from, and the bound inputs.
  int prepareSteps() {
    Status s = train::BatchSampler::create(trainData_, batch_, position_.seed,
                                           &sampler_);
    if (s)
      s = sampler_.checkPosition(position_);
    if (!s)
      return fail(s.message());
    if (int rc = bind(session_.get(), "train_step", trainInputs_))
      return rc;
    if (canEval_ && bind(session_.get(), "eval", evalInputs_))
      return 1;
    return 0;
  }

  /// The metrics file and the progress stream; only rank 0 reports, the
  /// others write their progress nowhere.
  int openOutputs() {
    Status s;
    if (job_.speaks() && !o_.metrics.empty() &&
        !(s = train::MetricsWriter::open(o_.metrics, !resumed_, &metrics_)))
      return fail(s.message());
    if (!job_.speaks()) {
      quiet_.reset(std::fopen("/dev/null", "w"));
      if (!quiet_)
        return job_.failRank("cannot open /dev/null");
    }
    out_ = job_.speaks() ? stdout : quiet_.get();
    train::ProgressOptions progress;
    progress.stream = out_;
    progress.epochs = epochs_;
    progress.stepsPerEpoch = sampler_.batchesPerEpoch();
    progress.samplesPerStep = batch_;
    progress_.emplace(progress);
    return 0;
  }

  void printBanner() {
    std::string replicas =
        job_.size() > 1 ? " over " + std::to_string(job_.size()) + " replicas"
                        : "";
    std::string resuming =
        resumed_
            ? " (resuming at epoch " + std::to_string(position_.epoch + 1) +
                  ", step " + std::to_string(position_.batch) + ")"
            : "";
    std::fprintf(out_,
                 "training %s on %lld samples: %lld epochs of %lld steps, "
                 "batch %lld%s%s\n",
                 info_.model_name, static_cast<long long>(trainData_.samples),
                 static_cast<long long>(epochs_),
                 static_cast<long long>(sampler_.batchesPerEpoch()),
                 static_cast<long long>(batch_), replicas.c_str(),
                 resuming.c_str());
    std::fprintf(out_, "computing on %s\n",
                 computeText(session_.get(), o_.session).c_str());
    std::fflush(out_);
  }

  double wall() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

  /// The steps of one epoch (from the position's batch), then its
  /// evaluation and records. Sets *stopped at --max-steps.
  int runEpoch(bool *stopped) {
    const int64_t epoch = position_.epoch;
    progress_->beginEpoch(epoch + 1, position_.batch);
    double lossSum = 0;
    int64_t steps = 0;
    while (position_.epoch == epoch) {
      double loss;
      if (int rc = trainStep(epoch, &loss))
        return rc;
      lossSum += loss;
      ++steps;
      position_.advance(sampler_.batchesPerEpoch());
      progress_->step(position_.epoch == epoch ? position_.batch
                                               : sampler_.batchesPerEpoch(),
                      lossSum / steps);
      if (metrics_) {
        Status logged =
            metrics_->logStep({epoch + 1, position_.globalStep, loss,
                               progress_->samplesPerSecond(), wall()});
        if (!logged)
          return fail(logged.message());
      }
      if (o_.maxSteps > 0 && position_.globalStep >= o_.maxSteps) {
        *stopped = true;
        return 0;
      }
    }
    return endEpoch(epoch, lossSum / std::max<int64_t>(1, steps));
  }

  /// Gathers the next batch, runs train_step and reads its loss.
  int trainStep(int64_t epoch, double *loss) {
    for (size_t i = 0; i < trainInputs_.infos.size(); ++i) {
      Status s = sampler_.gather(epoch, position_.batch, job_.rank(),
                                 job_.size(), i, trainInputs_.buffers[i].data(),
                                 trainInputs_.buffers[i].size());
      if (!s)
        return fail(s.message());
    }
    if (braid_session_run(session_.get(), "train_step") != BRAID_OK)
      return job_.failRank(std::string("train_step failed: ") +
                           braid_status_message());
    *loss = readScalar(session_.get(), "train_step", "loss");
    if (!std::isfinite(*loss))
      return fail("the loss is " + std::to_string(*loss) + " at epoch " +
                  std::to_string(epoch + 1) + " step " +
                  std::to_string(position_.batch) +
                  "; lower the learning rate");
    return 0;
  }

  /// The epoch's evaluation (every --eval-every epochs), summary line and
  /// metrics record.
  int endEpoch(int64_t epoch, double meanLoss) {
    // Throughput of the training steps alone, before evaluation runs.
    double samplesPerSecond = progress_->samplesPerSecond();
    train::EpochSummary summary;
    summary.loss = meanLoss;
    if (canEval_ && (epoch + 1) % o_.evalEvery == 0) {
      Evaluation e;
      if (int rc = evaluate(job_, plan_.get(), session_.get(), evalInputs_,
                            testData_, &e))
        return rc;
      summary.testLoss = e.loss;
      summary.testAccuracy = e.accuracy;
      lastEvaluation_ = e;
    }
    progress_->endEpoch(summary);
    if (!metrics_)
      return 0;
    Status logged = metrics_->logEpoch({epoch + 1, summary.loss, std::nullopt,
                                        summary.testLoss, summary.testAccuracy,
                                        samplesPerSecond, wall()});
    return logged ? 0 : fail(logged.message());
  }

  /// The closing report, the waits of a data-parallel job and the
  /// checkpoint.
  int finish(bool stopped) {
    if (stopped) {
      std::fprintf(out_, "\nstopped after %lld steps\n",
                   static_cast<long long>(position_.globalStep));
    } else if (lastEvaluation_) {
      const Evaluation &last = *lastEvaluation_;
      std::fprintf(out_, "test loss %.4f", last.loss);
      if (last.accuracy)
        std::fprintf(out_, ", test accuracy %.2f%%", 100 * *last.accuracy);
      std::fprintf(out_, " on %lld samples\n",
                   static_cast<long long>(last.samples));
    }
    if (int rc = reportWaits(job_, out_, waitedAtStart_, wall()))
      return rc;
    if (Status flushed = metrics_ ? metrics_->flush() : Status::ok(); !flushed)
      return fail(flushed.message());
    if (o_.save.empty() || !job_.speaks())
      return 0;
    return saveCheckpoint(session_.get(), o_.save, position_);
  }

  const TrainOptions &o_;
  PlanPtr plan_;
  braid_plan_info_t info_{};
  Job job_;
  BoundInputs trainInputs_, evalInputs_;
  bool canEval_ = false;
  int64_t batch_ = 0, epochs_ = 0;
  train::Dataset trainData_, testData_;
  SessionPtr session_;
  train::TrainingPosition position_;
  bool resumed_ = false;
  train::BatchSampler sampler_;
  std::unique_ptr<train::MetricsWriter> metrics_;
  std::unique_ptr<FILE, int (*)(FILE *)> quiet_{nullptr, std::fclose};
  FILE *out_ = stdout;
  std::optional<train::ProgressReporter> progress_;
  double waitedAtStart_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::optional<Evaluation> lastEvaluation_;
};

} // namespace

int train(const TrainOptions &options) { return Trainer(options).run(); }

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
  SessionPtr session;
  if (int rc =
          createSession(plan.get(), o.session, job.communicator(), &session))
    return rc;
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
