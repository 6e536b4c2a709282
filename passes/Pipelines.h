// Named pass pipelines of the compiler, shared by braidc and braid-opt.
#ifndef BRAID_PASSES_PIPELINES_H
#define BRAID_PASSES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace braid {

/// braid-bucket-allreduce's default bucket size, 64 KiB (Passes.td; why:
/// docs/data-parallel.md).
inline constexpr int64_t kDefaultBucketBytes = 64 << 10;

/// Whether the pipeline fuses elementwise chains (braid-fuse) unless told
/// otherwise (braidc --no-codegen, braid-lower-to-plan{fuse=false}).
inline constexpr bool kFuseByDefault = true;

struct LowerToPlanOptions
    : public mlir::PassPipelineOptions<LowerToPlanOptions> {
  Option<bool> training{*this, "training",
                        llvm::cl::desc("Build @train_step and @eval (the "
                                       "module has braid.train)"),
                        llvm::cl::init(false)};
  Option<bool> predict{*this, "predict",
                       llvm::cl::desc("Build @predict (@forward has outputs)"),
                       llvm::cl::init(true)};
  Option<int64_t> replicas{
      *this, "replicas",
      llvm::cl::desc("Replicas that share each batch (braid-data-parallel; "
                     "1: none)"),
      llvm::cl::init(1)};
  Option<int64_t> bucketBytes{
      *this, "bucket-bytes",
      llvm::cl::desc("Bytes per all-reduce bucket (braid-bucket-allreduce)"),
      llvm::cl::init(kDefaultBucketBytes)};
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Group elementwise chains into braid.fused "
                                   "ops (braid-fuse) before memory planning"),
                    llvm::cl::init(kFuseByDefault)};
};

/// What buildLowerToPlanPipeline adds.
struct LowerToPlanConfig {
  /// braid-autodiff, braid-optimizer and braid-outline-eval.
  bool training = false;
  /// braid-outline-predict.
  bool predict = true;
  /// More than 1: braid-data-parallel{replicas} after the outlining passes
  /// and braid-bucket-allreduce{bucket-bytes} after canonicalization.
  int64_t replicas = 1;
  int64_t bucketBytes = kDefaultBucketBytes;
  /// braid-fuse after canonicalization and bucketing, before memory
  /// planning; false leaves every op to its prebuilt kernel (braidc
  /// --no-codegen).
  bool fuse = kFuseByDefault;
  /// braid-plan-memory last; false stops before it (braidc
  /// --emit=mlir-parallel).
  bool planMemory = true;
  /// braid-check-rows after braid-outline-predict: a plan for a range of
  /// batch sizes pads requests, which is exact only if rows stay apart.
  bool checkRows = false;
};

/// Lowers a front-end module (func @forward) to what exportPlan reads: with
/// `training`, braid-autodiff, braid-optimizer and braid-outline-eval; with
/// `predict`, braid-outline-predict; with replicas > 1,
/// braid-data-parallel; then canonicalize, braid-bucket-allreduce (replicas
/// > 1), braid-fuse (with `fuse`) and braid-plan-memory on every entry
/// point. `pm` is anchored on
/// builtin.module.
void buildLowerToPlanPipeline(mlir::OpPassManager &pm,
                              const LowerToPlanConfig &config);

/// The pipeline `module` needs: training when it has braid.train, predict
/// when @forward has outputs; the rest of `config` as given.
void buildLowerToPlanPipelineFor(mlir::OpPassManager &pm, mlir::ModuleOp module,
                                 LowerToPlanConfig config = {});

/// Registers the pipelines by name (braid-lower-to-plan) so that braid-opt
/// and lit tests can run them.
void registerBraidPipelines();

} // namespace braid

#endif // BRAID_PASSES_PIPELINES_H
