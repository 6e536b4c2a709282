// HostTensor: an ONNX tensor whose value the importer knows at compile time
// (an initializer, a Constant, or a shape computation folded from them).
#ifndef BRAID_FRONTEND_ONNX_HOSTTENSOR_H
#define BRAID_FRONTEND_ONNX_HOSTTENSOR_H

#include "shape/ShapeRules.h"

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace braid::frontend::onnx_import {

/// The most elements a folded constant may hold: shape arithmetic never comes
/// near it, and a hostile file cannot make the importer allocate gigabytes
/// through ConstantOfShape.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 24;

/// A dense row-major tensor of floats (ONNX float/double/float16 values as
/// f32) or of integers (int8..int64, uint8..uint32 and bool as int64).
struct HostTensor {
  bool isFloat = true;
  std::vector<int64_t> shape;
  std::vector<float> floats; // when isFloat
  std::vector<int64_t> ints; // otherwise

  int64_t elements() const;
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  /// Element i as a double / as an integer (floats truncated).
  double at(int64_t i) const;
  int64_t intAt(int64_t i) const;
  /// Resizes the storage of the kind in use to `shape`'s element count.
  void resize();
};

/// Decodes `proto` (raw_data or the typed repeated fields) into `out`. Fails,
/// saying why in `error`, for external data, an unsupported data type, a
/// negative dimension, or a payload that does not hold exactly the elements
/// the dimensions give.
bool decodeTensor(const onnx::TensorProto &proto, HostTensor *out,
                  std::string *error);

/// The product of dimensions [from, to) of `shape` (unchecked: the shape is
/// one already checked).
int64_t product(const std::vector<int64_t> &shape, size_t from, size_t to);

/// The element count of `shape`, or -1 when a dimension is negative or
/// exceeds `limit`, or the count does.
int64_t checkedElements(const std::vector<int64_t> &shape, int64_t limit);

/// numpy's broadcast of two shapes; false when they do not broadcast.
bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b, std::vector<int64_t> *out);

/// The flat index into a tensor of shape `from` (broadcast to `to`) of the
/// element at flat index `i` of `to`.
int64_t broadcastIndex(const std::vector<int64_t> &from,
                       const std::vector<int64_t> &to, int64_t i);

} // namespace braid::frontend::onnx_import

#endif // BRAID_FRONTEND_ONNX_HOSTTENSOR_H
