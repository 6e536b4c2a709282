// The builtin interface: how a braid op declares itself a function of the
// model language, so that the front end (frontend/OpBuiltins.cpp) finds it
// without a list of ops.
#ifndef BRAID_BUILTIN_INTERFACES_TD
#define BRAID_BUILTIN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Braid_BuiltinOpInterface : OpInterface<"BuiltinOpInterface"> {
  let cppNamespace = "::braid";
  let description = [{
    An op that a model calls as a function of tensors only, `name(a, b)`: a
    call binds its arguments by the names the op gives, is typed by the op's
    own shape rule, and becomes the op with the arguments as its operands, in
    order. The front end reads these ops from the registered dialect and
    hands them to its semantic checks as plain data, so that a new op of a
    family that declares this interface (unary elementwise, binary with
    broadcasting) is a function of the language with no edit to the front
    end.

    Functions with attributes or the language's own argument forms
    (softmax's axis, reshape's shape, conv2d, the pools, the layers) are
    written in frontend/Builtins.cpp instead.
  }];
  let methods = [
    StaticInterfaceMethod<[{
        The function's name in the model language. By default the op's
        mnemonic.
      }],
      "::llvm::StringRef", "getBuiltinName", (ins), [{}],
      [{ return ConcreteOp::getOperationName().split('.').second; }]>,
    StaticInterfaceMethod<[{
        The names of the function's arguments, one per operand in order, as
        a call may name them (`add(a = x, b = y)`) and messages show them.
      }],
      "::llvm::ArrayRef<::llvm::StringLiteral>", "getBuiltinArguments">,
    StaticInterfaceMethod<[{
        The result type for operands of these types, in order, or the
        message that says why there is none: the op's shape rule, the one
        its inferReturnTypes applies.
      }],
      "::braid::shape::RuleResult", "inferBuiltinType",
      (ins "const std::vector<::braid::shape::TensorType> &":$operands)>,
  ];
}

// An op that a model calls as a function, under its mnemonic: it defines
// getBuiltinArguments and inferBuiltinType (in its extraClassDefinition, or
// beside its inferReturnTypes).
def Braid_Builtin : DeclareOpInterfaceMethods<Braid_BuiltinOpInterface>;

#endif // BRAID_BUILTIN_INTERFACES_TD
