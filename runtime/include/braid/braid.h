/* braid.h: the Braid runtime's C API.
 *
 * Load a plan compiled by braidc, create sessions over it, bind inputs, run
 * entry points ("predict"), read outputs, and load and save checkpoints.
 *
 * Names: braid_<noun>_<verb>, the noun being the handle or struct the
 * function works on (plan, session, communicator, runtime, api, status); a
 * function named after a property alone (braid_plan_info,
 * braid_session_threads) reads it.
 *
 * Errors: every function that can fail returns a braid_status_code_t; on
 * failure braid_status_message() returns a description of the last error on
 * the calling thread (valid until that thread's next failing call). No C++
 * exception crosses this API.
 *
 * Ownership: handles are reference counted; *_create and *_load functions
 * return a handle with one reference, *_retain adds one, *_release drops
 * one. A session keeps its plan and its communicator alive. Pointers
 * returned through out_ parameters are owned by the handle and stay valid as
 * each function documents.
 *
 * Versions: BRAID_API_VERSION is this header's, braid_api_version() the
 * loaded library's; braid_api_version_compatible() compares them. A minor
 * version only adds (functions, enum values, struct fields appended as
 * below); anything else is a new major version and a new SOVERSION of
 * libbraid_runtime.so. While the major version is 0, every minor version
 * may break the ABI and is part of the SOVERSION (libbraid_runtime.so.0.4).
 *
 * Growing structs: the structs the caller allocates
 * (braid_session_options_t, braid_plan_info_t, braid_tensor_info_t) start
 * with `size_t struct_size`, which the caller sets to the struct's sizeof
 * in the header it was compiled with: the inline braid_<struct>_init
 * functions do, or in C `= {.struct_size = sizeof x}`. Fields are only ever
 * appended, each at or past the struct's previous sizeof (past any padding
 * at its end), so an older program's struct_size never covers a newer
 * field. The library reads and writes only the fields that lie wholly
 * within struct_size: an option past an older program's struct_size takes
 * its default (every option's default is its zero value), and an info
 * field past it is not written. A struct_size below sizeof(size_t) is
 * BRAID_INVALID_ARGUMENT; options past this library's struct (set by a
 * program built against a newer header) must be zero, else
 * BRAID_UNSUPPORTED.
 *
 * Threads: a plan is immutable and may be shared by any number of threads
 * and sessions; sessions over one plan share its constant data. A session is
 * used by one thread at a time (any thread, not only its creator). A run
 * uses the session's `threads` option as the calling thread's oneDNN
 * (OpenMP) thread count and restores the caller's count when it returns.
 * Error messages are per thread.
 *
 * Floating point: during a run the calling thread and the OpenMP workers
 * flush denormals to zero (MXCSR FTZ and DAZ on x86-64), unless the
 * session's `ieee_denormals` option is set; each thread's own state is
 * restored when the run returns.
 */
#ifndef BRAID_BRAID_H
#define BRAID_BRAID_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BRAID_API __attribute__((visibility("default")))
#else
#define BRAID_API
#endif

/* The API version of this header (see "Versions" above). CMake reads the
 * two numbers from here for the library's VERSION and SOVERSION. */
#define BRAID_API_VERSION_MAJOR 0
#define BRAID_API_VERSION_MINOR 4
#define BRAID_API_VERSION                                                      \
  ((uint32_t)BRAID_API_VERSION_MAJOR << 16 | (uint32_t)BRAID_API_VERSION_MINOR)

/* Status codes; values are stable and only ever appended. */
typedef enum braid_status_code_t {
  BRAID_OK = 0,
  BRAID_INVALID_ARGUMENT = 1, /* a value passed in is wrong */
  BRAID_NOT_FOUND = 2,        /* a file, entry point or tensor does not exist */
  BRAID_INVALID_PLAN = 3,     /* the plan failed verification or validation */
  BRAID_INVALID_DATA = 4,     /* a checkpoint or data file is malformed */
  BRAID_IO_ERROR = 5,         /* the operating system refused a read/write */
  BRAID_UNSUPPORTED = 6,      /* valid, but this runtime cannot do it */
  BRAID_INTERNAL = 7,         /* a bug in Braid */
  BRAID_COMMUNICATION = 8,    /* a collective failed: a peer died or hung */
} braid_status_code_t;
/* One past the last status code. */
#define BRAID_STATUS_CODE_COUNT 9

typedef enum braid_element_type_t {
  BRAID_F32 = 0,
  BRAID_I32 = 1,
} braid_element_type_t;

/* The last error on the calling thread; "" when there was none. */
BRAID_API const char *braid_status_message(void);

