// Tests that writeFileAtomically never destroys what a path names: symbolic
// links, permission bits, FIFOs and devices, and the temporary files a signal
// or a kill -9 interrupts; and that checkWritable finds bad destinations.
#include "runtime/io/AtomicFile.h"
#include "runtime/io/TempFiles.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace braid::runtime::io {
namespace {

using test::bytesOf;
using test::TempDir;

std::vector<std::string> sortedEntries(const TempDir &dir) {
  std::vector<std::string> names = dir.entries();
  std::sort(names.begin(), names.end());
  return names;
}

std::string contentsOf(const std::string &path) {
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(readFile(path, &bytes).isOk()) << path;
  return std::string(bytes.begin(), bytes.end());
}

mode_t typeOf(const std::string &path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & S_IFMT;
}

TEST(AtomicFileNodesTest, ReplacesASymlinksTargetAndKeepsTheLink) {
  TempDir dir;
  ASSERT_TRUE(writeFileAtomically(dir.file("real"), "old", 3).isOk());
  ASSERT_EQ(::symlink("real", dir.file("link").c_str()), 0);
  ASSERT_EQ(::symlink("link", dir.file("link2").c_str()), 0);
  ASSERT_TRUE(writeFileAtomically(dir.file("link2"), "new", 3).isOk());
  EXPECT_EQ(typeOf(dir.file("link")), S_IFLNK);
  EXPECT_EQ(typeOf(dir.file("link2")), S_IFLNK);
  EXPECT_EQ(typeOf(dir.file("real")), S_IFREG);
  EXPECT_EQ(contentsOf(dir.file("real")), "new");
  EXPECT_EQ(sortedEntries(dir),
            (std::vector<std::string>{"link", "link2", "real"}));
}

TEST(AtomicFileNodesTest, ADanglingSymlinkCreatesItsTarget) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("sub").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("sub/new", dir.file("link").c_str()), 0);
  ASSERT_TRUE(writeFileAtomically(dir.file("link"), "x", 1).isOk());
  EXPECT_EQ(typeOf(dir.file("link")), S_IFLNK);
  EXPECT_EQ(contentsOf(dir.file("sub/new")), "x");
}

TEST(AtomicFileNodesTest, KeepsTheReplacedFilesPermissions) {
  TempDir dir;
  std::string path = dir.file("private.bin");
  ASSERT_TRUE(writeFileAtomically(path, "a", 1).isOk());
  for (mode_t mode : {0600, 0640, 0444}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    ASSERT_TRUE(writeFileAtomically(path, "b", 1).isOk());
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, mode);
  }
}

TEST(AtomicFileNodesTest, StreamsIntoAFifoAndLeavesIt) {
  TempDir dir;
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The reader is open first (non-blocking), so that a writer which
  // replaced the FIFO instead of writing it fails the test, not hangs it.
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  std::string data(200000, 'q'); // more than a pipe's buffer
  std::atomic<bool> done{false};
  Status s;
  std::thread writer([&] {
    s = writeFileAtomically(fifo, data.data(), data.size());
    done = true;
  });
  std::string got;
  char buf[4096];
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got.size() < data.size() &&
         std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::read(reader, buf, sizeof buf);
    if (n > 0) {
      got.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 && done)
      break; // no writer, and none to come
    struct pollfd p = {reader, POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  writer.join();
  ::close(reader);
  EXPECT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(typeOf(fifo), S_IFIFO);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"fifo"}));
}

TEST(AtomicFileNodesTest, WritesIntoACharacterDeviceAndLeavesIt) {
  // As root, a null device made here (1, 3) stands for /dev/null, which a
  // failing test must not replace; otherwise /dev/null, which this process
  // cannot replace.
  TempDir dir;
  std::string null = "/dev/null", full = "/dev/full";
  if (::geteuid() == 0) {
    null = dir.file("null");
    full = dir.file("full");
    ASSERT_EQ(::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    ASSERT_EQ(::mknod(full.c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);
  }
  EXPECT_TRUE(writeFileAtomically(null, "data", 4).isOk());
  EXPECT_EQ(typeOf(null), S_IFCHR);
  // /dev/full's error is the write's, and the device stays.
  Status s = writeFileAtomically(full, "data", 4);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos)
      << s.message();
  EXPECT_EQ(typeOf(full), S_IFCHR);
  if (::geteuid() == 0) {
    EXPECT_EQ(sortedEntries(dir), (std::vector<std::string>{"full", "null"}));
  }
}

TEST(AtomicFileNodesTest, WritesToAnOpenDescriptorByName) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string path = "/dev/fd/" + std::to_string(fds[1]);
  ASSERT_TRUE(writeFileAtomically(path, "through", 7).isOk());
  ::close(fds[1]);
  char buf[16] = {};
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), 7);
  EXPECT_EQ(std::string(buf), "through");
  ::close(fds[0]);
}

