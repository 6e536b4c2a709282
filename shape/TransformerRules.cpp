// The shape rules of embedding and layer normalisation, forward and
// gradient (the ops of a transformer that are not elementwise).
#include "shape/ShapeRules.h"

#include <algorithm>

namespace braid::shape {
namespace {

/// `dims` with its last dimension replaced by `last`.
std::vector<int64_t> withLast(std::vector<int64_t> dims, int64_t last) {
  dims.back() = last;
  return dims;
}

/// Checks that `x` is f32 of rank 1 or more: the rows of its last axis are
/// what a layer normalisation normalises.
std::optional<std::string> checkRows(const TensorType &x, const char *what) {
  if (x.element != ElementType::F32 || x.rank() == 0)
    return std::string(what) + " must be f32 of rank 1 or more, got " +
           toString(x);
  return std::nullopt;
}

/// Checks that `v` is f32[D] (gain, bias, a gain's gradient).
std::optional<std::string> checkVector(const TensorType &v, int64_t D,
                                       const char *what, const TensorType &x) {
  if (v.element != ElementType::F32 || v.dims != std::vector<int64_t>{D})
    return std::string(what) + " must be f32[" + std::to_string(D) +
           "], the last dimension of " + toString(x) + ", got " + toString(v);
  return std::nullopt;
}

/// Checks the statistics of a layer normalisation of `x`.
std::optional<std::string> checkStats(const TensorType &stats,
                                      const TensorType &x) {
  TensorType expected{ElementType::F32, withLast(x.dims, 2)};
  if (stats != expected)
    return "stats must be " + toString(expected) + " for " + toString(x) +
           ", got " + toString(stats);
  return std::nullopt;
}

} // namespace

RuleResult embedding(const TensorType &table, const TensorType &ids) {
  if (table.element != ElementType::F32 || table.rank() != 2)
    return RuleResult::fail("table must be f32[V, D], got " + toString(table));
  if (ids.element != ElementType::I32)
    return RuleResult::fail("ids must be i32, got " + toString(ids));
  std::vector<int64_t> dims = ids.dims;
  dims.push_back(table.dims[1]);
  TensorType result{ElementType::F32, dims};
  if (std::optional<std::string> invalid = checkValid(result))
    return RuleResult::fail("result " + *invalid);
  return RuleResult::ok(result);
}

RuleResult embeddingGrad(const TensorType &dy, const TensorType &ids,
                         int64_t rows) {
  if (ids.element != ElementType::I32)
    return RuleResult::fail("ids must be i32, got " + toString(ids));
  if (dy.element != ElementType::F32 || dy.rank() != ids.rank() + 1 ||
      !std::equal(ids.dims.begin(), ids.dims.end(), dy.dims.begin())) {
    std::string dims = toString(ids.dims);
    dims.pop_back(); // "[4, 8"
    return RuleResult::fail("gradient must be f32" + dims +
                            (ids.rank() ? ", D]" : "D]") + " for ids " +
                            toString(ids) + ", got " + toString(dy));
  }
  TensorType table{ElementType::F32, {rows, dy.dims.back()}};
  if (rows < 1)
    return RuleResult::fail("the table must have at least one row, got " +
                            std::to_string(rows));
  if (std::optional<std::string> invalid = checkValid(table))
    return RuleResult::fail("result " + *invalid);
  return RuleResult::ok(table);
}

RuleResult layerNorm(const TensorType &x, const TensorType &gain,
                     const TensorType &bias) {
  if (auto bad = checkRows(x, "x"))
    return RuleResult::fail(*bad);
  if (auto bad = checkVector(gain, x.dims.back(), "gain", x))
    return RuleResult::fail(*bad);
  if (auto bad = checkVector(bias, x.dims.back(), "bias", x))
    return RuleResult::fail(*bad);
  return RuleResult::ok(x);
}

RuleResult layerNormStats(const TensorType &x) {
  if (auto bad = checkRows(x, "x"))
    return RuleResult::fail(*bad);
  return RuleResult::ok({ElementType::F32, withLast(x.dims, 2)});
}

RuleResult layerNormGrad(const TensorType &dy, const TensorType &x,
                         const TensorType &stats, const TensorType &gain) {
  if (auto bad = checkRows(x, "x"))
    return RuleResult::fail(*bad);
  if (dy != x)
    return RuleResult::fail("incoming gradient " + toString(dy) +
                            " does not match the forward result " +
                            toString(x));
  if (auto bad = checkStats(stats, x))
    return RuleResult::fail(*bad);
  if (auto bad = checkVector(gain, x.dims.back(), "gain", x))
    return RuleResult::fail(*bad);
  return RuleResult::ok(x);
}

RuleResult layerNormGainGrad(const TensorType &dy, const TensorType &x,
                             const TensorType &stats) {
  if (auto bad = checkRows(x, "x"))
    return RuleResult::fail(*bad);
  if (dy != x)
    return RuleResult::fail("incoming gradient " + toString(dy) +
                            " does not match the forward result " +
                            toString(x));
  if (auto bad = checkStats(stats, x))
    return RuleResult::fail(*bad);
  return RuleResult::ok({ElementType::F32, {x.dims.back()}});
}

} // namespace braid::shape
