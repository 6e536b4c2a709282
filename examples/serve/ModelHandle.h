// A loaded model: one plan, its entry points' signatures, and a pool of
// sessions over it so that requests on different threads run at once.
#ifndef BRAID_SERVE_MODELHANDLE_H
#define BRAID_SERVE_MODELHANDLE_H

#include <braid/braid.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace serve {

/// One input or output of an entry point.
struct TensorSpec {
  std::string name;
  braid_element_type_t type;
  std::vector<int64_t> shape;
  size_t bytes;
  /// Of an input: 0 when its first dimension holds the batch rows, -1 when
  /// it is fed whole.
  int64_t batchDim = 0;
};

struct EntryPointSpec {
  std::string name;
  std::vector<TensorSpec> inputs, outputs;
};

/// "f32[64, 784]", for messages.
std::string describe(const TensorSpec &t);

/// A plan and `sessions` sessions over it, each loaded with the checkpoint.
/// predict() may be called from any number of threads: each call borrows an
/// idle session (waiting when all are busy), as the runtime's rules ask (a
/// plan is shared, a session is used by one thread at a time).
class ModelHandle {
public:
  /// Loads `plan` and `checkpoint` (empty: the initializers' values) into
  /// `sessions` sessions of `intraOpThreads` oneDNN threads each. On
  /// failure returns null and sets *error.
  static std::unique_ptr<ModelHandle> load(const std::string &plan,
                                           const std::string &checkpoint,
                                           int sessions, int intraOpThreads,
                                           std::string *error);
  ~ModelHandle();
  ModelHandle(const ModelHandle &) = delete;
  ModelHandle &operator=(const ModelHandle &) = delete;

  const std::string &name() const { return name_; }
  int64_t batch() const { return batch_; }
  const std::vector<EntryPointSpec> &entryPoints() const { return entries_; }
  /// The entry point `name`, or null.
  const EntryPointSpec *find(const std::string &name) const;

  /// The batches predict is compiled for, ascending (the last is batch()).
  const std::vector<int64_t> &predictBatches() const { return batches_; }
  /// True when every input of predict has the batch rows first, so that
  /// requests can be joined row-wise into one run.
  bool rowsLead() const { return rowsLead_; }

  /// Runs predict over `rows` rows (1 to batch()): `inputs` holds one
  /// buffer per input, in signature order, whose first `rows` rows are
  /// read (an input without rows is read whole), and `outputs` one buffer
  /// per output, whose first `rows` rows are written. The runtime runs the
  /// smallest compiled batch that holds them (braid_session_predict). On
  /// failure returns false with the runtime's message in *error.
  bool predict(int64_t rows, const std::vector<const void *> &inputs,
               const std::vector<void *> &outputs, std::string *error);

private:
  ModelHandle() = default;
  braid_session_t *acquire();
  void release(braid_session_t *session);

  braid_plan_t *plan_ = nullptr;
  std::string name_;
  int64_t batch_ = 0;
  std::vector<int64_t> batches_;
  bool rowsLead_ = true;
  std::vector<EntryPointSpec> entries_;
  std::vector<braid_session_t *> sessions_;

  std::mutex mutex_;
  std::condition_variable idleChanged_;
  std::vector<braid_session_t *> idle_; // guarded by mutex_
};

} // namespace serve

#endif // BRAID_SERVE_MODELHANDLE_H
