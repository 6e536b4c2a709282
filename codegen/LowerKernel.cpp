// A kernel body as a loop nest on the raw buffers. Every op of the body is
// evaluated at one output element: elementwise ops commute with numpy
// broadcasting, so each input is read at the output index mapped through its
// broadcast (stride 0 on broadcast dimensions), and intermediate tensors are
// never materialized.
//
// The work item, the unit over which the runtime splits a kernel between its
// threads: when no input is broadcast along more than one collapsed
// dimension the output is one flat range, cut in blocks of kBlockElements;
// otherwise the output is seen as [rows, cols] (cols: the innermost collapsed
// dimension) and a work item is a group of rows of about kBlockElements.
#include "codegen/Lowering.h"

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace braid::codegen {

/// Elements per work item: large enough that a call amortizes its overhead,
/// small enough that a tensor of a few hundred thousand elements splits over
/// the threads.
static constexpr int64_t kBlockElements = 4096;

std::string loopFunctionName(StringRef symbol) {
  return (symbol + ".loops").str();
}

namespace {

/// The output's iteration space after dropping unit dimensions and merging
/// the dimensions that every input walks contiguously (or not at all).
struct IterationSpace {
  SmallVector<int64_t> dims;
  /// Per input, its element stride along each of `dims` (0: broadcast).
  SmallVector<SmallVector<int64_t>> strides;
};

/// The checked type of a body value: a static f32 ranked tensor.
FailureOr<RankedTensorType> kernelType(Value value, Location loc) {
  if (!FusedOp::isKernelType(value.getType())) {
    emitError(loc) << "cannot compile a kernel on " << value.getType()
                   << ": expected an f32 tensor of static shape";
    return failure();
  }
  return cast<RankedTensorType>(value.getType());
}

/// Whether `shape` broadcasts to `out` (numpy rules, aligned at the last
/// dimension, without changing `out`).
bool broadcastsTo(ArrayRef<int64_t> shape, ArrayRef<int64_t> out) {
  if (shape.size() > out.size())
    return false;
  size_t lead = out.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != 1 && shape[d] != out[lead + d])
      return false;
  return true;
}

IterationSpace iterationSpace(ArrayRef<RankedTensorType> inputs,
                              ArrayRef<int64_t> out) {
  IterationSpace space;
  space.strides.resize(inputs.size());
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1)
      continue;
    SmallVector<int64_t> stride(inputs.size());
    for (size_t k = 0; k < inputs.size(); ++k) {
      ArrayRef<int64_t> shape = inputs[k].getShape();
      int64_t lead = static_cast<int64_t>(out.size() - shape.size());
      int64_t dk = static_cast<int64_t>(d) - lead;
      if (dk < 0 || shape[dk] == 1) {
        stride[k] = 0;
        continue;
      }
      int64_t s = 1;
      for (size_t e = dk + 1; e < shape.size(); ++e)
        s *= shape[e];
      stride[k] = s;
    }
    // Merge with the previous dimension when every input continues it.
    bool merge = !space.dims.empty();
    for (size_t k = 0; merge && k < inputs.size(); ++k)
      merge = space.strides[k].back() == stride[k] * out[d];
    if (merge) {
      space.dims.back() *= out[d];
      for (size_t k = 0; k < inputs.size(); ++k)
        space.strides[k].back() = stride[k];
      continue;
    }
    space.dims.push_back(out[d]);
    for (size_t k = 0; k < inputs.size(); ++k)
      space.strides[k].push_back(stride[k]);
  }
  return space;
}

