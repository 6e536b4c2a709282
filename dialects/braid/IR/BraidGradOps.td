// The gradient ops of the braid dialect: the ops the VJPs of the forward ops
// build (docs/gradients.md), plus accuracy and stop_gradient. Their shape
// rules are in shape/GradRules.cpp. Included from
// BraidOps.td; none of them implements the VJP interface.
#ifndef BRAID_GRAD_OPS_TD
#define BRAID_GRAD_OPS_TD

//===----------------------------------------------------------------------===//
// Elementwise gradients
//===----------------------------------------------------------------------===//

// `saved` names the forward value the gradient reads: the operand `x` of
// relu and gelu, the result `y` of sigmoid and tanh.
class Braid_ElementwiseGradOp<string mnemonic, string kind, string forward,
                              string saved, string math, string note = "">
    : Braid_Op<mnemonic, [Braid_PlanStep<kind>,
                          DeclareOpInterfaceMethods<BraidFusibleOpInterface>]> {
  let summary = "gradient of " # forward;
  let description = [{
    The VJP of `braid.}] # forward # [{`: `}] # math # [{`, elementwise, where
    `dy` is the gradient at the forward op's result and `}] # saved # [{` the
    forward }] # !if(!eq(saved, "x"), "operand", "result") # note # [{. The result
    is the gradient of the forward operand and has its type.

    Constraints: (c1) both operands are f32 tensors; (c2) of the same shape.

    ```mlir
    %dx = braid.}] # mnemonic # [{ %dy, %}] # saved # [{ : tensor<64x10xf32>, tensor<64x10xf32>
    ```
  }];
  let arguments = !dag(ins, [Braid_F32Tensor, Braid_F32Tensor], ["dy", saved]);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$dy `,` $" # saved #
                       " attr-dict `:` type($dy) `,` type($" # saved # ")";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto dy = call.operand("dy", adaptor.getOperands()[0]);
      auto saved = call.operand("}] # saved # [{", adaptor.getOperands()[1]);
      return dy && saved ? call.apply(::braid::shape::elementwiseGrad(*dy, *saved))
                         : ::mlir::failure();
    }
  }];
}

def Braid_ReluGradOp
    : Braid_ElementwiseGradOp<"relu_grad", "ReluGrad", "relu", "x",
                              "dy * (x > 0)">;
def Braid_SigmoidGradOp
    : Braid_ElementwiseGradOp<"sigmoid_grad", "SigmoidGrad", "sigmoid", "y",
                              "dy * y * (1 - y)">;
def Braid_TanhGradOp
    : Braid_ElementwiseGradOp<"tanh_grad", "TanhGrad", "tanh", "y",
                              "dy * (1 - y * y)">;
def Braid_GeluGradOp
    : Braid_ElementwiseGradOp<"gelu_grad", "GeluGrad", "gelu", "x",
                              "dy * (Phi(x) + x * phi(x))",
                              " (Phi and phi: the standard normal CDF and "
                              "PDF)">;
def Braid_GeluTanhGradOp
    : Braid_ElementwiseGradOp<"gelu_tanh_grad", "GeluTanhGrad", "gelu_tanh",
                              "x",
                              "dy * (0.5 * (1 + tanh(u)) + 0.5 * x * (1 - "
                              "tanh(u)^2) * du/dx)",
                              " (u = sqrt(2 / pi) * (x + 0.044715 * x^3))">;

//===----------------------------------------------------------------------===//
// Softmax and loss gradients
//===----------------------------------------------------------------------===//

