// The ops of the braid dialect. Each op's shape rule is in
// shape; its inferReturnTypes in BraidOps.cpp calls it.
// Each op that the runtime runs names its plan kernel with Braid_PlanStep
// (BraidPlanInterfaces.td); each that a model calls as a function of tensors
// declares it with Braid_Builtin (BraidBuiltinInterfaces.td).
#ifndef BRAID_OPS_TD
#define BRAID_OPS_TD

include "dialects/braid/IR/BraidDialect.td"
include "dialects/braid/IR/BraidAttrs.td"
include "dialects/braid/IR/BraidInterfaces.td"
include "dialects/braid/IR/BraidBuiltinInterfaces.td"
include "dialects/braid/IR/BraidPlanInterfaces.td"
include "dialects/braid/IR/BraidFusionInterfaces.td"

// A differentiable op: it builds its own VJP (BraidVJPs.cpp).
class Braid_DiffOp<string mnemonic, list<Trait> traits = []>
    : Braid_Op<mnemonic,
               !listconcat([DeclareOpInterfaceMethods<BraidVJPOpInterface>],
                           traits)>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// A unary elementwise op, the model language's `mnemonic(x)`. Its VJP is in
// BraidVJPs.cpp, or in `vjpDefinition` (a definition of buildVJP, with
// `$cppClass` for the op's class).
class Braid_UnaryOp<string mnemonic, string kind, string math,
                    bit builtin = 1>
    : Braid_DiffOp<mnemonic, !listconcat(
          [DeclareOpInterfaceMethods<BraidFusibleOpInterface>],
          !if(builtin, [Braid_PlanStep<kind>, Braid_Builtin],
              [Braid_PlanStep<kind>]))> {
  code vjpDefinition = "";
  let summary = "elementwise " # mnemonic;
  let description = [{
    Applies `}] # math # [{` to every element. The result has the operand's
    type.

    Constraints: (c1) the operand is an f32 tensor.

    ```mlir
    %y = braid.}] # mnemonic # [{ %x : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$input);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDefinition = !if(builtin, [{
    ::llvm::ArrayRef<::llvm::StringLiteral> $cppClass::getBuiltinArguments() {
      static constexpr ::llvm::StringLiteral names[] = {"x"};
      return names;
    }
    ::braid::shape::RuleResult $cppClass::inferBuiltinType(
        const std::vector<::braid::shape::TensorType> &operands) {
      return ::braid::shape::unaryFloat(operands[0]);
    }
  }], "") # [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto input = call.operand("input", adaptor.getInput());
      return input ? call.apply(::braid::shape::unaryFloat(*input))
                   : ::mlir::failure();
    }
  }] # vjpDefinition;
}

def Braid_ReluOp : Braid_UnaryOp<"relu", "Relu", "max(x, 0)">;
def Braid_SigmoidOp : Braid_UnaryOp<"sigmoid", "Sigmoid", "1 / (1 + exp(-x))">;
def Braid_TanhOp : Braid_UnaryOp<"tanh", "Tanh", "tanh(x)">;
// gelu's two forms, PyTorch's approximate='none' and 'tanh': the language's
// gelu(x, approximate = none|tanh) (frontend/Builtins.cpp) makes one or the
// other.
def Braid_GeluOp
    : Braid_UnaryOp<"gelu", "Gelu", "0.5 * x * (1 + erf(x / sqrt(2)))", 0>;
def Braid_GeluTanhOp
    : Braid_UnaryOp<"gelu_tanh", "GeluTanh",
                    "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))",
                    0>;
def Braid_ExpOp : Braid_UnaryOp<"exp", "Exp", "exp(x)"> {
  // The VJP of y = exp(x) is dy * exp(x) = dy * y: one mul of the forward
  // result, which needs no gradient kernel of its own.
  let vjpDefinition = [{
    ::llvm::LogicalResult $cppClass::buildVJP(
        ::mlir::OpBuilder &b, ::mlir::ValueRange resultGrads,
        ::llvm::SmallVectorImpl<::mlir::Value> &operandGrads) {
      operandGrads.push_back(
          ::braid::MulOp::create(b, getLoc(), resultGrads[0], getResult()));
      return ::mlir::success();
    }
  }];
}

def Braid_LogOp : Braid_UnaryOp<"log", "Log", "log(x)"> {
  // The VJP of y = log(x) is dy / x: one div, no gradient kernel of its own.
  let vjpDefinition = [{
    ::llvm::LogicalResult $cppClass::buildVJP(
        ::mlir::OpBuilder &b, ::mlir::ValueRange resultGrads,
        ::llvm::SmallVectorImpl<::mlir::Value> &operandGrads) {
      operandGrads.push_back(
          ::braid::DivOp::create(b, getLoc(), resultGrads[0], getInput()));
      return ::mlir::success();
    }
  }];
}
// The VJPs of sqrt, rsqrt and abs scale by constants, which BraidVJPs.cpp's
// helpers build: they are defined there.
def Braid_SqrtOp : Braid_UnaryOp<"sqrt", "Sqrt", "sqrt(x)">;
def Braid_RsqrtOp : Braid_UnaryOp<"rsqrt", "Rsqrt", "1 / sqrt(x)">;
def Braid_AbsOp : Braid_UnaryOp<"abs", "Abs", "|x|">;

def Braid_PowOp : Braid_DiffOp<"pow",
    [Braid_PlanStep<"Pow", ["fillStepAttributes"]>,
     DeclareOpInterfaceMethods<BraidFusibleOpInterface>]> {
  let summary = "elementwise power with a constant exponent";
  let description = [{
    `result = x^exponent` for every element, as C's powf: a negative base
    with a non-integer exponent gives NaN. The result has the operand's type.

    Constraints: (c1) the operand is an f32 tensor.

    ```mlir
    %y = braid.pow %x, exponent = 2.000000e+00 : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$input, F64Attr:$exponent);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` `exponent` `=` $exponent attr-dict `:` type($input)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto input = call.operand("input", adaptor.getInput());
      return input ? call.apply(::braid::shape::unaryFloat(*input))
                   : ::mlir::failure();
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.exponent = getExponentAttr().getValueAsDouble();
    }
  }];
}

// A binary elementwise op with broadcasting, the model language's
// `mnemonic(a, b)`.
class Braid_BinaryOp<string mnemonic, string kind, string math>
    : Braid_DiffOp<mnemonic, [Braid_PlanStep<kind>, Braid_Builtin,
               DeclareOpInterfaceMethods<BraidFusibleOpInterface>]> {
  let summary = "elementwise " # mnemonic # " with broadcasting";
  let description = [{
    Computes `}] # math # [{` elementwise after numpy-style broadcasting:
    the operands' shapes are aligned at their last dimension, and each pair of
    dimensions must be equal or contain a 1. Adding a bias `f32[N]` to
    `f32[B, N]` is the common case.

    Constraints: (c1) both operands are f32 tensors; (c2) their shapes
    broadcast.

    ```mlir
    %y = braid.}] # mnemonic # [{ %x, %b : tensor<64x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$lhs, Braid_F32Tensor:$rhs);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let extraClassDefinition = [{
    ::llvm::ArrayRef<::llvm::StringLiteral> $cppClass::getBuiltinArguments() {
      static constexpr ::llvm::StringLiteral names[] = {"a", "b"};
      return names;
    }
    ::braid::shape::RuleResult $cppClass::inferBuiltinType(
        const std::vector<::braid::shape::TensorType> &operands) {
      return ::braid::shape::broadcastBinary(operands[0], operands[1]);
    }
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto lhs = call.operand("lhs", adaptor.getLhs());
      auto rhs = call.operand("rhs", adaptor.getRhs());
      return lhs && rhs ? call.apply(inferBuiltinType({*lhs, *rhs}))
                        : ::mlir::failure();
    }
  }];
}

def Braid_AddOp : Braid_BinaryOp<"add", "Add", "lhs + rhs">;
def Braid_SubOp : Braid_BinaryOp<"sub", "Sub", "lhs - rhs">;
def Braid_MulOp : Braid_BinaryOp<"mul", "Mul", "lhs * rhs">;
def Braid_DivOp : Braid_BinaryOp<"div", "Div", "lhs / rhs">;
def Braid_MaximumOp
    : Braid_BinaryOp<"maximum", "Maximum", "max(lhs, rhs)">;
def Braid_MinimumOp
    : Braid_BinaryOp<"minimum", "Minimum", "min(lhs, rhs)">;

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Braid_MatmulOp : Braid_DiffOp<"matmul",
    [Braid_PlanStep<"Matmul", ["fillStepAttributes"]>, Braid_Builtin]> {
  let summary = "matrix product over batch dimensions, either operand "
                "optionally transposed";
  let description = [{
    `result[..., m, n] = sum_k op(lhs)[..., m, k] * op(rhs)[..., k, n]`, where
    `op(t)` is `t`, or `t` with its last two dimensions swapped when
    `transpose_lhs` / `transpose_rhs` is set. The dimensions before the last
    two are batch dimensions: they broadcast as numpy's (a rank-2 operand, a
    weight, takes part in every batch). The transposed forms let the gradient
    of a product (and any product of a `braid.transpose` of the last two
    dimensions, which canonicalization folds in) run as GEMMs that read their
    operand transposed, with no transpose written out.

    Constraints: (c1) both operands are f32 tensors of rank 2 or more; (c2)
    the columns of `op(lhs)` equal the rows of `op(rhs)`; (c3) the batch
    dimensions broadcast.

    ```mlir
    %y = braid.matmul %x, %w : tensor<64x784xf32>, tensor<784x64xf32>
    // dx = dy @ w^T
    %dx = braid.matmul %dy, %w transpose_rhs : tensor<64x64xf32>, tensor<784x64xf32>
    // attention's scores q k^T, per batch and head
    %s = braid.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$lhs, Braid_F32Tensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)? (`transpose_rhs` $transpose_rhs^)?
    attr-dict `:` type($lhs) `,` type($rhs)
  }];
  let hasCanonicalizer = 1;
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.transposeLhs = getTransposeLhs();
      step.transposeRhs = getTransposeRhs();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Softmax and losses
