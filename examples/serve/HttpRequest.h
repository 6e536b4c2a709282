// An HTTP/1.1 request and the incremental parser that reads one from the
// bytes of a connection as they arrive, holding every limit on the bytes it
// has actually read (not on what the headers announce).
#ifndef BRAID_SERVE_HTTPREQUEST_H
#define BRAID_SERVE_HTTPREQUEST_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace serve {

struct HttpRequest {
  std::string method;
  std::string path; ///< the target without its query
  int minorVersion = 1;
  /// Names in lower case, in the order received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body; ///< de-chunked
  bool keepAlive = true;

  /// The first header `name` (lower case), or null.
  const std::string *header(const std::string &name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string contentType = "application/json";
  bool close = false; ///< close the connection after it
};

/// Reads one request at a time. feed() consumes bytes from the front of a
/// buffer; the body (Content-Length or chunked) is moved out of the buffer
/// as it arrives, so the bytes kept are the body so far plus at most one
/// partial header block or chunk line.
class RequestParser {
public:
  enum class State {
    NeedMore, ///< feed more bytes
    Done,     ///< take() the request
    Error,    ///< errorStatus() and errorMessage() say why
  };

  RequestParser(size_t maxHeaderBytes, size_t maxBodyBytes)
      : maxHeaderBytes_(maxHeaderBytes), maxBodyBytes_(maxBodyBytes) {}

  /// Consumes what it can of buffer[0, size) and erases it from the buffer.
  State feed(std::string &buffer);
  /// True once per request whose headers ask for "100 Continue" and whose
  /// body is yet to come.
  bool takeContinue() {
    bool c = continue_;
    continue_ = false;
    return c;
  }
  /// True once some byte of the current request has been read.
  bool started() const { return started_; }

  HttpRequest take();
  int errorStatus() const { return errorStatus_; }
  const std::string &errorMessage() const { return errorMessage_; }

private:
  enum class Phase {
    Headers,
    Length,
    ChunkSize,
    ChunkData,
    ChunkEnd,
    Trailers
  };
  State fail(int status, std::string message);
  State parseHead(const std::string &head);
  State feedChunked(std::string &buffer, size_t *pos);

  size_t maxHeaderBytes_, maxBodyBytes_;
  Phase phase_ = Phase::Headers;
  HttpRequest request_;
  uint64_t remaining_ = 0; ///< body or chunk bytes still to read
  size_t trailerBytes_ = 0;
  bool started_ = false, continue_ = false;
  int errorStatus_ = 0;
  std::string errorMessage_;
};

} // namespace serve

#endif // BRAID_SERVE_HTTPREQUEST_H
