// Array: the dense, typed, row-major buffer that every data-format reader and
// writer of the runtime (npy, safetensors, IDX) produces and consumes.
#ifndef BRAID_RUNTIME_IO_ARRAY_H
#define BRAID_RUNTIME_IO_ARRAY_H

#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::runtime::io {

/// The element types the data formats carry. Serialized nowhere by value, but
/// kept append-only like every enum that might be.
enum class DType : uint8_t { F32, F64, I32, I64, U8 };

/// The dtype's short name ("f32", "f64", "i32", "i64", "u8"), for messages.
const char *toString(DType dtype);

/// The size in bytes of one element of `dtype`.
size_t dtypeSize(DType dtype);

/// A dense row-major array. `data` holds elements() * dtypeSize(dtype) bytes,
/// little-endian. A scalar has an empty shape and one element.
struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  /// The product of the shape (1 for a scalar), or -1 when the shape has a
  /// negative dimension or the product overflows (see checkShape).
  int64_t elements() const;
};

/// Checks that `shape` has no negative dimension and that its element count
/// and byte size (for `dtype`) fit in int64_t and size_t; on success stores
/// them in `elements` and `bytes` (either may be null). The message names the
/// offending dimension.
Status checkShape(const std::vector<int64_t> &shape, DType dtype,
                  int64_t *elements, size_t *bytes);

/// Checks that `array` is well formed: a valid shape and exactly the number of
/// data bytes it implies.
Status checkArray(const Array &array);

/// Converts `in` to dtype `to` element by element, so data read from a file
/// in one type can feed a tensor of another. Floats convert to floats with
/// rounding (f64 -> f32 fails for a finite value beyond the f32 range); floats
/// convert to integers by truncation toward zero, like numpy's astype; every
/// value must fit the target type (integer narrowing such as i64 -> i32 and
/// negative -> u8 fail, as does NaN -> integer), and u8 -> f32 is the plain
/// value (255 -> 255.0f, no scaling). `out` may be `&in`; on failure `*out`
/// is unchanged.
Status convert(const Array &in, DType to, Array *out);

} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_ARRAY_H
