// Conversions between JSON nested arrays and the runtime's tensor buffers.
#include "Json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace serve {

using nlohmann::json;

namespace {

/// Walks nested arrays of `shape` from dimension `dim`, writing the leaves
/// to `out` in row-major order. The indices of the element being read are
/// kept as numbers; a path ("inputs.x[3][700]") is spelled only for an
/// error, so a request of many numbers makes no string per element.
class Reader {
public:
  Reader(const TensorSpec &t, unsigned char *out) : t_(t), out_(out) {}

  bool read(const json &value, const std::vector<int64_t> &shape, size_t dim,
            std::string *error) {
    if (dim == shape.size())
      return leaf(value, error);
    if (!value.is_array()) {
      *error = path() + " must be an array of " + std::to_string(shape[dim]) +
               " for input '" + t_.name + "' " + describe(t_) + ", got " +
               value.type_name();
      return false;
    }
    if (static_cast<int64_t>(value.size()) != shape[dim]) {
      *error = path() + " has " + std::to_string(value.size()) +
               (value.size() == 1 ? " element" : " elements") + "; input '" +
               t_.name + "' " + describe(t_) + " needs " +
               std::to_string(shape[dim]) + " there";
      return false;
    }
    indices_.push_back(0);
    for (size_t i = 0; i < value.size(); ++i) {
      indices_.back() = i;
      if (!read(value[i], shape, dim + 1, error))
        return false;
    }
    indices_.pop_back();
    return true;
  }

private:
  std::string path() const {
    std::string p = "inputs." + t_.name;
    for (size_t i : indices_)
      p += "[" + std::to_string(i) + "]";
    return p;
  }

  bool leaf(const json &value, std::string *error) {
    if (t_.type == BRAID_F32) {
      if (!value.is_number()) {
        *error = path() + " must be a number (input '" + t_.name + "' is " +
                 describe(t_) + "), got " + value.type_name();
        return false;
      }
      float f = value.get<float>();
      if (!std::isfinite(f)) {
        *error = path() + " = " + value.dump() + " is outside the range of f32";
        return false;
      }
      std::memcpy(out_ + written_, &f, sizeof f);
    } else {
      bool fits =
          value.is_number_integer() &&
          (value.is_number_unsigned()
               ? value.get<uint64_t>() <=
                     uint64_t(std::numeric_limits<int32_t>::max())
               : value.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                     value.get<int64_t>() <=
                         std::numeric_limits<int32_t>::max());
      if (!fits) {
        *error = path() + " must be a 32-bit integer (input '" + t_.name +
                 "' is " + describe(t_) + "), got " +
                 (value.is_number() ? value.dump() : value.type_name());
        return false;
      }
      int32_t v = value.get<int32_t>();
      std::memcpy(out_ + written_, &v, sizeof v);
    }
    written_ += 4;
    return true;
  }

  const TensorSpec &t_;
  unsigned char *out_;
  size_t written_ = 0;
  std::vector<size_t> indices_;
};

json rowsToJson(const unsigned char *data, const TensorSpec &t,
                const std::vector<int64_t> &shape, size_t dim, size_t *index) {
  if (dim == shape.size()) {
    size_t offset = 4 * (*index)++;
    if (t.type == BRAID_I32) {
      int32_t v;
      std::memcpy(&v, data + offset, sizeof v);
      return v;
    }
    float f;
    std::memcpy(&f, data + offset, sizeof f);
    return f;
  }
  json array = json::array();
  for (int64_t i = 0; i < shape[dim]; ++i)
    array.push_back(rowsToJson(data, t, shape, dim + 1, index));
  return array;
}

bool batched(const TensorSpec &t, int64_t batch) {
  return !t.shape.empty() && t.shape[0] == batch;
}

} // namespace

