// The structs a C API caller allocates grow by appending fields, and each
// starts with the caller's sizeof as struct_size (braid.h, "Structs the
// caller allocates"). These helpers read and write only the fields that lie
// wholly within the caller's struct_size, so that a program built against an
// older header, with a shorter struct, works with this library.
#ifndef BRAID_RUNTIME_CAPI_STRUCTSIZE_H
#define BRAID_RUNTIME_CAPI_STRUCTSIZE_H

#include "runtime/support/Status.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace braid::capi {

/// A struct_size below the struct_size field itself was never set.
inline runtime::Status checkStructSize(size_t structSize, const char *type) {
  if (structSize >= sizeof(size_t))
    return runtime::Status::ok();
  return runtime::invalidArgument(std::string(type) + ".struct_size is " +
                                  std::to_string(structSize) +
                                  "; set it to sizeof(" + type + ")");
}

/// True when the caller's struct holds the whole of `field`.
#define BRAID_STRUCT_HOLDS(caller, type, field)                                \
  ((caller)->struct_size >= offsetof(type, field) + sizeof((caller)->field))

/// Checks the caller's options struct: its struct_size was set, and options
/// past this library's struct, from a program built against a newer header,
/// are zero (their defaults); otherwise the program asks for something this
/// library cannot do.
template <typename T>
runtime::Status checkOptionsStruct(const T *caller, const char *type) {
  BRAID_RETURN_IF_ERROR(checkStructSize(caller->struct_size, type));
  const auto *bytes = reinterpret_cast<const unsigned char *>(caller);
  for (size_t i = sizeof(T); i < caller->struct_size; ++i)
    if (bytes[i] != 0)
      return runtime::unsupported(
          std::string(type) + " sets a field at byte " + std::to_string(i) +
          ", past the " + std::to_string(sizeof(T)) +
          " bytes of this runtime's: the program was built against a newer "
          "braid.h than the library it loaded (braid_api_version)");
  return runtime::Status::ok();
}

/// Copies the library's whole struct `full` into the caller's, up to its
/// struct_size: fields past it are not written, and the caller's
/// struct_size stays.
template <typename T> void writeToCaller(const T &full, T *caller) {
  T copy = full;
  copy.struct_size = caller->struct_size;
  std::memcpy(caller, &copy, std::min(caller->struct_size, sizeof(T)));
}

} // namespace braid::capi

#endif // BRAID_RUNTIME_CAPI_STRUCTSIZE_H