// `causal`: the op has the `causal` unit attribute (softmax_grad).
class Braid_SoftmaxGradOpBase<string mnemonic, string kind, string forward,
                              string math, bit causal = 0>
    : Braid_Op<mnemonic, [Braid_PlanStep<kind, ["fillStepAttributes"]>]> {
  let summary = "gradient of " # forward # " along one axis";
  let description = [{
    The VJP of `braid.}] # forward # [{`: `}] # math # [{`, where `dy` is the
    gradient at the forward result `y` and the sum runs along `axis` (negative
    values count from the last dimension), broadcast back along it. The result
    has `y`'s type.}] # !if(causal, [{ With `causal` (the forward's), the
    entries whose key (last index) exceeds their query (the index before) get
    exactly 0 and take no part in the sum.}], "") # [{

    Constraints: (c1) `y` is an f32 tensor of rank 1 or more and `axis` is in
    [-rank, rank)}] # !if(causal, [{; with `causal`, `y` has rank 2 or more,
    its last two dimensions are equal and `axis` is the last}], "") # [{; (c2)
    `dy` has `y`'s type.

    ```mlir
    %dx = braid.}] # mnemonic # [{ %dy, %y, axis = 1 : tensor<64x10xf32>, tensor<64x10xf32>
    ```
  }];
  let arguments = !if(causal,
      (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$y, I64Attr:$axis,
           UnitAttr:$causal),
      (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$y, I64Attr:$axis));
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$dy `,` $y `,` `axis` `=` $axis " #
      !if(causal, "(`causal` $causal^)? ", "") #
      "attr-dict `:` type($dy) `,` type($y)";
  defvar isCausal = !if(causal, "getCausal()", "false");
  defvar adaptorCausal = !if(causal, "bool(adaptor.getCausal())", "false");
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto dy = call.operand("dy", adaptor.getDy());
      auto y = call.operand("y", adaptor.getY());
      return dy && y ? call.apply(::braid::shape::softmaxGrad(
                           *dy, *y, adaptor.getAxis(), }] # adaptorCausal # [{))
                     : ::mlir::failure();
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axis = ::braid::nonNegativeAxis(getAxisAttr().getInt(),
                                           getDy().getType().getRank());
      step.causal = }] # isCausal # [{;
    }
  }];
}

def Braid_SoftmaxGradOp
    : Braid_SoftmaxGradOpBase<"softmax_grad", "SoftmaxGrad", "softmax",
                              "y * (dy - sum(dy * y, axis))", /*causal=*/1>;
def Braid_LogSoftmaxGradOp
    : Braid_SoftmaxGradOpBase<"log_softmax_grad", "LogSoftmaxGrad",
                              "log_softmax", "dy - exp(y) * sum(dy, axis)">;

def Braid_SparseSoftmaxCrossEntropyGradOp
    : Braid_Op<"sparse_softmax_cross_entropy_grad",
               [Braid_PlanStep<"SparseSoftmaxCrossEntropyGrad">]> {
  let summary = "gradient of sparse_softmax_cross_entropy for the logits";
  let description = [{
    The VJP of `braid.sparse_softmax_cross_entropy` for its logits:
    `dloss * (softmax(logits) - onehot(labels)) / P`, where `dloss` is the
    gradient at the (scalar, mean) loss and P the number of positions (the
    product of the labels' dimensions). The labels get no gradient. The
    result has the logits' type.

    Constraints: (c1) `dloss` is f32[]; (c2) `logits` is f32[B, ..., C] and
    `labels` i32[B, ...] of the logits' shape but the last dimension.

    ```mlir
    %dlogits = braid.sparse_softmax_cross_entropy_grad %dloss, %logits, %y
        : tensor<f32>, tensor<64x10xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dloss, Braid_F32Tensor:$logits,
                       Braid_I32Tensor:$labels);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dloss `,` $logits `,` $labels attr-dict `:` type($dloss) `,` type($logits)
    `,` type($labels)
  }];
}

def Braid_MeanSquaredErrorGradOp : Braid_Op<"mean_squared_error_grad",
    [Braid_PlanStep<"MeanSquaredErrorGrad">]> {
  let summary = "gradient of mean_squared_error for the prediction";
  let description = [{
    The VJP of `braid.mean_squared_error` for its prediction:
    `dloss * 2 * (prediction - target) / numel`, where `dloss` is the gradient
    at the (scalar) loss and numel the element count of `prediction`. The
    target's gradient is its negation. The result has the prediction's type.

    Constraints: (c1) `dloss` is f32[]; (c2) `prediction` and `target` are f32
    tensors of the same shape.

    ```mlir
    %dp = braid.mean_squared_error_grad %dloss, %p, %t
        : tensor<f32>, tensor<64x1xf32>, tensor<64x1xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dloss, Braid_F32Tensor:$prediction,
                       Braid_F32Tensor:$target);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dloss `,` $prediction `,` $target attr-dict `:` type($dloss) `,`
    type($prediction) `,` type($target)
  }];
}

//===----------------------------------------------------------------------===//
// Embedding and layer normalisation gradients
//===----------------------------------------------------------------------===//

