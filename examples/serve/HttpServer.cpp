// The I/O loop (poll over every socket, non-blocking), its timeouts and
// limits, and the worker pool behind it.
#include "HttpServer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

namespace serve {

namespace {

/// How long a connection closed after an error keeps being read (and the
/// bytes dropped) so that the client reads the response before the kernel
/// answers its unread bytes with a reset.
const long long kDrainMs = 2000;
const size_t kReadChunk = 64u << 10;

long long nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char *reason(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Content Too Large";
  case 415:
    return "Unsupported Media Type";
  case 417:
    return "Expectation Failed";
  case 422:
    return "Unprocessable Content";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Status";
  }
}

std::string serialize(const HttpResponse &r, bool keepAlive) {
  std::string s = "HTTP/1.1 " + std::to_string(r.status) + " " +
                  reason(r.status) + "\r\nContent-Type: " + r.contentType +
                  "\r\nContent-Length: " + std::to_string(r.body.size()) +
                  "\r\n";
  if (!keepAlive)
    s += "Connection: close\r\n";
  for (const auto &h : r.headers)
    s += h.first + ": " + h.second + "\r\n";
  return s + "\r\n" + r.body;
}

std::string seconds(int ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", ms / 1000.0);
  return text;
}

} // namespace

struct HttpServer::Connection {
  enum class State { Reading, Working, Writing, Draining };
  Connection(int fd, uint64_t id, const HttpOptions &o)
      : fd(fd), id(id), parser(o.maxHeaderBytes, o.maxBodyBytes) {}
  int fd;
  uint64_t id;
  State state = State::Reading;
  RequestParser parser;
  std::string in, out;
  size_t sent = 0;
  long long deadlineMs = 0;
  bool idle = true;        ///< no byte of the next request read yet
  bool keepAlive = true;   ///< of the request being answered
  bool closeAfter = false; ///< close once `out` is sent
  bool turnedAway = false; ///< accepted over --max-connections
  bool closed = false;
};

HttpServer::HttpServer(HttpHandler &handler, const HttpOptions &options)
    : handler_(handler), options_(options) {}

HttpServer::~HttpServer() {
  for (auto &entry : connections_)
    ::close(entry.second->fd);
  if (listenFd_ >= 0)
    ::close(listenFd_);
  if (wakeFd_ >= 0)
    ::close(wakeFd_);
}

bool HttpServer::bind(std::string *error) {
  std::string where = options_.host + ":" + std::to_string(options_.port);
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int rc = getaddrinfo(options_.host.c_str(),
                       std::to_string(options_.port).c_str(), &hints, &found);
  if (rc != 0) {
    *error = "cannot listen on " + where + ": " + gai_strerror(rc);
    return false;
  }
  int err = 0;
  for (addrinfo *a = found; a && listenFd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        listen(fd, options_.backlog) == 0) {
      listenFd_ = fd;
    } else {
      err = errno;
      ::close(fd);
    }
  }
  freeaddrinfo(found);
  if (listenFd_ < 0) {
    *error = "cannot listen on " + where + ": " + std::strerror(err);
    return false;
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(listenFd_, reinterpret_cast<sockaddr *>(&addr), &len);
  port_ = ntohs(addr.ss_family == AF_INET6
                    ? reinterpret_cast<sockaddr_in6 *>(&addr)->sin6_port
                    : reinterpret_cast<sockaddr_in *>(&addr)->sin_port);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    *error = std::string("cannot create an eventfd: ") + std::strerror(errno);
    return false;
  }
  return true;
}

void HttpServer::stop() {
  stopping_ = true;
  uint64_t one = 1;
  if (write(wakeFd_, &one, sizeof one) < 0) {
    // The counter is full: the loop is awake already.
  }
}

