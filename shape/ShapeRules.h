// Shape and element-type rules of the braid ops, in plain C++.
//
// Each op's rule exists once, here. The dialect's type inference and verifiers
// call it on MLIR types; the front end's semantic checks call it on the
// language's types so that a model file gets a located error. Nothing here
// includes MLIR or LLVM.
#ifndef BRAID_SHAPE_SHAPERULES_H
#define BRAID_SHAPE_SHAPERULES_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace braid::shape {

enum class ElementType { F32, I32 };

/// A statically shaped tensor type: the only kind the braid ops take.
struct TensorType {
  ElementType element = ElementType::F32;
  std::vector<int64_t> dims;

  int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  bool operator==(const TensorType &other) const {
    return element == other.element && dims == other.dims;
  }
  bool operator!=(const TensorType &other) const { return !(*this == other); }
};

/// Largest element count of one tensor. Keeps every size computation in the
/// compiler and the runtime far from int64 overflow.
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// "f32", "i32".
const char *toString(ElementType element);
/// The language's notation, used in every message: "f32[64, 784]", "f32[]".
std::string toString(const TensorType &type);
/// "[2, 2]".
std::string toString(const std::vector<int64_t> &values);

/// The outcome of a rule: the result type, or a lower-case message naming the
/// offending types and values. Callers prefix the op's name.
class RuleResult {
public:
  static RuleResult ok(TensorType type) { return RuleResult(std::move(type)); }
  static RuleResult fail(std::string message) {
    return RuleResult(std::move(message));
  }
  explicit operator bool() const { return type_.has_value(); }
  const TensorType &type() const { return *type_; }
  const std::string &error() const { return error_; }

private:
  explicit RuleResult(TensorType type) : type_(std::move(type)) {}
  explicit RuleResult(std::string message) : error_(std::move(message)) {}
  std::optional<TensorType> type_;
  std::string error_;
};

/// Checks that every dimension is positive and the element count is at most
/// kMaxElements; the message names the type.
std::optional<std::string> checkValid(const TensorType &type);

// Elementwise.
/// relu, sigmoid, tanh, gelu: f32 in, same type out.
RuleResult unaryFloat(const TensorType &input);
/// add, sub, mul, div: f32 operands, numpy-style broadcasting.
RuleResult broadcastBinary(const TensorType &lhs, const TensorType &rhs);

// Linear algebra.
/// f32[..., M, K] x f32[..., K, N] -> f32[..., M, N], where a transposed
/// operand has its last two dimensions swapped (lhs f32[..., K, M], rhs
/// f32[..., N, K]). Each operand has rank 2 or more; the leading (batch)
/// dimensions broadcast as numpy's, a rank-2 operand taking part in every
/// batch.
RuleResult matmul(const TensorType &lhs, const TensorType &rhs,
                  bool transposeLhs = false, bool transposeRhs = false);

// Normalisation and losses.
/// softmax, log_softmax along `axis` (negative counts from the end).
/// `causal` (softmax only): the last two dimensions are [query, key], of one
/// size, and `axis` is the last.
RuleResult softmax(const TensorType &input, int64_t axis, bool causal = false);
/// logits f32[B, ..., C], labels i32[B, ...] (the logits' shape but the
/// last dimension) -> f32[]: the mean over every position.
RuleResult sparseSoftmaxCrossEntropy(const TensorType &logits,
                                     const TensorType &labels);
/// prediction and target of one f32 type -> f32[] (mean over all elements).
RuleResult meanSquaredError(const TensorType &prediction,
                            const TensorType &target);

// Reductions.
/// reduce_sum, reduce_mean, reduce_max: the listed axes (distinct, in range)
/// are removed.
RuleResult reduce(const TensorType &input, const std::vector<int64_t> &axes);

// Shape manipulation.
/// Same element count, every target dimension positive.
RuleResult reshape(const TensorType &input, const std::vector<int64_t> &shape);
/// `perm` is a permutation of [0, rank).
RuleResult transpose(const TensorType &input, const std::vector<int64_t> &perm);
/// numpy broadcasting of `input` to exactly `shape`.
RuleResult broadcastTo(const TensorType &input,
                       const std::vector<int64_t> &shape);
/// f32[N, d1, ..., dk] -> f32[N, d1 * ... * dk]; rank 1 gives [N, 1].
RuleResult flatten(const TensorType &input);

// Slicing and joining (SliceRules.cpp). `axis` counts from the end when
// negative.
/// concat: operands of one element type and rank >= 1 whose dimensions agree
/// except along `axis`, where the result's is their sum.
RuleResult concat(const std::vector<TensorType> &inputs, int64_t axis);
/// slice: `size` entries from `start` along `axis`; 0 <= start, 1 <= size,
/// start + size <= the extent.
RuleResult slice(const TensorType &input, int64_t axis, int64_t start,
                 int64_t size);
/// slice_grad(dy) to an operand of `inputShape`: dy is the slice's result
/// (f32), placed at `start` along `axis` of zeros.
RuleResult sliceGrad(const TensorType &dy,
                     const std::vector<int64_t> &inputShape, int64_t axis,
                     int64_t start);

// Masks and selection (MaskRules.cpp).
/// equal, not_equal, less, less_equal, greater, greater_equal: operands of
/// one element type (f32 or i32), numpy broadcasting; i32 0/1 result.
RuleResult compare(const TensorType &lhs, const TensorType &rhs);
/// where(mask i32, a, b): a and b of one element type; the three broadcast
/// together; the result has a's element type.
RuleResult where(const TensorType &mask, const TensorType &a,
                 const TensorType &b);
