// Slicing, joining, masks and dropout: concat, slice (and its gradient), the
// comparisons, where, cast and dropout. Included by BraidOps.td; their
// inferReturnTypes, builtin interfaces and folders are in BraidSelectOps.cpp,
// their VJPs in BraidVJPs.cpp.
#ifndef BRAID_SELECT_OPS_TD
#define BRAID_SELECT_OPS_TD

//===----------------------------------------------------------------------===//
// Slicing and joining
//===----------------------------------------------------------------------===//

def Braid_ConcatOp : Braid_DiffOp<"concat",
    [Braid_PlanStep<"Concat", ["fillStepAttributes"]>]> {
  let summary = "join tensors along one axis";
  let description = [{
    The operands, in order, side by side along `axis` (negative counts from
    the end): the result's extent there is the sum of theirs.

    Constraints: (c1) at least one operand, each f32 or i32 of rank 1 or
    more; (c2) `axis` is in [-rank, rank); (c3) the operands have one element
    type and agree in every dimension but `axis`.

    ```mlir
    %y = braid.concat %a, %b axis = 1 : tensor<4x2xf32>, tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Variadic<Braid_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$inputs `axis` `=` $axis attr-dict `:` type($inputs)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axis = ::braid::nonNegativeAxis(
          getAxis(), ::llvm::cast<::mlir::RankedTensorType>(
                         getResult().getType()).getRank());
    }
  }];
}

def Braid_SliceOp : Braid_DiffOp<"slice",
    [Braid_PlanStep<"Slice", ["fillStepAttributes"]>]> {
  let summary = "a contiguous range along one axis";
  let description = [{
    `size` entries from `start` along `axis` (negative counts from the end);
    the other dimensions are whole.

    Constraints: (c1) the operand is f32 or i32 of rank 1 or more; (c2)
    `axis` is in [-rank, rank); (c3) 0 <= start, 1 <= size and start + size
    is at most the operand's extent along `axis`.

    ```mlir
    %q = braid.slice %qkv axis = 2 start = 0 size = 128 : tensor<32x64x384xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input, I64Attr:$axis, I64Attr:$start,
                       I64Attr:$size);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis `start` `=` $start `size` `=` $size attr-dict `:`
    type($input)
  }];
  let hasFolder = 1;
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axis = ::braid::nonNegativeAxis(getAxis(),
                                           getInput().getType().getRank());
      step.start = getStart();
    }
  }];
}

def Braid_SliceGradOp : Braid_Op<"slice_grad",
    [Braid_PlanStep<"SliceGrad", ["fillStepAttributes"]>]> {
  let summary = "gradient of slice: dy placed in zeros";
  let description = [{
    The VJP of `braid.slice`: f32 of `input_shape` (the sliced operand's
    shape), zero everywhere but the slice's range, which holds `dy`.
    Canonicalization turns a sum of these over adjacent ranges of one axis
    into one of a `braid.concat` (and, covering the whole axis, into the
    concat itself), so the gradients of slices that tile a tensor are written
    side by side instead of each into a zero-filled copy.

    Constraints: (c1) `input_shape` is a valid shape; (c2) a `braid.slice`
    of an f32 tensor of `input_shape` along `axis` from `start`, of `dy`'s
    extent, is valid (its c1 to c3); (c3) `dy` has that slice's type.

    ```mlir
    %dx = braid.slice_grad %dy input_shape = [32, 64, 384] axis = 2 start = 128
        : tensor<32x64x128xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$dy, DenseI64ArrayAttr:$input_shape,
                       I64Attr:$axis, I64Attr:$start);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `input_shape` `=` $input_shape `axis` `=` $axis `start` `=` $start
    attr-dict `:` type($dy)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.axis = ::braid::nonNegativeAxis(
          getAxis(), static_cast<int64_t>(getInputShape().size()));
      step.start = getStart();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Masks and selection
//===----------------------------------------------------------------------===//

// An elementwise comparison with broadcasting, the model language's
// `mnemonic(a, b)`: 1 where it holds, else 0, as i32. It has no gradient:
// its result is an integer.
class Braid_CompareOp<string mnemonic, string kind, string math>
    : Braid_Op<mnemonic, [Braid_PlanStep<kind>, Braid_Builtin]> {
  let summary = "elementwise " # math # " as an i32 mask, with broadcasting";
  let description = [{
    `result = (}] # math # [{) ? 1 : 0` elementwise after numpy-style
    broadcasting, as i32. A NaN compares unequal to everything, itself
    included, as IEEE and PyTorch's.

    Constraints: (c1) both operands are f32, or both i32; (c2) their shapes
    broadcast.

    ```mlir
    %m = braid.}] # mnemonic # [{ %x, %t : tensor<64x10xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$lhs, Braid_Tensor:$rhs);
  let results = (outs Braid_I32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let extraClassDefinition = [{
    ::llvm::ArrayRef<::llvm::StringLiteral> $cppClass::getBuiltinArguments() {
      static constexpr ::llvm::StringLiteral names[] = {"a", "b"};
      return names;
    }
    ::braid::shape::RuleResult $cppClass::inferBuiltinType(
        const std::vector<::braid::shape::TensorType> &operands) {
      return ::braid::shape::compare(operands[0], operands[1]);
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

def Braid_EqualOp : Braid_CompareOp<"equal", "Equal", "a == b">;
def Braid_NotEqualOp : Braid_CompareOp<"not_equal", "NotEqual", "a != b">;
def Braid_LessOp : Braid_CompareOp<"less", "Less", "a < b">;
def Braid_LessEqualOp : Braid_CompareOp<"less_equal", "LessEqual", "a <= b">;
def Braid_GreaterOp : Braid_CompareOp<"greater", "Greater", "a > b">;
def Braid_GreaterEqualOp
    : Braid_CompareOp<"greater_equal", "GreaterEqual", "a >= b">;

def Braid_WhereOp
    : Braid_DiffOp<"where", [Braid_PlanStep<"Where">, Braid_Builtin]> {
  let summary = "elementwise choice by a mask, with broadcasting";
  let description = [{
    `result = mask != 0 ? a : b` elementwise after numpy-style broadcasting
    of the three operands. The gradient goes to `a` where the mask is set and
    to `b` elsewhere; the mask gets none.

    Constraints: (c1) `mask` is i32; (c2) `a` and `b` have one element type,
    the result's; (c3) the three shapes broadcast.

    ```mlir
    %y = braid.where %m, %x, %zero : tensor<4x4xi32>, tensor<4x4xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Braid_I32Tensor:$mask, Braid_Tensor:$a, Braid_Tensor:$b);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat =
      "$mask `,` $a `,` $b attr-dict `:` type($mask) `,` type($a) `,` type($b)";
}