def Braid_EmbeddingGradOp : Braid_Op<"embedding_grad",
    [Braid_PlanStep<"EmbeddingGrad">]> {
  let summary = "gradient of embedding for its table";
  let description = [{
    The VJP of `braid.embedding` for its table: a zeroed f32[num_rows, D]
    into which `dy[i..., :]`, the gradient at the embedding's result, is
    added at row `ids[i...]`, in the ids' row-major order (deterministic: no
    atomics). The runtime rejects an id outside [0, num_rows).

    Constraints: (c1) `ids` is an i32 tensor; (c2) `dy` is f32[ids..., D];
    (c3) `num_rows` is positive; the result is f32[num_rows, D].

    ```mlir
    %dtable = braid.embedding_grad %dy, %ids num_rows = 256
        : tensor<32x64x128xf32>, tensor<32x64xi32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_I32Tensor:$ids,
                       I64Attr:$num_rows);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $ids `num_rows` `=` $num_rows attr-dict `:` type($dy) `,`
    type($ids)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto dy = call.operand("dy", adaptor.getDy());
      auto ids = call.operand("ids", adaptor.getIds());
      return dy && ids ? call.apply(::braid::shape::embeddingGrad(
                             *dy, *ids, adaptor.getNumRows()))
                       : ::mlir::failure();
    }
  }];
}

def Braid_LayerNormStatsOp : Braid_Op<"layer_norm_stats",
    [Braid_PlanStep<"LayerNormStats", ["fillStepAttributes"]>]> {
  let summary = "the statistics of a layer normalisation, for its gradients";
  let description = [{
    For each row of `x`'s last axis: `result[i..., 0]` is its mean and
    `result[i..., 1]` is `1 / sqrt(var + eps)`, with the biased variance, as
    `braid.layer_norm` computes them. The VJP of `braid.layer_norm` computes
    them once for `braid.layer_norm_grad` and `braid.layer_norm_gain_grad`.

    Constraints: (c1) `x` is an f32 tensor of rank 1 or more; (c2) `eps` is
    in (0, 1); the result is x's shape with its last dimension 2.

    ```mlir
    %s = braid.layer_norm_stats %x, eps = 1.000000e-05 : tensor<32x64x128xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$x, F64Attr:$eps);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = "$x `,` `eps` `=` $eps attr-dict `:` type($x)";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto x = call.operand("x", adaptor.getX());
      return x ? call.apply(::braid::shape::layerNormStats(*x))
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

def Braid_LayerNormGradOp : Braid_Op<"layer_norm_grad",
    [Braid_PlanStep<"LayerNormGrad">]> {
  let summary = "gradient of layer_norm for x";
  let description = [{
    The VJP of `braid.layer_norm` for x, from `dy` (the gradient at its
    result), x, the row statistics `stats` (`braid.layer_norm_stats`) and
    the gain: per row, with `xhat = (x - mean) * rstd` and `g = dy * gain`,
    `dx = rstd * (g - mean(g) - xhat * mean(g * xhat))`. The result has x's
    type.

    Constraints: (c1) `x` is f32[..., D] of rank 1 or more and `dy` has its
    type; (c2) `stats` is f32[..., 2] (x's shape, last dimension 2); (c3)
    `gain` is f32[D].

    ```mlir
    %dx = braid.layer_norm_grad %dy, %x, %s, %g : tensor<64x128xf32>,
        tensor<64x128xf32>, tensor<64x2xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$x,
                       Braid_F32Tensor:$stats, Braid_F32Tensor:$gain);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $x `,` $stats `,` $gain attr-dict `:` type($dy) `,` type($x) `,`
    type($stats) `,` type($gain)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto dy = call.operand("dy", adaptor.getDy());
      auto x = call.operand("x", adaptor.getX());
      auto stats = call.operand("stats", adaptor.getStats());
      auto gain = call.operand("gain", adaptor.getGain());
      return dy && x && stats && gain
                 ? call.apply(::braid::shape::layerNormGrad(*dy, *x, *stats,
                                                            *gain))
                 : ::mlir::failure();
    }
  }];
}

def Braid_LayerNormGainGradOp : Braid_Op<"layer_norm_gain_grad",
    [Braid_PlanStep<"LayerNormGainGrad">]> {
  let summary = "gradient of layer_norm for its gain";
  let description = [{
    The VJP of `braid.layer_norm` for its gain: `sum over rows of dy * xhat`,
    with `xhat = (x - mean) * rstd` from the row statistics `stats`
    (`braid.layer_norm_stats`), summed in row order. The result is f32[D].
    (The bias's gradient is a `braid.reduce_sum` of dy over every axis but the
    last.)

    Constraints: (c1) `x` is f32[..., D] of rank 1 or more and `dy` has its
    type; (c2) `stats` is f32[..., 2] (x's shape, last dimension 2).

    ```mlir
    %dg = braid.layer_norm_gain_grad %dy, %x, %s
        : tensor<64x128xf32>, tensor<64x128xf32>, tensor<64x2xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$x,
                       Braid_F32Tensor:$stats);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $x `,` $stats attr-dict `:` type($dy) `,` type($x) `,`
    type($stats)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      ::braid::RuleCall call(context, location, getOperationName(), inferred);
      auto dy = call.operand("dy", adaptor.getDy());
      auto x = call.operand("x", adaptor.getX());
      auto stats = call.operand("stats", adaptor.getStats());
      return dy && x && stats
                 ? call.apply(::braid::shape::layerNormGainGrad(*dy, *x,
                                                                *stats))
                 : ::mlir::failure();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Convolution and pooling gradients
//===----------------------------------------------------------------------===//

def Braid_Conv2DBackwardDataOp : Braid_Op<"conv2d_backward_data",
    [Braid_PlanStep<"Conv2DBackwardData", ["fillStepAttributes"]>]> {
  let summary = "gradient of conv2d for its input";
  let description = [{
    The VJP of `braid.conv2d` for its input: the transposed convolution of
    `dy`, the gradient at the conv2d's result, by `filter` (OIHW), giving
    `dx[n, c, h, w] = sum over (o, i, j) with h = oh * sh + i * dh - ph and
    w = ow * sw + j * dw - pw of dy[n, o, oh, ow] * filter[o, c, i, j]`. The
    result is f32 of `input_shape`, the shape of the forward input, which the
    forward output extents do not determine.

    Constraints: (c1) `input_shape` has positive dimensions and at most 2^40
    elements; (c2) a `braid.conv2d` of an f32 input of `input_shape` by
    `filter` with these `strides`, `padding` and `dilations` is valid (its
    constraints c1, c3 and c4); (c3) `dy` has that conv2d's result type.

    ```mlir
    %dx = braid.conv2d_backward_data %dy, %w input_shape = [64, 1, 28, 28]
        strides = [1, 1] padding = [2, 2] dilations = [1, 1]
        : tensor<64x6x28x28xf32>, tensor<6x1x5x5xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$filter,
                       DenseI64ArrayAttr:$input_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilations);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $filter `input_shape` `=` $input_shape `strides` `=` $strides
    `padding` `=` $padding `dilations` `=` $dilations attr-dict `:` type($dy)
    `,` type($filter)
  }];
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.strides.assign(getStrides());
      step.padding.assign(getPadding());
      step.dilations.assign(getDilations());
    }
  }];
}

def Braid_Conv2DBackwardFilterOp : Braid_Op<"conv2d_backward_filter",
    [Braid_PlanStep<"Conv2DBackwardFilter", ["fillStepAttributes"]>]> {
  let summary = "gradient of conv2d for its filter";
  let description = [{
    The VJP of `braid.conv2d` for its filter: `dw[o, c, i, j] = sum over
    (n, oh, ow) of dy[n, o, oh, ow] * input[n, c, oh * sh + i * dh - ph,
    ow * sw + j * dw - pw]` (zero outside the input), where `dy` is the
    gradient at the conv2d's result and `input` its forward input. The result
    is f32 of `filter_shape`, the forward filter's shape.

    Constraints: (c1) `filter_shape` has positive dimensions and at most 2^40
    elements; (c2) a `braid.conv2d` of `input` by an f32 filter of
    `filter_shape` with these `strides`, `padding` and `dilations` is valid
    (its constraints c1, c3 and c4); (c3) `dy` has that conv2d's result type.

    ```mlir
    %dw = braid.conv2d_backward_filter %dy, %x filter_shape = [6, 1, 5, 5]
        strides = [1, 1] padding = [2, 2] dilations = [1, 1]
        : tensor<64x6x28x28xf32>, tensor<64x1x28x28xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$input,
                       DenseI64ArrayAttr:$filter_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilations);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $input `filter_shape` `=` $filter_shape `strides` `=` $strides
    `padding` `=` $padding `dilations` `=` $dilations attr-dict `:` type($dy)
    `,` type($input)
  }];
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.strides.assign(getStrides());
      step.padding.assign(getPadding());
      step.dilations.assign(getDilations());
    }
  }];
}

