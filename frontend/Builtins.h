// The functions a model can call: primitive ops and layer sugar, with the
// arguments each takes. The ops that are functions of tensors only declare
// themselves in the dialect's ODS (BuiltinOpInterface) and reach this table
// as plain data (OpBuiltin); the others are written in Builtins.cpp. Sema
// binds a call's arguments against the table; MLIRGen maps each kind to
// braid ops.
#ifndef BRAID_FRONTEND_BUILTINS_H
#define BRAID_FRONTEND_BUILTINS_H

#include "shape/ShapeRules.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace braid::frontend {

struct Expr;

enum class BuiltinKind {
  /// A function an op declares (OpBuiltin): the op of that name, with the
  /// call's tensors as its operands.
  Op,
  Softmax,
  LogSoftmax,
  ReduceSum,
  ReduceMean,
  ReduceMax,
  Reshape,
  Transpose,
  BroadcastTo,
  Pow,
  Concat,
  Slice,
  Cast,
  Dropout,
  LayerNorm,
  Gelu,
  Conv2D,
  MaxPool2D,
  AvgPool2D,
  // Layer sugar: creates its own parameters.
  Dense,
  Conv2DLayer,
};

/// What an argument must be.
enum class ArgKind {
  Tensor,     // any tensor expression
  OptTensor,  // a tensor, may be left out
  Int,        // an integer literal, possibly negative
  Float,      // a number literal, possibly negative
  IntPair,    // n or [h, w]
  IntList,    // n or [a, b, ...]
  Shape,      // [d, ...] where d is a positive integer, B, or one -1
  Activation, // relu, sigmoid, tanh, gelu, softmax or none; for gelu's
              // `approximate`, none or tanh
  TensorList, // [t, ...]: one or more tensor expressions
  Element,    // f32 or i32
  Bool,       // true or false
};

struct ArgSpec {
  std::string name;
  ArgKind kind;
  bool required;
};

/// The type rule of a function an op declares: the result type for its
/// operands' types, or the message saying why there is none.
using TypeRule =
    std::function<shape::RuleResult(const std::vector<shape::TensorType> &)>;

/// A function that an op of the dialect declares in its ODS
/// (BuiltinOpInterface), as plain data: MLIRGen's collectOpBuiltins reads
/// them from the registered dialect, so Sema needs no MLIR.
struct OpBuiltin {
  std::string name;
  /// One tensor argument per operand, in order.
  std::vector<std::string> arguments;
  TypeRule rule;
  /// The op a call becomes: "braid.exp".
  std::string opName;
};

struct Builtin {
  std::string name;
  BuiltinKind kind;
  std::vector<ArgSpec> args;
  /// How the call is written, for messages and docs.
  std::string signature;
  /// For BuiltinKind::Op: the op's type rule and name.
  TypeRule rule = {};
  std::string opName = {};
};

/// Every function a model can call: the ops' functions, then those written
/// in Builtins.cpp.
class BuiltinTable {
public:
  explicit BuiltinTable(const std::vector<OpBuiltin> &opBuiltins);

  /// The builtin called `name`. conv2d has two forms: the primitive
  /// conv2d(x, w, b) and the layer conv2d(x, filters, kernel = k);
  /// `layerForm` picks the second. Null when there is no such function.
  const Builtin *lookup(std::string_view name, bool layerForm) const;

  /// The closest builtin name within a small edit distance, or "".
  std::string suggest(std::string_view name) const;

  /// Every builtin but the layer form of conv2d, in lookup order.
  const std::vector<Builtin> &all() const { return builtins_; }

private:
  std::vector<Builtin> builtins_;
};

/// The candidate closest to `name` within an edit distance of 2, or "".
std::string closestMatch(std::string_view name,
                         const std::vector<std::string> &candidates);

enum class Activation { None, Relu, Sigmoid, Tanh, Gelu, Softmax };

/// A call after Sema: the builtin it resolved to and its arguments in
/// evaluated form. MLIRGen reads only this.
struct ResolvedCall {
  BuiltinKind kind;
  /// For BuiltinKind::Op: the op to create.
  std::string opName;
  /// Tensor operands in the op's order; null for a left-out optional one.
  std::vector<const Expr *> tensors;
  int64_t axis = -1;
  std::vector<int64_t> axes, shape, perm, kernel, strides, padding, dilations;
  int64_t units = 0;           // dense units or conv2d filters
  double exponent = 0;         // pow
  int64_t start = 0, size = 0; // slice
  double probability = 0;      // dropout's p
  shape::ElementType element = shape::ElementType::F32; // cast
  double eps = 1e-5;                                    // layer_norm
  Activation activation = Activation::None;
  /// The boolean arguments given, by argument name (`keepdims = true`); an
  /// argument left out is absent and takes the function's default.
  std::map<std::string, bool> flags;
  /// Layer sugar: indices of the parameters it created (weights, then bias)
  /// in CheckedModel::params.
  std::vector<size_t> params;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_BUILTINS_H