def Braid_CastOp
    : Braid_DiffOp<"cast", [Braid_PlanStep<"Cast">]> {
  let summary = "convert the elements to another element type";
  let description = [{
    Each element converted to `element`: i32 to f32 rounds to nearest, f32
    to i32 truncates toward zero as PyTorch's `.to(torch.int32)` (a NaN, an
    infinity or a value outside i32's range gives INT32_MIN, as x86's
    conversion does). A cast to the operand's own type is the identity. No
    gradient flows through an integer: only an f32 to f32 cast passes one.

    Constraints: (c1) `element` is f32 or i32; the result has the operand's
    shape.

    ```mlir
    %i = braid.cast %x to i32 : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins Braid_Tensor:$input, TypeAttr:$element);
  let results = (outs Braid_Tensor:$result);
  let assemblyFormat = "$input `to` $element attr-dict `:` type($input)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Dropout
//===----------------------------------------------------------------------===//

def Braid_DropoutOp : Braid_DiffOp<"dropout",
    [Braid_PlanStep<"Dropout", ["fillStepAttributes"]>]> {
  let summary = "zero elements at random with probability p, scale the rest";
  let description = [{
    Each element is kept with probability `1 - p` and scaled by
    `1 / (1 - p)`, or set to 0, as PyTorch's `dropout` in training. The mask
    comes from Philox4x32-10 keyed by the run's seed and counted by the
    training step, the element's global batch row (the leading dimension,
    offset by the rank's first row), its index within the row and `salt`
    (docs/language.md, "Dropout"): the same seed and step give the same mask
    on any number of data-parallel ranks, and the VJP is a dropout of `dy`
    with the same `salt`, which draws the same mask again.
    `braid-outline-eval` and `braid-outline-predict` remove it (the
    identity); `p = 0` folds to the operand.

    Constraints: (c1) the operand is f32 of rank 1 or more (its leading
    dimension indexes the batch rows); (c2) 0 <= p < 1.

    ```mlir
    %y = braid.dropout %x, p = 1.000000e-01, salt = 3 : tensor<32x64x128xf32>
    ```
  }];
  let arguments = (ins Braid_F32Tensor:$input, F64Attr:$p, I32Attr:$salt);
  let results = (outs Braid_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` `p` `=` $p `,` `salt` `=` $salt attr-dict `:` type($input)";
  let hasFolder = 1;
  let extraClassDefinition = [{
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.dropoutP = getPAttr().getValueAsDouble();
      step.salt = static_cast<uint32_t>(getSalt());
    }
  }];
}

#endif // BRAID_SELECT_OPS_TD
