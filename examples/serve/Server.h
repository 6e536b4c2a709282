// The HTTP routes of braid-serve over one model.
#ifndef BRAID_SERVE_SERVER_H
#define BRAID_SERVE_SERVER_H

#include "Batcher.h"
#include "HttpServer.h"
#include "Metrics.h"
#include "ModelHandle.h"

#include <string>

namespace serve {

/// Routes:
///   GET  /healthz                      {"status": "ok"}
///   GET  /v1/models/NAME               entry points, inputs and outputs
///   POST /v1/models/NAME:predict       {"inputs": {...}} -> {"outputs": {...}}
///   GET  /metrics                      Prometheus' text format
/// Every error is {"error": "message"} with a 4xx status (5xx only for a
/// failure inside the runtime, or an overloaded server). Health and
/// metadata are answered on the I/O thread, predict on a worker.
class Server : public HttpHandler {
public:
  /// Predicts go through `batcher`; `metrics` counts every response.
  Server(ModelHandle &model, Batcher &batcher, Metrics &metrics,
         const HttpOptions &options);

  /// Binds the address; on failure returns false with *error set. The port
  /// bound is port() afterwards.
  bool bind(std::string *error) { return http_.bind(error); }
  int port() const { return http_.port(); }
  /// Serves until stop() is called from another thread.
  bool serve() { return http_.serve(); }
  void stop() { http_.stop(); }

  bool answerNow(const HttpRequest &request, HttpResponse *response) override;
  HttpResponse answer(const HttpRequest &request) override;
  HttpResponse error(int status, const std::string &message) override;

private:
  /// answerNow's routes, before the metrics count them.
  bool route(const HttpRequest &request, HttpResponse *response);
  HttpResponse metadata() const;
  HttpResponse predict(const HttpRequest &request);
  /// `response`, counted in the metrics when it is an error.
  HttpResponse counted(HttpResponse response);

  ModelHandle &model_;
  Batcher &batcher_;
  Metrics &metrics_;
  HttpServer http_;
  int maxDepth_ = 0;     ///< of a predict body's arrays and objects
  size_t maxValues_ = 0; ///< JSON values in a predict body
  std::string takes_;    ///< predict's inputs for 422s: "x f32[64, 784], ..."
};

} // namespace serve

#endif // BRAID_SERVE_SERVER_H
