// braid-serve's routes: health, model metadata and predict, with every
// request checked before it reaches the runtime.
#include "Server.h"

#include "Json.h"

#include <algorithm>
#include <chrono>

namespace serve {

using nlohmann::json;

namespace {

HttpResponse reply(int status, const json &body) {
  HttpResponse r;
  r.status = status;
  // Messages may quote the request's bytes, which need not be UTF-8.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpResponse notAllowed(const HttpRequest &request, const char *allow) {
  HttpResponse r =
      reply(405, {{"error", request.method + " " + request.path +
                                " is not allowed; it takes " + allow}});
  r.headers.emplace_back("Allow", allow);
  return r;
}

const char kPrefix[] = "/v1/models/";
const char kPredict[] = ":predict";

} // namespace

Server::Server(ModelHandle &model, Batcher &batcher, Metrics &metrics,
               const HttpOptions &options)
    : model_(model), batcher_(batcher), metrics_(metrics),
      http_(*this, options) {
  // A predict body is {"inputs": {NAME: nested arrays}}: two objects over
  // arrays as deep as the highest rank, and about one JSON value per
  // element. Twice that leaves room for the 422s that say which row is too
  // long, and keeps the parsed tree a small multiple of the inputs.
  const EntryPointSpec &entry = *model_.find("predict");
  size_t rank = 0, values = 0;
  for (const TensorSpec &t : entry.inputs) {
    rank = std::max(rank, t.shape.size());
    size_t elements = 1, arrays = 1;
    for (int64_t d : t.shape) {
      arrays += elements;
      elements *= static_cast<size_t>(d);
    }
    values += elements + arrays + 1;
  }
  maxDepth_ = static_cast<int>(rank) + 3;
  maxValues_ = 2 * values + 1024;
  for (const TensorSpec &t : entry.inputs)
    takes_ += (takes_.empty() ? "" : ", ") + t.name + " " + describe(t);
}

HttpResponse Server::counted(HttpResponse response) {
  if (response.status >= 400)
    metrics_.error(response.status);
  return response;
}

HttpResponse Server::error(int status, const std::string &message) {
  metrics_.error(status);
  HttpResponse r = reply(status, {{"error", message}});
  // After a 4xx of the HTTP layer (malformed, over a limit, too slow) the
  // connection's next bytes cannot be trusted to start a request; after a
  // 503 (busy) or a 500 they can.
  r.close = status < 500;
  return r;
}

bool Server::answerNow(const HttpRequest &request, HttpResponse *response) {
  if (!route(request, response))
    return false;
  *response = counted(std::move(*response));
  return true;
}

bool Server::route(const HttpRequest &request, HttpResponse *response) {
  const std::string &path = request.path;
  if (path == "/metrics") {
    if (request.method != "GET") {
      *response = notAllowed(request, "GET");
      return true;
    }
    response->status = 200;
    response->contentType = "text/plain; version=0.0.4; charset=utf-8";
    response->body = metrics_.text();
    return true;
  }
  if (path == "/healthz") {
    *response = request.method == "GET" ? reply(200, {{"status", "ok"}})
                                        : notAllowed(request, "GET");
    return true;
  }
  std::string rest = path.rfind(kPrefix, 0) == 0
                         ? path.substr(sizeof kPrefix - 1)
                         : std::string("/");
  bool isPredict = rest.size() > sizeof kPredict - 1 &&
                   rest.compare(rest.size() - (sizeof kPredict - 1),
                                std::string::npos, kPredict) == 0;
  std::string name =
      isPredict ? rest.substr(0, rest.size() - (sizeof kPredict - 1)) : rest;
  if (name.empty() || name.find_first_of("/:") != std::string::npos) {
    *response =
        reply(404, {{"error", "no route " + request.method + " " + path +
                                  "; try GET /healthz, GET /metrics, GET "
                                  "/v1/models/NAME or POST "
                                  "/v1/models/NAME:predict"}});
    return true;
  }
  if (name != model_.name()) {
    *response =
        reply(404, {{"error", "no model '" + name + "'; this server has '" +
                                  model_.name() + "'"}});
    return true;
  }
  if (!isPredict) {
    *response =
        request.method == "GET" ? metadata() : notAllowed(request, "GET");
    return true;
  }
  if (request.method != "POST") {
    *response = notAllowed(request, "POST");
    return true;
  }
  return false; // predict runs on a worker
}

HttpResponse Server::answer(const HttpRequest &request) {
  auto start = std::chrono::steady_clock::now();
  HttpResponse response = counted(predict(request));
  metrics_.request(
      response.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return response;
}

HttpResponse Server::metadata() const {
  json entries = json::object();
  for (const EntryPointSpec &e : model_.entryPoints()) {
    json inputs = json::array(), outputs = json::array();
    for (const TensorSpec &t : e.inputs)
      inputs.push_back(specToJson(t));
    for (const TensorSpec &t : e.outputs)
      outputs.push_back(specToJson(t));
    entries[e.name] = {{"inputs", inputs}, {"outputs", outputs}};
  }
  return reply(200, {{"name", model_.name()},
                     {"batch", model_.batch()},
                     {"predict_batches", model_.predictBatches()},
                     {"max_batch", batcher_.maxBatch()},
                     {"entry_points", entries}});
}

HttpResponse Server::predict(const HttpRequest &request) {
  auto fail = [](int status, const std::string &message) {
    return reply(status, {{"error", message}});
  };
  json body;
  int status;
  std::string message;
  if (!parseBody(request.body, maxDepth_, maxValues_, &body, &status, &message))
    return fail(status, message);
  if (!body.is_object() || !body.contains("inputs") ||
      !body["inputs"].is_object())
    return fail(400, "request body must be an object {\"inputs\": {NAME: "
                     "nested arrays, ...}}");
  const json &given = body["inputs"];
  const EntryPointSpec &entry = *model_.find("predict");
  for (auto it = given.begin(); it != given.end(); ++it) {
    bool known = false;
    for (const TensorSpec &t : entry.inputs)
      known |= t.name == it.key();
    if (!known)
      return fail(422, "predict has no input '" + it.key() + "'; it takes " +
                           takes_);
  }

  std::vector<std::vector<unsigned char>> inputs(entry.inputs.size());
  int64_t rows = -1;
  std::string rowsOf;
  for (size_t i = 0; i < entry.inputs.size(); ++i) {
    const TensorSpec &t = entry.inputs[i];
    if (!given.contains(t.name))
      return fail(422,
                  "missing input '" + t.name + "'; predict takes " + takes_);
    int64_t r;
    if (!tensorFromJson(given[t.name], t, model_.batch(), &inputs[i], &r,
                        &message))
      return fail(422, message);
    if (r >= 0 && rows >= 0 && r != rows)
      return fail(422, "inputs have different numbers of rows: '" + rowsOf +
                           "' has " + std::to_string(rows) + ", '" + t.name +
                           "' has " + std::to_string(r));
    if (r >= 0) {
      rows = r;
      rowsOf = t.name;
    }
  }

  std::vector<std::vector<unsigned char>> outputs;
  if (!batcher_.predict(rows < 0 ? model_.batch() : rows, inputs, &outputs,
                        &message))
    return fail(500, message);
  json out = json::object();
  for (size_t o = 0; o < entry.outputs.size(); ++o) {
    const TensorSpec &t = entry.outputs[o];
    // JSON has no Inf or NaN (nlohmann would print null).
    std::string bad = firstNonFinite(outputs[o], t, model_.batch(), rows);
    if (!bad.empty())
      return fail(422, "output '" + t.name + "' is not finite: " + bad +
                           "; the model overflows on these inputs (are they "
                           "scaled as in training?)");
    out[t.name] = tensorToJson(outputs[o], t, model_.batch(), rows);
  }
  return reply(200, {{"outputs", out}});
}

} // namespace serve
