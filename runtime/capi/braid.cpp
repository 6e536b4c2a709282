// The C API over LoadedPlan and Session: handles, reference counts, status
// codes and the thread-local error message. No exception crosses it.
#include "braid/braid.h"

#include "braid/Version.h"
#include "runtime/capi/Report.h"
#include "runtime/capi/SessionAccess.h"
#include "runtime/capi/StructSize.h"
#include "runtime/comm/MpiCommunicator.h"
#include "runtime/comm/PlanAgreement.h"
#include "runtime/exec/Session.h"
#include "runtime/support/CpuIsa.h"

#include <atomic>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <map>
#include <new>
#include <string>
#include <vector>

using namespace braid::runtime;
using braid::capi::checkOptionsStruct;
using braid::capi::checkStructSize;
using braid::capi::writeToCaller;

// report() hands a StatusCode out as the braid_status_code_t of the same
// value: each code, in order, must be the C API's, and neither may have a
// code the other lacks.
namespace {
struct StatusCodePair {
  StatusCode internal;
  braid_status_code_t api;
};
constexpr StatusCodePair kStatusCodes[] = {
    {StatusCode::Ok, BRAID_OK},
    {StatusCode::InvalidArgument, BRAID_INVALID_ARGUMENT},
    {StatusCode::NotFound, BRAID_NOT_FOUND},
    {StatusCode::InvalidPlan, BRAID_INVALID_PLAN},
    {StatusCode::InvalidData, BRAID_INVALID_DATA},
    {StatusCode::IoError, BRAID_IO_ERROR},
    {StatusCode::Unsupported, BRAID_UNSUPPORTED},
    {StatusCode::Internal, BRAID_INTERNAL},
    {StatusCode::Communication, BRAID_COMMUNICATION},
};
constexpr bool statusCodesAgree() {
  for (size_t i = 0; i < std::size(kStatusCodes); ++i)
    if (static_cast<size_t>(kStatusCodes[i].internal) != i ||
        static_cast<size_t>(kStatusCodes[i].api) != i)
      return false;
  return true;
}
} // namespace
static_assert(statusCodesAgree(),
              "StatusCode (runtime/support/Status.h) and braid_status_code_t "
              "(braid.h) must give each code the same value");
static_assert(std::size(kStatusCodes) == static_cast<size_t>(StatusCode::Count),
              "a StatusCode is missing from kStatusCodes, or from braid.h");
static_assert(std::size(kStatusCodes) == BRAID_STATUS_CODE_COUNT,
              "a braid_status_code_t is missing from kStatusCodes, or "
              "BRAID_STATUS_CODE_COUNT is stale");

// The layouts the struct_size rule protects (braid.h): an appended field
// starts at or past the struct's previous sizeof, which these record (on
// LP64). Appending a field changes them; moving one must not happen.
#if UINTPTR_MAX == UINT64_MAX
static_assert(offsetof(braid_session_options_t, refuse_native_code) == 40 &&
                  sizeof(braid_session_options_t) == 48,
              "braid_session_options_t: fields are only appended");
static_assert(offsetof(braid_plan_info_t, predict_batches) == 120 &&
                  sizeof(braid_plan_info_t) == 128,
              "braid_plan_info_t: fields are only appended");
static_assert(offsetof(braid_tensor_info_t, batch_dim) == 48 &&
                  sizeof(braid_tensor_info_t) == 56,
              "braid_tensor_info_t: fields are only appended");
#endif

static_assert(static_cast<int>(StateLoad::IfPresent) ==
                      BRAID_CHECKPOINT_STATE_IF_PRESENT &&
                  static_cast<int>(StateLoad::Required) ==
                      BRAID_CHECKPOINT_STATE_REQUIRED &&
                  static_cast<int>(StateLoad::Skip) ==
                      BRAID_CHECKPOINT_STATE_SKIP,
              "braid_checkpoint_state_t mirrors StateLoad");

struct braid_plan_t {
  std::shared_ptr<const LoadedPlan> plan;
  std::atomic<int> references{1};
};