def Braid_MaxPool2DGradOp : Braid_Op<"max_pool2d_grad",
    [Braid_PlanStep<"MaxPool2DGrad", ["fillStepAttributes"]>]> {
  let summary = "gradient of max_pool2d";
  let description = [{
    The VJP of `braid.max_pool2d`: each window's gradient (from `dy`, the
    gradient at the pooling's result) goes to the window's first maximum of
    the forward input `x` in row-major order; padding never receives any. The
    result has `x`'s type.

    Constraints: (c1) a `braid.max_pool2d` of `x` with this `kernel`,
    `strides` and `padding` is valid (its constraints c1 to c3); (c2) `dy` has
    that pooling's result type.

    ```mlir
    %dx = braid.max_pool2d_grad %dy, %x kernel = [2, 2] strides = [2, 2]
        padding = [0, 0] : tensor<64x6x14x14xf32>, tensor<64x6x28x28xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$x,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$padding);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $x `kernel` `=` $kernel `strides` `=` $strides `padding` `=`
    $padding attr-dict `:` type($dy) `,` type($x)
  }];
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.kernel.assign(getKernel());
      step.strides.assign(getStrides());
      step.padding.assign(getPadding());
    }
  }];
}

def Braid_ReduceMaxGradOp : Braid_Op<"reduce_max_grad",
    [Braid_PlanStep<"ReduceMaxGrad", ["fillStepAttributes"]>]> {
  let summary = "gradient of reduce_max";
  let description = [{
    The VJP of `braid.reduce_max` over `axes`: each result's gradient (from
    `dy`) goes to the elements of `x` equal to the maximum `y`, split evenly
    among them when several tie (PyTorch's amax); the others get 0. The
    result has `x`'s type.

    Constraints: (c1) a `braid.reduce_max` of `x` over `axes` is valid (its
    constraints c1 to c4); (c2) `dy` and `y` have its result type.

    ```mlir
    %dx = braid.reduce_max_grad %dy, %x, %y, axes = [1]
        : tensor<64xf32>, tensor<64x10xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, Braid_F32Tensor:$x,
                       Braid_F32Tensor:$y, DenseI64ArrayAttr:$axes);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $x `,` $y `,` `axes` `=` $axes attr-dict `:` type($dy) `,`
    type($x) `,` type($y)
  }];
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axes = ::braid::nonNegativeAxes(getAxes(),
                                           getX().getType().getRank());
    }
  }];
}

