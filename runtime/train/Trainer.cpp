// Trainer: the training loop over the C API's sessions, with the runtime's
// data sets, batch sampler, progress and metrics.
#include "runtime/train/Trainer.h"

#include "runtime/capi/SessionAccess.h"
#include "runtime/comm/Poller.h"
#include "runtime/exec/Session.h"
#include "runtime/io/AtomicFile.h"
#include "runtime/io/Safetensors.h"
#include "runtime/support/FloatEnv.h"
#include "runtime/trace/ProfileTable.h"
#include "runtime/trace/TraceGather.h"
#include "runtime/trace/Tracer.h"
#include "runtime/train/BatchSampler.h"
#include "runtime/train/Dataset.h"
#include "runtime/train/Metrics.h"
#include "runtime/train/Progress.h"
#include "runtime/train/TextData.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

namespace braid::runtime::train {
namespace {

/// A failed C API call as a Status: `what`, then the call's message.
Status apiError(braid_status_code_t code, const std::string &what) {
  return Status::error(static_cast<StatusCode>(code),
                       what + ": " + braid_status_message());
}

/// An entry point's inputs, each bound once to a staging buffer that every
/// batch is gathered into (so a step allocates nothing).
struct BoundInputs {
  std::vector<braid_tensor_info_t> infos;
  std::vector<InputSpec> specs;
  std::vector<std::vector<uint8_t>> buffers;
};

Status describeInputs(braid_plan_t *plan, const char *entry, BoundInputs *out) {
  size_t inputs, outputs;
  if (braid_status_code_t code =
          braid_plan_entry_point_signature(plan, entry, &inputs, &outputs))
    return apiError(code, "the plan cannot " + std::string(entry) +
                              " (compile a model with a train block)");
  for (size_t i = 0; i < inputs; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    braid_plan_entry_point_input(plan, entry, i, &t);
    InputSpec spec;
    spec.whole = t.batch_dim < 0;
    if (!spec.whole && t.batch_dim != 0)
      return invalidPlan(std::string("input '") + t.name +
                         "' has its batch rows at dimension " +
                         std::to_string(t.batch_dim) +
                         "; braid-run trains on leading batch rows only");
    if (!spec.whole && t.rank == 0)
      return invalidPlan(std::string("input '") + t.name +
                         "' has no batch dimension");
    spec.name = t.name;
    spec.dtype = t.element_type == BRAID_F32 ? io::DType::F32 : io::DType::I32;
    spec.sampleShape.assign(t.shape + (spec.whole ? 0 : 1), t.shape + t.rank);
    if (braid_status_code_t code =
            braid_plan_label_classes(plan, entry, t.name, &spec.numClasses))
      return apiError(code, "reading the plan");
    out->infos.push_back(t);
    out->specs.push_back(spec);
    out->buffers.emplace_back(t.byte_size);
  }
  return Status::ok();
}

/// The inputs without batch rows, copied once into their buffers: every step
/// reads them whole.
void fillWhole(const Dataset &data, BoundInputs &inputs) {
  for (size_t i = 0; i < inputs.specs.size(); ++i)
    if (inputs.specs[i].whole)
      std::memcpy(inputs.buffers[i].data(), data.tensors[i].array.data.data(),
                  inputs.buffers[i].size());
}

/// The first input with batch rows: the one whose leading dimension is the
/// per-replica batch.
const braid_tensor_info_t &batchedInput(const BoundInputs &inputs) {
  for (size_t i = 0; i < inputs.specs.size(); ++i)
    if (!inputs.specs[i].whole)
      return inputs.infos[i];
  return inputs.infos.front();
}

Status bind(braid_session_t *session, const char *entry, BoundInputs &inputs) {
  for (size_t i = 0; i < inputs.infos.size(); ++i)
    if (braid_status_code_t code = braid_session_bind_input(
            session, entry, inputs.infos[i].name, inputs.buffers[i].data(),
            inputs.buffers[i].size()))
      return apiError(code, "binding input");
  return Status::ok();
}

Status loadData(const std::string &text, Split split,
                const std::vector<InputSpec> &specs, Dataset *out) {
  DataSource source;
  Status s = parseDataSource(text, &source);
  if (s)
    s = loadDataset(source, split, specs, out);
  return s;
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

std::string format(const char *fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

/// What a session computes with: "1 thread, oneDNN AVX2, native loops
/// AVX2, denormals flushed to zero", and the image of the plan's generated
/// kernels when it has some (", generated kernels x86-64-v3").
std::string computeText(const Session &session, bool ieeeDenormals) {
  const int threads = session.threads();
  // The image the session loaded, not a second choice of one.
  const std::string isa = session.codeIsa();
  const std::string code = isa.empty() ? "" : ", generated kernels " + isa;
  return std::to_string(threads) + (threads == 1 ? " thread" : " threads") +
         ", oneDNN " + braid_runtime_onednn_isa() + ", native loops " +
         braid_runtime_native_isa() + code +
         (ieeeDenormals ? ", IEEE denormals" : ", denormals flushed to zero");
}

} // namespace

/// Everything a run holds; each step of create() and run() is a method.
struct Trainer::State {
  TrainerOptions o;
  braid_plan_t *plan = nullptr; // kept alive by the session
  braid_session_t *session = nullptr;
  braid_communicator_t *comm = nullptr;
  int rank = 0, size = 1;
  braid_plan_info_t info{};
  BoundInputs trainInputs, evalInputs;
  bool canTrain = false, canEval = false;
  int64_t batch = 0, epochs = 0;
  /// Micro-batches per optimizer step (the plan's accumulate): @accumulate
  /// runs on the first K - 1 slices of each sampled batch, train_step on
  /// the last. `batch` is the K slices' rows together.
  int64_t accumulate = 1;
  /// The step to stop at: --max-steps, or else the train block's steps
  /// when no --epochs is given (0: none).
  int64_t stepLimit = 0;
  /// The last train_step's rate and gradient norm, when it outputs them.
  std::optional<double> lastLr, lastGradNorm;
  Dataset trainData, testData;
  /// Text data (--data text=FILE): the corpus, its training windows and
  /// validation windows; trainData then holds only the sample count.
  bool text = false;
  TextCorpus corpus;
  int64_t context = 0;
  TextWindows windows;
  TextEvalWindows evalWindows;
  /// The global step of the last evaluation (-1: none yet).
  int64_t evaluatedAtStep = -1;
  TrainingPosition position;
  bool resumed = false;
  bool ran = false;
  /// Set by requestStop (a signal handler's store); read at step
  /// boundaries.
  std::atomic<int> stopRequested{0};
  static_assert(std::atomic<int>::is_always_lock_free,
                "requestStop must be async-signal-safe");
  bool stoppedOnRequest = false;
  /// A braid_communicator_start_any of this rank's stop flag is in flight.
  bool voteInFlight = false;
  /// The global step the checkpoint was last written at (-1: never).
  int64_t savedAtStep = -1;
  BatchSampler sampler;
  std::unique_ptr<MetricsWriter> metrics;
  std::optional<ProgressReporter> progress;
  double waitedAtStart = 0;
  /// The communicator's time in all-reduces and its hidden part then.
  double collectiveAtStart = 0, hiddenAtStart = 0;
  std::chrono::steady_clock::time_point start;
  std::optional<Evaluation> lastEvaluation;
  /// The event a progress write belongs to, filled in before the reporter
  /// is called.
  braid_train_event_t pending{};
  /// --trace, --profile: the session's step timer, and the ranks' clocks
  /// measured at the start.
  std::unique_ptr<trace::Tracer> tracer;
  trace::ClockAlignment clocks;

  ~State() {
    if (session && tracer)
      capi::sessionOf(session).setTracer(nullptr);
    braid_session_release(session);
  }

  /// A span of the trainer's (data, evaluation, checkpoint) for the trace.
  trace::ScopedSpan span(trace::Category category) {
    trace::Tracer *t = tracer.get();
    return {t, category,
            t ? static_cast<int64_t>(capi::sessionOf(session).trainingStep())
              : 0};
  }

  bool speaks() const { return rank == 0; }

  /// Sends `text` to the callback as an event of `pending`'s kind and
  /// figures (rank 0 only).
  void emit(const std::string &text) {
    if (!speaks() || !o.onEvent)
      return;
    braid_train_event_t event = pending;
    event.struct_size = sizeof event;
    event.text = text.c_str();
    o.onEvent(event);
  }
  void emit(braid_train_event_kind_t kind, const std::string &text) {
    pending = braid_train_event_t{};
    pending.kind = kind;
    pending.epoch = position.epoch + 1;
    pending.global_step = position.globalStep;
    emit(text);
  }

  double wall() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  }

  Status loadPlan();
  Status loadData();
  Status loadText(const std::string &spec);
  Status evaluateText(Evaluation *out);
  Status finalValidation();
  Status createSession();
  Status resume();
  Status readPosition(const std::map<std::string, std::string> &metadata);
  Status broadcastParameters();
  Status prepareSteps();
  Status openOutputs();
  void announce();
  Status runEpoch(bool *stopped);
  Status stepBoundary(bool *stopped);
  Status finishVote();
  Status trainStep(int64_t epoch, double *loss);
  Status endEpoch(int64_t epoch, double meanLoss);
  Status evaluate(Evaluation *out);
  Status reportWaits(double seconds);
  Status save();
  Status saveCheckpoint();
  Status reportCollectives();
  Status finish(bool stopped);
  Status writeTraceAndProfile();
};

/// The job's shape, the inputs of train_step and eval, the batch and
/// epochs.
Status Trainer::State::loadPlan() {
  braid_plan_info_init(&info);
  braid_plan_info(plan, &info);
  comm = o.session.communicator;
  rank = braid_communicator_rank(comm);
  size = braid_communicator_size(comm);
  canTrain = !o.data.empty();
  if (canTrain) {
    if (Status s = describeInputs(plan, "train_step", &trainInputs); !s)
      return s;
    // The plan's batch is one replica's; the ranks together run the global
    // batch the model file names.
    if (std::all_of(trainInputs.specs.begin(), trainInputs.specs.end(),
                    [](const InputSpec &s) { return s.whole; }))
      return invalidPlan("train_step has no input with batch rows (B in its "
                         "type) to train on");
    accumulate = std::max<int64_t>(1, info.accumulate);
    batch = batchedInput(trainInputs).shape[0] * size * accumulate;
    canEval =
        o.evalEvery > 0 && describeInputs(plan, "eval", &evalInputs).isOk();
  } else {
    // A trainer that only evaluates needs eval.
    if (Status s = describeInputs(plan, "eval", &evalInputs); !s)
      return s;
    canEval = true;
  }
  epochs = o.epochs > 0 ? o.epochs : std::max<int64_t>(1, info.epochs);
  stepLimit = o.maxSteps;
  if (o.epochs == 0 && info.steps > 0 &&
      (stepLimit == 0 || info.steps < stepLimit))
    stepLimit = info.steps;
  return Status::ok();
}

/// With the train block's steps (and no --epochs), as many epochs as they
/// take: the sampler goes on into the next epoch as needed.
static void stepsToEpochs(int64_t steps, int64_t perEpoch, int64_t *epochs) {
  if (steps > 0 && perEpoch > 0)
    *epochs = std::max<int64_t>(1, (steps + perEpoch - 1) / perEpoch);
}

/// The training split, and the test split when evaluation can run.
Status Trainer::State::loadData() {
  DataSource source;
  const std::string &spec = canTrain ? o.data : o.testData;
  if (parseDataSource(spec, &source) && source.kind == DataSource::Kind::Text)
    return loadText(spec);
  if (canTrain) {
    if (Status s = train::loadData(o.data, Split::Train, trainInputs.specs,
                                   &trainData);
        !s)
      return s;
    // Known before resuming, which checks the position against it.
    if (o.epochs == 0 && info.steps > 0 && batch > 0)
      stepsToEpochs(stepLimit, trainData.samples / batch, &epochs);
  }
  if (!canEval)
    return Status::ok();
  std::string testText = o.testData;
  if (testText.empty() && parseDataSource(o.data, &source) &&
      source.hasSplits())
    testText = o.data;
  if (testText.empty()) {
    canEval = false; // .npy training data and no test data
    return Status::ok();
  }
  return train::loadData(testText, Split::Test, evalInputs.specs, &testData);
}

/// A text: windows of its training head feed train_step, fixed windows of
/// its tail (valFraction of it) feed eval. trainData.samples is the
/// count of T-byte windows in the head, so an epoch is floor(head / (B*T))
/// steps and a checkpoint's position and sample count mean what they mean
/// for any data.
Status Trainer::State::loadText(const std::string &spec) {
  text = true;
  if (o.inOrder)
    return invalidArgument("--in-order (in_order) feeds samples in their "
                           "file's order; text windows are drawn at random");
  if (canTrain && !o.testData.empty())
    return invalidArgument(
        "text data holds out its own validation tail (--val-fraction); "
        "--test-data '" +
        o.testData + "' cannot be used with it");
  DataSource source;
  if (Status s = parseDataSource(spec, &source); !s)
    return s;
  if (canTrain)
    if (Status s = checkTextInputs(trainInputs.specs, "train_step", &context);
        !s)
      return s;
  if (canEval) {
    int64_t evalContext = 0;
    Status s = checkTextInputs(evalInputs.specs, "eval", &evalContext);
    if (!s && !canTrain)
      return s;
    if (!canTrain)
      context = evalContext;
    canEval = s.isOk() && evalContext == context && o.valFraction > 0;
  }
  if (Status s = loadTextCorpus(source, o.valFraction, &corpus); !s)
    return s;
  if (canTrain) {
    if (Status s = TextWindows::create(corpus, context, batch, o.session.seed,
                                       &windows);
        !s)
      return s;
    trainData.samples = windows.samples();
    // Known before resuming, which checks the position against it.
    if (o.epochs == 0 && info.steps > 0 && batch > 0)
      stepsToEpochs(stepLimit, trainData.samples / batch, &epochs);
  }
  if (canEval) {
    const int64_t evalBatch = batchedInput(evalInputs).shape[0] * size;
    if (Status s =
            TextEvalWindows::create(corpus, context, evalBatch, &evalWindows);
        !s)
      return s;
    testData.samples = evalWindows.windows();
  }
  return Status::ok();
}

Status Trainer::State::createSession() {
  if (braid_status_code_t code =
          braid_session_create(plan, &o.session, &session))
    return apiError(code, "cannot create a session");
  if (!o.tracePath.empty() || o.profile) {
    Session &timed = capi::sessionOf(session);
    trace::TracerOptions options;
    options.trace = !o.tracePath.empty();
    options.profile = o.profile;
    options.traceSteps = o.traceSteps;
    tracer = std::make_unique<trace::Tracer>(timed.plan(), options);
    timed.setTracer(tracer.get());
  }
  return Status::ok();
}

/// The profile table (rank 0's kernels) as an event, and the trace of
/// every rank, written by rank 0. Collective with a trace.
Status Trainer::State::writeTraceAndProfile() {
  if (!tracer)
    return Status::ok();
  Session &timed = capi::sessionOf(session);
  if (o.profile)
    emit(BRAID_TRAIN_EVENT_PROFILE,
         "\n" + trace::profileTable(timed.plan(), *tracer));
  if (o.tracePath.empty())
    return Status::ok();
  BRAID_RETURN_IF_ERROR(trace::gatherAndWrite(
      timed.communicator(), timed.plan(), *tracer, clocks, o.tracePath));
  if (tracer->dropped() > 0)
    emit(BRAID_TRAIN_EVENT_PROFILE,
         "the trace holds the first " + std::to_string(o.traceSteps) +
             " steps; " + std::to_string(tracer->dropped()) +
             " later events of rank 0 were left out (--trace-steps)\n");
  return Status::ok();
}

/// initFrom: weights (and, from a braid checkpoint, optimizer state and the
/// position to resume at). A checkpoint is refused, before the session is
/// changed, when it is of another model or cannot resume as it says.
Status Trainer::State::resume() {
  position.seed = o.session.seed;
  if (o.initFrom.empty())
    return Status::ok();
  std::vector<io::NamedArray> unused;
  std::map<std::string, std::string> metadata;
  if (Status s = io::readSafetensors(o.initFrom, &unused, &metadata); !s)
    return s;
  auto model = metadata.find("model");
  if (model != metadata.end() && model->second != info.model_name)
    return invalidData("checkpoint " + o.initFrom + " holds model '" +
                       model->second + "', but the plan is of model '" +
                       info.model_name + "'; start from a checkpoint of '" +
                       info.model_name + "'");
  // A braid training checkpoint says where it stopped; one of weights alone
  // (numpy, or braid_session_save_checkpoint) does not.
  const bool hasPosition =
      std::any_of(metadata.begin(), metadata.end(), [](const auto &entry) {
        return entry.first.rfind("braid.train.", 0) == 0;
      });
  const bool resuming = canTrain && hasPosition && !o.restartFromWeights;
  braid_checkpoint_state_t state = BRAID_CHECKPOINT_STATE_IF_PRESENT;
  if (o.restartFromWeights || o.freshOptimizer)
    state = BRAID_CHECKPOINT_STATE_SKIP;
  else if (resuming)
    state = BRAID_CHECKPOINT_STATE_REQUIRED;
  if (resuming)
    if (Status s = readPosition(metadata); !s)
      return s;
  if (braid_status_code_t code = braid_session_load_checkpoint_state(
          session, o.initFrom.c_str(), state)) {
    Status s = apiError(code, "cannot load checkpoint");
    if (state == BRAID_CHECKPOINT_STATE_REQUIRED &&
        s.message().find("no optimizer state") != std::string::npos)
      return Status::error(s.code(),
                           s.message() +
                               "; --fresh-optimizer (fresh_optimizer) resumes "
                               "with the optimizer started afresh");
    return s;
  }
  resumed = resuming;
  if (!resumed) {
    position = TrainingPosition{};
    position.seed = o.session.seed;
  }
  return Status::ok();
}

namespace {

/// The decimal integer of metadata entry `key`, when the entry is there.
Status optionalCount(const std::map<std::string, std::string> &metadata,
                     const std::string &key, std::optional<int64_t> *out) {
  auto it = metadata.find(key);
  if (it == metadata.end())
    return Status::ok();
  const std::string &text = it->second;
  bool digits = !text.empty() && text.size() <= 18;
  for (char c : text)
    digits &= c >= '0' && c <= '9';
  if (!digits)
    return invalidData("its '" + key + "' entry '" + text +
                       "' is not a non-negative integer");
  *out = std::stoll(text);
  return Status::ok();
}

} // namespace

/// The position a braid checkpoint resumes at: readable, meant for this
/// run's global batch and data, consistent, and before the run's end.
/// Every rank count gives the same global batches (BatchSampler), so a
/// checkpoint of any job resumes on any other.
Status Trainer::State::readPosition(
    const std::map<std::string, std::string> &metadata) {
  const std::string where = "checkpoint " + o.initFrom;
  const std::string restart = "; --restart-from-weights (restart_from_weights) "
                              "trains from its weights at epoch 1 instead";
  TrainingPosition p;
  if (Status s = TrainingPosition::fromMetadata(metadata, &p); !s)
    return invalidData(where + ": its resume position is unreadable: " +
                       s.message() + restart);
  std::optional<int64_t> savedBatch, savedSamples;
  for (auto [key, value] : {std::pair{"braid.train.batch_size", &savedBatch},
                            std::pair{"braid.train.samples", &savedSamples}})
    if (Status s = optionalCount(metadata, key, value); !s)
      return invalidData(where + ": " + s.message() + restart);
  if ((savedBatch && *savedBatch != batch) ||
      (savedSamples && *savedSamples != trainData.samples))
    return invalidData(
        where + " was trained in global batches of " +
        std::to_string(savedBatch.value_or(batch)) + " over " +
        std::to_string(savedSamples.value_or(trainData.samples)) +
        " samples ('braid.train.batch_size', 'braid.train.samples'), but "
        "this run has batches of " +
        std::to_string(batch) + " over " + std::to_string(trainData.samples) +
        ", where its position names other batches; resume with the same "
        "data and global batch" +
        restart);
  const int64_t perEpoch = batch > 0 ? trainData.samples / batch : 0;
  if (perEpoch < 1)
    return Status::ok(); // the sampler refuses a data set below one batch
  if (p.batch >= perEpoch)
    return invalidData(where + ": its 'braid.train.batch' is " +
                       std::to_string(p.batch) + ", but an epoch has " +
                       std::to_string(perEpoch) + " batches" + restart);
  if (p.epoch >= epochs)
    return invalidData(
        where + " resumes at epoch " + std::to_string(p.epoch + 1) +
        " ('braid.train.epoch' " + std::to_string(p.epoch) +
        "), past this run's " + std::to_string(epochs) +
        " epochs: nothing is left to train. Give more epochs (--epochs) to "
        "train on" +
        restart);
  const bool overflows = p.epoch > (INT64_MAX - p.batch) / perEpoch;
  if (overflows || p.epoch * perEpoch + p.batch != p.globalStep)
    return invalidData(
        where + ": its 'braid.train.step' is " + std::to_string(p.globalStep) +
        ", but epoch " + std::to_string(p.epoch + 1) + ", batch " +
        std::to_string(p.batch) + " of epochs of " + std::to_string(perEpoch) +
        " batches is step " +
        (overflows ? "beyond 64 bits"
                   : std::to_string(p.epoch * perEpoch + p.batch)) +
        restart);
  if (o.maxSteps > 0 && p.globalStep >= o.maxSteps)
    return invalidData(where + " has done " + std::to_string(p.globalStep) +
                       " steps ('braid.train.step'): --max-steps " +
                       std::to_string(o.maxSteps) + " leaves nothing to train" +
                       restart);
  position = p;
  return Status::ok();
}

/// Runs the plan's @broadcast_params, if it has one, so that every replica
/// starts from rank 0's parameters and optimizer state.
Status Trainer::State::broadcastParameters() {
  size_t inputs, outputs;
  if (braid_plan_entry_point_signature(plan, "broadcast_params", &inputs,
                                       &outputs) != BRAID_OK)
    return Status::ok();
  if (braid_status_code_t code = braid_session_run(session, "broadcast_params"))
    return apiError(code, "broadcasting the parameters failed");
  return Status::ok();
}

/// The batch sampler, at the position to start from, and the bound inputs.
Status Trainer::State::prepareSteps() {
  if (canTrain) {
    Status s =
        text ? BatchSampler::createForSize(trainData.samples, batch,
                                           position.seed, &sampler)
             : BatchSampler::create(trainData, batch, position.seed, &sampler);
    sampler.setInOrder(o.inOrder);
    // A resumed run draws with its checkpoint's seed.
    if (s && text)
      s = TextWindows::create(corpus, context, batch, position.seed, &windows);
    if (s)
      s = sampler.checkPosition(position);
    if (s)
      s = bind(session, "train_step", trainInputs);
    if (!s)
      return s;
    if (accumulate > 1)
      if (Status b = bind(session, "accumulate", trainInputs); !b)
        return b;
    if (!text)
      fillWhole(trainData, trainInputs);
  }
  if (!canEval)
    return Status::ok();
  if (!text)
    fillWhole(testData, evalInputs);
  return bind(session, "eval", evalInputs);
}

/// The metrics file and the progress reporter; only rank 0 reports.
Status Trainer::State::openOutputs() {
  if (speaks() && !o.metrics.empty())
    if (Status s = MetricsWriter::open(o.metrics, !resumed, &metrics); !s)
      return s;
  ProgressOptions p;
  p.write = [this](const std::string &text) { emit(text); };
  p.style = o.bar ? ProgressOptions::Style::Bar : ProgressOptions::Style::Lines;
  p.lineEvery = o.lineEvery;
  p.epochs = epochs;
  p.stepsPerEpoch = sampler.batchesPerEpoch();
  p.samplesPerStep = batch;
  progress.emplace(p);
  return Status::ok();
}

void Trainer::State::announce() {
  std::string replicas =
      size > 1 ? " over " + std::to_string(size) + " replicas" : "";
  std::string resuming =
      resumed ? " (resuming at epoch " + std::to_string(position.epoch + 1) +
                    ", step " + std::to_string(position.batch) + ")"
      : o.restartFromWeights ? " (from the weights of " + o.initFrom + ")"
                             : "";
  char head[512];
  std::snprintf(head, sizeof head,
                "training %s on %lld samples: %lld epochs of %lld steps, "
                "batch %lld",
                info.model_name, static_cast<long long>(trainData.samples),
                static_cast<long long>(epochs),
                static_cast<long long>(sampler.batchesPerEpoch()),
                static_cast<long long>(batch));
  std::string state;
  uint64_t total = 0, perRank = 0;
  braid_session_optimizer_state_bytes(session, &total, &perRank);
  // Data parallel: the share of the optimizer state each rank keeps.
  if (size > 1 && total > 0)
    state = "\noptimizer state: " + std::to_string(perRank) +
            " bytes per rank of " + std::to_string(total);
  // A text's samples are windows: where they come from, and the held-out
  // tail.
  std::string source;
  if (text)
    source = "\ntext " + corpus.origin + ": " +
             std::to_string(corpus.bytes.size()) + " bytes, " +
             std::to_string(corpus.trainBytes) + " to draw windows of " +
             std::to_string(context + 1) + " from, " +
             std::to_string(corpus.valBytes()) + " held out for validation";
  emit(BRAID_TRAIN_EVENT_START, head + replicas + resuming + source +
                                    "\ncomputing on " +
                                    computeText(capi::sessionOf(session),
                                                o.session.ieee_denormals != 0) +
                                    state + "\n");
}

/// The steps of one epoch (from the position's batch), then its evaluation
/// and records. Sets *stopped at maxSteps.
Status Trainer::State::runEpoch(bool *stopped) {
  const int64_t epoch = position.epoch;
  progress->beginEpoch(epoch + 1, position.batch);
  double lossSum = 0;
  int64_t steps = 0;
  while (position.epoch == epoch) {
    double loss;
    if (Status s = trainStep(epoch, &loss); !s)
      return s;
    lossSum += loss;
    ++steps;
    position.advance(sampler.batchesPerEpoch());
    const int64_t done =
        position.epoch == epoch ? position.batch : sampler.batchesPerEpoch();
    pending = braid_train_event_t{};
    pending.kind = BRAID_TRAIN_EVENT_PROGRESS;
    pending.epoch = epoch + 1;
    pending.step = done;
    pending.global_step = position.globalStep;
    pending.loss = lossSum / steps;
    progress->setRate(lastLr);
    progress->step(done, lossSum / steps);
    if (metrics) {
      StepMetrics m{epoch + 1,   position.globalStep,
                    loss,        progress->samplesPerSecond(),
                    wall(),      lastLr,
                    lastGradNorm};
      if (Status s = metrics->logStep(m); !s)
        return s;
    }
    if (stepLimit > 0 && position.globalStep >= stepLimit) {
      *stopped = true;
      return Status::ok();
    }
    // The boundary after an epoch's last step comes after its evaluation.
    if (position.epoch == epoch)
      if (Status s = stepBoundary(stopped); !s || *stopped)
        return s;
  }
  if (Status s = endEpoch(epoch, lossSum / std::max<int64_t>(1, steps)); !s)
    return s;
  return stepBoundary(stopped);
}

/// Between two steps: stops on a request (of any rank: the ranks combine
/// their requests one step late, so that agreeing costs no wait of its
/// own), and writes the periodic checkpoint.
Status Trainer::State::stepBoundary(bool *stopped) {
  bool stop = stopRequested.load(std::memory_order_relaxed) != 0;
  if (size > 1) {
    int32_t any = 0;
    if (voteInFlight) {
      voteInFlight = false;
      if (braid_status_code_t code = braid_communicator_finish_any(comm, &any))
        return apiError(code, "combining the ranks' stop requests failed");
    }
    stop = any != 0;
    if (!stop) {
      if (braid_status_code_t code = braid_communicator_start_any(
              comm, stopRequested.load(std::memory_order_relaxed)))
        return apiError(code, "combining the ranks' stop requests failed");
      voteInFlight = true;
    }
  }
  if (stop) {
    // Saving may wait on peers as long as ever.
    Poller::stopTaken();
    stoppedOnRequest = true;
    *stopped = true;
    return Status::ok();
  }
  if (o.saveEvery > 0 && position.globalStep % o.saveEvery == 0)
    return save();
  return Status::ok();
}

/// Finishes the stop request combination still in flight (every rank has
/// one at the same step), so the communicator is left idle.
Status Trainer::State::finishVote() {
  if (!voteInFlight)
    return Status::ok();
  voteInFlight = false;
  int32_t any;
  if (braid_status_code_t code = braid_communicator_finish_any(comm, &any))
    return apiError(code, "combining the ranks' stop requests failed");
  return Status::ok();
}

/// Gathers the next batch, runs train_step and reads its loss. With
/// accumulation, the batch's K micro-batches: @accumulate on the first
/// K - 1, then train_step, whose loss is their mean. Micro-batch k is
/// slice k * ranks + rank of the batch's K * ranks slices.
Status Trainer::State::trainStep(int64_t epoch, double *loss) {
  auto where = [&] {
    return " at step " + std::to_string(position.globalStep + 1) + " (epoch " +
           std::to_string(epoch + 1) + ", step " +
           std::to_string(position.batch + 1) + " of the epoch)";
  };
  for (int64_t k = 0; k < accumulate; ++k) {
    // Micro-batch k of rank r is slice k * ranks + r of the step's batch of
    // accumulate * ranks slices.
    const int slice = static_cast<int>(k * size + rank);
    const int slices = static_cast<int>(accumulate * size);
    trace::ScopedSpan data = span(trace::Category::Data);
    if (text) {
      std::vector<uint8_t> &x = trainInputs.buffers[0],
                           &y = trainInputs.buffers[1];
      if (Status s = windows.gather(position.globalStep, slice, slices,
                                    reinterpret_cast<int32_t *>(x.data()),
                                    reinterpret_cast<int32_t *>(y.data()),
                                    x.size() / sizeof(int32_t));
          !s)
        return s;
    }
    for (size_t i = 0; i < trainInputs.infos.size() && !text; ++i)
      if (Status s = trainInputs.specs[i].whole
                         ? Status::ok()
                         : sampler.gather(epoch, position.batch, slice, slices,
                                          i, trainInputs.buffers[i].data(),
                                          trainInputs.buffers[i].size());
          !s)
        return s;
    data.end();
    // The run's seed and micro-step key the dropout masks: a resumed run
    // draws the masks the uninterrupted one would have, and each
    // micro-batch of a step draws its own.
    braid_session_set_training_position(
        session, position.seed,
        static_cast<uint64_t>(position.globalStep * accumulate + k));
    const char *entry = k + 1 < accumulate ? "accumulate" : "train_step";
    if (braid_status_code_t code = braid_session_run(session, entry))
      return apiError(code, std::string(entry) + " failed" + where());
  }
  *loss = readScalar(session, "train_step", "loss");
  if (!std::isfinite(*loss))
    return invalidData("the loss is " + std::to_string(*loss) + " at epoch " +
                       std::to_string(epoch + 1) + " step " +
                       std::to_string(position.batch) +
                       "; lower the learning rate");
  auto optional = [&](const char *name) -> std::optional<double> {
    double v = readScalar(session, "train_step", name);
    if (std::isnan(v))
      return std::nullopt;
    return v;
  };
  lastLr = optional("lr");
  lastGradNorm = optional("grad_norm");
  return Status::ok();
}

/// The epoch's evaluation (every evalEvery epochs), summary and metrics
/// record.
Status Trainer::State::endEpoch(int64_t epoch, double meanLoss) {
  // Throughput of the training steps alone, before evaluation runs.
  double samplesPerSecond = progress->samplesPerSecond();
  EpochSummary summary;
  summary.loss = meanLoss;
  if (canEval && (epoch + 1) % o.evalEvery == 0) {
    Evaluation e;
    if (Status s = evaluate(&e); !s)
      return s;
    (text ? summary.valLoss : summary.testLoss) = e.loss;
    summary.testAccuracy = text ? std::nullopt : e.accuracy;
    lastEvaluation = e;
  }
  pending = braid_train_event_t{};
  pending.kind = BRAID_TRAIN_EVENT_EPOCH_END;
  pending.epoch = epoch + 1;
  pending.step = sampler.batchesPerEpoch();
  pending.global_step = position.globalStep;
  pending.loss = meanLoss;
  pending.samples_per_second = samplesPerSecond;
  pending.evaluated = summary.testLoss || summary.valLoss ? 1 : 0;
  pending.test_loss = summary.testLoss.value_or(summary.valLoss.value_or(0));
  pending.has_test_accuracy = summary.testAccuracy ? 1 : 0;
  pending.test_accuracy = summary.testAccuracy.value_or(0);
  progress->endEpoch(summary);
  if (!metrics)
    return Status::ok();
  EpochMetrics record{epoch + 1,        summary.loss,         std::nullopt,
                      summary.testLoss, summary.testAccuracy, samplesPerSecond,
                      wall(),           std::nullopt,         std::nullopt,
                      summary.valLoss};
  if (size > 1) {
    double total = 0, hidden = 0;
    braid_communicator_collective_seconds(comm, &total, &hidden);
    record.collectiveSeconds = total - collectiveAtStart;
    record.hiddenSeconds = hidden - hiddenAtStart;
  }
  return metrics->logEpoch(record);
}

/// The mean loss (and accuracy) of eval over every whole batch of the test
/// data. Each rank evaluates its slice of every global batch; the plan's
/// eval averages the loss and accuracy over the replicas.
Status Trainer::State::evaluate(Evaluation *out) {
  if (!canEval)
    return notFound("the trainer has no evaluation data");
  trace::ScopedSpan timed = span(trace::Category::Eval);
  if (text)
    return evaluateText(out);
  const int64_t evalBatch = batchedInput(evalInputs).shape[0] * size;
  EvalBatches batches;
  if (Status s = EvalBatches::create(testData, evalBatch, PartialBatch::Drop,
                                     &batches);
      !s)
    return s;
  size_t inputCount, outputCount;
  braid_plan_entry_point_signature(plan, "eval", &inputCount, &outputCount);
  const bool hasAccuracy = outputCount > 1;
  double lossSum = 0, accuracySum = 0;
  for (int64_t b = 0; b < batches.batchCount(); ++b) {
    for (size_t i = 0; i < evalInputs.infos.size(); ++i)
      if (Status s = evalInputs.specs[i].whole
                         ? Status::ok()
                         : batches.gather(
                               b, rank, size, i, evalInputs.buffers[i].data(),
                               evalInputs.buffers[i].size(), nullptr);
          !s)
        return s;
    if (braid_status_code_t code = braid_session_run(session, "eval"))
      return apiError(code, "eval failed");
    lossSum += readScalar(session, "eval", "loss");
    if (hasAccuracy)
      accuracySum += readScalar(session, "eval", "accuracy");
  }
  *out = Evaluation{};
  out->samples = batches.batchCount() * evalBatch;
  out->datasetSamples = testData.samples;
  out->loss = lossSum / batches.batchCount();
  if (hasAccuracy)
    out->accuracy = accuracySum / batches.batchCount();
  return Status::ok();
}

/// The mean loss of eval over the validation windows of a text.
Status Trainer::State::evaluateText(Evaluation *out) {
  std::vector<uint8_t> &x = evalInputs.buffers[0], &y = evalInputs.buffers[1];
  size_t inputCount, outputCount;
  braid_plan_entry_point_signature(plan, "eval", &inputCount, &outputCount);
  const bool hasAccuracy = outputCount > 1; // of the next byte
  double lossSum = 0, accuracySum = 0;
  for (int64_t b = 0; b < evalWindows.batchCount(); ++b) {
    if (Status s = evalWindows.gather(
            b, rank, size, reinterpret_cast<int32_t *>(x.data()),
            reinterpret_cast<int32_t *>(y.data()), x.size() / sizeof(int32_t));
        !s)
      return s;
    if (braid_status_code_t code = braid_session_run(session, "eval"))
      return apiError(code, "eval failed");
    lossSum += readScalar(session, "eval", "loss");
    if (hasAccuracy)
      accuracySum += readScalar(session, "eval", "accuracy");
  }
  *out = Evaluation{};
  out->samples = evalWindows.batchCount() * evalWindows.batchSize();
  out->datasetSamples = evalWindows.windows();
  out->loss = lossSum / evalWindows.batchCount();
  if (hasAccuracy)
    out->accuracy = accuracySum / evalWindows.batchCount();
  evaluatedAtStep = position.globalStep;
  return Status::ok();
}

/// A text's validation loss at the end of training, unless the last
/// epoch's evaluation was at this very step: printed and logged as
/// val_loss.
Status Trainer::State::finalValidation() {
  if (!text || !canEval || evaluatedAtStep == position.globalStep)
    return Status::ok();
  Evaluation e;
  if (Status s = evaluate(&e); !s)
    return s;
  lastEvaluation = e;
  if (metrics)
    return metrics->logValidation({position.globalStep, e.loss, wall()});
  return Status::ok();
}

/// Under mpirun: how long each rank waited in collectives for the others
/// while training. Ranks on shared cores can run at lasting different
/// speeds; the rank that waited least is the one the others waited for.
Status Trainer::State::reportWaits(double seconds) {
  if (size < 2)
    return Status::ok();
  std::vector<double> waits(static_cast<size_t>(size));
  if (braid_status_code_t code = braid_communicator_all_gather(
          comm, braid_communicator_waited_seconds(comm) - waitedAtStart,
          waits.data(), waits.size()))
    return apiError(code, "gathering a value from every rank failed");
  std::string text = "waiting for other ranks:";
  size_t slowest = 0;
  char part[128];
  for (size_t r = 0; r < waits.size(); ++r) {
    std::snprintf(part, sizeof part, "%s rank %zu %.2f s (%.0f%%)",
                  r ? "," : "", r, waits[r],
                  seconds > 0 ? 100 * waits[r] / seconds : 0.0);
    text += part;
    if (waits[r] < waits[slowest])
      slowest = r;
  }
  text += " of " + format("%.2f", seconds) + " s of training";
  // Below a twentieth of the run, who waited for whom is noise.
  const double most = *std::max_element(waits.begin(), waits.end());
  if (most - waits[slowest] >= 0.05 * seconds)
    text += "; the others waited for rank " + std::to_string(slowest);
  emit(BRAID_TRAIN_EVENT_WAITS, text + "\n");
  return reportCollectives();
}

/// Under mpirun: each rank's time in all-reduces and the part of it hidden
/// behind computation (the all-reduce ran while the rank computed).
Status Trainer::State::reportCollectives() {
  double total = 0, hidden = 0;
  braid_communicator_collective_seconds(comm, &total, &hidden);
  std::vector<double> totals(static_cast<size_t>(size)),
      hiddens(static_cast<size_t>(size));
  if (braid_status_code_t code = braid_communicator_all_gather(
          comm, total - collectiveAtStart, totals.data(), totals.size()))
    return apiError(code, "gathering a value from every rank failed");
  if (braid_status_code_t code = braid_communicator_all_gather(
          comm, hidden - hiddenAtStart, hiddens.data(), hiddens.size()))
    return apiError(code, "gathering a value from every rank failed");
  std::string text = "all-reduce time, hidden behind computation:";
  char part[128];
  for (size_t r = 0; r < totals.size(); ++r) {
    const double t = std::max(0.0, totals[r]),
                 h = std::min(t, std::max(0.0, hiddens[r]));
    std::snprintf(part, sizeof part,
                  "%s rank %zu %.2f s, %.2f s hidden (%.0f%%)", r ? ";" : "", r,
                  t, h, t > 0 ? 100 * h / t : 0.0);
    text += part;
  }
  emit(BRAID_TRAIN_EVENT_WAITS, text + "\n");
  return Status::ok();
}

/// Collective: every rank calls it at the same step. Over several hosts (or
/// without a shared arena) each rank holds only its share of the optimizer
/// state, so every rank gathers it before rank 0 writes the checkpoint.
Status Trainer::State::save() {
  if (o.save.empty() || savedAtStep == position.globalStep)
    return Status::ok();
  if (braid_status_code_t code = braid_session_gather_state(session))
    return apiError(code, "cannot gather the optimizer state");
  savedAtStep = position.globalStep;
  if (!speaks())
    return Status::ok();
  return saveCheckpoint();
}

Status Trainer::State::saveCheckpoint() {
  trace::ScopedSpan timed = span(trace::Category::Checkpoint);
  // The steps logged so far, so that a run resumed from this checkpoint
  // appends right after them.
  if (metrics)
    if (Status s = metrics->flush(); !s)
      return s;
  std::map<std::string, std::string> metadata;
  position.toMetadata(&metadata);
  // The global batch and data its position counts in (the same on any
  // number of ranks).
  metadata["braid.train.batch_size"] = std::to_string(batch);
  metadata["braid.train.samples"] = std::to_string(trainData.samples);
  std::vector<const char *> keys, values;
  for (const auto &[k, v] : metadata) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  if (braid_status_code_t code = braid_session_save_checkpoint_with_metadata(
          session, o.save.c_str(), keys.data(), values.data(), keys.size()))
    return apiError(code, "cannot save checkpoint");
  return Status::ok();
}

/// The closing report, the waits of a data-parallel job and the checkpoint.
Status Trainer::State::finish(bool stopped) {
  if (Status s = finishVote(); !s)
    return s;
  if (stoppedOnRequest) {
    emit(BRAID_TRAIN_EVENT_FINISH,
         "\nstopped on request after " + std::to_string(position.globalStep) +
             " steps" +
             (o.save.empty() ? "; no checkpoint is written (no --save)\n"
                             : "; writing the checkpoint " + o.save + "\n"));
  } else if (stopped) {
    emit(BRAID_TRAIN_EVENT_FINISH,
         "\nstopped after " + std::to_string(position.globalStep) + " steps\n");
  } else if (lastEvaluation && !text) {
    const Evaluation &last = *lastEvaluation;
    std::string text = "test loss " + format("%.4f", last.loss);
    if (last.accuracy)
      text += ", test accuracy " + format("%.2f", 100 * *last.accuracy) + "%";
    text += " on " + std::to_string(last.samples) + " samples\n";
    pending = braid_train_event_t{};
    pending.kind = BRAID_TRAIN_EVENT_FINISH;
    pending.epoch = position.epoch;
    pending.global_step = position.globalStep;
    pending.evaluated = 1;
    pending.test_loss = last.loss;
    pending.has_test_accuracy = last.accuracy ? 1 : 0;
    pending.test_accuracy = last.accuracy.value_or(0);
    emit(text);
  }
  if (text && !stoppedOnRequest) {
    if (Status s = finalValidation(); !s)
      return s;
    if (lastEvaluation)
      emit(BRAID_TRAIN_EVENT_FINISH,
           "validation loss " + format("%.4f", lastEvaluation->loss) + " on " +
               std::to_string(lastEvaluation->samples) + " windows of " +
               std::to_string(context) + " bytes after " +
               std::to_string(position.globalStep) + " steps\n");
  }
  if (Status s = reportWaits(wall()); !s)
    return s;
  if (metrics)
    if (Status s = metrics->flush(); !s)
      return s;
  return save();
}

Status Trainer::create(braid_plan_t *plan, TrainerOptions options,
                       std::unique_ptr<Trainer> *out) {
  if (options.saveEvery < 0 || (options.saveEvery > 0 && options.save.empty()))
    return invalidArgument(
        "saving every " + std::to_string(options.saveEvery) +
        " steps needs a positive count and a checkpoint path (--save)");
  if (options.restartFromWeights && options.initFrom.empty())
    return invalidArgument("restarting from a checkpoint's weights needs the "
                           "checkpoint (--init-from)");
  if (!options.tracePath.empty() && options.traceSteps < 1)
    return invalidArgument("a trace of " + std::to_string(options.traceSteps) +
                           " steps: --trace-steps takes a positive count");
  auto state = std::make_unique<State>();
  state->o = std::move(options);
  state->plan = plan;
  if (Status s = state->loadPlan(); !s)
    return s;
  // A checkpoint with nowhere to go is found now, not after the training.
  if (!state->o.save.empty() && state->speaks())
    if (Status s = io::checkWritable(state->o.save); !s)
      return s.withContext("cannot save the checkpoint");
  if (Status s = state->loadData(); !s)
    return s;
  if (Status s = state->createSession(); !s)
    return s;
  if (Status s = state->resume(); !s)
    return s;
  if (Status s = state->prepareSteps(); !s)
    return s;
  out->reset(new Trainer(std::move(state)));
  return Status::ok();
}

Trainer::Trainer(std::unique_ptr<State> state) : s_(std::move(state)) {}

void Trainer::requestStop() noexcept {
  s_->stopRequested.store(1, std::memory_order_relaxed);
  // A rank stuck in a collective whose peer died cannot reach the step
  // boundary: its wait gives up after a grace and names the step and
  // bucket, before mpirun's SIGKILL follows its SIGTERM.
  Poller::requestStop();
}

bool Trainer::stoppedOnRequest() const { return s_->stoppedOnRequest; }
Trainer::~Trainer() = default;

braid_session_t *Trainer::session() const { return s_->session; }

Status Trainer::evaluate(Evaluation *out) { return s_->evaluate(out); }

Status Trainer::run() {
  State &s = *s_;
  if (!s.canTrain)
    return invalidArgument("the trainer has no training data");
  // A second run would reopen (and empty) the metrics file and save again.
  if (s.ran)
    return invalidArgument("the trainer has run already; create another");
  s.ran = true;
  if (Status st = s.broadcastParameters(); !st)
    return st;
  if (Status st = s.openOutputs(); !st)
    return st;
  s.announce();
  if (!s.o.tracePath.empty())
    if (Status st = trace::alignClocks(
            capi::sessionOf(s.session).communicator(), &s.clocks);
        !st)
      return st;
  s.waitedAtStart = braid_communicator_waited_seconds(s.comm);
  braid_communicator_collective_seconds(s.comm, &s.collectiveAtStart,
                                        &s.hiddenAtStart);
  s.start = std::chrono::steady_clock::now();
  bool stopped = false;
  {
    // One scope for every step: each run's own scope then finds the threads
    // flushing and forks no regions to set and restore them (which, with
    // sleeping OpenMP workers, cost a third of a small model's step).
    FlushDenormalsScope floatEnv(s.o.session.ieee_denormals == 0,
                                 braid_session_threads(s.session));
    while (s.position.epoch < s.epochs && !stopped)
      if (Status st = s.runEpoch(&stopped); !st)
        return st;
  }
  if (Status st = s.finish(stopped); !st)
    return st;
  return s.writeTraceAndProfile();
}

} // namespace braid::runtime::train
