// braid-data-parallel: splits the batch over N replicas. @forward's batch
// dimension becomes B/N, the entry points are derived again from it, and the
// collectives that keep the replicas in step are inserted: the mean of every
// gradient before the updates, of the reported loss and metrics, and the
// broadcast of the initial parameters (@broadcast_params).
#include "passes/LossBatchReduction.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

namespace braid {
#define GEN_PASS_DEF_DATAPARALLELPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// `type` with its leading dimension `local`.
static RankedTensorType splitType(Type type, int64_t local) {
  auto tensor = llvm::cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[0] = local;
  return tensor.clone(shape);
}

/// Checks that every input of `forward` that carries the batch
/// (braid.batch_dims) carries it as its leading dimension only, the rows the
/// runtime gives each replica; a located error names the input otherwise.
static LogicalResult checkBatchInputs(func::FuncOp forward) {
  for (BlockArgument arg : forward.getArguments()) {
    auto dims = forward.getArgAttrOfType<DenseI64ArrayAttr>(arg.getArgNumber(),
                                                            attrs::kBatchDims);
    if (!dims || (dims.size() == 1 && dims[0] == 0))
      continue;
    auto name =
        forward.getArgAttrOfType<StringAttr>(arg.getArgNumber(), attrs::kInput);
    InFlightDiagnostic diag = emitError(arg.getLoc())
                              << "input '" << (name ? name.getValue() : "")
                              << "' of type " << arg.getType()
                              << " has the batch B at dimension";
    if (dims.size() > 1)
      diag << "s";
    for (auto [i, dim] : llvm::enumerate(dims.asArrayRef()))
      diag << (i ? ", " : " ") << dim;
    diag << "; braid-data-parallel splits an input's rows only along its "
            "leading dimension: declare it with B first";
    return failure();
  }
  return success();
}

/// The target shape of a reshape or broadcast_to, with the batch replaced,
/// when the op carries the batch dimension: a reshape of a value whose batch
/// was split, a broadcast_to that adds or stretches a leading dimension of
/// the batch's size. Nothing otherwise.
static std::optional<SmallVector<int64_t>>
splitTargetShape(Operation *op, ArrayRef<int64_t> shape, bool operandSplit,
                 int64_t global, int64_t local) {
  if (shape.empty() || shape[0] != global)
    return std::nullopt;
  if (llvm::isa<BroadcastToOp>(op) && !operandSplit) {
    auto input = llvm::cast<RankedTensorType>(op->getOperand(0).getType());
    int64_t aligned = input.getRank() - static_cast<int64_t>(shape.size());
    if (aligned >= 0 && input.getDimSize(aligned) == global)
      return std::nullopt;
  } else if (!operandSplit) {
    return std::nullopt;
  }
  SmallVector<int64_t> split(shape);
  split[0] = local;
  return split;
}

/// Rewrites @forward for a per-replica batch: every input that carries the
/// batch (braid.batch_dims, checked by checkBatchInputs) gets `local` rows,
/// and every op's result type is inferred again from its operands.
static LogicalResult splitForward(func::FuncOp forward, int64_t global,
                                  int64_t local) {
  Block &body = forward.getBody().front();
  llvm::DenseSet<Value> split;
  for (BlockArgument arg : body.getArguments()) {
    if (!forward.getArgAttr(arg.getArgNumber(), attrs::kBatchDims))
      continue;
    arg.setType(splitType(arg.getType(), local));
    split.insert(arg);
  }
  MLIRContext *context = forward.getContext();
  for (Operation &op : body.without_terminator()) {
    bool operandSplit = llvm::any_of(
        op.getOperands(), [&](Value v) { return split.contains(v); });
    auto retarget = [&](ArrayRef<int64_t> shape, auto set) {
      if (auto to = splitTargetShape(&op, shape, operandSplit, global, local)) {
        set(DenseI64ArrayAttr::get(context, *to));
        operandSplit = true;
      }
    };
    if (auto reshape = llvm::dyn_cast<ReshapeOp>(op))
      retarget(reshape.getShape(),
               [&](DenseI64ArrayAttr a) { reshape.setShapeAttr(a); });
    if (auto broadcast = llvm::dyn_cast<BroadcastToOp>(op))
      retarget(broadcast.getShape(),
               [&](DenseI64ArrayAttr a) { broadcast.setShapeAttr(a); });
    if (!operandSplit)
      continue;
    auto infer = llvm::dyn_cast<InferTypeOpInterface>(op);
    if (!infer)
      return op.emitOpError()
             << "cannot be split over replicas: its result types cannot be "
                "inferred again for the per-replica batch "
             << local;
    SmallVector<Type> types;
    if (failed(infer.inferReturnTypes(
            context, op.getLoc(), op.getOperands(), op.getRawDictionaryAttrs(),
            op.getPropertiesStorage(), op.getRegions(), types)))
      return op.emitOpError()
             << "cannot be split over replicas: its batch dimension does not "
                "follow from its operands at the per-replica batch "
             << local << " (of " << global << ")";
    for (auto [result, type] : llvm::zip(op.getResults(), types))
      if (result.getType() != type) {
        result.setType(type);
        split.insert(result);
      }
  }
  forward.setFunctionType(
      FunctionType::get(context, body.getArgumentTypes(),
                        body.getTerminator()->getOperandTypes()));
  return success();
}

/// The value @forward returns as its loss (braid.loss), or null.
static Value forwardLoss(func::FuncOp forward) {
  Operation *ret = forward.getBody().front().getTerminator();
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (forward.getResultAttr(i, attrs::kLoss))
      return ret->getOperand(i);
  return {};
}

/// Erases the entry point `name` if the module has it; says whether it did.
static bool eraseFunc(ModuleOp module, StringRef name) {
  Operation *func = SymbolTable::lookupSymbolIn(module, name);
  if (func)
    func->erase();
  return func != nullptr;
}

/// Reduces `values` over the replicas right before `before`; every later use
/// reads the reduced value.
static void reduceBefore(Operation *before, ArrayRef<Value> values,
                         Reduction reduction) {
  if (values.empty())
    return;
  OpBuilder builder(before);
  MLIRContext *context = before->getContext();
  auto reduce = AllReduceOp::create(
      builder, before->getLoc(), ValueRange(values).getTypes(),
      ValueRange(values), ReductionAttr::get(context, reduction));
  for (auto [value, result] : llvm::zip(values, reduce.getResults()))
    Value(value).replaceUsesWithIf(result, [&](OpOperand &use) {
      Operation *user = use.getOwner();
      return user != reduce && user->getBlock() == reduce->getBlock() &&
             reduce->isBeforeInBlock(user);
    });
}

/// Reduces `func`'s results over the replicas before its return: the loss
/// (braid.loss) by `lossReduction`, the others (accuracy) by their mean, one
/// all_reduce per reduction.
static void reduceResults(func::FuncOp func, Reduction lossReduction) {
  Operation *ret = func.getBody().front().getTerminator();
  SmallVector<Value> losses, others;
  for (auto [i, value] : llvm::enumerate(ret->getOperands()))
    (func.getResultAttr(i, attrs::kLoss) ? losses : others).push_back(value);
  if (lossReduction == Reduction::mean) {
    reduceBefore(ret, SmallVector<Value>(ret->getOperands()), Reduction::mean);
    return;
  }
  reduceBefore(ret, losses, lossReduction);
  reduceBefore(ret, others, Reduction::mean);
}

/// Multiplies each of `terms` (sums over the batch rows that the loss reads)
/// by the replica count in the per-replica @forward, so that each replica's
/// loss is a mean over the replicas like its mean terms: the mean of the
/// replicas' losses is then the whole batch's loss, batch-free terms
/// included. The return keeps the unscaled value (an output).
static void scaleSumTerms(ArrayRef<Operation *> terms, int64_t replicas) {
  for (Operation *term : terms) {
    OpBuilder b(term->getContext());
    b.setInsertionPointAfter(term);
    Value sum = term->getResult(0);
    auto scalar = RankedTensorType::get({}, b.getF32Type());
    Value factor =
        ConstantOp::create(b, term->getLoc(),
                           llvm::cast<ElementsAttr>(DenseElementsAttr::get(
                               scalar, static_cast<float>(replicas))));
    Value scaled = MulOp::create(b, term->getLoc(), sum, factor);
    sum.replaceUsesWithIf(scaled, [&](OpOperand &use) {
      return use.getOwner() != scaled.getDefiningOp() &&
             !llvm::isa<func::ReturnOp>(use.getOwner());
    });
  }
}

/// One all_reduce(sum) of every gradient right before the first update (the
/// seed dloss already scaled them, so their sum is the gradient of the global
/// batch's loss, with no division pass after the reduction), and one
/// all_reduce(`lossReduction`) of the loss before the return. Constant
/// gradients (the zero gradient of a parameter the loss does not read) are
/// the same everywhere and are left alone.
static LogicalResult reduceTrainStep(func::FuncOp step,
                                     Reduction lossReduction) {
  Block &body = step.getBody().front();
  SmallVector<Value> gradients;
  llvm::DenseSet<Value> seen;
  for (Operation &op : body) {
    Value grad;
    if (auto sgd = llvm::dyn_cast<SgdUpdateOp>(op))
      grad = sgd.getGrad();
    else if (auto adam = llvm::dyn_cast<AdamUpdateOp>(op))
      grad = adam.getGrad();
    else if (auto adamw = llvm::dyn_cast<AdamWUpdateOp>(op))
      grad = adamw.getGrad();
    else if (auto sgdWd = llvm::dyn_cast<SgdWdUpdateOp>(op))
      grad = sgdWd.getGrad();
    else
      continue;
    if (grad.getDefiningOp<ConstantOp>() || !seen.insert(grad).second)
      continue;
    if (llvm::isa<BlockArgument>(grad))
      return op.emitOpError()
             << "cannot be split over replicas: its gradient is a function "
                "argument";
    gradients.push_back(grad);
  }
  if (seen.empty())
    return step.emitError() << "@train_step has no optimizer update";
  // Before the first op that reads a gradient: an update, or the global
  // norm of clipping, which so reads the reduced gradients and is the same
  // on every replica.
  llvm::DenseSet<Value> wanted(gradients.begin(), gradients.end());
  Operation *firstReader = body.getTerminator();
  for (Operation &op : body)
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return wanted.contains(v); })) {
      firstReader = &op;
      break;
    }
  reduceBefore(firstReader, gradients, Reduction::sum);
  // Only the loss combines over the replicas; the rate and the gradient
  // norm that follow it are already the same on every replica.
  Operation *ret = body.getTerminator();
  reduceBefore(ret, {ret->getOperand(0)}, lossReduction);
  return success();
}