/* The API version of the loaded library, as BRAID_API_VERSION encodes it:
 * major << 16 | minor. */
BRAID_API uint32_t braid_api_version(void);

/* 1 when the loaded library implements the API of the header this program
 * was compiled with: the same major version and at least the header's minor
 * one (the same minor one while the major version is 0), else 0. A program
 * that may load a library other than the one it was linked against (dlopen,
 * LD_LIBRARY_PATH) checks this before any other call. */
static inline int braid_api_version_compatible(void) {
  uint32_t loaded = braid_api_version();
  uint32_t major = loaded >> 16, minor = loaded & 0xffffu;
  if (major != BRAID_API_VERSION_MAJOR)
    return 0;
  return BRAID_API_VERSION_MAJOR == 0 ? minor == BRAID_API_VERSION_MINOR
                                      : minor >= BRAID_API_VERSION_MINOR;
}

/* The runtime's release version, e.g. "0.1.0" (braidc's and the CMake
 * package's; the API version above is the library's interface). */
BRAID_API const char *braid_runtime_version(void);

/* The instruction sets the runtime computes with on this machine, as
 * readable names that live as long as the process: oneDNN's (e.g. "AVX2",
 * "AVX-512 with DL Boost, bfloat16 and AMX"; ONEDNN_MAX_CPU_ISA lowers it)
 * and that of the runtime's own vectorized loops ("AVX2", or "SSE2" on a
 * CPU without AVX2). */
BRAID_API const char *braid_runtime_onednn_isa(void);
BRAID_API const char *braid_runtime_native_isa(void);

/*===------------------------------------------------------------------===*/
/* Plans                                                                  */
/*===------------------------------------------------------------------===*/

typedef struct braid_plan_t braid_plan_t;

/* Loads and validates a plan file. */
BRAID_API braid_status_code_t braid_plan_load_file(const char *path,
                                                   braid_plan_t **out_plan);
/* Loads a plan from memory; the bytes are not needed after the call. */
BRAID_API braid_status_code_t braid_plan_load_buffer(const void *data,
                                                     size_t size,
                                                     braid_plan_t **out_plan);
BRAID_API void braid_plan_retain(braid_plan_t *plan);
BRAID_API void braid_plan_release(braid_plan_t *plan);

/* Caller-allocated: braid_plan_info_init sets struct_size. */
typedef struct braid_plan_info_t {
  size_t struct_size;
  const char *model_name;
  const char *compiler_version;
  int64_t batch;
  int32_t replicas;
  uint64_t module_hash;
  size_t entry_point_count;
  size_t parameter_count;     /* parameter tensors */
  int64_t parameter_elements; /* their elements in all */
  uint64_t arena_bytes;
  int64_t epochs;                 /* the train block's epochs; 0 without one */
  uint64_t optimizer_state_bytes; /* every optimizer state tensor's bytes */
  int64_t steps;      /* the train block's steps (optimizer steps); 0: epochs */
  int64_t accumulate; /* micro-batches per optimizer step (1 without one) */
  /* The batches predict is compiled for, ascending, the last being `batch`
     (braidc --batch LO..HI compiles several; other plans have one):
     braid_session_predict takes 1 to `batch` rows and runs the smallest
     that holds them. 0 sizes when predict cannot take fewer rows than its
     batch, or the plan has no predict. */
  size_t predict_batch_count;
  const int64_t *predict_batches;
} braid_plan_info_t;

/* Zeros *info and sets its struct_size to this header's sizeof. */
static inline void braid_plan_info_init(braid_plan_info_t *info) {
  memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
}

/* Strings in out_info live as long as the plan. */
BRAID_API braid_status_code_t braid_plan_info(const braid_plan_t *plan,
                                              braid_plan_info_t *out_info);

/* The plan's generated code: braidc's fused kernels, compiled into one ELF
 * shared object per x86-64 level (none for braidc --no-codegen;
 * docs/plan-format.md). Kernel `index`'s symbol, and image `index`'s ISA
 * ("x86-64-v3" or "x86-64-v4"), bytes and hash (64-bit FNV-1a); strings
 * live as long as the plan. */
BRAID_API size_t braid_plan_kernel_count(const braid_plan_t *plan);
BRAID_API braid_status_code_t braid_plan_kernel_name(const braid_plan_t *plan,
                                                     size_t index,
                                                     const char **out_name);
BRAID_API size_t braid_plan_code_image_count(const braid_plan_t *plan);
BRAID_API braid_status_code_t braid_plan_code_image(const braid_plan_t *plan,
                                                    size_t index,
                                                    const char **out_isa,
                                                    uint64_t *out_bytes,
                                                    uint64_t *out_hash);
