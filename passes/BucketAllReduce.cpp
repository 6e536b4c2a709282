// braid-bucket-allreduce: splits each braid.all_reduce into buckets of at
// most bucket-bytes, each started as soon as its last tensor is computed and
// waited on right before its first result is needed, so that communication
// overlaps the rest of the backward pass.
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"

namespace braid {
#define GEN_PASS_DEF_BUCKETALLREDUCEPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// The value whose arena buffer `value` is in: reshape and flatten of a
/// computed value share its bytes (braid-plan-memory's aliasing).
static Value bufferRoot(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!llvm::isa<ReshapeOp, FlattenOp>(def))
      break;
    Operation *source = def->getOperand(0).getDefiningOp();
    if (!source || llvm::isa<ConstantOp>(source))
      break;
    value = def->getOperand(0);
  }
  return value;
}

/// One operand of the all_reduce that goes into a bucket.
struct Member {
  unsigned operand;
  uint64_t bytes;
  /// Where the backward pass produces it (its defining op).
  Operation *def;
  /// The last op other than the all_reduce that defines or reads its bytes;
  /// the bucket's start goes after it.
  Operation *lastTouch;
};

static LogicalResult bucketAllReduce(AllReduceOp reduce, uint64_t bucketBytes) {
  Block *block = reduce->getBlock();
  Reduction kind = reduce.getReduction();
  SmallVector<Member> members;
  llvm::DenseMap<Value, unsigned> rootOperand;
  for (auto [i, value] : llvm::enumerate(reduce.getInputs())) {
    auto index = static_cast<unsigned>(i);
    Operation *def = value.getDefiningOp();
    if (!def || def->getBlock() != block)
      return reduce.emitOpError()
             << "operand #" << index
             << " is not computed in this block; only computed tensors can "
                "be bucketed";
    if (llvm::isa<ConstantOp>(def)) {
      // Every replica holds the same constant: its mean, max and min are
      // itself.
      if (kind == Reduction::sum)
        return reduce.emitOpError() << "operand #" << index
                                    << " is a constant; its sum over the "
                                       "replicas cannot be bucketed";
      reduce.getResult(index).replaceAllUsesWith(value);
      continue;
    }
    Value root = bufferRoot(value);
    auto [it, inserted] = rootOperand.try_emplace(root, index);
    if (!inserted)
      return reduce.emitOpError() << "operands #" << it->second << " and #"
                                  << index << " share one buffer";
    // Every value in the buffer, and every op that reads one of them.
    Operation *lastTouch = root.getDefiningOp();
    SmallVector<Value> aliases = {root};
    for (unsigned k = 0; k < aliases.size(); ++k)
      for (Operation *user : aliases[k].getUsers()) {
        if (user == reduce)
          continue;
        if (user->getBlock() != block)
          return reduce.emitOpError()
                 << "operand #" << index << " is read in another block";
        if (lastTouch->isBeforeInBlock(user))
          lastTouch = user;
        if (llvm::isa<ReshapeOp, FlattenOp>(user))
          aliases.push_back(user->getResult(0));
      }
    if (reduce->isBeforeInBlock(lastTouch))
      return lastTouch->emitOpError()
             << "reads operand #" << index
             << " of a later-bucketed braid.all_reduce after it; read the "
                "reduced result instead";
    auto type = llvm::cast<RankedTensorType>(value.getType());
    members.push_back({index, static_cast<uint64_t>(type.getNumElements()) * 4,
                       def, lastTouch});
  }

  // Buckets in the order the tensors are produced, filled greedily; a tensor
  // larger than a bucket has one to itself.
  llvm::stable_sort(members, [](const Member &a, const Member &b) {
    return a.def->isBeforeInBlock(b.def);
  });
  SmallVector<SmallVector<Member>> buckets;
  uint64_t filled = 0;
  for (const Member &member : members) {
    if (buckets.empty() || filled + member.bytes > bucketBytes) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(member);
    filled += member.bytes;
  }

  OpBuilder builder(reduce.getContext());
  auto reductionAttr = reduce.getReductionAttr();
  // The starts inserted so far (a set: a search of a list per bucket would
  // cost O(buckets^2)).
  llvm::SmallPtrSet<Operation *, 16> starts;
  for (ArrayRef<Member> bucket : buckets) {
    Operation *after = bucket.front().lastTouch;
    Operation *waitBefore = nullptr;
    SmallVector<Value> inputs;
    SmallVector<Type> types;
    for (const Member &member : bucket) {
      if (after->isBeforeInBlock(member.lastTouch))
        after = member.lastTouch;
      Value value = reduce.getInputs()[member.operand];
      inputs.push_back(value);
      types.push_back(value.getType());
      for (Operation *user : reduce.getResult(member.operand).getUsers())
        if (!waitBefore || user->isBeforeInBlock(waitBefore))
          waitBefore = user;
    }
    if (!waitBefore)
      waitBefore = reduce->getNextNode();
    // Starts after the same op stay in bucket order.
    while (starts.contains(after->getNextNode()))
      after = after->getNextNode();
    builder.setInsertionPointAfter(after);
    auto start = AllReduceStartOp::create(builder, reduce.getLoc(),
                                          ValueRange(inputs), reductionAttr);
    builder.setInsertionPoint(waitBefore);
    starts.insert(start);
    auto wait = AllReduceWaitOp::create(builder, reduce.getLoc(), types,
                                        start.getRequest());
    for (auto [k, member] : llvm::enumerate(bucket))
      reduce.getResult(member.operand).replaceAllUsesWith(wait.getResult(k));
  }
  reduce.erase();
  return success();
}

struct BucketAllReducePass
    : impl::BucketAllReducePassBase<BucketAllReducePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    int64_t bucketBytes = this->bucketBytes;
    if (bucketBytes < 1) {
      func.emitError() << "bucket-bytes=" << bucketBytes << " must be positive";
      return signalPassFailure();
    }
    SmallVector<AllReduceOp> reduces;
    func.walk([&](AllReduceOp op) { reduces.push_back(op); });
    for (AllReduceOp reduce : reduces)
      if (failed(bucketAllReduce(reduce, static_cast<uint64_t>(bucketBytes))))
        return signalPassFailure();
  }
};

} // namespace
} // namespace braid