/// @broadcast_params: every parameter and state argument of `source`, with
/// their attributes, overwritten by replica 0's.
static void addBroadcastParams(ModuleOp module, func::FuncOp source) {
  OpBuilder builder(module.getContext());
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> argAttrs;
  for (unsigned i = 0, e = source.getNumArguments(); i < e; ++i)
    if (source.getArgAttr(i, attrs::kParam) ||
        source.getArgAttr(i, attrs::kState)) {
      types.push_back(source.getArgumentTypes()[i]);
      argAttrs.push_back(source.getArgAttrDict(i));
    }
  if (types.empty())
    return;
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, module.getLoc(), "broadcast_params",
                                   builder.getFunctionType(types, {}));
  // All at once: setting one argument's attributes rebuilds the whole array.
  func.setAllArgAttrs(argAttrs);
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToEnd(entry);
  BroadcastOp::create(builder, module.getLoc(), entry->getArgumentTypes(),
                      entry->getArguments(), /*root=*/0);
  func::ReturnOp::create(builder, module.getLoc());
  func->setAttr(attrs::kEntryPoint, builder.getStringAttr("broadcast_params"));
}

struct DataParallelPass : impl::DataParallelPassBase<DataParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(run(module)))
      signalPassFailure();
  }

  LogicalResult run(ModuleOp module) {
    OpBuilder builder(module.getContext());
    int64_t replicas = this->replicas;
    if (replicas < 1)
      return module.emitError()
             << "replicas=" << replicas << " must be at least 1";
    module->setAttr(attrs::kReplicas, builder.getI64IntegerAttr(replicas));
    if (replicas == 1)
      return success();
    auto batch = module->getAttrOfType<IntegerAttr>(attrs::kBatch);
    if (!batch)
      return module.emitError()
             << "replicas=" << replicas
             << " needs the batch the replicas share: the module has no "
                "braid.batch";
    int64_t global = batch.getInt();
    if (global % replicas != 0)
      return module.emitError() << "replicas=" << replicas
                                << " does not divide the batch " << global;
    auto forward = llvm::dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(module, "forward"));
    if (!forward)
      return module.emitError()
             << "braid-data-parallel needs @forward to derive the entry "
                "points at the per-replica batch";

    // The entry points are derived again from @forward at the per-replica
    // batch, so that every shape, gradient and constant the earlier passes
    // computed from the batch (1/B in a mean's gradient) follows it.
    if (!forward.getBody().hasOneBlock())
      return forward.emitError() << "@forward must have a single block";
    if (failed(checkBatchInputs(forward)))
      return failure();
    // How the loss reduces over the rows decides how the replicas' losses
    // and gradients combine: a mean (the seed dloss 1/N, the mean of the
    // losses), a pure sum (the seed 1, their sum), or a mix, whose sums are
    // scaled by N to act as means.
    LossBatchReduction lossReduction;
    if (Value loss = forwardLoss(forward)) {
      FailureOr<LossBatchReduction> analysed =
          analyzeLossBatchReduction(forward, loss, global);
      if (failed(analysed))
        return failure();
      lossReduction = *analysed;
    }
    bool pureSum = lossReduction.isPureSum();
    Reduction combine = pureSum ? Reduction::sum : Reduction::mean;

    bool training = eraseFunc(module, "train_step");
    // braid-optimizer builds @accumulate again beside @train_step.
    eraseFunc(module, "accumulate");
    bool eval = eraseFunc(module, "eval");
    bool predict = eraseFunc(module, "predict");
    if (failed(splitForward(forward, global, global / replicas)))
      return failure();
    if (!pureSum)
      scaleSumTerms(lossReduction.sumTerms, replicas);
    OpPassManager pm(ModuleOp::getOperationName());
    if (training) {
      AutodiffPassOptions autodiff;
      autodiff.lossScale = pureSum ? 1.0 : 1.0 / static_cast<double>(replicas);
      pm.addPass(createAutodiffPass(autodiff));
      pm.addPass(createOptimizerPass());
    }
    if (eval)
      pm.addPass(createOutlineEvalPass());
    if (predict)
      pm.addPass(createOutlinePredictPass());
    {
      // The first derivation already warned (of a parameter without a
      // gradient, ...); errors still reach the caller.
      ScopedDiagnosticHandler quiet(module.getContext(), [](Diagnostic &d) {
        return success(d.getSeverity() == DiagnosticSeverity::Warning);
      });
      if (failed(runPipeline(pm, module)))
        return failure();
    }

    func::FuncOp source;
    if (auto step = llvm::dyn_cast_or_null<func::FuncOp>(
            SymbolTable::lookupSymbolIn(module, "train_step"))) {
      if (failed(reduceTrainStep(step, combine)))
        return failure();
      source = step;
    }
    if (auto evalFunc = llvm::dyn_cast_or_null<func::FuncOp>(
            SymbolTable::lookupSymbolIn(module, "eval")))
      reduceResults(evalFunc, combine);
    if (!source)
      source = llvm::dyn_cast_or_null<func::FuncOp>(
          SymbolTable::lookupSymbolIn(module, "predict"));
    if (!source)
      source = forward;
    addBroadcastParams(module, source);
    return success();
  }
};

} // namespace
} // namespace braid
