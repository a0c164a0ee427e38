#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "util/crc32.h"
#include "util/hybrid_ts.h"
#include "util/subprocess.h"

namespace mdrill {
namespace {

TEST(Crc32, KnownVector) {
  EXPECT_EQ(Crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(Crc32("", 0), 0u);
}

TEST(HybridTs, ComposeAndMonotonic) {
  EXPECT_EQ(PhysicalMs(ComposeTs(1700000000000ull, 5)), 1700000000000ull);
  TsOracle o;
  uint64_t future = ComposeTs(NowMs() + 60000, 0);
  o.Observe(future);  // recovered state from a clock that was ahead
  uint64_t a = o.Next(), b = o.Next();
  EXPECT_GT(a, future);
  EXPECT_GT(b, a);
}

TEST(Subprocess, KillByPidAndReap) {
  Subprocess p;
  std::string err;
  ASSERT_TRUE(p.Start({"sleep", "30"}, "", &err)) << err;
  pid_t pid = p.pid();
  EXPECT_TRUE(p.running());
  EXPECT_TRUE(p.Signal(SIGKILL));
  EXPECT_TRUE(p.Wait(std::chrono::milliseconds(2000)));
  EXPECT_TRUE(WIFSIGNALED(p.status()));
  EXPECT_NE(::kill(pid, 0), 0);  // gone and reaped
}

TEST(Subprocess, RunCapture) {
  std::string out;
  EXPECT_EQ(RunCapture({"sh", "-c", "echo hello; exit 3"}, &out, std::chrono::milliseconds(5000)), 3);
  EXPECT_EQ(out, "hello\n");
}

}  // namespace
}  // namespace mdrill
