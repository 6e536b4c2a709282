// braid-serve: answers predict requests over HTTP for one plan and its
// checkpoint. Reads the command line, loads the model, serves until SIGINT
// or SIGTERM, then shuts down cleanly.
#include "Batcher.h"
#include "Metrics.h"
#include "ModelHandle.h"
#include "Server.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

const char *const kUsage =
    "usage: braid-serve PLAN [--checkpoint FILE] [--host ADDR] [--port N]\n"
    "                   [--threads N] [--intra-op-threads N]\n"
    "                   [--max-body-bytes N] [--read-timeout S]\n"
    "                   [--idle-timeout S] [--max-connections N] [--queue N]\n"
    "                   [--backlog N] [--max-batch N] [--batch-wait-us US]\n"
    "                   [--no-batching]\n"
    "\n"
    "Serves the plan's predict entry point over HTTP:\n"
    "  GET  /healthz\n"
    "  GET  /metrics                    Prometheus text format\n"
    "  GET  /v1/models/NAME             entry points and their tensors\n"
    "  POST /v1/models/NAME:predict     {\"inputs\": {\"x\": [[...], ...]}}\n"
    "NAME is the model's name in the plan.\n"
    "\n"
    "  --checkpoint FILE     trained weights (safetensors from braid-run "
    "train)\n"
    "  --host ADDR           address to listen on (default 127.0.0.1)\n"
    "  --port N              port (default 8080; 0 picks a free one)\n"
    "  --threads N           predicts run at once (default 4)\n"
    "  --intra-op-threads N  oneDNN threads per request (default 1)\n"
    "  --max-body-bytes N    larger request bodies get 413 (default "
    "8388608)\n"
    "  --read-timeout S      a request must arrive within S seconds of its\n"
    "                        first byte, else 408 (default 10)\n"
    "  --idle-timeout S      a kept-alive connection without a request is\n"
    "                        closed after S seconds (default 30)\n"
    "  --max-connections N   connections open at once; more get 503 "
    "(default 512)\n"
    "  --queue N             predicts waiting for a thread; more get 503 "
    "(default 256)\n"
    "  --backlog N           listen backlog (default 4096, capped by\n"
    "                        net.core.somaxconn)\n"
    "  --max-batch N         rows of concurrent requests joined into one\n"
    "                        predict (default: the plan's batch; 1: off)\n"
    "  --batch-wait-us US    how long a batch waits for more requests to\n"
    "                        join it (default 200)\n"
    "  --no-batching         each request runs alone (--max-batch 1)\n";

struct Options {
  std::string plan, checkpoint;
  serve::HttpOptions server;
  int intraOpThreads = 1;
  serve::BatchOptions batching;
};

bool parseInt(const char *text, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  if (errno || end == text || *end || v < min || v > max)
    return false;
  *out = v;
  return true;
}

/// Parses argv; on error prints why and returns false.
bool parse(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--no-batching") {
      o->batching.maxBatch = 1;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!o->plan.empty()) {
        std::fprintf(stderr, "braid-serve: one plan only, got '%s' too\n",
                     arg.c_str());
        return false;
      }
      o->plan = arg;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "braid-serve: %s needs a value\n", arg.c_str());
      return false;
    }
    const char *value = argv[++i];
    long n = 0;
    bool ok = true;
    if (arg == "--checkpoint")
      o->checkpoint = value;
    else if (arg == "--host")
      o->server.host = value;
    else if (arg == "--port" && (ok = parseInt(value, 0, 65535, &n)))
      o->server.port = static_cast<int>(n);
    else if (arg == "--threads" && (ok = parseInt(value, 1, 1024, &n)))
      o->server.threads = static_cast<int>(n);
    else if (arg == "--intra-op-threads" && (ok = parseInt(value, 1, 1024, &n)))
      o->intraOpThreads = static_cast<int>(n);
    else if (arg == "--max-body-bytes" &&
             (ok = parseInt(value, 1, 1L << 40, &n)))
      o->server.maxBodyBytes = static_cast<size_t>(n);
    else if (arg == "--read-timeout" && (ok = parseInt(value, 1, 3600, &n)))
      o->server.readTimeoutMs = static_cast<int>(n * 1000);
    else if (arg == "--idle-timeout" && (ok = parseInt(value, 1, 3600, &n)))
      o->server.idleTimeoutMs = static_cast<int>(n * 1000);
    else if (arg == "--max-connections" &&
             (ok = parseInt(value, 1, 1 << 20, &n)))
      o->server.maxConnections = static_cast<size_t>(n);
    else if (arg == "--queue" && (ok = parseInt(value, 1, 1 << 20, &n)))
      o->server.queue = static_cast<size_t>(n);
    else if (arg == "--backlog" && (ok = parseInt(value, 1, 1 << 20, &n)))
      o->server.backlog = static_cast<int>(n);
    else if (arg == "--max-batch" && (ok = parseInt(value, 1, 1 << 20, &n)))
      o->batching.maxBatch = n;
    else if (arg == "--batch-wait-us" &&
             (ok = parseInt(value, 0, 60000000, &n)))
      o->batching.waitUs = n;
    else if (ok) {
      std::fprintf(stderr, "braid-serve: unknown option %s\n%s", arg.c_str(),
                   kUsage);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "braid-serve: bad value '%s' for %s\n", value,
                   arg.c_str());
      return false;
    }
  }
  if (o->plan.empty()) {
    std::fputs(kUsage, stderr);
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (!parse(argc, argv, &options))
    return 2;

  // SIGINT and SIGTERM are blocked in every thread (the HTTP workers inherit
  // the mask) and taken by one thread that stops the server.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  std::string message;
  std::unique_ptr<serve::ModelHandle> model = serve::ModelHandle::load(
      options.plan, options.checkpoint, options.server.threads,
      options.intraOpThreads, &message);
  if (!model) {
    std::fprintf(stderr, "braid-serve: %s\n", message.c_str());
    return 1;
  }
  if (options.checkpoint.empty())
    std::fprintf(stderr, "braid-serve: warning: no --checkpoint; serving "
                         "freshly initialized parameters\n");
  serve::Metrics metrics(model->batch());
  serve::Batcher batcher(*model, options.batching, metrics);
  // The sessions compute; with batching, up to a batch of requests more
  // wait on workers of their own to be gathered.
  if (batcher.enabled())
    options.server.threads += static_cast<int>(batcher.maxBatch());
  serve::Server server(*model, batcher, metrics, options.server);
  if (!server.bind(&message)) {
    std::fprintf(stderr, "braid-serve: %s\n", message.c_str());
    return 1;
  }

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stopSignals, &signal);
    server.stop();
  });
  std::fprintf(
      stderr,
      "braid-serve: model %s (batch %lld, batching %s) listening on "
      "http://%s:%d\n",
      model->name().c_str(), static_cast<long long>(model->batch()),
      batcher.enabled()
          ? ("up to " + std::to_string(batcher.maxBatch()) + " rows").c_str()
          : "off",
      options.server.host.c_str(), server.port());
  bool served = server.serve();
  // Wake the waiter if the server stopped on its own.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  std::fprintf(stderr, "braid-serve: stopped\n");
  return served ? 0 : 1;
}
