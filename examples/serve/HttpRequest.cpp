// HTTP/1.1 request framing (RFC 9112): the request line, header fields, and
// a body by Content-Length or chunked transfer coding. Anything else is
// refused with a 4xx that says what was wrong.
#include "HttpRequest.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace serve {

namespace {

const size_t kMaxHeaderFields = 100;
const size_t kMaxChunkLine = 1024;

std::string lower(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool isToken(const std::string &s) {
  if (s.empty())
    return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && (c == 0 || !std::strchr("!#$%&'*+-.^_`|~", c)))
      return false;
  return true;
}

/// `s` with bytes that are not printable ASCII escaped, cut to 60 bytes.
std::string quote(const std::string &s) {
  std::string q;
  for (unsigned char c : s.substr(0, 60)) {
    if (c >= 0x20 && c < 0x7f) {
      q += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      q += "\\x";
      q += hex[c >> 4];
      q += hex[c & 15];
    }
  }
  return s.size() > 60 ? q + "..." : q;
}

bool containsToken(const std::string &list, const std::string &token) {
  std::string l = lower(list);
  size_t start = 0;
  while (start <= l.size()) {
    size_t comma = l.find(',', start);
    if (comma == std::string::npos)
      comma = l.size();
    if (trim(l.substr(start, comma - start)) == token)
      return true;
    start = comma + 1;
  }
  return false;
}

std::string tooLarge(size_t limit) {
  return "request body is over the limit of " + std::to_string(limit) +
         " bytes (--max-body-bytes)";
}

} // namespace

const std::string *HttpRequest::header(const std::string &name) const {
  for (const auto &h : headers)
    if (h.first == name)
      return &h.second;
  return nullptr;
}

RequestParser::State RequestParser::fail(int status, std::string message) {
  errorStatus_ = status;
  errorMessage_ = std::move(message);
  return State::Error;
}

HttpRequest RequestParser::take() {
  HttpRequest r = std::move(request_);
  request_ = HttpRequest();
  phase_ = Phase::Headers;
  remaining_ = 0;
  trailerBytes_ = 0;
  started_ = continue_ = false;
  return r;
}

RequestParser::State RequestParser::feed(std::string &buffer) {
  if (errorStatus_)
    return State::Error;
  size_t pos = 0;
  State state = State::NeedMore;
  if (phase_ == Phase::Headers) {
    // Empty lines before a request line are allowed (RFC 9112 2.2).
    while (pos + 1 < buffer.size() && buffer[pos] == '\r' &&
           buffer[pos + 1] == '\n')
      pos += 2;
    if (pos < buffer.size())
      started_ = true;
    size_t end = buffer.find("\r\n\r\n", pos);
    if (end == std::string::npos) {
      buffer.erase(0, pos);
      if (buffer.size() > maxHeaderBytes_)
        return fail(431, "request headers are over the limit of " +
                             std::to_string(maxHeaderBytes_) + " bytes");
      return State::NeedMore;
    }
    if (end - pos > maxHeaderBytes_)
      return fail(431, "request headers are over the limit of " +
                           std::to_string(maxHeaderBytes_) + " bytes");
    state = parseHead(buffer.substr(pos, end - pos + 2));
    pos = end + 4;
    if (state == State::Error)
      return state;
  }
  if (phase_ == Phase::Length) {
    size_t n = static_cast<size_t>(
        std::min<uint64_t>(remaining_, buffer.size() - pos));
    request_.body.append(buffer, pos, n);
    pos += n;
    remaining_ -= n;
    state = remaining_ == 0 ? State::Done : State::NeedMore;
  } else if (phase_ != Phase::Headers) {
    state = feedChunked(buffer, &pos);
  }
  buffer.erase(0, pos);
  if (state == State::Done)
    continue_ = false;
  return state;
}