//===----------------------------------------------------------------------===//

// `causal`: the op has the `causal` unit attribute (softmax).
class Braid_SoftmaxOpBase<string mnemonic, string kind, string math,
                          bit causal = 0>
    : Braid_DiffOp<mnemonic, [Braid_PlanStep<kind, ["fillStepAttributes"]>]> {
  let summary = mnemonic # " along one axis";
  let description = [{
    Computes `}] # math # [{` along `axis` (negative values count from the
    last dimension), in the numerically stable form that subtracts the maximum
    first. The result has the operand's type.}] # !if(causal, [{

    With `causal`, the operand's last two dimensions are [query, key] and the
    entries whose key exceeds their query are treated as -inf, as PyTorch's
    `masked_fill(triu(ones(T, T), 1), -inf).softmax(-1)`: their probability
    is 0. No mask is materialised.}], "") # [{

    Constraints: (c1) the operand is an f32 tensor of rank 1 or more; (c2)
    `axis` is in [-rank, rank)}] # !if(causal, [{; (c3) with `causal`, the
    operand has rank 2 or more, its last two dimensions are equal and `axis`
    is the last}], "") # [{.

    ```mlir
    %p = braid.}] # mnemonic # [{ %logits, axis = 1 : tensor<64x10xf32>}] #
    !if(causal, [{
    %a = braid.}] # mnemonic # [{ %scores, axis = -1 causal : tensor<8x4x16x16xf32>}],
    "") # [{
    ```
  }];
  let arguments = !if(causal,
      (ins Braid_F32Tensor:$input, I64Attr:$axis, UnitAttr:$causal),
      (ins Braid_F32Tensor:$input, I64Attr:$axis));
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$input `,` `axis` `=` $axis " #
      !if(causal, "(`causal` $causal^)? ", "") # "attr-dict `:` type($input)";
  defvar isCausal = !if(causal, "getCausal()", "false");
  defvar adaptorCausal = !if(causal, "bool(adaptor.getCausal())", "false");
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto input = call.operand("input", adaptor.getInput());
      return input ? call.apply(::braid::shape::softmax(
                         *input, adaptor.getAxis(), }] # adaptorCausal # [{))
                   : ::mlir::failure();
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axis = ::braid::nonNegativeAxis(getAxisAttr().getInt(),
                                           getInput().getType().getRank());
      step.causal = }] # isCausal # [{;
    }
  }];
}

