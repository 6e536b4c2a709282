// HostOps: the tensor operations the importer folds at compile time (shape
// arithmetic: gather, slice, concat, transpose, elementwise math).
#ifndef BRAID_FRONTEND_ONNX_HOSTOPS_H
#define BRAID_FRONTEND_ONNX_HOSTOPS_H

#include "frontend/onnx/HostTensor.h"

#include <functional>

namespace braid::frontend::onnx_import {

/// The elements of `t` at `indices` along `axis` (each in [0, dim)): the
/// result's dimension `axis` has indices.size() entries.
HostTensor take(const HostTensor &t, int64_t axis,
                const std::vector<int64_t> &indices);

/// `parts` joined along `axis`; they agree on every other dimension and kind.
HostTensor concat(const std::vector<const HostTensor *> &parts, int64_t axis);

/// `t` with its dimensions permuted (result dim i = t's dim perm[i]).
HostTensor transpose(const HostTensor &t, const std::vector<int64_t> &perm);

/// a (op) b with numpy broadcasting, in floats when either is float, else in
/// integers. The shapes must broadcast (see broadcastShapes).
HostTensor binary(const HostTensor &a, const HostTensor &b,
                  const std::function<double(double, double)> &floatOp,
                  const std::function<int64_t(int64_t, int64_t)> &intOp);

/// `t` converted to floats or integers (floats truncated, NaN as 0).
HostTensor convert(const HostTensor &t, bool toFloat);

} // namespace braid::frontend::onnx_import

#endif // BRAID_FRONTEND_ONNX_HOSTOPS_H