/// Emits the scalar body at one element: `inputs[k]` read at `offsets[k]`,
/// each op through FusibleOpInterface; returns the output value.
FailureOr<Value> emitScalarBody(OpBuilder &b, Location loc, Block &body,
                                ValueRange buffers, ArrayRef<Value> offsets) {
  IRMapping scalars;
  for (BlockArgument arg : body.getArguments()) {
    if (arg.use_empty())
      continue;
    unsigned k = arg.getArgNumber();
    scalars.map(arg, memref::LoadOp::create(b, loc, buffers[k], offsets[k]));
  }
  for (Operation &op : body.without_terminator()) {
    // buildKernelLoops checked every op.
    auto fusible = cast<FusibleOpInterface>(op);
    SmallVector<Value> operands;
    for (Value operand : op.getOperands()) {
      Value scalar = scalars.lookupOrNull(operand);
      if (!scalar)
        return op.emitOpError() << "cannot be compiled into a kernel: an "
                                   "operand is defined outside the body";
      operands.push_back(scalar);
    }
    scalars.map(op.getResult(0), fusible.buildScalar(b, op.getLoc(), operands));
  }
  Operation *terminator = body.getTerminator();
  if (terminator->getNumOperands() != 1)
    return terminator->emitOpError()
           << "cannot end a kernel body: expected one value, got "
           << terminator->getNumOperands();
  Value result = scalars.lookupOrNull(terminator->getOperand(0));
  if (!result)
    return terminator->emitOpError()
           << "cannot end a kernel body: its value is defined outside it";
  return result;
}

Value constantIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The loop over work items [begin, end) of `perItem` units each, of `count`
/// units in all (the last item may be short): units [begin * perItem,
/// min(end * perItem, count)). Leaves `b` at the start of its body.
scf::ForOp workItemLoop(OpBuilder &b, Location loc, Value begin, Value end,
                        int64_t perItem, int64_t count) {
  Value per = constantIndex(b, loc, perItem);
  Value lo = arith::MulIOp::create(b, loc, begin, per);
  Value hi =
      arith::MinSIOp::create(b, loc, arith::MulIOp::create(b, loc, end, per),
                             constantIndex(b, loc, count));
  auto loop = scf::ForOp::create(b, loc, lo, hi, constantIndex(b, loc, 1));
  b.setInsertionPointToStart(loop.getBody());
  return loop;
}

} // namespace