/* The ISA of the image a session on this machine loads: the environment's
 * BRAID_CODE_ISA when set, else the best this CPU runs. BRAID_NOT_FOUND
 * for a plan without code; BRAID_UNSUPPORTED (or BRAID_INVALID_ARGUMENT
 * for a BRAID_CODE_ISA that names no ISA), with a message, when no image
 * can run here. Loads nothing. */
BRAID_API braid_status_code_t braid_plan_code_isa(const braid_plan_t *plan,
                                                  const char **out_isa);

/* The name of entry point `index` (< entry_point_count). */
BRAID_API braid_status_code_t braid_plan_entry_point_name(
    const braid_plan_t *plan, size_t index, const char **out_name);

/* Caller-allocated: braid_tensor_info_init sets struct_size. */
typedef struct braid_tensor_info_t {
  size_t struct_size;
  const char *name;
  braid_element_type_t element_type;
  size_t rank;
  const int64_t *shape; /* rank entries */
  size_t byte_size;
  /* An entry point's input: the dimension of its batch rows, or -1 for an
     input without them (fed whole, the same to every step). 0 otherwise. */
  int64_t batch_dim;
} braid_tensor_info_t;

/* Zeros *info and sets its struct_size to this header's sizeof. */
static inline void braid_tensor_info_init(braid_tensor_info_t *info) {
  memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
}

/* Counts of an entry point's inputs and outputs. */
BRAID_API braid_status_code_t braid_plan_entry_point_signature(
    const braid_plan_t *plan, const char *entry_point, size_t *out_input_count,
    size_t *out_output_count);
/* Input or output `index` of an entry point; pointers live as long as the
 * plan. */
BRAID_API braid_status_code_t
braid_plan_entry_point_input(const braid_plan_t *plan, const char *entry_point,
                             size_t index, braid_tensor_info_t *out_info);
BRAID_API braid_status_code_t
braid_plan_entry_point_output(const braid_plan_t *plan, const char *entry_point,
                              size_t index, braid_tensor_info_t *out_info);

/* For an i32 input that holds class labels (read by a sparse softmax
 * cross-entropy or accuracy step of the entry point), the number of classes
 * C: valid labels are [0, C). 0 when the input holds no class labels. */
BRAID_API braid_status_code_t braid_plan_label_classes(const braid_plan_t *plan,
                                                       const char *entry_point,
                                                       const char *input_name,
                                                       int64_t *out_classes);

/*===------------------------------------------------------------------===*/
/* Sessions                                                               */
/*===------------------------------------------------------------------===*/

typedef struct braid_session_t braid_session_t;

/* ---- Data parallelism: one MPI rank per replica --------------------------
 * A plan compiled with `braidc --replicas N` runs as N processes under
 * mpirun, each with a session whose options name the job's communicator.
 * Every call below that is marked collective must be made by every rank. */
typedef struct braid_communicator_t braid_communicator_t;

/* 1 when an MPI launcher started the process (Open MPI's mpirun, a PMIx
 * or PMI launcher: mpiexec, srun --mpi=pmix|pmi2), else 0. A Slurm batch
 * script alone is not a launch. */
BRAID_API int braid_communicator_launched_by_mpirun(void);
/* Initializes MPI and returns the job's communicator (MPI_COMM_WORLD).
 * Every wait of a collective gives up after `timeout_seconds` with
 * BRAID_COMMUNICATION: a peer rank died or stopped answering. */
BRAID_API braid_status_code_t braid_communicator_create_mpi(
    double timeout_seconds, braid_communicator_t **out_communicator);
/* Reference counting: each session created with the communicator holds a
 * reference too, so the communicator may be released before its sessions.
 * Dropping the last reference is collective when the communicator's
 * sessions shared memory between the ranks of one host (docs/c-api.md):
 * every rank drops it at the same point of its program. */
BRAID_API void braid_communicator_retain(braid_communicator_t *communicator);
BRAID_API void braid_communicator_release(braid_communicator_t *communicator);
BRAID_API int braid_communicator_rank(const braid_communicator_t *communicator);
BRAID_API int braid_communicator_size(const braid_communicator_t *communicator);
/* Collective. BRAID_INVALID_PLAN, on every rank, when the ranks loaded
 * different plans or the plan's replica count is not the job's size. */
BRAID_API braid_status_code_t braid_communicator_check_plan(
    braid_communicator_t *communicator, const braid_plan_t *plan);