/// cast(x, element): any element type to `element`, same shape.
RuleResult cast(const TensorType &input, ElementType element);
/// dropout(x f32, p): 0 <= p < 1; x's type.
RuleResult dropout(const TensorType &input, double p);

// Convolution and pooling (NCHW activations, OIHW filters).
/// `strides`, `padding` (symmetric, per spatial side) and `dilations` each hold
/// [height, width]. `bias`, when present, is f32[O].
RuleResult conv2d(const TensorType &input, const TensorType &filter,
                  const std::optional<TensorType> &bias,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &padding,
                  const std::vector<int64_t> &dilations);
/// max_pool2d, avg_pool2d: `kernel`, `strides`, `padding` are [height, width].
RuleResult pool2d(const TensorType &input, const std::vector<int64_t> &kernel,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &padding);

// Embedding and layer normalisation (TransformerRules.cpp).
/// embedding(table f32[V, D], ids i32[...]) -> f32[..., D].
RuleResult embedding(const TensorType &table, const TensorType &ids);
/// layer_norm(x f32[..., D], gain f32[D], bias f32[D]) -> x's type.
RuleResult layerNorm(const TensorType &x, const TensorType &gain,
                     const TensorType &bias);
/// layer_norm_stats(x f32[..., D]) -> f32[..., 2]: each row's mean and
/// 1 / sqrt(variance + eps).
RuleResult layerNormStats(const TensorType &x);

// Gradients (GradRules.cpp). Each gradient op returns the gradient of one
// forward operand, so its result type is that operand's type; the rules check
// that the incoming gradient `dy` has the forward op's result type.

/// relu_grad(dy, x), gelu_grad(dy, x), sigmoid_grad(dy, y), tanh_grad(dy, y):
/// dy and the saved forward value are f32 of one shape.
RuleResult elementwiseGrad(const TensorType &dy, const TensorType &saved);
/// softmax_grad(dy, y, axis), log_softmax_grad(dy, y, axis), y the forward
/// output.
RuleResult softmaxGrad(const TensorType &dy, const TensorType &y, int64_t axis,
                       bool causal = false);
/// sparse_softmax_cross_entropy_grad(dloss f32[], logits, labels) -> logits'
/// type.
RuleResult sparseSoftmaxCrossEntropyGrad(const TensorType &dloss,
                                         const TensorType &logits,
                                         const TensorType &labels);
/// mean_squared_error_grad(dloss f32[], prediction, target) -> prediction's
/// type.
RuleResult meanSquaredErrorGrad(const TensorType &dloss,
                                const TensorType &prediction,
                                const TensorType &target);
/// conv2d_backward_data(dy, filter) to an input of `inputShape`.
RuleResult conv2dBackwardData(const TensorType &dy, const TensorType &filter,
                              const std::vector<int64_t> &inputShape,
                              const std::vector<int64_t> &strides,
                              const std::vector<int64_t> &padding,
                              const std::vector<int64_t> &dilations);
/// conv2d_backward_filter(dy, input) to a filter of `filterShape`.
RuleResult conv2dBackwardFilter(const TensorType &dy, const TensorType &input,
                                const std::vector<int64_t> &filterShape,
                                const std::vector<int64_t> &strides,
                                const std::vector<int64_t> &padding,
                                const std::vector<int64_t> &dilations);
/// max_pool2d_grad(dy, x) -> x's type.
RuleResult maxPool2dGrad(const TensorType &dy, const TensorType &x,
                         const std::vector<int64_t> &kernel,
                         const std::vector<int64_t> &strides,
                         const std::vector<int64_t> &padding);
/// avg_pool2d_grad(dy) to an input of `inputShape`.
RuleResult avgPool2dGrad(const TensorType &dy,
                         const std::vector<int64_t> &inputShape,
                         const std::vector<int64_t> &kernel,
                         const std::vector<int64_t> &strides,
                         const std::vector<int64_t> &padding);
/// embedding_grad(dy f32[..., D], ids i32[...]) -> f32[rows, D], the
/// gradient of an embedding table of `rows` rows (TransformerRules.cpp).
RuleResult embeddingGrad(const TensorType &dy, const TensorType &ids,
                         int64_t rows);
/// layer_norm_grad(dy, x, stats, gain) -> x's type: the gradient of x.
RuleResult layerNormGrad(const TensorType &dy, const TensorType &x,
                         const TensorType &stats, const TensorType &gain);
/// layer_norm_gain_grad(dy, x, stats) -> f32[D]: the gradient of the gain.
RuleResult layerNormGainGrad(const TensorType &dy, const TensorType &x,
                             const TensorType &stats);
/// reduce_max_grad(dy, x, y) over `axes`, y the forward result: dy and y
/// have reduce(x, axes)'s type; gives x's type.
RuleResult reduceMaxGrad(const TensorType &dy, const TensorType &x,
                         const TensorType &y, const std::vector<int64_t> &axes);
/// accuracy(logits f32[B, ..., C], labels i32[B, ...]) -> f32[]: the
/// fraction of positions whose arg-max is the label.
RuleResult accuracy(const TensorType &logits, const TensorType &labels);

} // namespace braid::shape

#endif // BRAID_SHAPE_SHAPERULES_H
