// Status: how every fallible runtime function reports failure. The runtime
// throws no exceptions across its API and never calls exit().
#ifndef BRAID_RUNTIME_SUPPORT_STATUS_H
#define BRAID_RUNTIME_SUPPORT_STATUS_H

#include <string>
#include <utility>

namespace braid::runtime {

/// Mirrors braid_status_code_t in the C API; append only.
enum class StatusCode {
  Ok = 0,
  InvalidArgument = 1, // a caller's value is wrong (shape, name, type, range)
  NotFound = 2,        // a file, entry point or tensor name does not exist
  InvalidPlan = 3,     // a plan failed verification or validation
  InvalidData = 4,     // a data or checkpoint file is malformed
  IoError = 5,         // the operating system refused a read or write
  Unsupported = 6,     // valid, but not implemented by this runtime
  Internal = 7,        // a bug in Braid
  Communication = 8,   // a collective failed: a peer rank died or hung
  Count,               // not a code: one past the last (append above it)
};

class [[nodiscard]] Status {
public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(StatusCode code, std::string message) {
    Status s;
    s.code_ = code;
    s.message_ = std::move(message);
    return s;
  }

  bool isOk() const { return code_ == StatusCode::Ok; }
  explicit operator bool() const { return isOk(); }
  StatusCode code() const { return code_; }
  const std::string &message() const { return message_; }

  /// Prefixes the message with context: "reading w.npy: <message>".
  Status withContext(const std::string &context) const {
    if (isOk())
      return *this;
    return error(code_, context + ": " + message_);
  }

private:
  StatusCode code_ = StatusCode::Ok;
  std::string message_;
};

inline Status invalidArgument(std::string m) {
  return Status::error(StatusCode::InvalidArgument, std::move(m));
}
inline Status notFound(std::string m) {
  return Status::error(StatusCode::NotFound, std::move(m));
}
inline Status invalidPlan(std::string m) {
  return Status::error(StatusCode::InvalidPlan, std::move(m));
}
inline Status invalidData(std::string m) {
  return Status::error(StatusCode::InvalidData, std::move(m));
}
inline Status ioError(std::string m) {
  return Status::error(StatusCode::IoError, std::move(m));
}
inline Status unsupported(std::string m) {
  return Status::error(StatusCode::Unsupported, std::move(m));
}
inline Status communicationError(std::string m) {
  return Status::error(StatusCode::Communication, std::move(m));
}
inline Status internalError(std::string m) {
  return Status::error(StatusCode::Internal, std::move(m));
}

/// Returns from the enclosing function when `expr` is an error.
#define BRAID_RETURN_IF_ERROR(expr)                                            \
  do {                                                                         \
    ::braid::runtime::Status braid_status_ = (expr);                           \
    if (!braid_status_.isOk())                                                 \
      return braid_status_;                                                    \
  } while (0)

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_STATUS_H
