// TempFiles: names, the in-flight registry with its signal handler, and the
// removal of stale temporary files (POSIX).
#include "runtime/io/TempFiles.h"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace braid::runtime::io {
namespace {

// The names of temporary files in flight, in fixed slots so that a signal
// handler reads them without locks or allocation. A slot is free (0), being
// filled or emptied (1) or holds a name (2); the handler unlinks only 2.
constexpr int kSlots = 64;
constexpr size_t kPathBytes = 4096;
struct Slot {
  std::atomic<int> state{0};
  char path[kPathBytes];
};
Slot slots[kSlots];

std::atomic<detail::WriteHook> writeHook{nullptr};

constexpr int kCleanedSignals[] = {SIGINT, SIGTERM, SIGHUP};

void onTerminatingSignal(int sig) {
  int savedErrno = errno;
  removeInFlightTempFiles();
  // SA_RESETHAND restored the default action: the signal, raised again,
  // ends the process as it would have without this handler (once this
  // handler returns, if the signal is blocked meanwhile).
  ::raise(sig);
  errno = savedErrno;
}

// Installs onTerminatingSignal for each signal still at its default action;
// a handler the program installed (or SIG_IGN) is left alone.
void installHandlers() {
  for (int sig : kCleanedSignals) {
    struct sigaction old;
    if (::sigaction(sig, nullptr, &old) != 0)
      continue;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
      continue;
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = onTerminatingSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    ::sigaction(sig, &action, nullptr);
  }
}

bool allDigits(const std::string &s, size_t from, size_t to) {
  if (from >= to)
    return false;
  for (size_t i = from; i < to; ++i)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

// The owner PID of a temporary file of `prefix` ("." BASE ".tmp."), when
// `name` is exactly PREFIX PID "." N "." XXXXXXXX; 0 otherwise.
long ownerOf(const std::string &name, const std::string &prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix))
    return 0;
  size_t pidEnd = name.find('.', prefix.size());
  if (pidEnd == std::string::npos || !allDigits(name, prefix.size(), pidEnd) ||
      pidEnd - prefix.size() > 9)
    return 0;
  size_t counterEnd = name.find('.', pidEnd + 1);
  if (counterEnd == std::string::npos ||
      !allDigits(name, pidEnd + 1, counterEnd) ||
      name.size() - counterEnd - 1 != 8)
    return 0;
  for (size_t i = counterEnd + 1; i < name.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i])))
      return 0;
  return std::stol(name.substr(prefix.size(), pidEnd - prefix.size()));
}

std::string temporaryPrefix(const std::string &base) {
  return "." + base.substr(0, 160) + ".tmp.";
}

} // namespace

void removeInFlightTempFiles() {
  for (Slot &slot : slots)
    if (slot.state.load(std::memory_order_acquire) == 2)
      ::unlink(slot.path);
}

namespace detail {

// A name no other writer (thread or process) picks: pid, a process-wide
// counter and clock bits; O_EXCL catches the rest. The target's name is
// shortened so the temporary name stays within NAME_MAX.
std::string temporaryName(const std::string &dir, const std::string &base) {
  static std::atomic<uint64_t> counter{0};
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  char suffix[96];
  std::snprintf(suffix, sizeof suffix, "%d.%llu.%08lx",
                static_cast<int>(::getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1)),
                static_cast<unsigned long>(ts.tv_nsec));
  return dir + "/" + temporaryPrefix(base) + suffix;
}

int registerInFlight(const std::string &path) {
  // Checked at every write, not once: a program may reset a signal to its
  // default later (a child after fork, a tool after its own handling).
  installHandlers();
  if (path.size() >= kPathBytes)
    return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (slots[i].state.compare_exchange_strong(expected, 1,
                                               std::memory_order_acquire)) {
      std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
      slots[i].state.store(2, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void releaseInFlight(int slot) {
  if (slot < 0 || slot >= kSlots)
    return;
  slots[slot].state.store(0, std::memory_order_release);
}

void removeStaleTempFiles(const std::string &dir, const std::string &base) {
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return;
  const std::string prefix = temporaryPrefix(base);
  const long self = static_cast<long>(::getpid());
  while (struct dirent *entry = ::readdir(d)) {
    std::string name = entry->d_name;
    long pid = ownerOf(name, prefix);
    if (pid <= 0 || pid == self)
      continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
      continue; // alive, or not ours to judge (EPERM: alive)
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      ::unlink(path.c_str());
  }
  ::closedir(d);
}

void setWriteHookForTesting(WriteHook hook) { writeHook.store(hook); }

WriteHook writeHookForTesting() { return writeHook.load(); }

} // namespace detail
} // namespace braid::runtime::io
