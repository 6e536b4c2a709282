// braid-serve's routes: health, model metadata and predict, with every
// request checked before it reaches the runtime.
#include "Server.h"

#include "Json.h"

#include <exception>

namespace serve {

using nlohmann::json;

namespace {

void reply(httplib::Response &res, int status, const json &body) {
  res.status = status;
  // Messages may quote the request's bytes, which need not be UTF-8.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json");
}

void error(httplib::Response &res, int status, const std::string &message) {
  reply(res, status, {{"error", message}});
}

/// A message for an error status that no route produced.
std::string defaultMessage(const httplib::Request &req, int status,
                           size_t maxBodyBytes) {
  switch (status) {
  case 404:
    return "no route " + req.method + " " + req.path +
           "; try GET /healthz, GET /v1/models/NAME or POST "
           "/v1/models/NAME:predict";
  case 413:
    return "request body is over the limit of " + std::to_string(maxBodyBytes) +
           " bytes (--max-body-bytes)";
  case 400:
    return "malformed HTTP request";
  default:
    return "HTTP status " + std::to_string(status);
  }
}

} // namespace

Server::Server(ModelHandle &model, const ServerOptions &options)
    : model_(model), options_(options) {
  int threads = options.threads;
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_.set_payload_max_length(options.maxBodyBytes);
  // httplib writes a response's headers and body separately; with Nagle's
  // algorithm the body then waits for the client's delayed ACK (40 ms).
  http_.set_tcp_nodelay(true);
  http_.Get("/healthz", [this](const httplib::Request &req,
                               httplib::Response &res) { health(req, res); });
  http_.Get(R"(/v1/models/([^/:]+))",
            [this](const httplib::Request &req, httplib::Response &res) {
              metadata(req, res);
            });
  http_.Post(R"(/v1/models/([^/:]+):predict)",
             [this](const httplib::Request &req, httplib::Response &res) {
               predict(req, res);
             });
  // Statuses set by httplib itself (no route, body too large) get a JSON
  // message as well; responses of the routes already have one.
  size_t limit = options.maxBodyBytes;
  http_.set_error_handler(
      [limit](const httplib::Request &req, httplib::Response &res) {
        if (res.body.empty())
          error(res, res.status, defaultMessage(req, res.status, limit));
      });
  http_.set_exception_handler([](const httplib::Request &,
                                 httplib::Response &res, std::exception_ptr e) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception &ex) {
      what = ex.what();
    } catch (...) {
    }
    error(res, 500, "internal error: " + what);
  });
}

bool Server::bind(std::string *message) {
  if (options_.port == 0) {
    port_ = http_.bind_to_any_port(options_.host.c_str());
    if (port_ > 0)
      return true;
  } else if (http_.bind_to_port(options_.host.c_str(), options_.port)) {
    port_ = options_.port;
    return true;
  }
  *message =
      "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
  return false;
}

bool Server::serve() { return http_.listen_after_bind(); }

bool Server::knownModel(const httplib::Request &req, httplib::Response &res) {
  if (req.matches[1] == model_.name())
    return true;
  error(res, 404,
        "no model '" + req.matches[1].str() + "'; this server has '" +
            model_.name() + "'");
  return false;
}

void Server::health(const httplib::Request &, httplib::Response &res) {
  reply(res, 200, {{"status", "ok"}});
}

void Server::metadata(const httplib::Request &req, httplib::Response &res) {
  if (!knownModel(req, res))
    return;
  json entries = json::object();
  for (const EntryPointSpec &e : model_.entryPoints()) {
    json inputs = json::array(), outputs = json::array();
    for (const TensorSpec &t : e.inputs)
      inputs.push_back(specToJson(t));
    for (const TensorSpec &t : e.outputs)
      outputs.push_back(specToJson(t));
    entries[e.name] = {{"inputs", inputs}, {"outputs", outputs}};
  }
  reply(res, 200,
        {{"name", model_.name()},
         {"batch", model_.batch()},
         {"entry_points", entries}});
}

void Server::predict(const httplib::Request &req, httplib::Response &res) {
  if (!knownModel(req, res))
    return;
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::parse_error &e) {
    return error(res, 400,
                 std::string("request body is not JSON: ") + e.what());
  }
  if (!body.is_object() || !body.contains("inputs") ||
      !body["inputs"].is_object())
    return error(res, 400,
                 "request body must be an object {\"inputs\": {NAME: "
                 "nested arrays, ...}}");
  const json &given = body["inputs"];
  const EntryPointSpec &entry = *model_.find("predict");

  std::string takes;
  for (const TensorSpec &t : entry.inputs)
    takes += (takes.empty() ? "" : ", ") + t.name + " " + describe(t);
  for (auto it = given.begin(); it != given.end(); ++it) {
    bool known = false;
    for (const TensorSpec &t : entry.inputs)
      known |= t.name == it.key();
    if (!known)
      return error(res, 422,
                   "predict has no input '" + it.key() + "'; it takes " +
                       takes);
  }

  std::vector<std::vector<unsigned char>> inputs(entry.inputs.size());
  int64_t rows = -1;
  std::string rowsOf;
  for (size_t i = 0; i < entry.inputs.size(); ++i) {
    const TensorSpec &t = entry.inputs[i];
    if (!given.contains(t.name))
      return error(res, 422,
                   "missing input '" + t.name + "'; predict takes " + takes);
    int64_t r;
    std::string message;
    if (!tensorFromJson(given[t.name], t, model_.batch(), &inputs[i], &r,
                        &message))
      return error(res, 422, message);
    if (r >= 0 && rows >= 0 && r != rows)
      return error(res, 422,
                   "inputs have different numbers of rows: '" + rowsOf +
                       "' has " + std::to_string(rows) + ", '" + t.name +
                       "' has " + std::to_string(r));
    if (r >= 0) {
      rows = r;
      rowsOf = t.name;
    }
  }

  std::vector<std::vector<unsigned char>> outputs;
  std::string message;
  if (!model_.predict(inputs, &outputs, &message))
    return error(res, 500, message);
  json out = json::object();
  for (size_t o = 0; o < entry.outputs.size(); ++o)
    out[entry.outputs[o].name] =
        tensorToJson(outputs[o], entry.outputs[o], model_.batch(), rows);
  reply(res, 200, {{"outputs", out}});
}

} // namespace serve
