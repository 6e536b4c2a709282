// The braid dialect: its definition and the base class of its ops.
#ifndef BRAID_DIALECT_TD
#define BRAID_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Braid_Dialect : Dialect {
  let name = "braid";
  let cppNamespace = "::braid";
  let summary = "Tensor operations of Braid models, their gradients and collectives";
  let description = [{
    The braid dialect holds a model as its front end writes it: one
    `func.func @forward` over statically shaped tensors whose arguments are the
    model's inputs and parameters and whose results are its outputs and loss.
    Every op infers its result type from its operands and attributes through
    one shape rule (shape), the same rule the model
    language's semantic checks apply.

    The model's interface is carried by attributes:

    * on `@forward`'s arguments: `braid.input = "x"` for an input,
      `braid.param = "w1"` with `braid.init = #braid.init<...>` for a
      trainable parameter; on an input whose declared type uses `B`,
      `braid.batch_dims = array<i64: 0>`, the dimensions that index the batch
      rows (the ones `braid-data-parallel` splits);
    * on its results: `braid.output = "logits"`, `braid.loss = "loss"`;
    * on the module: `braid.model = "mlp"`, `braid.batch = 64 : i64` and,
      when the model has a train block, `braid.train = {...}` with the loss
      name, the optimizer and its hyper-parameters, `batch` and `epochs`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Defined beside the attribute and type storage classes, which must be
    /// complete.
    void registerAttributes();
    void registerTypes();
  }];
}

// Every braid op is pure and infers its result types, so the assembly formats
// name only the operand types.
class Braid_Op<string mnemonic, list<Trait> traits = []>
    : Op<Braid_Dialect, mnemonic, !listconcat([Pure, InferTypeOpAdaptor], traits)>;

def Braid_F32Tensor : RankedTensorOf<[F32]>;
def Braid_I32Tensor : RankedTensorOf<[I32]>;
def Braid_Tensor : RankedTensorOf<[F32, I32]>;

#endif // BRAID_DIALECT_TD