def Braid_SoftmaxOp
    : Braid_SoftmaxOpBase<"softmax", "Softmax", "exp(x_i) / sum_j exp(x_j)",
                          /*causal=*/1>;
def Braid_LogSoftmaxOp
    : Braid_SoftmaxOpBase<"log_softmax", "LogSoftmax",
                          "x_i - log(sum_j exp(x_j))">;

def Braid_SparseSoftmaxCrossEntropyOp
    : Braid_DiffOp<"sparse_softmax_cross_entropy",
                   [Braid_PlanStep<"SparseSoftmaxCrossEntropy">,
                    Braid_Builtin]> {
  let summary = "mean softmax cross-entropy against integer class labels";
  let description = [{
    `result = mean_p(-log_softmax(logits)[p, labels[p]])` over every
    position p of the leading dimensions (a language model's [B, T]), a
    scalar: PyTorch's `F.cross_entropy(logits.reshape(-1, C),
    labels.reshape(-1))`. Labels are class indices in [0, C); the runtime
    rejects one out of range.

    Constraints: (c1) `logits` is f32[B, ..., C]; (c2) `labels` is
    i32[B, ...]; (c3) the labels' shape is the logits' but the last
    dimension.

    ```mlir
    %loss = braid.sparse_softmax_cross_entropy %logits, %y : tensor<64x10xf32>, tensor<64xi32>
    %lm = braid.sparse_softmax_cross_entropy %logits3, %y2 : tensor<8x16x256xf32>, tensor<8x16xi32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$logits, Braid_I32Tensor:$labels);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat =
      "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
}

def Braid_MeanSquaredErrorOp : Braid_DiffOp<"mean_squared_error",
    [Braid_PlanStep<"MeanSquaredError">, Braid_Builtin]> {
  let summary = "mean of the squared differences";
  let description = [{
    `result = mean((prediction - target)^2)` over every element, a scalar.

    Constraints: (c1) both operands are f32 tensors; (c2) of the same shape.

    ```mlir
    %loss = braid.mean_squared_error %p, %t : tensor<64x1xf32>, tensor<64x1xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$prediction, Braid_F32Tensor:$target);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat =
      "$prediction `,` $target attr-dict `:` type($prediction) `,` type($target)";
}

//===----------------------------------------------------------------------===//
// Embedding and layer normalisation
//===----------------------------------------------------------------------===//

def Braid_EmbeddingOp : Braid_DiffOp<"embedding",
    [Braid_PlanStep<"Embedding">, Braid_Builtin]> {
  let summary = "rows of a table gathered by integer ids";
  let description = [{
    `result[i..., d] = table[ids[i...], d]`: one row of the table per id, for
    ids of any shape. Ids are row indices in [0, V); the runtime rejects one
    out of range, naming it. Its gradient scatter-adds into the table
    (`braid.embedding_grad`); the ids get none.

    Constraints: (c1) `table` is f32[V, D]; (c2) `ids` is an i32 tensor; the
    result is f32[ids..., D].

    ```mlir
    %h = braid.embedding %table, %ids : tensor<256x128xf32>, tensor<32x64xi32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$table, Braid_I32Tensor:$ids);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat =
      "$table `,` $ids attr-dict `:` type($table) `,` type($ids)";
  let extraClassDefinition = [{
    ::llvm::ArrayRef<::llvm::StringLiteral> $cppClass::getBuiltinArguments() {
      static constexpr ::llvm::StringLiteral names[] = {"table", "ids"};
      return names;
    }
    ::braid::shape::RuleResult $cppClass::inferBuiltinType(
        const std::vector<::braid::shape::TensorType> &operands) {
      return ::braid::shape::embedding(operands[0], operands[1]);
    }
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto table = call.operand("table", adaptor.getTable());
      auto ids = call.operand("ids", adaptor.getIds());
      return table && ids ? call.apply(inferBuiltinType({*table, *ids}))
                          : ::mlir::failure();
    }
  }];
}

def Braid_LayerNormOp : Braid_DiffOp<"layer_norm",
    [Braid_PlanStep<"LayerNorm", ["fillStepAttributes"]>]> {
  let summary = "layer normalisation over the last axis, with gain and bias";
  let description = [{
    For each row `x[i..., :]` of the last axis (D elements):
    `result = (x - mean) / sqrt(var + eps) * gain + bias`, with the biased
    variance (divided by D), as PyTorch's `layer_norm(x, [D], gain, bias,
    eps)`. The result has x's type. Its VJP recomputes the statistics once
    (`braid.layer_norm_stats`) for the gradients of x and the gain.

    Constraints: (c1) `x` is an f32 tensor of rank 1 or more, f32[..., D];
    (c2) `gain` and `bias` are f32[D]; (c3) `eps` is in (0, 1).

    ```mlir
    %y = braid.layer_norm %x, %g, %b, eps = 1.000000e-05
        : tensor<32x64x128xf32>, tensor<128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$x, Braid_F32Tensor:$gain,
                       Braid_F32Tensor:$bias, F64Attr:$eps);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $gain `,` $bias `,` `eps` `=` $eps attr-dict `:` type($x) `,`
    type($gain) `,` type($bias)
  }];
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto x = call.operand("x", adaptor.getX());
      auto gain = call.operand("gain", adaptor.getGain());
      auto bias = call.operand("bias", adaptor.getBias());
      return x && gain && bias
                 ? call.apply(::braid::shape::layerNorm(*x, *gain, *bias))
                 : ::mlir::failure();
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return ::braid::verifyEps(getOperation(), getEps().convertToDouble());
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.eps = getEps().convertToDouble();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Braid_ReduceOp<string mnemonic, string kind, string math>
    : Braid_DiffOp<mnemonic, [Braid_PlanStep<kind, ["fillStepAttributes"]>]> {
  let summary = math # " over the given axes";
  let description = [{
    Reduces the operand by }] # math # [{ over `axes`, which are removed from
    the result's shape (negative axes count from the end).

    Constraints: (c1) the operand is an f32 tensor; (c2) `axes` is not empty;
    (c3) every axis is in [-rank, rank); (c4) no axis is listed twice.

    ```mlir
    %s = braid.}] # mnemonic # [{ %x, axes = [1] : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$input `,` `axes` `=` $axes attr-dict `:` type($input)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto input = call.operand("input", adaptor.getInput());
      return input ? call.apply(::braid::shape::reduce(*input, adaptor.getAxes().vec()))
                   : ::mlir::failure();
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axes = ::braid::nonNegativeAxes(getAxes(),
                                           getInput().getType().getRank());
    }
  }];
}

def Braid_ReduceSumOp : Braid_ReduceOp<"reduce_sum", "ReduceSum", "a sum">;
def Braid_ReduceMeanOp : Braid_ReduceOp<"reduce_mean", "ReduceMean", "the mean">;
// NaN propagates, as PyTorch's amax; the VJP (BraidVJPs.cpp) splits dy
// evenly among the tied maxima.
def Braid_ReduceMaxOp : Braid_ReduceOp<"reduce_max", "ReduceMax", "the maximum">;

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Braid_ReshapeOp : Braid_DiffOp<"reshape", [Braid_PlanStep<"Reshape">]> {
  let summary = "the same elements in another shape";
  let description = [{
    Reinterprets the operand's elements, in row-major order, as `shape`.

    Constraints: (c1) every dimension of `shape` is positive; (c2) the element
    counts agree.

    ```mlir
    %y = braid.reshape %x to [64, 784] : tensor<64x1x28x28xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$input `to` $shape attr-dict `:` type($input)";
}

