// Collectives: the ops braid-data-parallel and braid-bucket-allreduce insert
// so that replicas of a model, one per process, train as one. They
// communicate, so they are not pure: they read and write memory and their
// order in the block is the order every replica runs them in. They have no
// VJP: autodiff runs before data parallelism, and stops at an op without one.
// In a plan each is an in-place step (getInPlaceOutputs): its results name
// the tensors it overwrites.
#ifndef BRAID_COLLECTIVE_OPS_TD
#define BRAID_COLLECTIVE_OPS_TD

include "dialects/braid/IR/BraidDialect.td"
include "dialects/braid/IR/BraidPlanInterfaces.td"
include "mlir/IR/EnumAttr.td"

// Serialized in plans as plan::Reduction (the same numbers): append only.
def Braid_ReductionKind : I32EnumAttr<"Reduction", "reduction over replicas", [
    I32EnumAttrCase<"sum", 0>,
    I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>,
    I32EnumAttrCase<"min", 3>,
  ]> {
  let cppNamespace = "::braid";
  let genSpecializedAttr = 0;
}

def Braid_ReductionAttr : EnumAttr<Braid_Dialect, Braid_ReductionKind,
                                   "reduction"> {
  let summary = "how a collective combines the replicas' values";
  let assemblyFormat = "`<` $value `>`";
}

def Braid_RequestType : TypeDef<Braid_Dialect, "Request"> {
  let mnemonic = "request";
  let summary = "a collective in flight, started and not yet waited on";
  let description = [{
    The result of `braid.all_reduce_start`, used by exactly one
    `braid.all_reduce_wait`.
  }];
}

class Braid_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : Op<Braid_Dialect, mnemonic,
         !listconcat([MemoryEffects<[MemRead, MemWrite]>], traits)> {
  let hasVerifier = 1;
}

def Braid_AllReduceOp : Braid_CollectiveOp<"all_reduce",
    [RangedTypesMatchWith<"results have the operands' types", "inputs",
                          "results", "$_self">,
     Braid_PlanStep<"AllReduce", ["getInPlaceOutputs", "fillStepAttributes"]>]> {
  let summary = "reduce tensors over all replicas, in place";
  let description = [{
    Each result is the reduction (`sum`, `mean`, `max` or `min`) over the
    replicas of the corresponding operand, of its type. In a plan the
    reduction is in place: the step's outputs are its inputs.

    Constraints: (c1) at least one operand; (c2) the operands are f32
    tensors (sum and mean of integers would overflow or truncate, so i32 is
    not accepted for any reduction); (c3) no operand appears twice.

    ```mlir
    %r:2 = braid.all_reduce %dw, %db reduction = <mean> : tensor<784x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Variadic<Braid_Tensor>:$inputs,
                       Braid_ReductionAttr:$reduction);
  let results = (outs Variadic<Braid_Tensor>:$results);
  let assemblyFormat = [{
    $inputs `reduction` `=` $reduction attr-dict `:` type($inputs)
  }];
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return ::llvm::SmallVector<::mlir::Value>(getInputs());
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.reduction = ::braid::planReduction(getReduction());
    }
  }];
}

def Braid_AllReduceStartOp : Braid_CollectiveOp<"all_reduce_start",
    [Braid_PlanStep<"AllReduceStart", ["getStepRequest", "fillStepAttributes"]>]> {
  let summary = "start reducing a bucket of tensors over all replicas";
  let description = [{
    The first half of a split `braid.all_reduce`: starts the reduction of
    its operands (a bucket) and returns a request; `braid.all_reduce_wait`
    on the request yields the reduced values. Between the two, computation
    goes on while the replicas communicate; nothing may read the operands
    there (the reduction may write them at any time), so every later reader
    uses the wait's results. In a plan the operands are contiguous in the
    arena, so that one collective covers the bucket.

    Constraints: (c1) at least one operand; (c2) the operands are f32
    tensors; (c3) no operand appears twice; (c4) the request has exactly one
    use, a `braid.all_reduce_wait`.

    ```mlir
    %req = braid.all_reduce_start %dw, %db reduction = <mean> : tensor<64x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Variadic<Braid_Tensor>:$inputs,
                       Braid_ReductionAttr:$reduction);
  let results = (outs Braid_RequestType:$request);
  let assemblyFormat = [{
    $inputs `reduction` `=` $reduction attr-dict `:` type($inputs)
  }];
  let extraClassDefinition = [{
    ::mlir::Value $cppClass::getStepRequest() { return getRequest(); }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.reduction = ::braid::planReduction(getReduction());
    }
  }];
}

def Braid_AllReduceWaitOp : Braid_CollectiveOp<"all_reduce_wait",
    [Braid_PlanStep<"AllReduceWait", ["getStepInputs", "getInPlaceOutputs",
                                      "getStepRequest", "fillStepAttributes"]>]> {
  let summary = "wait for a started reduction and yield its results";
  let description = [{
    Completes the `braid.all_reduce_start` that produced `request`: its
    results are the reduced operands of the start, in order and of their
    types. In a plan they are the start's operands (in place).

    Constraints: (c1) `request` is the result of a `braid.all_reduce_start`
    in the same block, before this op; (c2) one result per operand of the
    start, of its type.

    ```mlir
    %r:2 = braid.all_reduce_wait %req : tensor<64x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Braid_RequestType:$request);
  let results = (outs Variadic<Braid_Tensor>:$results);
  let assemblyFormat = "$request attr-dict `:` type($results)";
  let extraClassDeclaration = [{
    /// The start this wait completes, or null when the request comes from
    /// elsewhere (the verifier rejects that).
    AllReduceStartOp getStart() {
      return getRequest().getDefiningOp<AllReduceStartOp>();
    }
  }];
  // The step reads nothing new: it completes its start's reduction of the
  // start's operands, in place.
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getStepInputs() { return {}; }
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return ::llvm::SmallVector<::mlir::Value>(getStart().getInputs());
    }
    ::mlir::Value $cppClass::getStepRequest() { return getRequest(); }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.reduction = ::braid::planReduction(getStart().getReduction());
    }
  }];
}

def Braid_BroadcastOp : Braid_CollectiveOp<"broadcast",
    [RangedTypesMatchWith<"results have the operands' types", "inputs",
                          "results", "$_self">,
     Braid_PlanStep<"Broadcast", ["getInPlaceOutputs", "fillStepAttributes"]>]> {
  let summary = "give every replica the root replica's tensors, in place";
  let description = [{
    Each result is the value the operand has on replica `root`. In a plan
    the operands are parameters or optimizer state, overwritten in place:
    `@broadcast_params` runs it once at the start of training so that every
    replica holds the same initial parameters.

    Constraints: (c1) at least one operand; (c2) `root` is non-negative;
    (c3) no operand appears twice.

    ```mlir
    %p:2 = braid.broadcast %w, %b root = 0 : tensor<784x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Variadic<Braid_Tensor>:$inputs, I64Attr:$root);
  let results = (outs Variadic<Braid_Tensor>:$results);
  let assemblyFormat = "$inputs `root` `=` $root attr-dict `:` type($inputs)";
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::getInPlaceOutputs() {
      return ::llvm::SmallVector<::mlir::Value>(getInputs());
    }
    void $cppClass::fillStepAttributes(::braid::PlanStepAttributes &step) {
      step.root = static_cast<int32_t>(getRootAttr().getInt());
    }
  }];
}

#endif // BRAID_COLLECTIVE_OPS_TD