def Braid_AvgPool2DGradOp : Braid_Op<"avg_pool2d_grad",
    [Braid_PlanStep<"AvgPool2DGrad", ["fillStepAttributes"]>]> {
  let summary = "gradient of avg_pool2d";
  let description = [{
    The VJP of `braid.avg_pool2d`: each window's gradient (from `dy`, the
    gradient at the pooling's result) is spread evenly over the window's
    non-padding elements. The result is f32 of `input_shape`, the forward
    input's shape.

    Constraints: (c1) `input_shape` has positive dimensions and at most 2^40
    elements; (c2) a `braid.avg_pool2d` of an f32 input of `input_shape` with
    this `kernel`, `strides` and `padding` is valid (its constraints c1 to
    c3); (c3) `dy` has that pooling's result type.

    ```mlir
    %dx = braid.avg_pool2d_grad %dy input_shape = [64, 6, 28, 28] kernel = [2, 2]
        strides = [2, 2] padding = [0, 0] : tensor<64x6x14x14xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, DenseI64ArrayAttr:$input_shape,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$padding);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `input_shape` `=` $input_shape `kernel` `=` $kernel `strides` `=`
    $strides `padding` `=` $padding attr-dict `:` type($dy)
  }];
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.kernel.assign(getKernel());
      step.strides.assign(getStrides());
      step.padding.assign(getPadding());
    }
  }];
}

//===----------------------------------------------------------------------===//
// Metrics and gradient control
//===----------------------------------------------------------------------===//

def Braid_AccuracyOp : Braid_Op<"accuracy", [Braid_PlanStep<"Accuracy">]> {
  let summary = "fraction of positions whose arg-max logit is the label";
  let description = [{
    `result = mean_p(argmax_c(logits[p, c]) == labels[p])` over every
    position p of the leading dimensions, a scalar in [0, 1]; on ties the
    first maximum counts. A metric for the `eval` entry point: it has no
    gradient.

    Constraints: (c1) `logits` is f32[B, ..., C]; (c2) `labels` is
    i32[B, ...]; (c3) the labels' shape is the logits' but the last
    dimension.

    ```mlir
    %acc = braid.accuracy %logits, %y : tensor<64x10xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$logits, Braid_I32Tensor:$labels);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat =
      "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
}

// The identity forward of stop_gradient is a copy: the Reshape kernel's.
def Braid_StopGradientOp
    : Braid_Op<"stop_gradient", [Braid_PlanStep<"Reshape">, Braid_Builtin]> {
  let summary = "identity that blocks gradients";
  let description = [{
    Returns its operand unchanged. Reverse-mode differentiation treats the
    result as a constant: no gradient flows through it to the operand.

    Constraints: (c1) the operand is a statically shaped f32 or i32 tensor;
    the result has its type.

    ```mlir
    %t = braid.stop_gradient %x : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

#endif // BRAID_GRAD_OPS_TD
