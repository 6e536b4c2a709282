// HostOps: folding shape arithmetic on HostTensors.
#include "frontend/onnx/HostOps.h"

namespace braid::frontend::onnx_import {

namespace {

/// Copies element `from` of `src` to element `to` of `dst` (same kind).
void copyElement(const HostTensor &src, int64_t from, HostTensor &dst,
                 int64_t to) {
  if (src.isFloat)
    dst.floats[to] = src.floats[from];
  else
    dst.ints[to] = src.ints[from];
}

} // namespace

HostTensor take(const HostTensor &t, int64_t axis,
                const std::vector<int64_t> &indices) {
  HostTensor out;
  out.isFloat = t.isFloat;
  out.shape = t.shape;
  out.shape[axis] = static_cast<int64_t>(indices.size());
  out.resize();
  int64_t outer = product(t.shape, 0, axis);
  int64_t inner = product(t.shape, axis + 1, t.shape.size());
  int64_t dim = t.shape[axis], n = static_cast<int64_t>(indices.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < inner; ++i)
        copyElement(t, (o * dim + indices[k]) * inner + i, out,
                    (o * n + k) * inner + i);
  return out;
}

HostTensor concat(const std::vector<const HostTensor *> &parts, int64_t axis) {
  HostTensor out;
  out.isFloat = parts[0]->isFloat;
  out.shape = parts[0]->shape;
  out.shape[axis] = 0;
  for (const HostTensor *p : parts)
    out.shape[axis] += p->shape[axis];
  out.resize();
  int64_t outer = product(out.shape, 0, axis);
  int64_t inner = product(out.shape, axis + 1, out.shape.size());
  int64_t offset = 0;
  for (const HostTensor *p : parts) {
    int64_t dim = p->shape[axis];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < dim * inner; ++k)
        copyElement(*p, o * dim * inner + k, out,
                    (o * out.shape[axis] + offset) * inner + k);
    offset += dim;
  }
  return out;
}

HostTensor transpose(const HostTensor &t, const std::vector<int64_t> &perm) {
  HostTensor out;
  out.isFloat = t.isFloat;
  for (int64_t p : perm)
    out.shape.push_back(t.shape[p]);
  out.resize();
  size_t rank = perm.size();
  std::vector<int64_t> strides(rank, 1);
  for (size_t d = rank; d-- > 1;)
    strides[d - 1] = strides[d] * t.shape[d];
  int64_t n = out.elements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, from = 0;
    for (size_t d = rank; d-- > 0;) {
      from += (rest % out.shape[d]) * strides[perm[d]];
      rest /= out.shape[d];
    }
    copyElement(t, from, out, i);
  }
  return out;
}

HostTensor binary(const HostTensor &a, const HostTensor &b,
                  const std::function<double(double, double)> &floatOp,
                  const std::function<int64_t(int64_t, int64_t)> &intOp) {
  HostTensor out;
  out.isFloat = a.isFloat || b.isFloat;
  broadcastShapes(a.shape, b.shape, &out.shape);
  out.resize();
  int64_t n = out.elements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = broadcastIndex(a.shape, out.shape, i);
    int64_t ib = broadcastIndex(b.shape, out.shape, i);
    if (out.isFloat)
      out.floats[i] = static_cast<float>(floatOp(a.at(ia), b.at(ib)));
    else
      out.ints[i] = intOp(a.ints[ia], b.ints[ib]);
  }
  return out;
}

HostTensor convert(const HostTensor &t, bool toFloat) {
  if (t.isFloat == toFloat)
    return t;
  HostTensor out;
  out.isFloat = toFloat;
  out.shape = t.shape;
  out.resize();
  for (int64_t i = 0, n = t.elements(); i < n; ++i) {
    if (toFloat)
      out.floats[i] = static_cast<float>(t.ints[i]);
    else
      out.ints[i] = t.intAt(i);
  }
  return out;
}

} // namespace braid::frontend::onnx_import
