// serve-client: a closed-loop HTTP load generator for braid-serve over
// loopback. CONCURRENCY threads, each on its own keep-alive connection,
// POST one fixed predict request of ROWS rows for SECONDS and time each
// answer; prints requests/s and the p50/p99 latency. A C++ client, so that
// 64 clients measure the server rather than Python's interpreter lock.
//
//   serve-client PORT CONCURRENCY ROWS SECONDS [MODEL] [FEATURES]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr)) {
    std::perror("serve-client: connect");
    std::exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// Sends `request` and reads one response; its status, or -1 when the
/// connection failed.
int exchange(int fd, const std::string &request, std::string &buffer) {
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return -1;
    sent += static_cast<size_t>(n);
  }
  buffer.clear();
  size_t headEnd = std::string::npos, need = 0;
  char chunk[65536];
  while (headEnd == std::string::npos || buffer.size() < need) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0)
      return -1;
    buffer.append(chunk, static_cast<size_t>(n));
    if (headEnd == std::string::npos &&
        (headEnd = buffer.find("\r\n\r\n")) != std::string::npos) {
      size_t at = buffer.find("Content-Length: ");
      size_t length = at < headEnd
                          ? std::strtoul(buffer.c_str() + at + 16, nullptr, 10)
                          : 0;
      need = headEnd + 4 + length;
    }
  }
  return std::atoi(buffer.c_str() + 9); // "HTTP/1.1 200"
}

double percentile(const std::vector<double> &sorted, double p) {
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p / 100 * sorted.size()))];
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: serve-client PORT CONCURRENCY ROWS SECONDS "
                         "[MODEL] [FEATURES]\n");
    return 2;
  }
  int port = std::atoi(argv[1]), concurrency = std::atoi(argv[2]);
  int rows = std::atoi(argv[3]);
  double seconds = std::atof(argv[4]);
  std::string model = argc > 5 ? argv[5] : "mlp";
  int features = argc > 6 ? std::atoi(argv[6]) : 784;

  std::string body = "{\"inputs\": {\"x\": [";
  for (int r = 0; r < rows; ++r) {
    body += r ? ",[" : "[";
    for (int f = 0; f < features; ++f)
      body += (f ? "," : "") + std::to_string((r * 31 + f * 7) % 16 / 16.0);
    body += "]";
  }
  body += "]}}";
  std::string request = "POST /v1/models/" + model +
                        ":predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;

  std::vector<std::vector<double>> latencies(concurrency);
  std::atomic<long> failures{0};
  auto stopAt = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
  auto began = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c)
    threads.emplace_back([&, c] {
      int fd = connectTo(port);
      std::string buffer;
      while (Clock::now() < stopAt) {
        auto start = Clock::now();
        int status = exchange(fd, request, buffer);
        if (status == 200)
          latencies[c].push_back(
              std::chrono::duration<double>(Clock::now() - start).count());
        else {
          ++failures;
          if (status < 0) {
            close(fd);
            fd = connectTo(port);
          }
        }
      }
      close(fd);
    });
  for (std::thread &t : threads)
    t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - began).count();
  std::vector<double> all;
  for (const auto &l : latencies)
    all.insert(all.end(), l.begin(), l.end());
  if (all.empty()) {
    std::fprintf(stderr, "serve-client: no request succeeded\n");
    return 1;
  }
  std::sort(all.begin(), all.end());
  std::printf("%d clients, %d rows: %zu requests in %.1f s, %.0f requests/s, "
              "p50 %.2f ms, p99 %.2f ms, %ld failed\n",
              concurrency, rows, all.size(), elapsed, all.size() / elapsed,
              percentile(all, 50) * 1e3, percentile(all, 99) * 1e3,
              failures.load());
  return 0;
}
