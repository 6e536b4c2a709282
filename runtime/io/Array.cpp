// Array: dtype names and sizes, shape checks and numeric conversion.
#include "runtime/io/Array.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <type_traits>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Braid's data formats assume a little-endian host"
#endif

namespace braid::runtime::io {

const char *toString(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::U8:
    return "u8";
  }
  return "unknown";
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::U8:
    return 1;
  }
  return 0;
}

int64_t Array::elements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return -1;
  return n;
}

Status checkShape(const std::vector<int64_t> &shape, DType dtype,
                  int64_t *elements, size_t *bytes) {
  size_t itemSize = dtypeSize(dtype);
  if (itemSize == 0)
    return invalidArgument("unknown dtype " +
                           std::to_string(static_cast<int>(dtype)));
  int64_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      return invalidArgument("dimension " + std::to_string(i) + " is " +
                             std::to_string(shape[i]) +
                             "; expected a non-negative size");
    if (__builtin_mul_overflow(n, shape[i], &n))
      return invalidArgument("the element count overflows 64 bits at "
                             "dimension " +
                             std::to_string(i) + " (size " +
                             std::to_string(shape[i]) + ")");
  }
  size_t total = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(n), itemSize, &total) ||
      total > static_cast<size_t>(std::numeric_limits<int64_t>::max()))
    return invalidArgument(std::to_string(n) + " elements of " +
                           toString(dtype) + " overflow the byte size");
  if (elements)
    *elements = n;
  if (bytes)
    *bytes = total;
  return Status::ok();
}

Status checkArray(const Array &array) {
  size_t bytes = 0;
  BRAID_RETURN_IF_ERROR(checkShape(array.shape, array.dtype, nullptr, &bytes));
  if (array.data.size() != bytes)
    return invalidArgument(
        "the array holds " + std::to_string(array.data.size()) +
        " data bytes; its shape and dtype " + toString(array.dtype) + " need " +
        std::to_string(bytes));
  return Status::ok();
}

namespace {

// Calls f with a value-initialized object of the C++ type of `dtype`.
template <typename F> Status visitDType(DType dtype, F &&f) {
  switch (dtype) {
  case DType::F32:
    return f(float{});
  case DType::F64:
    return f(double{});
  case DType::I32:
    return f(int32_t{});
  case DType::I64:
    return f(int64_t{});
  case DType::U8:
    return f(uint8_t{});
  }
  return invalidArgument("unknown dtype " +
                         std::to_string(static_cast<int>(dtype)));
}

// Converts one value; false when it does not fit `To`.
template <typename From, typename To> bool convertValue(From v, To *out) {
  if constexpr (std::is_floating_point_v<To>) {
    if constexpr (std::is_same_v<From, double> && std::is_same_v<To, float>) {
      if (std::isfinite(v) &&
          std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max()))
        return false;
    }
    *out = static_cast<To>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<From>) {
    if (std::isnan(v))
      return false;
    // Every bound below is a power of two (or zero), so exact in a double.
    double t = std::trunc(static_cast<double>(v));
    double lo = static_cast<double>(std::numeric_limits<To>::min());
    double hiExclusive = std::ldexp(1.0, std::numeric_limits<To>::digits);
    if (!(t >= lo && t < hiExclusive))
      return false;
    *out = static_cast<To>(t);
    return true;
  } else {
    // Integer to integer: every source type fits in int64_t.
    int64_t x = static_cast<int64_t>(v);
    if (x < static_cast<int64_t>(std::numeric_limits<To>::min()) ||
        x > static_cast<int64_t>(std::numeric_limits<To>::max()))
      return false;
    *out = static_cast<To>(x);
    return true;
  }
}

std::string valueText(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

template <typename From, typename To>
Status convertElements(const uint8_t *src, uint8_t *dst, int64_t n, DType from,
                       DType to) {
  for (int64_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, src + i * sizeof(From), sizeof(From));
    To r;
    if (!convertValue(v, &r)) {
      std::string text = std::is_floating_point_v<From>
                             ? valueText(static_cast<double>(v))
                             : std::to_string(static_cast<int64_t>(v));
      return invalidArgument("converting " + std::string(toString(from)) +
                             " to " + toString(to) + ": element " +
                             std::to_string(i) + " is " + text +
                             ", which is outside the range of " + toString(to));
    }
    std::memcpy(dst + i * sizeof(To), &r, sizeof(To));
  }
  return Status::ok();
}

} // namespace

namespace {

Status convertChecked(const Array &in, DType to, Array *out) {
  BRAID_RETURN_IF_ERROR(checkArray(in).withContext("convert"));
  int64_t n = in.elements();
  Array result;
  result.dtype = to;
  result.shape = in.shape;
  size_t bytes = 0;
  BRAID_RETURN_IF_ERROR(
      checkShape(in.shape, to, nullptr, &bytes).withContext("convert"));
  result.data.resize(bytes);
  DType from = in.dtype;
  Status s = visitDType(from, [&](auto fromTag) {
    return visitDType(to, [&](auto toTag) {
      using From = decltype(fromTag);
      using To = decltype(toTag);
      return convertElements<From, To>(in.data.data(), result.data.data(), n,
                                       from, to);
    });
  });
  BRAID_RETURN_IF_ERROR(s);
  *out = std::move(result);
  return Status::ok();
}

} // namespace

Status convert(const Array &in, DType to, Array *out) {
  if (!out)
    return invalidArgument("convert: the output array is null");
  try {
    return convertChecked(in, to, out);
  } catch (const std::bad_alloc &) {
    return invalidArgument("convert: out of memory");
  }
}

} // namespace braid::runtime::io
