// The functions a model can call: primitive ops and layer sugar, with the
// arguments each takes. Sema binds a call's arguments against this table;
// MLIRGen maps each kind to braid ops.
#ifndef BRAID_FRONTEND_BUILTINS_H
#define BRAID_FRONTEND_BUILTINS_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace braid::frontend {

struct Expr;

enum class BuiltinKind {
  Relu,
  Sigmoid,
  Tanh,
  Gelu,
  Add,
  Sub,
  Mul,
  Div,
  Matmul,
  Softmax,
  LogSoftmax,
  SparseSoftmaxCrossEntropy,
  MeanSquaredError,
  ReduceSum,
  ReduceMean,
  Reshape,
  Transpose,
  BroadcastTo,
  Flatten,
  Conv2D,
  StopGradient,
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
  IntPair,    // n or [h, w]
  IntList,    // n or [a, b, ...]
  Shape,      // [d, ...] where d is a positive integer, B, or one -1
  Activation, // relu, sigmoid, tanh, gelu, softmax or none
};

struct ArgSpec {
  const char *name;
  ArgKind kind;
  bool required;
};

struct Builtin {
  const char *name;
  BuiltinKind kind;
  std::vector<ArgSpec> args;
  /// How the call is written, for messages and docs.
  const char *signature;
};

/// The builtin called `name`. conv2d has two forms: the primitive
/// conv2d(x, w, b) and the layer conv2d(x, filters, kernel = k); `layerForm`
/// picks the second. Null when there is no such function.
const Builtin *lookupBuiltin(std::string_view name, bool layerForm);

/// The closest builtin name within a small edit distance, or "".
std::string suggestBuiltin(std::string_view name);

/// The candidate closest to `name` within an edit distance of 2, or "".
std::string closestMatch(std::string_view name,
                         const std::vector<std::string> &candidates);

enum class Activation { None, Relu, Sigmoid, Tanh, Gelu, Softmax };

/// A call after Sema: the builtin it resolved to and its arguments in
/// evaluated form. MLIRGen reads only this.
struct ResolvedCall {
  BuiltinKind kind;
  /// Tensor operands in the op's order; null for a left-out optional one.
  std::vector<const Expr *> tensors;
  int64_t axis = -1;
  std::vector<int64_t> axes, shape, perm, kernel, strides, padding, dilations;
  int64_t units = 0; // dense units or conv2d filters
  Activation activation = Activation::None;
  /// Layer sugar: indices of the parameters it created (weights, then bias)
  /// in CheckedModel::params.
  std::vector<size_t> params;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_BUILTINS_H
