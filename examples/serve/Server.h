// The HTTP routes of braid-serve over one model.
#ifndef BRAID_SERVE_SERVER_H
#define BRAID_SERVE_SERVER_H

#include "ModelHandle.h"

#include <httplib.h>

#include <string>

namespace serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                ///< 0: any free port (printed when listening)
  int threads = 4;                ///< HTTP worker threads
  size_t maxBodyBytes = 8u << 20; ///< larger request bodies get 413
};

/// Routes:
///   GET  /healthz                      {"status": "ok"}
///   GET  /v1/models/NAME               entry points, inputs and outputs
///   POST /v1/models/NAME:predict       {"inputs": {...}} -> {"outputs": {...}}
/// Every error is {"error": "message"} with a 4xx status (5xx only for a
/// failure inside the runtime).
class Server {
public:
  Server(ModelHandle &model, const ServerOptions &options);

  /// Binds the address; on failure returns false with *error set. The port
  /// bound is port() afterwards.
  bool bind(std::string *error);
  int port() const { return port_; }
  /// Serves until stop() is called from another thread.
  bool serve();
  void stop() { http_.stop(); }

private:
  void health(const httplib::Request &req, httplib::Response &res);
  void metadata(const httplib::Request &req, httplib::Response &res);
  void predict(const httplib::Request &req, httplib::Response &res);
  /// False (with a 404 response) when NAME in the path is not the model's.
  bool knownModel(const httplib::Request &req, httplib::Response &res);

  ModelHandle &model_;
  ServerOptions options_;
  httplib::Server http_;
  int port_ = 0;
};

} // namespace serve

#endif // BRAID_SERVE_SERVER_H