RequestParser::State RequestParser::parseHead(const std::string &head) {
  // head is the request line and the header lines, each ending in CRLF.
  std::vector<std::string> lines;
  for (size_t start = 0; start < head.size();) {
    size_t end = head.find("\r\n", start);
    std::string line = head.substr(start, end - start);
    if (line.find_first_of("\r\n") != std::string::npos)
      return fail(400, "a line of the request head ends in a bare CR or LF; "
                       "lines must end in CRLF");
    lines.push_back(line);
    start = end + 2;
  }

  const std::string &first = lines[0];
  size_t sp1 = first.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : first.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || first.find(' ', sp2 + 1) != std::string::npos)
    return fail(400, "request line '" + quote(first) +
                         "' is not 'METHOD /path HTTP/1.1'");
  request_.method = first.substr(0, sp1);
  std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string version = first.substr(sp2 + 1);
  if (!isToken(request_.method) || target.empty() || target[0] != '/')
    return fail(400, "request line '" + quote(first) +
                         "' is not 'METHOD /path HTTP/1.1'");
  if (version == "HTTP/1.1")
    request_.minorVersion = 1;
  else if (version == "HTTP/1.0")
    request_.minorVersion = 0;
  else if (version.rfind("HTTP/", 0) == 0)
    return fail(505, "HTTP version '" + quote(version) +
                         "' is not supported; send HTTP/1.1");
  else
    return fail(400, "request line '" + quote(first) +
                         "' is not 'METHOD /path HTTP/1.1'");
  request_.path = target.substr(0, target.find('?'));

  if (lines.size() - 1 > kMaxHeaderFields)
    return fail(431, "request has more than " +
                         std::to_string(kMaxHeaderFields) + " header fields");
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string &line = lines[i];
    size_t colon = line.find(':');
    if (line[0] == ' ' || line[0] == '\t')
      return fail(400, "header line '" + quote(line) +
                           "' continues the previous one (obsolete folding)");
    if (colon == std::string::npos || !isToken(line.substr(0, colon)))
      return fail(400,
                  "header line '" + quote(line) + "' is not 'Name: value'");
    request_.headers.emplace_back(lower(line.substr(0, colon)),
                                  trim(line.substr(colon + 1)));
  }

  const HttpRequest &r = request_;
  const std::string *connection = r.header("connection");
  request_.keepAlive =
      r.minorVersion == 1
          ? !(connection && containsToken(*connection, "close"))
          : connection && containsToken(*connection, "keep-alive");

  // Compressed bodies are refused rather than inflated: the limit then
  // holds for the bytes parsed as it does for the bytes read.
  if (const std::string *coding = r.header("content-encoding"))
    if (lower(*coding) != "identity")
      return fail(415, "request bodies with Content-Encoding '" +
                           quote(*coding) +
                           "' are not accepted; send the JSON uncompressed");

  const std::string *length = nullptr;
  const std::string *transfer = nullptr;
  for (const auto &h : r.headers) {
    if (h.first == "content-length") {
      if (length && *length != h.second)
        return fail(400, "request has two different Content-Length fields");
      length = &h.second;
    } else if (h.first == "transfer-encoding") {
      if (transfer)
        return fail(400, "request has two Transfer-Encoding fields");
      transfer = &h.second;
    }
  }
  if (length && transfer)
    return fail(400, "request has both Content-Length and Transfer-Encoding; "
                     "send one");
  bool body = false;
  if (transfer) {
    if (lower(*transfer) != "chunked")
      return fail(400, "Transfer-Encoding '" + quote(*transfer) +
                           "' is not supported; send the body with "
                           "Content-Length or as 'chunked'");
    phase_ = Phase::ChunkSize;
    body = true;
  } else if (length) {
    if (length->empty() || length->size() > 18 ||
        length->find_first_not_of("0123456789") != std::string::npos)
      return fail(400, "Content-Length '" + quote(*length) +
                           "' is not a number of bytes");
    remaining_ = std::stoull(*length);
    if (remaining_ > maxBodyBytes_)
      return fail(413, tooLarge(maxBodyBytes_));
    // No reserve(): memory follows the bytes that arrive, not the bytes a
    // header announces.
    phase_ = Phase::Length;
    body = remaining_ > 0;
  } else {
    phase_ = Phase::Length;
    remaining_ = 0;
  }

  if (const std::string *expect = r.header("expect")) {
    if (lower(*expect) != "100-continue")
      return fail(417, "Expect '" + quote(*expect) +
                           "' is not supported; only 100-continue is");
    continue_ = body;
  }
  return State::NeedMore;
}

RequestParser::State RequestParser::feedChunked(std::string &buffer,
                                                size_t *pos) {
  size_t &p = *pos;
  while (true) {
    switch (phase_) {
    case Phase::ChunkSize: {
      size_t end = buffer.find("\r\n", p);
      if (end == std::string::npos) {
        if (buffer.size() - p > kMaxChunkLine)
          return fail(400, "chunk size line is over " +
                               std::to_string(kMaxChunkLine) + " bytes");
        return State::NeedMore;
      }
      std::string line = buffer.substr(p, end - p);
      size_t digits = line.find_first_not_of("0123456789abcdefABCDEF");
      if (digits == std::string::npos)
        digits = line.size();
      std::string rest = trim(line.substr(digits));
      if (digits == 0 || digits > 15 || (!rest.empty() && rest[0] != ';'))
        return fail(400, "chunk size '" + quote(line) +
                             "' is not a hexadecimal number");
      uint64_t size = std::stoull(line.substr(0, digits), nullptr, 16);
      p = end + 2;
      if (size == 0) {
        phase_ = Phase::Trailers;
        break;
      }
      if (size > maxBodyBytes_ - request_.body.size())
        return fail(413, tooLarge(maxBodyBytes_));
      remaining_ = size;
      phase_ = Phase::ChunkData;
      break;
    }
    case Phase::ChunkData: {
      size_t n = static_cast<size_t>(
          std::min<uint64_t>(remaining_, buffer.size() - p));
      request_.body.append(buffer, p, n);
      p += n;
      remaining_ -= n;
      if (remaining_ > 0)
        return State::NeedMore;
      phase_ = Phase::ChunkEnd;
      break;
    }
    case Phase::ChunkEnd:
      if (buffer.size() - p < 2)
        return State::NeedMore;
      if (buffer.compare(p, 2, "\r\n") != 0)
        return fail(400, "chunk data is longer than its size says");
      p += 2;
      phase_ = Phase::ChunkSize;
      break;
    case Phase::Trailers: {
      size_t end = buffer.find("\r\n", p);
      if (end == std::string::npos) {
        if (trailerBytes_ + buffer.size() - p > maxHeaderBytes_)
          return fail(431, "request trailers are over the limit of " +
                               std::to_string(maxHeaderBytes_) + " bytes");
        return State::NeedMore;
      }
      trailerBytes_ += end - p + 2;
      if (trailerBytes_ > maxHeaderBytes_)
        return fail(431, "request trailers are over the limit of " +
                             std::to_string(maxHeaderBytes_) + " bytes");
      bool last = end == p;
      p = end + 2;
      if (last)
        return State::Done;
      break; // trailer fields are read and ignored
    }
    default:
      return State::NeedMore;
    }
  }
}

} // namespace serve
