// braid-fuse: groups chains of elementwise ops of each entry point into
// braid.fused ops, one generated kernel each (the rules: Passes.td).
#include "passes/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <queue>
#include <string>

namespace braid {
#define GEN_PASS_DEF_FUSEPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

inline constexpr llvm::StringLiteral kKernelPrefix = "braid_fused_";

/// Whether `op` may be a member of a fused group: an op that gives its scalar
/// body (FusibleOpInterface, through FusedOp::isFusibleBodyOp) with one
/// result, all of whose operands and result are static f32 tensors
/// (FusedOp::isKernelType).
bool isFusible(Operation *op) {
  return FusedOp::isFusibleBodyOp(op) && op->getNumResults() == 1 &&
         llvm::all_of(op->getOperandTypes(), FusedOp::isKernelType) &&
         FusedOp::isKernelType(op->getResult(0).getType());
}

/// The tensor whose bytes `value` names: a reshape or flatten is a view of
/// its operand's bytes (braid-plan-memory aliases them).
Value bufferRoot(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!llvm::isa<ReshapeOp, FlattenOp>(def))
      break;
    value = def->getOperand(0);
  }
  return value;
}

/// The ops of one block by position, and for each tensor the positions of
/// the ops that may write its bytes: in-place steps (optimizer updates,
/// collectives, a bucket's wait) and a bucket's start, after which the
/// reduction may write the bucket at any time.
class BlockOrder {
public:
  explicit BlockOrder(Block &block) {
    unsigned position = 0;
    for (Operation &op : block) {
      positions[&op] = position;
      auto step = llvm::dyn_cast<PlanStepOpInterface>(op);
      if (step) {
        auto wait = llvm::dyn_cast<AllReduceWaitOp>(op);
        // A wait without its start is an error the exporter reports.
        if (!wait || wait.getStart())
          for (Value written : step.getInPlaceOutputs())
            writes[bufferRoot(written)].push_back(position);
      }
      if (auto start = llvm::dyn_cast<AllReduceStartOp>(op))
        for (Value member : start.getInputs())
          writes[bufferRoot(member)].push_back(position);
      ++position;
    }
  }

  unsigned position(Operation *op) const { return positions.lookup(op); }

  /// Whether an op between positions `from` and `to` (both excluded) may
  /// write the bytes of `value`.
  bool writtenBetween(Value value, unsigned from, unsigned to) const {
    auto it = writes.find(bufferRoot(value));
    if (it == writes.end())
      return false;
    // Positions were appended in block order, so they are sorted.
    const SmallVector<unsigned> &at = it->second;
    auto next = std::upper_bound(at.begin(), at.end(), from);
    return next != at.end() && *next < to;
  }

private:
  llvm::DenseMap<Operation *, unsigned> positions;
  llvm::DenseMap<Value, SmallVector<unsigned>> writes;
};

/// Whether every use of `op`'s result is by an op of `members`: then the
/// value lives only inside the group.
bool usedOnlyBy(Operation *op, const llvm::DenseSet<Operation *> &members) {
  return llvm::all_of(op->getResult(0).getUsers(),
                      [&](Operation *user) { return members.contains(user); });
}

/// Whether moving `op` down to the position of `last`, where the fused op
/// goes, would make it read a tensor after a write that it now precedes (an
/// in-place update, or the start or wait of a bucket holding the tensor).
bool movesAcrossWrite(Operation *op, Operation *last, const BlockOrder &order) {
  unsigned from = order.position(op), to = order.position(last);
  return llvm::any_of(op->getOperands(), [&](Value operand) {
    return order.writtenBetween(operand, from, to);
  });
}

/// Whether `producer`, which computes an operand of a member of the group
/// ending in `last`, joins the group: a fusible op not in another group, in
/// the same block, of the group's shape (an operand of another shape is a
/// broadcast input), whose result only the group reads, and which can move
/// to `last`'s position.
bool joinsGroup(Operation *producer, Operation *last,
                const llvm::DenseSet<Operation *> &members,
                const llvm::DenseSet<Operation *> &taken,
                const BlockOrder &order) {
  return producer->getBlock() == last->getBlock() &&
         !taken.contains(producer) && isFusible(producer) &&
         producer->getResult(0).getType() == last->getResult(0).getType() &&
         usedOnlyBy(producer, members) &&
         !movesAcrossWrite(producer, last, order);
}