/* Seconds this rank has spent in collective waits after its own part was
 * done, since the communicator was created: waiting for slower ranks, and
 * for transfers. A rank that waits much less than the others is the one
 * they wait for. 0 for NULL. */
BRAID_API double
braid_communicator_waited_seconds(const braid_communicator_t *communicator);
/* Seconds this rank's all-reduces have been under way since the
 * communicator was created (*out_total), and the part of it hidden behind
 * computation (*out_hidden: the rank computed instead of waiting). 0 for
 * NULL; either pointer may be NULL. */
BRAID_API void
braid_communicator_collective_seconds(const braid_communicator_t *communicator,
                                      double *out_total, double *out_hidden);
/* Collective. Every rank's `value`, in rank order: out_values[r] is rank
 * r's. `count` must be the job's size. */
BRAID_API braid_status_code_t
braid_communicator_all_gather(braid_communicator_t *communicator, double value,
                              double *out_values, size_t count);
/* Collective, without waiting: starts combining `flag` over every rank
 * (the result is 1 when any rank's flag is nonzero, else 0). One
 * combination is in flight per communicator at a time, and every rank
 * finishes it with braid_communicator_finish_any before starting the next
 * (and before releasing the communicator). A trainer starts one after each
 * step and finishes it after the next, by when the step's own collectives
 * have carried it: all ranks learn of a stop request at the same step
 * without a wait of its own. */
BRAID_API braid_status_code_t
braid_communicator_start_any(braid_communicator_t *communicator, int32_t flag);
/* Waits for the combination braid_communicator_start_any started and sets
 * *out_any to it. BRAID_INVALID_ARGUMENT when none was started. */
BRAID_API braid_status_code_t braid_communicator_finish_any(
    braid_communicator_t *communicator, int32_t *out_any);
/* Ends the whole job (MPI_Abort): mpirun stops every rank, even one stuck
 * in a collective. Does not return. */
BRAID_API void braid_communicator_abort(braid_communicator_t *communicator,
                                        int exit_code);

/* Caller-allocated: braid_session_options_init sets struct_size. */
typedef struct braid_session_options_t {
  size_t struct_size;
  /* oneDNN (OpenMP) threads; 0 = OMP_NUM_THREADS when it is set, else the
   * host's cores divided by its Braid processes. */
  int32_t threads;
  /* Seed of the parameter initializers. */
  uint64_t seed;
  /* The job's communicator for a plan with replicas, which the session
   * retains until it is released; NULL for one process alone. */
  braid_communicator_t *communicator;
  /* Nonzero: runs compute with IEEE denormals. 0 (the default): denormals
   * are flushed to zero during a run, which keeps training from slowing
   * down severalfold as values underflow (docs/c-api.md). */
  int32_t ieee_denormals;
  /* The padding that ended the struct before refuse_native_code: never
   * read (an older program's struct_size covers it, uninitialized). */
  int32_t unused_padding_0;
  /* Nonzero: refuses a plan that carries generated native code (braidc's
   * fused kernels) with BRAID_UNSUPPORTED. Running a plan's code is code
   * execution: a service that loads plans it did not compile sets this
   * and asks for plans compiled with braidc --no-codegen. 0 (the default)
   * loads the code (docs/embedding.md). */
  int32_t refuse_native_code;
} braid_session_options_t;

/* Fills *options with the defaults (zeros) and struct_size with this
 * header's sizeof: inline, so that it is the program's header that counts,
 * whichever library it loads. */
static inline void
braid_session_options_init(braid_session_options_t *options) {
  memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
}

/* Creates a session: allocates its memory, initializes its parameters from
 * the plan's initializers and creates every kernel. `options` may be NULL
 * for the defaults. With a communicator and a plan with replicas this is
 * collective: every rank creates its sessions in the same order. */
BRAID_API braid_status_code_t
braid_session_create(braid_plan_t *plan, const braid_session_options_t *options,
                     braid_session_t **out_session);
/* The OpenMP threads the session's runs use: the `threads` option, else
 * OMP_NUM_THREADS, else the host's share of cores. */
BRAID_API int32_t braid_session_threads(const braid_session_t *session);
/* The bytes of the plan's optimizer state (*out_total) and of the part this
 * rank updates and keeps current (*out_per_rank): 1/N of it on N ranks when
 * every gradient bucket's update is sharded (docs/data-parallel.md). Either
 * pointer may be NULL. */
BRAID_API void
braid_session_optimizer_state_bytes(const braid_session_t *session,
                                    uint64_t *out_total,
                                    uint64_t *out_per_rank);
BRAID_API void braid_session_retain(braid_session_t *session);
BRAID_API void braid_session_release(braid_session_t *session);

