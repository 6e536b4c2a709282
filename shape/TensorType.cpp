// Printing and validity of shape::TensorType, shared by every rule's messages.
#include "shape/ShapeRules.h"

#include <sstream>

namespace braid::shape {

const char *toString(ElementType element) {
  switch (element) {
  case ElementType::F32:
    return "f32";
  case ElementType::I32:
    return "i32";
  }
  return "?";
}

std::string toString(const std::vector<int64_t> &values) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < values.size(); ++i)
    os << (i ? ", " : "") << values[i];
  os << ']';
  return os.str();
}

std::string toString(const TensorType &type) {
  return toString(type.element) + toString(type.dims);
}

std::optional<std::string> checkValid(const TensorType &type) {
  int64_t elements = 1;
  for (int64_t dim : type.dims) {
    if (dim <= 0)
      return "dimensions must be positive, got " + toString(type);
    if (dim > kMaxElements / elements)
      return "tensor " + toString(type) + " has more than 2^40 elements";
    elements *= dim;
  }
  return std::nullopt;
}

} // namespace braid::shape