/// The group that ends in the fusible op `last`: `last` and, transitively,
/// the producers of its operands that join it (joinsGroup), in block order.
/// Producers are decided from the latest back, so that when one is decided
/// every later op that might read it has been decided already.
SmallVector<Operation *> collectGroup(Operation *last,
                                      const llvm::DenseSet<Operation *> &taken,
                                      const BlockOrder &order) {
  llvm::DenseSet<Operation *> members{last};
  llvm::DenseSet<Operation *> seen{last};
  std::priority_queue<std::pair<unsigned, Operation *>> candidates;
  auto pushProducers = [&](Operation *member) {
    for (Value operand : member->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        if (seen.insert(producer).second)
          candidates.push({order.position(producer), producer});
  };
  pushProducers(last);
  while (!candidates.empty()) {
    Operation *producer = candidates.top().second;
    candidates.pop();
    if (!joinsGroup(producer, last, members, taken, order))
      continue;
    members.insert(producer);
    pushProducers(producer);
  }
  SmallVector<Operation *> ops(members.begin(), members.end());
  llvm::sort(ops, [&](Operation *a, Operation *b) {
    return order.position(a) < order.position(b);
  });
  return ops;
}

/// Whether the scalar body of the fusible op `op` calls a math function
/// that no instruction computes (erf, exp, log, tanh, pow). Its prebuilt
/// kernel calls libm one element at a time where the generated one runs
/// MLIR's polynomial approximation on vectors (the GPT's gelu_grad alone ran
/// 1.6 times as fast), so such an op is worth a kernel of its own.
bool callsMathFunction(Operation *op) {
  // The body is built in a scratch function of f32 arguments, dropped after.
  Type f32 = Float32Type::get(op->getContext());
  OwningOpRef<func::FuncOp> scratch = func::FuncOp::create(
      op->getLoc(), "scratch",
      FunctionType::get(op->getContext(),
                        SmallVector<Type>(op->getNumOperands(), f32), {}));
  Block *body = scratch->addEntryBlock();
  OpBuilder builder = OpBuilder::atBlockEnd(body);
  llvm::cast<FusibleOpInterface>(op).buildScalar(builder, op->getLoc(),
                                                 body->getArguments());
  return llvm::any_of(*body, [](Operation &scalar) {
    return llvm::isa<math::MathDialect>(scalar.getDialect()) &&
           !llvm::isa<math::SqrtOp, math::RsqrtOp, math::AbsFOp, math::FmaOp,
                      math::CopySignOp>(scalar);
  });
}

/// The groups of `block` worth a kernel (two ops or more, or one that
/// calls a math function), in block order. Each fusible op not yet in a
/// group, from the last back, ends a new one.
SmallVector<SmallVector<Operation *>> findGroups(Block &block) {
  BlockOrder order(block);
  llvm::DenseSet<Operation *> taken;
  SmallVector<SmallVector<Operation *>> groups;
  for (Operation &op : llvm::reverse(block)) {
    if (taken.contains(&op) || !isFusible(&op))
      continue;
    SmallVector<Operation *> group = collectGroup(&op, taken, order);
    taken.insert(group.begin(), group.end());
    if (group.size() >= 2 || callsMathFunction(group.front()))
      groups.push_back(std::move(group));
  }
  std::reverse(groups.begin(), groups.end());
  return groups;
}

/// Replaces the ops of `group` (in block order) with one braid.fused named
/// `kernel` at the position of its last op. Its operands are the values
/// the group reads from outside, in the order they are first read.
FusedOp fuseGroup(ArrayRef<Operation *> group, StringRef kernel) {
  Operation *last = group.back();
  llvm::DenseSet<Operation *> members(group.begin(), group.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Location> locations;
  for (Operation *op : group) {
    locations.push_back(op->getLoc());
    for (Value operand : op->getOperands())
      if (!members.contains(operand.getDefiningOp()))
        inputs.insert(operand);
  }
  MLIRContext *context = last->getContext();
  OpBuilder builder(last);
  auto fused = FusedOp::create(builder, FusedLoc::get(context, locations),
                               last->getResult(0).getType(),
                               inputs.getArrayRef(), kernel);
  SmallVector<Type> argumentTypes;
  SmallVector<Location> argumentLocations;
  for (Value input : inputs) {
    argumentTypes.push_back(input.getType());
    argumentLocations.push_back(input.getLoc());
  }
  Block *body = builder.createBlock(&fused.getBody(), {}, argumentTypes,
                                    argumentLocations);
  IRMapping mapping;
  mapping.map(inputs.getArrayRef(), body->getArguments());
  for (Operation *op : group)
    builder.clone(*op, mapping)->removeAttr(attrs::kOffset);
  YieldOp::create(builder, last->getLoc(), mapping.lookup(last->getResult(0)));
  last->getResult(0).replaceAllUsesWith(fused.getResult());
  for (Operation *op : llvm::reverse(group))
    op->erase();
  return fused;
}

/// The first kernel number not taken by a braid_fused_N already in
/// `module`, so that running the pass again keeps the names unique.
unsigned firstFreeKernelNumber(ModuleOp module) {
  unsigned next = 0;
  module.walk([&](FusedOp fused) {
    StringRef name = fused.getKernel();
    unsigned number;
    if (name.consume_front(kKernelPrefix) && !name.getAsInteger(10, number))
      next = std::max(next, number + 1);
  });
  return next;
}

struct FusePass : impl::FusePassBase<FusePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    unsigned next = firstFreeKernelNumber(module);
    bool changed = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func->hasAttr(attrs::kEntryPoint) || func.isExternal() ||
          !func.getBody().hasOneBlock())
        continue;
      for (const SmallVector<Operation *> &group :
           findGroups(func.getBody().front())) {
        fuseGroup(group, kKernelPrefix.str() + std::to_string(next++));
        changed = true;
      }
    }
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace
} // namespace braid