FailureOr<int64_t> buildKernelLoops(ModuleOp target,
                                    const KernelSource &kernel) {
  Block &body = *kernel.body;
  Location loc = kernel.loc;
  for (Operation &op : body.without_terminator())
    if (!isa<FusibleOpInterface>(op) || op.getNumResults() != 1)
      return op.emitOpError()
             << "cannot be compiled into a kernel: it is not an elementwise "
                "op with a scalar body (FusibleOpInterface)";
  // Types: every value of the body broadcasts to the output.
  FailureOr<RankedTensorType> outType =
      kernelType(body.getTerminator()->getOperand(0), loc);
  if (failed(outType))
    return failure();
  ArrayRef<int64_t> out = outType->getShape();
  SmallVector<RankedTensorType> inputs;
  for (BlockArgument arg : body.getArguments()) {
    FailureOr<RankedTensorType> type = kernelType(arg, loc);
    if (failed(type))
      return failure();
    inputs.push_back(*type);
  }
  for (Operation &op : body.without_terminator())
    for (Value result : op.getResults()) {
      FailureOr<RankedTensorType> type = kernelType(result, op.getLoc());
      if (failed(type))
        return failure();
      if (!broadcastsTo(type->getShape(), out))
        return op.emitOpError()
               << "cannot be compiled into a kernel: its result " << *type
               << " does not broadcast to the kernel's output " << *outType;
    }
  for (RankedTensorType type : inputs)
    if (!broadcastsTo(type.getShape(), out))
      return emitError(loc) << "cannot compile a kernel: input " << type
                            << " does not broadcast to its output " << *outType;

  MLIRContext *context = target.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(target.getBody());
  Type f32 = Float32Type::get(context);
  SmallVector<Type> argTypes;
  for (RankedTensorType type : inputs)
    argTypes.push_back(MemRefType::get({type.getNumElements()}, f32));
  argTypes.push_back(MemRefType::get({outType->getNumElements()}, f32));
  argTypes.push_back(b.getIndexType());
  argTypes.push_back(b.getIndexType());
  auto func = func::FuncOp::create(b, loc, loopFunctionName(kernel.symbol),
                                   b.getFunctionType(argTypes, {}));
  // No buffer aliases the output (the runtime gives it its own bytes), which
  // lets LLVM vectorize without run-time overlap checks.
  for (unsigned i = 0; i <= inputs.size(); ++i)
    func.setArgAttr(i, "llvm.noalias", b.getUnitAttr());
  b.setInsertionPointToStart(func.addEntryBlock());
  ValueRange args = func.getArguments();
  ValueRange buffers = args.take_front(inputs.size());
  Value output = args[inputs.size()];
  Value begin = args[inputs.size() + 1], end = args[inputs.size() + 2];

  IterationSpace space = iterationSpace(inputs, out);
  int64_t workItems;
  // An empty output has one work item that writes nothing.
  if (space.dims.size() <= 1 || outType->getNumElements() == 0) {
    // Flat: element i of every input is its element i or its only element.
    int64_t total = outType->getNumElements();
    workItems =
        std::max<int64_t>(1, (total + kBlockElements - 1) / kBlockElements);
    Value i = workItemLoop(b, loc, begin, end, kBlockElements, total)
                  .getInductionVar();
    Value zero = constantIndex(b, loc, 0);
    SmallVector<Value> offsets;
    for (size_t k = 0; k < inputs.size(); ++k)
      offsets.push_back(space.dims.empty() || space.strides[k][0] == 0 ? zero
                                                                       : i);
    FailureOr<Value> value = emitScalarBody(b, loc, body, buffers, offsets);
    if (failed(value))
      return failure();
    memref::StoreOp::create(b, loc, *value, output, i);
  } else {
    // Rows of the innermost dimension, grouped into work items.
    int64_t cols = space.dims.back();
    int64_t rows = outType->getNumElements() / cols;
    int64_t rowsPerItem = std::max<int64_t>(1, kBlockElements / cols);
    workItems = (rows + rowsPerItem - 1) / rowsPerItem;
    Value row =
        workItemLoop(b, loc, begin, end, rowsPerItem, rows).getInductionVar();
    // The row's index along each outer dimension, innermost first.
    size_t outer = space.dims.size() - 1;
    SmallVector<Value> index(outer);
    Value rest = row;
    for (size_t d = outer; d-- > 0;) {
      Value dim = constantIndex(b, loc, space.dims[d]);
      index[d] = d ? arith::RemUIOp::create(b, loc, rest, dim) : rest;
      if (d)
        rest = arith::DivUIOp::create(b, loc, rest, dim);
    }
    SmallVector<Value> rowBase;
    for (size_t k = 0; k < inputs.size(); ++k) {
      Value base = constantIndex(b, loc, 0);
      for (size_t d = 0; d < outer; ++d)
        if (space.strides[k][d])
          base = arith::AddIOp::create(
              b, loc, base,
              arith::MulIOp::create(
                  b, loc, index[d],
                  constantIndex(b, loc, space.strides[k][d])));
      rowBase.push_back(base);
    }
    Value outBase =
        arith::MulIOp::create(b, loc, row, constantIndex(b, loc, cols));
    auto colLoop = scf::ForOp::create(b, loc, constantIndex(b, loc, 0),
                                      constantIndex(b, loc, cols),
                                      constantIndex(b, loc, 1));
    b.setInsertionPointToStart(colLoop.getBody());
    Value j = colLoop.getInductionVar();
    SmallVector<Value> offsets;
    for (size_t k = 0; k < inputs.size(); ++k)
      offsets.push_back(space.strides[k].back()
                            ? arith::AddIOp::create(b, loc, rowBase[k], j)
                            : rowBase[k]);
    FailureOr<Value> value = emitScalarBody(b, loc, body, buffers, offsets);
    if (failed(value))
      return failure();
    memref::StoreOp::create(
        b, loc, *value, output,
        ValueRange{arith::AddIOp::create(b, loc, outBase, j)});
  }
  b.setInsertionPointToEnd(&func.getBody().front());
  func::ReturnOp::create(b, loc);
  return workItems;
}

} // namespace braid::codegen
