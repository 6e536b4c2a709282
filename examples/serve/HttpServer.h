// The connections of braid-serve: one I/O thread owns every socket (accept,
// read, write, timeouts) and a pool of workers runs the requests that take
// long. A slow or idle client costs a connection slot, never a worker, and
// requests that the I/O thread answers itself (health) never queue behind
// the workers.
//
// Debian 12's cpp-httplib (0.11) cannot do this: it gives each connection a
// worker for as long as the connection lives, bounds a read only per recv(),
// listens with a backlog of 5 and checks a body's size only against its
// Content-Length.
#ifndef BRAID_SERVE_HTTPSERVER_H
#define BRAID_SERVE_HTTPSERVER_H

#include "HttpRequest.h"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace serve {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;    ///< 0: any free port (port() says which)
  int backlog = 4096; ///< listen(2) backlog; the kernel caps it at somaxconn
  int threads = 4;    ///< workers
  size_t queue = 256; ///< requests waiting for a worker; more get 503
  size_t maxConnections = 512; ///< open at once; more get 503
  size_t maxBodyBytes = 8u << 20;
  size_t maxHeaderBytes = 16u << 10;
  int readTimeoutMs = 10000; ///< a request's first byte to its last; a reply
  int idleTimeoutMs = 30000; ///< a kept-alive connection between requests
};

/// What the server does with complete requests.
class HttpHandler {
public:
  virtual ~HttpHandler() = default;
  /// On the I/O thread: answers requests that take microseconds (true), or
  /// leaves the request to a worker (false). Must not block.
  virtual bool answerNow(const HttpRequest &request,
                         HttpResponse *response) = 0;
  /// On a worker thread.
  virtual HttpResponse answer(const HttpRequest &request) = 0;
  /// The response for an error found before any route: a malformed
  /// request, a limit, a timeout, an overload.
  virtual HttpResponse error(int status, const std::string &message) = 0;
};

class HttpServer {
public:
  HttpServer(HttpHandler &handler, const HttpOptions &options);
  ~HttpServer();
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  /// Binds and listens; on failure returns false with *error set.
  bool bind(std::string *error);
  int port() const { return port_; }
  /// Serves until stop(); false if the I/O loop failed.
  bool serve();
  /// From any thread (not from a signal handler).
  void stop();

private:
  struct Connection;
  struct Job {
    uint64_t id;
    HttpRequest request;
  };

  void acceptAll();
  void onReadable(Connection &c);
  void process(Connection &c);
  void respond(Connection &c, HttpResponse response, bool keepAlive);
  void writeSome(Connection &c);
  void startDraining(Connection &c);
  void close(Connection &c);
  void expire();
  void takeFinished();
  void work();

  HttpHandler &handler_;
  HttpOptions options_;
  int listenFd_ = -1, wakeFd_ = -1, port_ = 0;
  std::atomic<bool> stopping_{false};

  // I/O thread only.
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t nextId_ = 1;
  size_t regular_ = 0, turnedAway_ = 0; ///< connections of each kind open
  long long acceptPausedUntilMs_ = 0;
  std::vector<Connection *> pipelined_; ///< whole requests already read

  // Shared with the workers.
  std::mutex mutex_;
  std::condition_variable jobReady_;
  std::deque<Job> jobs_;
  std::vector<std::pair<uint64_t, HttpResponse>> finished_;
  std::vector<std::thread> workers_;
};

} // namespace serve

#endif // BRAID_SERVE_HTTPSERVER_H
