// braid-plan-memory: liveness of every intermediate tensor of an entry point
// and its byte offset in one arena, reusing the bytes of dead tensors.
#include "passes/ArenaPlacement.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>

namespace braid {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// One arena buffer: the values that share it (an op result and its reshape
/// or flatten aliases), the op indices where it is first defined and last
/// read, its size and, once placed, its offset.
struct Buffer {
  SmallVector<Operation *> defs;
  unsigned start = 0;
  unsigned end = 0;
  uint64_t bytes = 0;
  uint64_t offset = 0;
};

/// The bytes of a statically shaped f32 or i32 tensor, or nothing.
static std::optional<uint64_t> tensorBytes(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  Type element = tensor.getElementType();
  if (!element.isF32() && !element.isSignlessInteger(32))
    return std::nullopt;
  return static_cast<uint64_t>(tensor.getNumElements()) * 4;
}

/// A bucket of braid.all_reduce_start: its members' buffers, which are
/// placed back to back, in operand order, as one block.
struct Bucket {
  AllReduceStartOp start;
  SmallVector<unsigned> members;
};

/// Computes the buffers of `func`'s single block and writes braid.offset and
/// braid.arena_bytes, or fails with a located error.
static LogicalResult planMemory(func::FuncOp func, bool bestFit) {
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "memory planning needs a single block, got "
                            << func.getBody().getBlocks().size();
  Block &block = func.getBody().front();

  // Buffer of every arena value; an alias maps to its operand's buffer.
  SmallVector<Buffer> buffers;
  SmallVector<Bucket> buckets;
  llvm::DenseMap<Value, unsigned> bufferOf;
  // The bucket a buffer belongs to.
  llvm::DenseMap<unsigned, unsigned> bucketOf;
  llvm::DenseMap<Operation *, unsigned> index;
  unsigned count = 0;
  // Results that share their operands' buffers (in-place collectives).
  auto aliasResults = [&](ValueRange operands, ValueRange results) {
    for (auto [operand, result] : llvm::zip(operands, results)) {
      auto it = bufferOf.find(operand);
      if (it != bufferOf.end())
        bufferOf[result] = it->second;
    }
  };
  for (Operation &op : block) {
    index[&op] = count++;
    if (op.getNumResults() == 0)
      continue;
    if (!llvm::isa_and_nonnull<BraidDialect>(op.getDialect()))
      return op.emitOpError()
             << "produces a value that cannot be placed in the arena: only "
                "braid ops are planned";
    if (llvm::isa<ConstantOp>(op))
      continue;
    if (auto reduce = llvm::dyn_cast<AllReduceOp>(op)) {
      for (auto [i, operand] : llvm::enumerate(reduce.getInputs()))
        if (!bufferOf.count(operand))
          return op.emitOpError()
                 << "operand #" << i
                 << " is not in the arena; an in-place reduction needs a "
                    "computed tensor";
      aliasResults(reduce.getInputs(), reduce.getResults());
      continue;
    }
    if (auto broadcast = llvm::dyn_cast<BroadcastOp>(op)) {
      aliasResults(broadcast.getInputs(), broadcast.getResults());
      continue;
    }
    if (auto start = llvm::dyn_cast<AllReduceStartOp>(op)) {
      Bucket bucket;
      bucket.start = start;
      for (auto [i, operand] : llvm::enumerate(start.getInputs())) {
        auto it = bufferOf.find(operand);
        if (it == bufferOf.end())
          return op.emitOpError() << "operand #" << i
                                  << " is not in the arena; a bucket packs "
                                     "computed tensors";
        if (buffers[it->second].bytes != *tensorBytes(operand.getType()))
          return op.emitOpError()
                 << "operand #" << i << " is a view of a larger buffer";
        if (!bucketOf.try_emplace(it->second, buckets.size()).second)
          return op.emitOpError()
                 << "operand #" << i
                 << " shares its buffer with a tensor already in a bucket";
        bucket.members.push_back(it->second);
      }
      buckets.push_back(bucket);
      continue;
    }
    if (auto wait = llvm::dyn_cast<AllReduceWaitOp>(op)) {
      if (!wait.getStart())
        return op.emitOpError() << "has no braid.all_reduce_start";
      aliasResults(wait.getStart().getInputs(), wait.getResults());
      continue;
    }
    if (op.getNumResults() != 1)
      return op.emitOpError() << "has " << op.getNumResults()
                              << " results; memory planning expects 1";
    Value result = op.getResult(0);
    std::optional<uint64_t> bytes = tensorBytes(result.getType());
    if (!bytes)
      return op.emitOpError() << "result type " << result.getType()
                              << " is not a static f32 or i32 tensor";
    if (llvm::isa<ReshapeOp, FlattenOp>(op)) {
      auto it = bufferOf.find(op.getOperand(0));
      if (it != bufferOf.end()) {
        // Inserting the result may grow the map and move `it`'s entry.
        unsigned source = it->second;
        bufferOf[result] = source;
        buffers[source].defs.push_back(&op);
        continue;
      }
    }
    bufferOf[result] = buffers.size();
    Buffer buffer;
    buffer.defs.push_back(&op);
    buffer.start = buffer.end = index[&op];
    buffer.bytes = *bytes;
    buffers.push_back(buffer);
  }

  // A buffer lives until the last read of any value in it; the function's
  // results live to the end.
  unsigned last = count - 1;
  for (Operation &op : block)
    for (Value operand : op.getOperands()) {
      auto it = bufferOf.find(operand);
      if (it == bufferOf.end())
        continue;
      Buffer &buffer = buffers[it->second];
      unsigned use = llvm::isa<func::ReturnOp>(op) ? last : index[&op];
      buffer.end = std::max(buffer.end, use);
    }

  // The reduction may write a bucket at any time between its start and its
  // wait, so nothing may read the bucket there. One pass over the ops, each
  // operand's bucket looked up, rather than a walk of the ops from each
  // start to its wait (O(buckets x ops)).
  SmallVector<std::pair<unsigned, unsigned>> window;
  for (Bucket &bucket : buckets)
    window.push_back({index[bucket.start],
                      index[*bucket.start.getRequest().getUsers().begin()]});
  for (Operation &op : block)
    for (Value operand : op.getOperands()) {
      auto it = bufferOf.find(operand);
      if (it == bufferOf.end())
        continue;
      auto member = bucketOf.find(it->second);
      if (member == bucketOf.end())
        continue;
      auto [from, to] = window[member->second];
      if (from < index[&op] && index[&op] < to)
        return op.emitOpError()
               << "reads a tensor of a bucket between its "
                  "braid.all_reduce_start and braid.all_reduce_wait";
    }

  // Each bucket is placed as one block holding its members back to back;
  // it lives from its first member's definition to the last use of any.
  SmallVector<Buffer> blocks;
  SmallVector<int> blockOf(buffers.size(), -1);
  for (auto [i, buffer] : llvm::enumerate(buffers))
    if (!bucketOf.count(i)) {
      blockOf[i] = blocks.size();
      blocks.push_back(buffer);
    }
  SmallVector<unsigned> bucketBlock;
  for (const Bucket &bucket : buckets) {
    Buffer whole;
    whole.start = UINT_MAX;
    for (unsigned member : bucket.members) {
      whole.start = std::min(whole.start, buffers[member].start);
      whole.end = std::max(whole.end, buffers[member].end);
      whole.bytes += buffers[member].bytes;
    }
    bucketBlock.push_back(blocks.size());
    blocks.push_back(whole);
  }
  SmallVector<unsigned> order(blocks.size());
  for (unsigned i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::stable_sort(order, [&](unsigned a, unsigned b) {
    return blocks[a].start < blocks[b].start;
  });
  SmallVector<ArenaBlock> sorted;
  for (unsigned i : order)
    sorted.push_back({blocks[i].start, blocks[i].end, blocks[i].bytes});
  uint64_t arenaBytes = placeArena(sorted, bestFit);
  for (auto [k, i] : llvm::enumerate(order))
    blocks[i].offset = sorted[k].offset;
  for (auto [i, buffer] : llvm::enumerate(buffers))
    if (blockOf[i] >= 0)
      buffer.offset = blocks[blockOf[i]].offset;
  for (auto [b, bucket] : llvm::enumerate(buckets)) {
    uint64_t offset = blocks[bucketBlock[b]].offset;
    for (unsigned member : bucket.members) {
      buffers[member].offset = offset;
      offset += buffers[member].bytes;
    }
  }

  Builder builder(func.getContext());
  for (const Buffer &buffer : buffers)
    for (Operation *def : buffer.defs)
      def->setAttr(attrs::kOffset, builder.getI64IntegerAttr(
                                       static_cast<int64_t>(buffer.offset)));
  if (arenaBytes > static_cast<uint64_t>(INT64_MAX))
    return func.emitError()
           << "arena of " << arenaBytes << " bytes does not fit an i64";
  if (arenaBytes > 0)
    func->setAttr(attrs::kArenaBytes,
                  builder.getI64IntegerAttr(static_cast<int64_t>(arenaBytes)));
  else
    func->removeAttr(attrs::kArenaBytes);
  return success();
}

struct PlanMemoryPass : impl::PlanMemoryPassBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func->hasAttr(attrs::kEntryPoint) || func.isExternal())
      return markAllAnalysesPreserved();
    if (failed(planMemory(func, bestFit)))
      signalPassFailure();
  }
};

} // namespace
} // namespace braid
