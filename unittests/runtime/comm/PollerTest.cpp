// Poller (runtime/comm/Poller.h): a request to stop shortens a wait to the
// grace, and says so in the error, unless the wait keeps its deadline.
#include "runtime/comm/Poller.h"

#include <gtest/gtest.h>

namespace braid::runtime {
namespace {

/// Polls until `poller` gives up; the count of polls it took.
long pollUntilGivenUp(Poller &poller) {
  long polls = 0;
  while (poller.keepWaiting())
    ++polls;
  return polls;
}

/// Leaves no stop request behind for the next test.
class PollerStopTest : public ::testing::Test {
protected:
  void TearDown() override { Poller::stopTaken(); }
};

TEST_F(PollerStopTest, AStopRequestEndsALongWaitWithinTheGrace) {
  // An hour's timeout: only the request to stop can end this wait.
  Poller poller(3600);
  EXPECT_TRUE(poller.keepWaiting());
  Poller::requestStop();
  pollUntilGivenUp(poller);
  EXPECT_GE(poller.waitedSeconds(), Poller::kStopGraceSeconds);
  EXPECT_LT(poller.waitedSeconds(), 3600);
  Status s = poller.timedOut(1, "an all-reduce of 64 bytes");
  EXPECT_EQ(s.code(), StatusCode::Communication);
  EXPECT_EQ(s.message(),
            "rank 1: an all-reduce of 64 bytes did not complete within 2 s of "
            "a request to stop (SIGTERM or SIGINT; mpirun sends SIGTERM when "
            "it ends the job): another rank has died or stopped answering");
}

TEST_F(PollerStopTest, AWaitStartedAfterTheRequestGetsTheGraceToo) {
  Poller::requestStop();
  Poller poller(3600);
  pollUntilGivenUp(poller);
  EXPECT_LT(poller.waitedSeconds(), 3600);
  EXPECT_NE(poller.timedOut(0, "x").message().find("request to stop"),
            std::string::npos);
}

TEST_F(PollerStopTest, AShorterTimeoutStaysTheOrdinaryOne) {
  Poller::requestStop();
  Poller poller(1);
  pollUntilGivenUp(poller);
  EXPECT_EQ(poller.timedOut(0, "x").message(),
            "rank 0: x did not complete within 1 s: another rank has died or "
            "stopped answering");
}

TEST_F(PollerStopTest, ATakenRequestNoLongerShortensWaits) {
  Poller::requestStop();
  Poller::stopTaken();
  EXPECT_FALSE(Poller::stopRequested());
  Poller poller(3600);
  // Far more polls than a stop request needs to be seen (every one).
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(poller.keepWaiting());
}

TEST_F(PollerStopTest, AWaitThatKeepsItsDeadlineIgnoresTheRequest) {
  Poller::requestStop();
  Poller poller(3600, Poller::OnStop::Keep);
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(poller.keepWaiting());
}

} // namespace
} // namespace braid::runtime