bool HttpServer::serve() {
  for (int i = 0; i < options_.threads; ++i)
    workers_.emplace_back([this] { work(); });

  std::vector<pollfd> fds;
  std::vector<Connection *> polled;
  bool ok = true;
  while (!stopping_) {
    fds.clear();
    polled.clear();
    fds.push_back({wakeFd_, POLLIN, 0});
    // Over both limits the listening socket is left alone: the kernel's
    // backlog holds new connections until a slot frees.
    bool accepting = regular_ < options_.maxConnections ||
                     turnedAway_ < options_.maxConnections;
    if (accepting && nowMs() >= acceptPausedUntilMs_)
      fds.push_back({listenFd_, POLLIN, 0});
    long long next = nowMs() + 1000;
    for (auto &entry : connections_) {
      Connection &c = *entry.second;
      if (c.state == Connection::State::Working)
        continue;
      short events = c.state == Connection::State::Writing ? POLLOUT : POLLIN;
      fds.push_back({c.fd, events, 0});
      polled.push_back(&c);
      next = std::min(next, c.deadlineMs);
    }
    int timeout = static_cast<int>(std::max(0LL, next - nowMs()));
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
      ok = false;
      break;
    }
    if (fds[0].revents) {
      uint64_t count;
      while (read(wakeFd_, &count, sizeof count) > 0) {
      }
      takeFinished();
    }
    size_t first = 1;
    if (fds.size() > 1 && fds[1].fd == listenFd_) {
      first = 2;
      if (fds[1].revents & POLLIN)
        acceptAll();
    }
    for (size_t i = first; i < fds.size(); ++i) {
      Connection &c = *polled[i - first];
      if (c.closed || !fds[i].revents)
        continue;
      if (c.state == Connection::State::Writing)
        writeSome(c);
      else
        onReadable(c);
    }
    expire();
    // Requests that arrived behind others on their connections, processed
    // here rather than from writeSome() so that the stack stays flat.
    while (!pipelined_.empty()) {
      std::vector<Connection *> ready;
      ready.swap(pipelined_);
      for (Connection *c : ready)
        if (!c->closed && c->state == Connection::State::Reading)
          process(*c);
    }
    for (auto it = connections_.begin(); it != connections_.end();)
      it = it->second->closed ? connections_.erase(it) : std::next(it);
  }

  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  jobReady_.notify_all();
  for (std::thread &t : workers_)
    t.join();
  workers_.clear();
  for (auto &entry : connections_)
    close(*entry.second);
  connections_.clear();
  return ok;
}

void HttpServer::acceptAll() {
  for (int i = 0; i < 64; ++i) {
    if (regular_ >= options_.maxConnections &&
        turnedAway_ >= options_.maxConnections)
      return; // the rest wait in the backlog
    int fd = accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM)
        acceptPausedUntilMs_ = nowMs() + 100; // out of descriptors: wait
      return;
    }
    int one = 1;
    // Headers and body go out in one send, but a reply never waits for the
    // client's delayed ACK of the previous one.
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>(fd, nextId_++, options_);
    Connection &conn = *c;
    connections_.emplace(conn.id, std::move(c));
    if (regular_ < options_.maxConnections) {
      ++regular_;
      conn.deadlineMs = nowMs() + options_.readTimeoutMs;
      continue;
    }
    ++turnedAway_;
    conn.turnedAway = true;
    HttpResponse r = handler_.error(
        503, "the server has " + std::to_string(options_.maxConnections) +
                 " connections open (--max-connections); retry later");
    r.headers.emplace_back("Retry-After", "1");
    respond(conn, std::move(r), false);
  }
}

void HttpServer::onReadable(Connection &c) {
  char buffer[kReadChunk];
  ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (c.state == Connection::State::Draining) {
    if (n <= 0)
      close(c);
    return;
  }
  if (n <= 0) { // the client closed (or reset) before a whole request
    close(c);
    return;
  }
  c.in.append(buffer, static_cast<size_t>(n));
  process(c);
}

