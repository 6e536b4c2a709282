// Tests of readFile and writeFileAtomically: contents, replacement, cleanup
// of temporary files and error reporting. What a write does to symbolic links,
// FIFOs, devices and signals is in AtomicFileNodesTest.cpp.
#include "runtime/io/AtomicFile.h"
#include "runtime/io/TempFiles.h"

#include "unittests/runtime/io/TestUtil.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace braid::runtime::io {
namespace {

using test::bytesOf;
using test::TempDir;

TEST(AtomicFileTest, WritesAndReadsBack) {
  TempDir dir;
  std::string path = dir.file("f.bin");
  std::vector<uint8_t> data(100000);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<uint8_t>(i * 31);
  ASSERT_TRUE(writeFileAtomically(path, data.data(), data.size()).isOk());
  std::vector<uint8_t> back;
  ASSERT_TRUE(readFile(path, &back).isOk());
  EXPECT_EQ(back, data);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"f.bin"}));
}

TEST(AtomicFileTest, ReplacesAnExistingFileAndWritesEmptyOnes) {
  TempDir dir;
  std::string path = dir.file("f.bin");
  std::vector<uint8_t> a = bytesOf("a long first version"), b = bytesOf("b");
  ASSERT_TRUE(writeFileAtomically(path, a.data(), a.size()).isOk());
  ASSERT_TRUE(writeFileAtomically(path, b.data(), b.size()).isOk());
  std::vector<uint8_t> back;
  ASSERT_TRUE(readFile(path, &back).isOk());
  EXPECT_EQ(back, b);
  ASSERT_TRUE(writeFileAtomically(path, nullptr, 0).isOk());
  ASSERT_TRUE(readFile(path, &back).isOk());
  EXPECT_TRUE(back.empty());
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"f.bin"}));
}

TEST(AtomicFileTest, HonoursTheUmaskLikeAnOrdinaryFile) {
  TempDir dir;
  std::string path = dir.file("f.bin");
  ASSERT_TRUE(writeFileAtomically(path, "x", 1).isOk());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
}

TEST(AtomicFileTest, MissingDirectoryIsAnIoErrorNamingThePath) {
  TempDir dir;
  std::string path = dir.file("no/such/dir/f.bin");
  Status s = writeFileAtomically(path, "x", 1);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos)
      << s.message();
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFileTest, RenameFailureRemovesTheTemporaryFile) {
  TempDir dir;
  static std::string target;
  target = dir.file("target");
  // Once the temporary file exists, a non-empty directory takes the target's
  // place: rename(2) must fail.
  detail::setWriteHookForTesting([](const char *) {
    ::mkdir(target.c_str(), 0755);
    ::close(::open((target + "/inner").c_str(), O_WRONLY | O_CREAT, 0644));
  });
  Status s = writeFileAtomically(target, "data", 4);
  detail::setWriteHookForTesting(nullptr);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find("rename"), std::string::npos) << s.message();
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"target"}));
}

TEST(AtomicFileTest, RefusesADirectoryAndLeavesIt) {
  TempDir dir;
  std::string path = dir.file("target");
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  Status s = writeFileAtomically(path, "data", 4);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("is a directory"), std::string::npos)
      << s.message();
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"target"}));
  EXPECT_EQ(checkWritable(path).code(), StatusCode::InvalidArgument);
}

TEST(AtomicFileTest, UnwritableDirectoryIsAnIoError) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::string sub = dir.file("ro");
  ASSERT_EQ(::mkdir(sub.c_str(), 0555), 0);
  Status s = writeFileAtomically(sub + "/f.bin", "x", 1);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_NE(s.message().find("Permission denied"), std::string::npos)
      << s.message();
  ::chmod(sub.c_str(), 0755);
}

TEST(AtomicFileTest, RejectsBadArguments) {
  EXPECT_EQ(writeFileAtomically("", "x", 1).code(),
            StatusCode::InvalidArgument);
  EXPECT_EQ(writeFileAtomically("/tmp/", "x", 1).code(),
            StatusCode::InvalidArgument);
  EXPECT_EQ(writeFileAtomically("/tmp/x", nullptr, 1).code(),
            StatusCode::InvalidArgument);
  EXPECT_EQ(readFile("/tmp/x", nullptr).code(), StatusCode::InvalidArgument);
}

TEST(AtomicFileTest, ConcurrentWritersLeaveOneCompleteFile) {
  TempDir dir;
  std::string path = dir.file("shared.bin");
  std::vector<std::vector<uint8_t>> contents;
  for (int t = 0; t < 4; ++t)
    contents.emplace_back(4096 * (t + 1), static_cast<uint8_t>('a' + t));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i)
        if (!writeFileAtomically(path, contents[t].data(), contents[t].size()))
          ++failures[t];
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
  std::vector<uint8_t> back;
  ASSERT_TRUE(readFile(path, &back).isOk());
  bool matches = false;
  for (const auto &c : contents)
    matches |= back == c;
  EXPECT_TRUE(matches);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"shared.bin"}));
}

TEST(AtomicFileTest, ReadErrors) {
  TempDir dir;
  std::vector<uint8_t> out;
  Status s = readFile(dir.file("missing"), &out);
  EXPECT_EQ(s.code(), StatusCode::NotFound);
  EXPECT_NE(s.message().find(dir.file("missing")), std::string::npos);
  s = readFile(dir.path(), &out);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("directory"), std::string::npos);
}

TEST(AtomicFileTest, ReadsFilesWithoutASize) {
  // /proc files report size 0; readFile reads to EOF regardless.
  std::vector<uint8_t> out;
  ASSERT_TRUE(readFile("/proc/self/status", &out).isOk());
  EXPECT_GT(out.size(), 0u);
}

} // namespace
} // namespace braid::runtime::io