/* Binds the caller's buffer to an input, without copying: it must hold the
 * input's byte_size bytes and stay valid until it is rebound or the session
 * is released. */
BRAID_API braid_status_code_t braid_session_bind_input(braid_session_t *session,
                                                       const char *entry_point,
                                                       const char *name,
                                                       const void *data,
                                                       size_t byte_size);

/* Runs an entry point over the inputs bound last. */
BRAID_API braid_status_code_t braid_session_run(braid_session_t *session,
                                                const char *entry_point);

/* The seed and the training step that key the masks of the next
 * train_step run's dropouts (docs/language.md, "Dropout"). The seed starts
 * as the session's `seed` option, the step at 0; each run of train_step
 * that succeeds adds 1 to the step. A trainer sets both to its run's seed
 * and step count, so that a resumed run draws the masks the uninterrupted
 * one would have. */
BRAID_API void braid_session_set_training_position(braid_session_t *session,
                                                   uint64_t seed,
                                                   uint64_t step);

/* Runs predict over `rows` batch rows, 1 to the plan's batch: the smallest
 * compiled size of predict that holds them (braid_plan_info_t's
 * predict_batches), its inputs padded with zero rows, whose outputs are
 * dropped. inputs[i] is predict's input i (braid_plan_entry_point_input
 * order): `rows` rows of it when it has a batch dimension (batch_dim 0),
 * else the whole tensor; outputs[o] receives the first `rows` rows of output
 * o. Rows are independent in predict (braidc checks it for a range of batch
 * sizes), so each row's result is the one a plan compiled for exactly
 * `rows` would give. An input given exactly a compiled size's rows is read
 * in place and stays bound (braid_session_bind_input) until the next call;
 * padded ones are copied into the session's buffers, allocated on the first
 * call for the largest batch. BRAID_INVALID_ARGUMENT for 0 or too many rows
 * or wrong counts; BRAID_UNSUPPORTED for a predict whose rows do not lead. */
BRAID_API braid_status_code_t braid_session_predict(
    braid_session_t *session, int64_t rows, const void *const *inputs,
    size_t input_count, void *const *outputs, size_t output_count);

/* An output of the last run; *out_data stays valid until the next run. */
BRAID_API braid_status_code_t braid_session_output(
    const braid_session_t *session, const char *entry_point, const char *name,
    const void **out_data, size_t *out_byte_size);

/* Loads every parameter from a safetensors checkpoint (keys are parameter
 * names). A checkpoint that does not match leaves the session unchanged. */
BRAID_API braid_status_code_t
braid_session_load_checkpoint(braid_session_t *session, const char *path);
/* What braid_session_load_checkpoint_state does with the optimizer state
 * in the file. Values are stable and only ever appended. */
typedef enum braid_checkpoint_state_t {
  /* The state tensors the file holds; a file of weights alone starts every
   * state tensor at zero (braid_session_load_checkpoint). */
  BRAID_CHECKPOINT_STATE_IF_PRESENT = 0,
  /* Every optimizer state tensor must be in the file: BRAID_INVALID_DATA
   * naming the first missing one otherwise. */
  BRAID_CHECKPOINT_STATE_REQUIRED = 1,
  /* The file's state is ignored; every state tensor starts at zero. */
  BRAID_CHECKPOINT_STATE_SKIP = 2,
} braid_checkpoint_state_t;
/* As braid_session_load_checkpoint, with `state` saying what is done with
 * the optimizer state. */
BRAID_API braid_status_code_t braid_session_load_checkpoint_state(
    braid_session_t *session, const char *path, braid_checkpoint_state_t state);
/* Saves every parameter and optimizer state tensor: written to a temporary
 * file, synced, renamed, so a crash never leaves a torn checkpoint. */
BRAID_API braid_status_code_t
braid_session_save_checkpoint(const braid_session_t *session, const char *path);
/* Collective on a data-parallel session: completes every rank's optimizer
 * state from the other ranks' shares when they cannot be read from this
 * host (ranks on several hosts, or no shared arena). Every rank calls it
 * between steps before one of them saves a checkpoint; it does nothing
 * where saving reads the others' shares itself. */
BRAID_API braid_status_code_t
braid_session_gather_state(braid_session_t *session);
/* As braid_session_save_checkpoint, adding `count` metadata strings
 * (keys[i] = values[i]) to the file's header, e.g. a training position. */
BRAID_API braid_status_code_t braid_session_save_checkpoint_with_metadata(
    const braid_session_t *session, const char *path, const char *const *keys,
    const char *const *values, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* BRAID_BRAID_H */