def Braid_TransposeOp : Braid_DiffOp<"transpose",
    [Braid_PlanStep<"Transpose", ["fillStepAttributes"]>]> {
  let summary = "permute the dimensions";
  let description = [{
    `result.shape[i] = input.shape[perm[i]]`.

    Constraints: (c1) `perm` has one entry per dimension; (c2) it is a
    permutation of [0, rank).

    ```mlir
    %y = braid.transpose %x, perm = [1, 0] : tensor<784x64xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$input `,` `perm` `=` $perm attr-dict `:` type($input)";
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.perm.assign(getPerm());
    }
  }];
}

def Braid_BroadcastToOp : Braid_DiffOp<"broadcast_to",
    [Braid_PlanStep<"BroadcastTo">]> {
  let summary = "broadcast to a given shape";
  let description = [{
    Repeats the operand along the dimensions where it has size 1 (or lacks a
    leading dimension) to reach `shape`, by numpy's rules.

    Constraints: (c1) `shape` has positive dimensions and at least the
    operand's rank; (c2) each operand dimension is 1 or equals the matching
    trailing dimension of `shape`.

    ```mlir
    %y = braid.broadcast_to %b to [64, 10] : tensor<10xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$input `to` $shape attr-dict `:` type($input)";
}

def Braid_FlattenOp
    : Braid_DiffOp<"flatten", [Braid_PlanStep<"Flatten">, Braid_Builtin]> {
  let summary = "collapse every dimension after the first";
  let description = [{
    `f32[N, d1, ..., dk]` becomes `f32[N, d1 * ... * dk]`; a rank-1 operand
    becomes `[N, 1]`.

    Constraints: (c1) the operand has rank 1 or more.

    ```mlir
    %y = braid.flatten %x : tensor<64x16x4x4xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Braid_ConstantOp : Braid_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    A tensor whose value is given by a dense elements attribute; the result
    type is the attribute's type.

    Constraints: (c1) the value is a statically shaped f32 or i32 tensor.

    ```mlir
    %c = braid.constant dense<2.0> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

def Braid_Conv2DOp : Braid_DiffOp<"conv2d",
    [Braid_PlanStep<"Conv2D", ["fillStepAttributes"]>]> {
  let summary = "2-D convolution, NCHW input and OIHW filter, optional bias";
  let description = [{
    `result[n, o, h, w] = bias[o] + sum_{c, i, j} input[n, c, h * sh + i * dh - ph,
    w * sw + j * dw - pw] * filter[o, c, i, j]`, with zero padding of `padding`
    on each side. The output extent of each spatial dimension is
    `(in + 2 * pad - ((k - 1) * dilation + 1)) / stride + 1`.

    Constraints: (c1) `input` is f32[N, C, H, W] and `filter` f32[O, C, KH, KW]
    with the same C; (c2) `bias`, when present, is f32[O]; (c3) `strides` and
    `dilations` are [height, width] of at least 1, `padding` of at least 0;
    (c4) the dilated filter fits the padded input.

    ```mlir
    %y = braid.conv2d %x, %w, %b strides = [1, 1] padding = [2, 2] dilations = [1, 1]
        : tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$input, Braid_F32Tensor:$filter,
                       Optional<Braid_F32Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilations);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? `strides` `=` $strides `padding` `=` $padding
    `dilations` `=` $dilations attr-dict `:` type($input) `,` type($filter)
    (`,` type($bias)^)?
  }];
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.strides.assign(getStrides());
      step.padding.assign(getPadding());
      step.dilations.assign(getDilations());
    }
  }];
}

class Braid_Pool2DOp<string mnemonic, string kind, string math>
    : Braid_DiffOp<mnemonic, [Braid_PlanStep<kind, ["fillStepAttributes"]>]> {
  let summary = "2-D " # math # " pooling over NCHW";
  let description = [{
    Takes the }] # math # [{ of each `kernel` window, moved by `strides` over
    the input padded by `padding` on each side. Padding never wins a maximum
    and is not counted in an average.

    Constraints: (c1) `input` is f32[N, C, H, W]; (c2) `kernel` and `strides`
    are [height, width] of at least 1, `padding` of at least 0 and smaller
    than the kernel; (c3) the kernel fits the padded input.

    ```mlir
    %y = braid.}] # mnemonic # [{ %x kernel = [2, 2] strides = [2, 2] padding = [0, 0]
        : tensor<64x6x28x28xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$padding);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel `strides` `=` $strides `padding` `=` $padding
    attr-dict `:` type($input)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto input = call.operand("input", adaptor.getInput());
      return input ? call.apply(::braid::shape::pool2d(
                         *input, adaptor.getKernel().vec(),
                         adaptor.getStrides().vec(), adaptor.getPadding().vec()))
                   : ::mlir::failure();
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.kernel.assign(getKernel());
      step.strides.assign(getStrides());
      step.padding.assign(getPadding());
    }
  }];
}

def Braid_MaxPool2DOp : Braid_Pool2DOp<"max_pool2d", "MaxPool2D", "maximum">;
def Braid_AvgPool2DOp : Braid_Pool2DOp<"avg_pool2d", "AvgPool2D", "average">;

include "dialects/braid/IR/BraidSelectOps.td"
include "dialects/braid/IR/BraidGradOps.td"
include "dialects/braid/IR/BraidOptimizerOps.td"
include "dialects/braid/IR/BraidCollectiveOps.td"
include "dialects/braid/IR/BraidFusedOps.td"

#endif // BRAID_OPS_TD
