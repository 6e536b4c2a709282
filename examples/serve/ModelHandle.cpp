// The model: the C API's plan and sessions behind a pool.
#include "ModelHandle.h"

#include <cstring>

namespace serve {

namespace {

TensorSpec toSpec(const braid_tensor_info_t &info) {
  return {info.name, info.element_type,
          std::vector<int64_t>(info.shape, info.shape + info.rank),
          info.byte_size, info.batch_dim};
}

bool fail(const std::string &what, std::string *error) {
  *error = what + ": " + braid_status_message();
  return false;
}

} // namespace

std::string describe(const TensorSpec &t) {
  std::string s = t.type == BRAID_I32 ? "i32[" : "f32[";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + "]";
}

std::unique_ptr<ModelHandle> ModelHandle::load(const std::string &planPath,
                                               const std::string &checkpoint,
                                               int sessions, int intraOpThreads,
                                               std::string *error) {
  // The library loaded may not be the one this server was built against
  // (LD_LIBRARY_PATH): its API must be the header's (docs/c-api.md).
  if (!braid_api_version_compatible()) {
    const uint32_t loaded = braid_api_version();
    *error = "libbraid_runtime has API " + std::to_string(loaded >> 16) + "." +
             std::to_string(loaded & 0xffff) + ", built for " +
             std::to_string(BRAID_API_VERSION_MAJOR) + "." +
             std::to_string(BRAID_API_VERSION_MINOR);
    return nullptr;
  }
  std::unique_ptr<ModelHandle> model(new ModelHandle());
  if (braid_plan_load_file(planPath.c_str(), &model->plan_) != BRAID_OK) {
    fail("cannot load plan " + planPath, error);
    return nullptr;
  }
  braid_plan_info_t info;
  braid_plan_info_init(&info);
  if (braid_plan_info(model->plan_, &info) != BRAID_OK) {
    fail("cannot read plan " + planPath, error);
    return nullptr;
  }
  model->name_ = info.model_name;
  model->batch_ = info.batch;
  model->batches_.assign(info.predict_batches,
                         info.predict_batches + info.predict_batch_count);
  for (size_t e = 0; e < info.entry_point_count; ++e) {
    const char *name;
    size_t inputs, outputs;
    if (braid_plan_entry_point_name(model->plan_, e, &name) != BRAID_OK ||
        braid_plan_entry_point_signature(model->plan_, name, &inputs,
                                         &outputs) != BRAID_OK) {
      fail("cannot read plan " + planPath, error);
      return nullptr;
    }
    EntryPointSpec spec{name, {}, {}};
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    for (size_t i = 0; i < inputs; ++i)
      if (braid_plan_entry_point_input(model->plan_, name, i, &t) == BRAID_OK)
        spec.inputs.push_back(toSpec(t));
    for (size_t i = 0; i < outputs; ++i)
      if (braid_plan_entry_point_output(model->plan_, name, i, &t) == BRAID_OK)
        spec.outputs.push_back(toSpec(t));
    model->entries_.push_back(std::move(spec));
  }
  if (!model->find("predict")) {
    *error = "plan " + planPath + " has no predict entry point";
    return nullptr;
  }
  if (model->batches_.empty()) {
    *error = "plan " + planPath +
             "'s predict cannot take fewer rows than its batch (its inputs "
             "and outputs must lead with the batch rows)";
    return nullptr;
  }
  for (const TensorSpec &t : model->find("predict")->inputs)
    model->rowsLead_ &= t.batchDim == 0;

  braid_session_options_t options;
  braid_session_options_init(&options);
  options.threads = intraOpThreads;
  for (int i = 0; i < sessions; ++i) {
    braid_session_t *session;
    if (braid_session_create(model->plan_, &options, &session) != BRAID_OK) {
      fail("cannot create a session", error);
      return nullptr;
    }
    model->sessions_.push_back(session);
    if (!checkpoint.empty() && braid_session_load_checkpoint(
                                   session, checkpoint.c_str()) != BRAID_OK) {
      fail("cannot load checkpoint " + checkpoint, error);
      return nullptr;
    }
  }
  model->idle_ = model->sessions_;
  return model;
}

ModelHandle::~ModelHandle() {
  for (braid_session_t *s : sessions_)
    braid_session_release(s);
  braid_plan_release(plan_);
}

const EntryPointSpec *ModelHandle::find(const std::string &name) const {
  for (const EntryPointSpec &e : entries_)
    if (e.name == name)
      return &e;
  return nullptr;
}

braid_session_t *ModelHandle::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  idleChanged_.wait(lock, [&] { return !idle_.empty(); });
  braid_session_t *session = idle_.back();
  idle_.pop_back();
  return session;
}

void ModelHandle::release(braid_session_t *session) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(session);
  }
  idleChanged_.notify_one();
}

bool ModelHandle::predict(int64_t rows, const std::vector<const void *> &inputs,
                          const std::vector<void *> &outputs,
                          std::string *error) {
  braid_session_t *session = acquire();
  bool ok = braid_session_predict(session, rows, inputs.data(), inputs.size(),
                                  outputs.data(), outputs.size()) == BRAID_OK ||
            fail("predict", error);
  release(session);
  return ok;
}

} // namespace serve