// Runs `child` in a forked process and returns its wait status.
template <typename F> int inChild(F child) {
  pid_t pid = ::fork();
  if (pid == 0) {
    child();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(AtomicFileNodesTest, ASignalMidWriteRemovesTheTemporaryFile) {
  for (int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    static int raised;
    raised = sig;
    int status = inChild([&] {
      ::signal(sig, SIG_DFL); // as a shell would start a program
      detail::setWriteHookForTesting([](const char *) { ::raise(raised); });
      std::string data(1 << 20, 'x');
      (void)writeFileAtomically(dir.file("ckpt"), data.data(), data.size());
      ::_exit(0); // not reached
    });
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
        << "signal " << sig << ", status " << status;
    EXPECT_TRUE(dir.entries().empty())
        << "signal " << sig << ": " << ::testing::PrintToString(dir.entries());
  }
}

TEST(AtomicFileNodesTest, AProgramsOwnHandlerIsKeptAndCanRemoveTheFiles) {
  TempDir dir;
  int status = inChild([&] {
    struct sigaction action = {};
    action.sa_handler = [](int) {
      removeInFlightTempFiles();
      ::_exit(3);
    };
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    detail::setWriteHookForTesting([](const char *) { ::raise(SIGTERM); });
    (void)writeFileAtomically(dir.file("ckpt"), "x", 1);
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status;
  EXPECT_TRUE(dir.entries().empty()) << ::testing::PrintToString(dir.entries());
}

TEST(AtomicFileNodesTest, TheNextWriteRemovesAKilledWritersTemporaryFile) {
  TempDir dir;
  std::string path = dir.file("ckpt");
  ASSERT_TRUE(writeFileAtomically(path, "old", 3).isOk());
  pid_t killed = 0;
  int status = inChild([&] {
    detail::setWriteHookForTesting([](const char *) { ::raise(SIGKILL); });
    (void)writeFileAtomically(path, "new", 3);
  });
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  std::vector<std::string> left = sortedEntries(dir);
  ASSERT_EQ(left.size(), 2u) << ::testing::PrintToString(left);
  std::string stale = left[0] == "ckpt" ? left[1] : left[0];
  killed = std::stoi(stale.substr(std::string(".ckpt.tmp.").size()));
  // Files that only look alike stay: another destination's, a live
  // process's (this one's parent), and one of a different pattern.
  std::string other = ".ckpt2.tmp." + std::to_string(killed) + ".0.0000abcd";
  std::string alive =
      ".ckpt.tmp." + std::to_string(::getppid()) + ".7.0000abcd";
  std::string odd = ".ckpt.tmp." + std::to_string(killed) + ".0.abcd";
  for (const std::string &name : {other, alive, odd})
    ASSERT_TRUE(writeFileAtomically(dir.file(name), "k", 1).isOk());

  ASSERT_TRUE(writeFileAtomically(path, "next", 4).isOk());
  EXPECT_EQ(contentsOf(path), "next");
  std::vector<std::string> expected = {
      ".ckpt.tmp." + std::to_string(killed) + ".0.abcd", alive, other, "ckpt"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sortedEntries(dir), expected);
}

TEST(AtomicFileNodesTest, CheckWritableFindsBadDestinations) {
  TempDir dir;
  EXPECT_TRUE(checkWritable(dir.file("new.bin")).isOk());
  Status s = checkWritable(dir.file("nodir/out.bin"));
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find("nodir/out.bin: cannot write in the directory " +
                             dir.file("nodir") + ": No such file or directory"),
            std::string::npos)
      << s.message();
  ASSERT_TRUE(writeFileAtomically(dir.file("file"), "x", 1).isOk());
  s = checkWritable(dir.file("file/out.bin"));
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find("Not a directory"), std::string::npos)
      << s.message();
  // A FIFO without a reader is checked without blocking.
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  EXPECT_TRUE(checkWritable(dir.file("fifo")).isOk());
  EXPECT_TRUE(checkWritable("/dev/null").isOk());
  EXPECT_TRUE(checkWritable("/dev/stderr").isOk());
  if (::geteuid() != 0) {
    ASSERT_EQ(::mkdir(dir.file("ro").c_str(), 0555), 0);
    s = checkWritable(dir.file("ro/out.bin"));
    EXPECT_NE(s.message().find("Permission denied"), std::string::npos)
        << s.message();
  }
  EXPECT_EQ(sortedEntries(dir).size(), ::geteuid() != 0 ? 3u : 2u);
}

} // namespace
} // namespace braid::runtime::io
