// Decoding ONNX TensorProtos, and the index arithmetic of folded constants.
#include "frontend/onnx/HostTensor.h"

#include <onnx/onnx_pb.h>

#include <cstring>

namespace braid::frontend::onnx_import {

int64_t product(const std::vector<int64_t> &shape, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i)
    n *= shape[i];
  return n;
}

int64_t HostTensor::elements() const { return product(shape, 0, shape.size()); }

double HostTensor::at(int64_t i) const {
  return isFloat ? static_cast<double>(floats[i])
                 : static_cast<double>(ints[i]);
}

int64_t HostTensor::intAt(int64_t i) const {
  if (!isFloat)
    return ints[i];
  float f = floats[i];
  // Out-of-range or NaN floats have no integer value; 0 keeps the folding
  // defined, and the shape checks downstream reject what it leads to.
  if (!(f > -9.2e18f && f < 9.2e18f))
    return 0;
  return static_cast<int64_t>(f);
}

void HostTensor::resize() {
  int64_t n = elements();
  if (isFloat)
    floats.assign(n, 0.0f);
  else
    ints.assign(n, 0);
}

int64_t checkedElements(const std::vector<int64_t> &shape, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    // Each dimension is bounded too, so that an empty tensor cannot carry a
    // dimension whose products overflow downstream.
    if (d < 0 || d > limit)
      return -1;
    if (d != 0 && n > limit / d)
      return -1;
    n *= d;
  }
  return n > limit ? -1 : n;
}

bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b, std::vector<int64_t> *out) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    result[i] = da == 1 ? db : da;
  }
  *out = std::move(result);
  return true;
}

int64_t broadcastIndex(const std::vector<int64_t> &from,
                       const std::vector<int64_t> &to, int64_t i) {
  int64_t index = 0, stride = 1;
  size_t offset = to.size() - from.size();
  for (size_t d = to.size(); d-- > 0;) {
    int64_t coordinate = i % to[d];
    i /= to[d];
    if (d < offset)
      continue;
    int64_t extent = from[d - offset];
    if (extent != 1)
      index += coordinate * stride;
    stride *= extent;
  }
  return index;
}

namespace {

/// IEEE half to float, for FLOAT16 initializers.
float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else { // subnormal: normalise
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

template <typename T>
void readRaw(const std::string &raw, int64_t n, std::vector<T> *out) {
  out->resize(n);
  std::memcpy(out->data(), raw.data(), n * sizeof(T));
}

} // namespace

bool decodeTensor(const onnx::TensorProto &proto, HostTensor *out,
                  std::string *error) {
  using TP = onnx::TensorProto;
  if (proto.data_location() == TP::EXTERNAL || proto.external_data_size()) {
    *error = "its data is stored in an external file, which braidc does not "
             "read; re-export with the weights inside the model";
    return false;
  }
  HostTensor t;
  t.shape.assign(proto.dims().begin(), proto.dims().end());
  int64_t n = checkedElements(t.shape, int64_t(1) << 40);
  if (n < 0) {
    *error = "its dimensions " + shape::toString(t.shape) +
             " are negative or too large";
    return false;
  }
  int type = proto.data_type();
  size_t width = 0;
  switch (type) {
  case TP::FLOAT:
  case TP::INT32:
  case TP::UINT32:
    width = 4;
    break;
  case TP::DOUBLE:
  case TP::INT64:
    width = 8;
    break;
  case TP::FLOAT16:
  case TP::INT16:
  case TP::UINT16:
    width = 2;
    break;
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
    width = 1;
    break;
  default:
    *error = "its data type " + std::to_string(type) +
             " is not supported (expected a float or integer type)";
    return false;
  }
  t.isFloat = type == TP::FLOAT || type == TP::DOUBLE || type == TP::FLOAT16;
  auto sizeError = [&](size_t got) {
    *error = "it holds " + std::to_string(got) + " elements but its shape " +
             shape::toString(t.shape) + " needs " + std::to_string(n);
    return false;
  };
  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (raw.size() % width != 0 || raw.size() / width != uint64_t(n))
      return sizeError(raw.size() / width);
    switch (type) {
    case TP::FLOAT:
      readRaw(raw, n, &t.floats);
      break;
    case TP::DOUBLE: {
      std::vector<double> d;
      readRaw(raw, n, &d);
      t.floats.assign(d.begin(), d.end());
      break;
    }
    case TP::FLOAT16: {
      std::vector<uint16_t> h;
      readRaw(raw, n, &h);
      for (uint16_t v : h)
        t.floats.push_back(halfToFloat(v));
      break;
    }
#define BRAID_RAW_INT(KIND, CTYPE)                                             \
  case TP::KIND: {                                                             \
    std::vector<CTYPE> v;                                                      \
    readRaw(raw, n, &v);                                                       \
    t.ints.assign(v.begin(), v.end());                                         \
    break;                                                                     \
  }
      BRAID_RAW_INT(INT64, int64_t)
      BRAID_RAW_INT(INT32, int32_t)
      BRAID_RAW_INT(UINT32, uint32_t)
      BRAID_RAW_INT(INT16, int16_t)
      BRAID_RAW_INT(UINT16, uint16_t)
      BRAID_RAW_INT(INT8, int8_t)
      BRAID_RAW_INT(UINT8, uint8_t)
      BRAID_RAW_INT(BOOL, uint8_t)
#undef BRAID_RAW_INT
    }
  } else {
    // The typed fields: float_data (float), double_data, int64_data, and
    // int32_data for every narrower type (float16 as its bits).
    size_t got = 0;
    switch (type) {
    case TP::FLOAT:
      got = proto.float_data_size();
      if (got == uint64_t(n))
        t.floats.assign(proto.float_data().begin(), proto.float_data().end());
      break;
    case TP::DOUBLE:
      got = proto.double_data_size();
      if (got == uint64_t(n))
        t.floats.assign(proto.double_data().begin(), proto.double_data().end());
      break;
    case TP::INT64:
      got = proto.int64_data_size();
      if (got == uint64_t(n))
        t.ints.assign(proto.int64_data().begin(), proto.int64_data().end());
      break;
    case TP::UINT32:
      got = proto.uint64_data_size();
      if (got == uint64_t(n))
        for (uint64_t v : proto.uint64_data())
          t.ints.push_back(static_cast<int64_t>(v & 0xffffffffu));
      break;
    default:
      got = proto.int32_data_size();
      if (got == uint64_t(n)) {
        if (type == TP::FLOAT16)
          for (int32_t v : proto.int32_data())
            t.floats.push_back(halfToFloat(static_cast<uint16_t>(v)));
        else
          t.ints.assign(proto.int32_data().begin(), proto.int32_data().end());
      }
      break;
    }
    if (got != uint64_t(n))
      return sizeError(got);
  }
  *out = std::move(t);
  return true;
}

} // namespace braid::frontend::onnx_import