struct braid_communicator_t {
  std::unique_ptr<MpiCommunicator> comm;
  std::atomic<int> references{1};
  /// The flag braid_communicator_start_any combines, and its reduction.
  float any = 0;
  CommRequest anyRequest;
  ~braid_communicator_t() {
    // MPI must not finalize with a reduction in flight.
    if (anyRequest.active)
      (void)comm->wait(&anyRequest);
  }
};

struct braid_session_t {
  braid_plan_t *plan = nullptr;
  /// Retained while the session lives: its shared arena and collectives
  /// belong to the communicator. NULL without one.
  braid_communicator_t *communicator = nullptr;
  std::unique_ptr<Session> session;
  std::atomic<int> references{1};
};

namespace {

thread_local std::string lastError;

braid_status_code_t report(const Status &status) {
  if (status.isOk())
    return BRAID_OK;
  lastError = status.message();
  return static_cast<braid_status_code_t>(status.code());
}

braid_status_code_t nullArgument(const char *what) {
  return report(invalidArgument(std::string(what) + " is NULL"));
}

/// The error of `what` index `index` where `holder` has `count` of them.
braid_status_code_t outOfRange(const std::string &what, size_t index,
                               const std::string &holder, size_t count) {
  return report(invalidArgument(what + " index " + std::to_string(index) +
                                " is out of range; " + holder + " has " +
                                std::to_string(count)));
}

/// Runs `body`, turning any exception (out of memory, a bug) into a status.
template <typename F> braid_status_code_t guarded(F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return report(internalError("out of memory"));
  } catch (const std::exception &e) {
    return report(
        internalError(std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    return report(internalError("unexpected exception"));
  }
}

braid_status_code_t tensorInfo(const LoadedPlan &plan, uint32_t id,
                               braid_tensor_info_t *out) {
  const PlanTensor &t = plan.tensors()[id];
  braid_tensor_info_t info{};
  info.name = t.name.c_str();
  info.element_type =
      t.desc.type == braid::plan::ElementType::F32 ? BRAID_F32 : BRAID_I32;
  info.rank = t.desc.shape.size();
  info.shape = t.desc.shape.data();
  info.byte_size = t.desc.bytes();
  info.batch_dim = t.storage == braid::plan::Storage::Input ? t.batchDim : 0;
  writeToCaller(info, out);
  return BRAID_OK;
}

braid_status_code_t entryTensor(const braid_plan_t *plan, const char *entry,
                                size_t index, bool input,
                                braid_tensor_info_t *out) {
  if (!plan || !entry || !out)
    return nullArgument("plan, entry_point or out_info");
  if (braid_status_code_t code =
          report(checkStructSize(out->struct_size, "braid_tensor_info_t")))
    return code;
  const PlanEntryPoint *e = plan->plan->findEntryPoint(entry);
  if (!e)
    return report(
        notFound(std::string("the plan has no entry point '") + entry + "'"));
  const std::vector<uint32_t> &ids = input ? e->inputs : e->outputs;
  if (index >= ids.size())
    return outOfRange(input ? "input" : "output", index,
                      "'" + std::string(entry) + "'", ids.size());
  return tensorInfo(*plan->plan, ids[index], out);
}

} // namespace

braid_status_code_t braid::runtime::capi::reportStatus(const Status &status) {
  return report(status);
}

Session &braid::runtime::capi::sessionOf(braid_session_t *session) {
  return *session->session;
}

extern "C" {

const char *braid_status_message(void) { return lastError.c_str(); }

uint32_t braid_api_version(void) { return BRAID_API_VERSION; }

const char *braid_runtime_version(void) { return BRAID_VERSION; }

const char *braid_runtime_onednn_isa(void) { return onednnIsa(); }

const char *braid_runtime_native_isa(void) { return nativeVectorIsa(); }

braid_status_code_t braid_plan_load_file(const char *path,
                                         braid_plan_t **out_plan) {
  if (!path || !out_plan)
    return nullArgument("path or out_plan");
  return guarded([&] {
    std::shared_ptr<const LoadedPlan> plan;
    if (braid_status_code_t code = report(LoadedPlan::loadFile(path, &plan)))
      return code;
    *out_plan = new braid_plan_t{std::move(plan)};
    return BRAID_OK;
  });
}

braid_status_code_t braid_plan_load_buffer(const void *data, size_t size,
                                           braid_plan_t **out_plan) {
  if (!data || !out_plan)
    return nullArgument("data or out_plan");
  return guarded([&] {
    std::shared_ptr<const LoadedPlan> plan;
    if (braid_status_code_t code = report(
            LoadedPlan::load(static_cast<const uint8_t *>(data), size, &plan)))
      return code;
    *out_plan = new braid_plan_t{std::move(plan)};
    return BRAID_OK;
  });
}

void braid_plan_retain(braid_plan_t *plan) {
  if (plan)
    plan->references.fetch_add(1, std::memory_order_relaxed);
}

void braid_plan_release(braid_plan_t *plan) {
  if (plan && plan->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete plan;
}

braid_status_code_t braid_plan_info(const braid_plan_t *plan,
                                    braid_plan_info_t *out_info) {
  if (!plan || !out_info)
    return nullArgument("plan or out_info");
  if (braid_status_code_t code =
          report(checkStructSize(out_info->struct_size, "braid_plan_info_t")))
    return code;
  const LoadedPlan &p = *plan->plan;
  braid_plan_info_t info{};
  info.model_name = p.metadata().modelName.c_str();
  info.compiler_version = p.metadata().compilerVersion.c_str();
  info.batch = p.metadata().batch;
  info.replicas = p.metadata().replicas;
  info.module_hash = p.metadata().moduleHash;
  info.entry_point_count = p.entryPoints().size();
  info.parameter_count = p.parameters().size();
  info.parameter_elements = p.parameterCount();
  info.arena_bytes = p.arenaBytes();
  info.epochs = p.metadata().epochs;
  info.steps = p.metadata().steps;
  info.accumulate = p.metadata().accumulate;
  if (!p.metadata().predictBatches.empty()) {
    info.predict_batch_count = p.metadata().predictBatches.size();
    info.predict_batches = p.metadata().predictBatches.data();
  } else if (!p.predictVariants().empty()) {
    info.predict_batch_count = 1;
    info.predict_batches = &p.metadata().batch;
  }
  for (uint32_t id : p.states())
    info.optimizer_state_bytes += p.tensors()[id].desc.bytes();
  writeToCaller(info, out_info);
  return BRAID_OK;
}

size_t braid_plan_kernel_count(const braid_plan_t *plan) {
  return plan ? plan->plan->code().kernels.size() : 0;
}

braid_status_code_t braid_plan_kernel_name(const braid_plan_t *plan,
                                           size_t index,
                                           const char **out_name) {
  if (!plan || !out_name)
    return nullArgument("plan or out_name");
  const auto &kernels = plan->plan->code().kernels;
  if (index >= kernels.size())
    return outOfRange("kernel", index, "the plan", kernels.size());
  *out_name = kernels[index].c_str();
  return BRAID_OK;
}

size_t braid_plan_code_image_count(const braid_plan_t *plan) {
  return plan ? plan->plan->code().images.size() : 0;
}

braid_status_code_t braid_plan_code_image(const braid_plan_t *plan,
                                          size_t index, const char **out_isa,
                                          uint64_t *out_bytes,
                                          uint64_t *out_hash) {
  if (!plan || !out_isa || !out_bytes || !out_hash)
    return nullArgument("plan, out_isa, out_bytes or out_hash");
  const auto &images = plan->plan->code().images;
  if (index >= images.size())
    return outOfRange("code image", index, "the plan", images.size());
  *out_isa = images[index].isa.c_str();
  *out_bytes = images[index].bytes.size();
  *out_hash = images[index].hash;
  return BRAID_OK;
}

braid_status_code_t braid_plan_code_isa(const braid_plan_t *plan,
                                        const char **out_isa) {
  if (!plan || !out_isa)
    return nullArgument("plan or out_isa");
  const PlanCode &code = plan->plan->code();
  if (code.empty())
    return report(notFound("the plan carries no generated code"));
  size_t index = 0;
  if (braid_status_code_t status = report(chooseCodeImage(code, &index)))
    return status;
  *out_isa = code.images[index].isa.c_str();
  return BRAID_OK;
}

braid_status_code_t braid_plan_entry_point_name(const braid_plan_t *plan,
                                                size_t index,
                                                const char **out_name) {
  if (!plan || !out_name)
    return nullArgument("plan or out_name");
  const auto &entries = plan->plan->entryPoints();
  if (index >= entries.size())
    return outOfRange("entry point", index, "the plan", entries.size());
  *out_name = entries[index].name.c_str();
  return BRAID_OK;
}

braid_status_code_t braid_plan_entry_point_signature(const braid_plan_t *plan,
                                                     const char *entry_point,
                                                     size_t *out_input_count,
                                                     size_t *out_output_count) {
  if (!plan || !entry_point || !out_input_count || !out_output_count)
    return nullArgument("plan, entry_point or an out_ pointer");
  const PlanEntryPoint *e = plan->plan->findEntryPoint(entry_point);
  if (!e)
    return report(notFound(std::string("the plan has no entry point '") +
                           entry_point + "'"));
  *out_input_count = e->inputs.size();
  *out_output_count = e->outputs.size();
  return BRAID_OK;
}

braid_status_code_t
braid_plan_entry_point_input(const braid_plan_t *plan, const char *entry_point,
                             size_t index, braid_tensor_info_t *out_info) {
  return entryTensor(plan, entry_point, index, /*input=*/true, out_info);
}

braid_status_code_t
braid_plan_entry_point_output(const braid_plan_t *plan, const char *entry_point,
                              size_t index, braid_tensor_info_t *out_info) {
  return entryTensor(plan, entry_point, index, /*input=*/false, out_info);
}

braid_status_code_t braid_plan_label_classes(const braid_plan_t *plan,
                                             const char *entry_point,
                                             const char *input_name,
                                             int64_t *out_classes) {
  if (!plan || !entry_point || !input_name || !out_classes)
    return nullArgument("plan, entry_point, input_name or out_classes");
  const PlanEntryPoint *e = plan->plan->findEntryPoint(entry_point);
  if (!e)
    return report(notFound(std::string("the plan has no entry point '") +
                           entry_point + "'"));
  *out_classes = plan->plan->labelClasses(*e, input_name);
  return BRAID_OK;
}

braid_status_code_t braid_session_create(braid_plan_t *plan,
                                         const braid_session_options_t *options,
                                         braid_session_t **out_session) {
  if (!plan || !out_session)
    return nullArgument("plan or out_session");
  return guarded([&] {
    // Options past the caller's struct_size keep their defaults.
    using O = braid_session_options_t;
    SessionOptions opts;
    braid_communicator_t *communicator = nullptr;
    if (options) {
      if (braid_status_code_t code =
              report(checkOptionsStruct(options, "braid_session_options_t")))
        return code;
      if (BRAID_STRUCT_HOLDS(options, O, threads))
        opts.threads = options->threads;
      if (BRAID_STRUCT_HOLDS(options, O, seed))
        opts.seed = options->seed;
      if (BRAID_STRUCT_HOLDS(options, O, communicator))
        communicator = options->communicator;
      if (BRAID_STRUCT_HOLDS(options, O, ieee_denormals))
        opts.ieeeDenormals = options->ieee_denormals != 0;
      if (BRAID_STRUCT_HOLDS(options, O, refuse_native_code))
        opts.allowNativeCode = options->refuse_native_code == 0;
    }
    if (communicator)
      opts.communicator = communicator->comm.get();
    std::unique_ptr<Session> session;
    if (braid_status_code_t code =
            report(Session::create(plan->plan, opts, &session)))
      return code;
    auto *handle = new braid_session_t;
    braid_plan_retain(plan);
    handle->plan = plan;
    braid_communicator_retain(communicator);
    handle->communicator = communicator;
    handle->session = std::move(session);
    *out_session = handle;
    return BRAID_OK;
  });
}

void braid_session_set_training_position(braid_session_t *session,
                                         uint64_t seed, uint64_t step) {
  if (session)
    session->session->setTrainingPosition(seed, step);
}

int32_t braid_session_threads(const braid_session_t *session) {
  return session ? session->session->threads() : 0;
}

void braid_session_optimizer_state_bytes(const braid_session_t *session,
                                         uint64_t *out_total,
                                         uint64_t *out_per_rank) {
  if (out_total)
    *out_total = session ? session->session->optimizerStateBytes() : 0;
  if (out_per_rank)
    *out_per_rank =
        session ? session->session->optimizerStateBytesPerRank() : 0;
}

void braid_session_retain(braid_session_t *session) {
  if (session)
    session->references.fetch_add(1, std::memory_order_relaxed);
}

void braid_session_release(braid_session_t *session) {
  if (session &&
      session->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The session first: its memory may be the communicator's shared arena.
    braid_plan_t *plan = session->plan;
    braid_communicator_t *communicator = session->communicator;
    delete session;
    braid_communicator_release(communicator);
    braid_plan_release(plan);
  }
}

braid_status_code_t braid_session_bind_input(braid_session_t *session,
                                             const char *entry_point,
                                             const char *name, const void *data,
                                             size_t byte_size) {
  if (!session || !entry_point || !name)
    return nullArgument("session, entry_point or name");
  return guarded([&] {
    return report(
        session->session->bindInput(entry_point, name, data, byte_size));
  });
}

braid_status_code_t braid_session_run(braid_session_t *session,
                                      const char *entry_point) {
  if (!session || !entry_point)
    return nullArgument("session or entry_point");
  return guarded([&] { return report(session->session->run(entry_point)); });
}

braid_status_code_t
braid_session_predict(braid_session_t *session, int64_t rows,
                      const void *const *inputs, size_t input_count,
                      void *const *outputs, size_t output_count) {
  if (!session || (input_count && !inputs) || (output_count && !outputs))
    return nullArgument("session, inputs or outputs");
  return guarded([&] {
    return report(session->session->predictRows(rows, inputs, input_count,
                                                outputs, output_count));
  });
}

braid_status_code_t braid_session_output(const braid_session_t *session,
                                         const char *entry_point,
                                         const char *name,
                                         const void **out_data,
                                         size_t *out_byte_size) {
  if (!session || !entry_point || !name || !out_data || !out_byte_size)
    return nullArgument("session, entry_point, name or an out_ pointer");
  return guarded([&] {
    return report(
        session->session->output(entry_point, name, out_data, out_byte_size));
  });
}

braid_status_code_t braid_session_load_checkpoint(braid_session_t *session,
                                                  const char *path) {
  if (!session || !path)
    return nullArgument("session or path");
  return guarded(
      [&] { return report(session->session->loadCheckpoint(path)); });
}

braid_status_code_t
braid_session_load_checkpoint_state(braid_session_t *session, const char *path,
                                    braid_checkpoint_state_t state) {
  if (!session || !path)
    return nullArgument("session or path");
  if (state != BRAID_CHECKPOINT_STATE_IF_PRESENT &&
      state != BRAID_CHECKPOINT_STATE_REQUIRED &&
      state != BRAID_CHECKPOINT_STATE_SKIP)
    return report(invalidArgument("state " + std::to_string(state) +
                                  " is no braid_checkpoint_state_t"));
  return guarded([&] {
    return report(session->session->loadCheckpoint(
        path, nullptr, static_cast<StateLoad>(state)));
  });
}

braid_status_code_t
braid_session_save_checkpoint(const braid_session_t *session,
                              const char *path) {
  return braid_session_save_checkpoint_with_metadata(session, path, nullptr,
                                                     nullptr, 0);
}

braid_status_code_t braid_session_gather_state(braid_session_t *session) {
  if (!session)
    return nullArgument("session");
  return guarded(
      [&] { return report(session->session->gatherOptimizerState()); });
}

braid_status_code_t braid_session_save_checkpoint_with_metadata(
    const braid_session_t *session, const char *path, const char *const *keys,
    const char *const *values, size_t count) {
  if (!session || !path || (count && (!keys || !values)))
    return nullArgument("session, path, keys or values");
  return guarded([&] {
    std::map<std::string, std::string> metadata;
    for (size_t i = 0; i < count; ++i) {
      if (!keys[i] || !values[i])
        return nullArgument("a metadata key or value");
      metadata[keys[i]] = values[i];
    }
    return report(session->session->saveCheckpoint(path, metadata));
  });
}

} // extern "C"

//===----------------------------------------------------------------------===//
// Communicators
//===----------------------------------------------------------------------===//

int braid_communicator_launched_by_mpirun(void) {
  return MpiCommunicator::launchedByMpirun() ? 1 : 0;
}

braid_status_code_t
braid_communicator_create_mpi(double timeout_seconds,
                              braid_communicator_t **out_communicator) {
  if (!out_communicator)
    return nullArgument("out_communicator");
  return guarded([&] {
    auto handle = std::make_unique<braid_communicator_t>();
    if (braid_status_code_t code =
            report(MpiCommunicator::create(timeout_seconds, &handle->comm)))
      return code;
    *out_communicator = handle.release();
    return BRAID_OK;
  });
}

void braid_communicator_retain(braid_communicator_t *communicator) {
  if (communicator)
    communicator->references.fetch_add(1, std::memory_order_relaxed);
}

void braid_communicator_release(braid_communicator_t *communicator) {
  if (communicator &&
      communicator->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete communicator;
}

braid_status_code_t
braid_communicator_start_any(braid_communicator_t *communicator, int32_t flag) {
  if (!communicator)
    return nullArgument("communicator");
  if (communicator->anyRequest.active)
    return report(
        invalidArgument("braid_communicator_start_any was called twice without "
                        "braid_communicator_finish_any"));
  communicator->any = flag ? 1.0f : 0.0f;
  return report(communicator->comm->startAllReduce(
      &communicator->any, 1, ReduceOp::Max, &communicator->anyRequest));
}

braid_status_code_t
braid_communicator_finish_any(braid_communicator_t *communicator,
                              int32_t *out_any) {
  if (!communicator || !out_any)
    return nullArgument("communicator or out_any");
  if (!communicator->anyRequest.active)
    return report(invalidArgument("braid_communicator_finish_any without "
                                  "braid_communicator_start_any"));
  if (braid_status_code_t code =
          report(communicator->comm->wait(&communicator->anyRequest)))
    return code;
  *out_any = communicator->any != 0 ? 1 : 0;
  return BRAID_OK;
}

int braid_communicator_rank(const braid_communicator_t *communicator) {
  return communicator ? communicator->comm->rank() : 0;
}

int braid_communicator_size(const braid_communicator_t *communicator) {
  return communicator ? communicator->comm->size() : 1;
}

braid_status_code_t
braid_communicator_check_plan(braid_communicator_t *communicator,
                              const braid_plan_t *plan) {
  if (!communicator || !plan)
    return nullArgument("communicator or plan");
  return guarded([&] {
    return report(checkPlanAgreement(*communicator->comm, *plan->plan));
  });
}

double
braid_communicator_waited_seconds(const braid_communicator_t *communicator) {
  return communicator ? communicator->comm->waitedSeconds() : 0.0;
}

void braid_communicator_collective_seconds(
    const braid_communicator_t *communicator, double *out_total,
    double *out_hidden) {
  if (out_total)
    *out_total = communicator ? communicator->comm->collectiveSeconds() : 0.0;
  if (out_hidden)
    *out_hidden = communicator ? communicator->comm->hiddenSeconds() : 0.0;
}

braid_status_code_t
braid_communicator_all_gather(braid_communicator_t *communicator, double value,
                              double *out_values, size_t count) {
  if (!communicator || !out_values)
    return nullArgument("communicator or out_values");
  return guarded([&] {
    const size_t size = static_cast<size_t>(communicator->comm->size());
    if (count != size)
      return report(
          invalidArgument("an all-gather over " + std::to_string(size) +
                          " ranks needs room for " + std::to_string(size) +
                          " values, not " + std::to_string(count)));
    // The communicator gathers 64-bit words: a double travels as its bits.
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    std::vector<uint64_t> all;
    if (braid_status_code_t code =
            report(communicator->comm->allGather(bits, &all)))
      return code;
    for (size_t r = 0; r < size; ++r)
      std::memcpy(&out_values[r], &all[r], sizeof(double));
    return BRAID_OK;
  });
}

void braid_communicator_abort(braid_communicator_t *, int exit_code) {
  MpiCommunicator::abortJob(exit_code);
}