void HttpServer::process(Connection &c) {
  RequestParser::State state = c.parser.feed(c.in);
  if (c.idle && c.parser.started()) {
    c.idle = false;
    c.deadlineMs = nowMs() + options_.readTimeoutMs;
  }
  if (c.parser.takeContinue()) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    // Nothing else is being sent on the connection now, so its send
    // buffer has room for these bytes.
    send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL);
  }
  if (state == RequestParser::State::Error) {
    HttpResponse r =
        handler_.error(c.parser.errorStatus(), c.parser.errorMessage());
    return respond(c, std::move(r), false);
  }
  if (state != RequestParser::State::Done)
    return;

  HttpRequest request = c.parser.take();
  bool keepAlive = request.keepAlive && !stopping_;
  HttpResponse response;
  if (handler_.answerNow(request, &response))
    return respond(c, std::move(response), keepAlive);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (jobs_.size() < options_.queue) {
      c.keepAlive = keepAlive;
      c.state = Connection::State::Working;
      jobs_.push_back({c.id, std::move(request)});
      jobReady_.notify_one();
      return;
    }
  }
  response = handler_.error(
      503, "the server is busy: " + std::to_string(options_.queue) +
               " requests are waiting for a worker (--queue); retry later");
  response.headers.emplace_back("Retry-After", "1");
  respond(c, std::move(response), keepAlive);
}

void HttpServer::respond(Connection &c, HttpResponse response, bool keepAlive) {
  keepAlive = keepAlive && !response.close;
  c.out = serialize(response, keepAlive);
  c.sent = 0;
  c.closeAfter = !keepAlive;
  c.state = Connection::State::Writing;
  c.deadlineMs = nowMs() + options_.readTimeoutMs;
  writeSome(c);
}

void HttpServer::writeSome(Connection &c) {
  while (c.sent < c.out.size()) {
    ssize_t n =
        send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return; // polled for POLLOUT
      close(c);
      return;
    }
    c.sent += static_cast<size_t>(n);
  }
  c.out.clear();
  c.out.shrink_to_fit();
  if (c.closeAfter)
    return startDraining(c);
  c.state = Connection::State::Reading;
  c.idle = true;
  c.deadlineMs = nowMs() + options_.idleTimeoutMs;
  if (!c.in.empty()) // the next request, pipelined: read by the loop
    pipelined_.push_back(&c);
}

void HttpServer::startDraining(Connection &c) {
  shutdown(c.fd, SHUT_WR);
  c.in.clear();
  c.in.shrink_to_fit();
  c.state = Connection::State::Draining;
  c.deadlineMs =
      nowMs() + std::min<long long>(kDrainMs, options_.readTimeoutMs);
}

void HttpServer::close(Connection &c) {
  if (c.closed)
    return;
  ::close(c.fd);
  c.closed = true;
  --(c.turnedAway ? turnedAway_ : regular_);
}

void HttpServer::expire() {
  long long now = nowMs();
  for (auto &entry : connections_) {
    Connection &c = *entry.second;
    if (c.closed || c.state == Connection::State::Working || now < c.deadlineMs)
      continue;
    if (c.state == Connection::State::Reading && !c.idle) {
      HttpResponse r =
          handler_.error(408, "the request was not received within " +
                                  seconds(options_.readTimeoutMs) +
                                  " s of its first byte (--read-timeout)");
      respond(c, std::move(r), false);
    } else {
      close(c); // idle, a reply not taken, or drained
    }
  }
}

void HttpServer::takeFinished() {
  std::vector<std::pair<uint64_t, HttpResponse>> finished;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished.swap(finished_);
  }
  for (auto &f : finished) {
    auto it = connections_.find(f.first);
    if (it != connections_.end() && !it->second->closed)
      respond(*it->second, std::move(f.second), it->second->keepAlive);
  }
}

void HttpServer::work() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      jobReady_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_)
        return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    HttpResponse response;
    try {
      response = handler_.answer(job.request);
    } catch (const std::exception &e) {
      response =
          handler_.error(500, std::string("internal error: ") + e.what());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.emplace_back(job.id, std::move(response));
    }
    uint64_t one = 1;
    if (write(wakeFd_, &one, sizeof one) < 0) {
      // The counter is full: the loop is awake already.
    }
  }
}

} // namespace serve
