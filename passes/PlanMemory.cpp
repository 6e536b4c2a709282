// braid-plan-memory: liveness of every intermediate tensor of an entry point
// and its byte offset in one arena, reusing the bytes of dead tensors.
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace braid {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// Every buffer starts at a multiple of this; the runtime's kernels rely on
/// it (and plan.fbs states it).
constexpr uint64_t kAlignment = 64;

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

/// Places `buffers` (sorted by start) in the arena and returns its size.
/// A buffer may not overlap any earlier buffer whose live range meets its
/// own; among the gaps that hold it, best fit takes the smallest, first fit
/// the lowest.
static uint64_t placeBuffers(MutableArrayRef<Buffer> buffers, bool bestFit) {
  uint64_t arenaBytes = 0;
  SmallVector<const Buffer *> live;
  for (Buffer &buffer : buffers) {
    // Buffers still live when this one is defined, by offset.
    llvm::erase_if(live,
                   [&](const Buffer *b) { return b->end < buffer.start; });
    llvm::sort(live, [](const Buffer *a, const Buffer *b) {
      return a->offset < b->offset;
    });
    std::optional<uint64_t> best;
    uint64_t bestGap = 0, cursor = 0;
    auto consider = [&](uint64_t gapEnd, bool unbounded) {
      uint64_t at = llvm::alignTo(cursor, kAlignment);
      if (!unbounded && (at > gapEnd || gapEnd - at < buffer.bytes))
        return;
      uint64_t gap = unbounded ? UINT64_MAX : gapEnd - at;
      if (!best || (bestFit && gap < bestGap)) {
        best = at;
        bestGap = gap;
      }
    };
    for (const Buffer *b : live) {
      if (b->offset > cursor)
        consider(b->offset, /*unbounded=*/false);
      cursor = std::max(cursor, b->offset + b->bytes);
    }
    consider(0, /*unbounded=*/true);
    buffer.offset = *best;
    arenaBytes = std::max(arenaBytes, buffer.offset + buffer.bytes);
    live.push_back(&buffer);
  }
  return llvm::alignTo(arenaBytes, kAlignment);
}

/// Computes the buffers of `func`'s single block and writes braid.offset and
/// braid.arena_bytes, or fails with a located error.
static LogicalResult planMemory(func::FuncOp func, bool bestFit) {
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "memory planning needs a single block, got "
                            << func.getBody().getBlocks().size();
  Block &block = func.getBody().front();

  // Buffer of every arena value; an alias maps to its operand's buffer.
  SmallVector<Buffer> buffers;
  llvm::DenseMap<Value, unsigned> bufferOf;
  llvm::DenseMap<Operation *, unsigned> index;
  unsigned count = 0;
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
        bufferOf[result] = it->second;
        buffers[it->second].defs.push_back(&op);
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

  uint64_t arenaBytes = placeBuffers(buffers, bestFit);
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