bool tensorFromJson(const json &value, const TensorSpec &t, int64_t batch,
                    std::vector<unsigned char> *out, int64_t *rows,
                    std::string *error) {
  out->assign(t.bytes, 0);
  std::vector<int64_t> shape = t.shape;
  std::string path = "inputs." + t.name;
  *rows = -1;
  if (batched(t, batch)) {
    if (!value.is_array() || value.empty() ||
        static_cast<int64_t>(value.size()) > batch) {
      *error = path + " must be an array of 1 to " + std::to_string(batch) +
               " rows for input '" + t.name + "' " + describe(t) + ", got " +
               (value.is_array() ? std::to_string(value.size()) + " rows"
                                 : std::string(value.type_name()));
      return false;
    }
    *rows = static_cast<int64_t>(value.size());
    shape[0] = *rows;
  }
  Reader reader(t, out->data());
  return reader.read(value, shape, 0, error);
}

json tensorToJson(const std::vector<unsigned char> &data, const TensorSpec &t,
                  int64_t batch, int64_t rows) {
  std::vector<int64_t> shape = t.shape;
  if (rows >= 0 && batched(t, batch))
    shape[0] = rows;
  size_t index = 0;
  size_t elements = 1;
  for (int64_t d : shape)
    elements *= static_cast<size_t>(d);
  if (elements * 4 > data.size()) // never: the runtime gives t.bytes
    return json();
  return rowsToJson(data.data(), t, shape, 0, &index);
}

namespace {

/// Thrown from the parser's callback to stop the parse at a bound.
struct OverBound {
  int status;
  std::string message;
};

/// nlohmann's messages quote the token they stopped at, which may be the
/// whole body: the first 200 bytes say enough.
std::string cut(const std::string &message) {
  return message.size() > 200 ? message.substr(0, 200) + "..." : message;
}

/// Rows and columns of a flat index into `shape`, as "[0][3]".
std::string indexPath(size_t index, const std::vector<int64_t> &shape) {
  std::string path;
  for (size_t d = shape.size(); d-- > 0;) {
    path = "[" + std::to_string(index % shape[d]) + "]" + path;
    index /= static_cast<size_t>(shape[d]);
  }
  return path;
}

} // namespace

bool parseBody(const std::string &body, int maxDepth, size_t maxValues,
               json *out, int *status, std::string *error) {
  size_t values = 0;
  auto bound = [&](int depth, json::parse_event_t event, json &) {
    if (event == json::parse_event_t::key ||
        event == json::parse_event_t::object_end ||
        event == json::parse_event_t::array_end)
      return true;
    // depth is the number of arrays and objects around the value.
    if (depth >= maxDepth)
      throw OverBound{400, "request body nests arrays and objects more than " +
                               std::to_string(maxDepth) +
                               " deep; {\"inputs\": {NAME: nested arrays}} "
                               "for predict's inputs needs at most that"};
    if (++values > maxValues)
      throw OverBound{413, "request body holds more than " +
                               std::to_string(maxValues) +
                               " JSON values; predict's inputs take fewer"};
    return true;
  };
  try {
    *out = json::parse(body, bound);
    return true;
  } catch (const OverBound &e) {
    *status = e.status;
    *error = e.message;
  } catch (const json::out_of_range &e) {
    // nlohmann reports 1e999 as out_of_range, not as a parse error.
    *status = 400;
    *error = "request body has a number out of the range of a double: " +
             cut(e.what());
  } catch (const json::exception &e) {
    *status = 400;
    *error = "request body is not JSON: " + cut(e.what());
  }
  return false;
}

std::string firstNonFinite(const std::vector<unsigned char> &data,
                           const TensorSpec &t, int64_t batch, int64_t rows) {
  if (t.type != BRAID_F32)
    return "";
  std::vector<int64_t> shape = t.shape;
  if (rows >= 0 && batched(t, batch))
    shape[0] = rows;
  size_t elements = 1;
  for (int64_t d : shape)
    elements *= static_cast<size_t>(d);
  elements = std::min(elements, data.size() / 4);
  for (size_t i = 0; i < elements; ++i) {
    float f;
    std::memcpy(&f, data.data() + 4 * i, sizeof f);
    if (!std::isfinite(f))
      return t.name + indexPath(i, shape) + " = " +
             (std::isnan(f) ? "nan"
              : f > 0       ? "inf"
                            : "-inf");
  }
  return "";
}

json specToJson(const TensorSpec &t) {
  return {{"name", t.name},
          {"type", t.type == BRAID_I32 ? "i32" : "f32"},
          {"shape", t.shape}};
}

} // namespace serve
