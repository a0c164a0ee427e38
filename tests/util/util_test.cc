#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "util/background_thread.h"
#include "util/crc32.h"
#include "util/durable_append.h"
#include "util/hybrid_ts.h"
#include "util/subprocess.h"

namespace mdrill {
namespace {

TEST(Crc32, KnownVector) {
  EXPECT_EQ(Crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(Crc32("", 0), 0u);
}

TEST(BackgroundThread, LowersOnlyItsOwnPriorityAndPassesItOn) {
  const int before = CurrentThreadNice();  // 0, unless the test itself runs niced
  const int expected = std::max(before, kBackgroundNice);
  int own = -1, child = -1;
  bool lowered = false;
  std::thread t([&] {
    lowered = BecomeBackgroundThread("a-rather-long-thread-name");
    own = CurrentThreadNice();
    std::thread c([&] { child = CurrentThreadNice(); });  // as FAISS's OpenMP workers
    c.join();
  });
  t.join();
  EXPECT_TRUE(lowered);
  EXPECT_EQ(own, expected);
  EXPECT_EQ(child, expected);
  EXPECT_EQ(CurrentThreadNice(), before);
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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DurableAppendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mdrill-durable-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(DurableAppendTest, AppendsSurviveReopen) {
  const std::string path = (dir_ / "journal").string();
  {
    DurableAppendFile f;
    ASSERT_TRUE(f.Open(path).ok());
    EXPECT_TRUE(f.is_open());
    ASSERT_TRUE(f.Append("one\n").ok());
    ASSERT_TRUE(f.AppendLine("two").ok());
    ASSERT_TRUE(f.Close().ok());
  }
  EXPECT_EQ(ReadAll(path), "one\ntwo\n");
  DurableAppendFile again;
  ASSERT_TRUE(again.Open(path).ok());
  ASSERT_TRUE(again.Append(std::string("\0bin", 4)).ok());  // bytes as given
  EXPECT_EQ(ReadAll(path), std::string("one\ntwo\n\0bin", 12));
  ASSERT_TRUE(again.Truncate(8).ok());  // drop a partial record
  EXPECT_EQ(ReadAll(path), "one\ntwo\n");
}

TEST_F(DurableAppendTest, AppendLineStartsAFreshLineAfterATornOne) {
  const std::string path = (dir_ / "journal").string();
  std::ofstream(path) << "whole\ntor";  // a crash mid-append
  DurableAppendFile f;
  ASSERT_TRUE(f.Open(path).ok());
  ASSERT_TRUE(f.AppendLine("next").ok());
  EXPECT_EQ(ReadAll(path), "whole\ntor\nnext\n");
}

TEST_F(DurableAppendTest, MissingDirectoryIsAnError) {
  DurableAppendFile f;
  Status s = f.Open((dir_ / "missing" / "journal").string());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.reason().find("missing"), std::string::npos) << s.reason();
  EXPECT_FALSE(f.is_open());
  EXPECT_FALSE(f.Append("x\n").ok());  // not open: an error, not a crash
  EXPECT_FALSE(WriteFileAtomically((dir_ / "missing" / "record").string(), "x").ok());
}

TEST_F(DurableAppendTest, WriteFileAtomicallyReplacesTheWholeFile) {
  const std::string path = (dir_ / "record").string();
  ASSERT_TRUE(WriteFileAtomically(path, "first, longer").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(ReadAll(path), "second");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace mdrill

// ---------------------------------------------------------------- durations, RunCommand

#include "util/durations.h"

namespace mdrill {
namespace {

TEST(Durations, UnitsFractionsAndBareSeconds) {
  const std::pair<const char*, double> seconds[] = {{"500ms", 0.5}, {"20s", 20},   {"2m", 120}, {"1.5", 1.5},
                                                    {"0s", 0},      {".5s", 0.5},  {"5.", 5},   {"1e3ms", 1},
                                                    {"1h", 3600},   {"1.5h", 5400}};
  for (const auto& [text, want] : seconds) {
    SCOPED_TRACE(text);
    auto got = ParseDurationSeconds(text);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_DOUBLE_EQ(got.value(), want);
  }
  const std::pair<const char*, int64_t> ms[] = {{"500ms", 500}, {"1.5s", 1500}, {"2m", 120000}, {"5", 5000},
                                                {"0.5ms", 0},   {"0s", 0},      {"1h", 3600000}};
  for (const auto& [text, want] : ms) {
    SCOPED_TRACE(text);
    auto got = ParseDurationMs(text);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got.value(), want);
  }
}

TEST(Durations, RefusesAnythingButAPlainFiniteDecimalWithAKnownUnit) {
  for (const char* bad : {"",    "abc",   "-1s", "+1s",   "5d",  "h",    "s",     "ms",    "10 s", " 5s",
                          "5s ", "10sec", "nan", "nanms", "inf", "infs", "1e400", "0x10s", "2e7s", "10000001ms"}) {
    SCOPED_TRACE(bad);
    auto s = ParseDurationSeconds(bad);
    auto m = ParseDurationMs(bad);
    ASSERT_FALSE(s.ok());
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(s.status().code(), code::kParameterInvalid);
    EXPECT_EQ(s.status().reason(), m.status().reason());
  }
  EXPECT_TRUE(ParseDurationSeconds("1e7m").ok());  // the bound is inclusive, in the unit written
}

TEST(Durations, ErrorNamesTheInput) {
  EXPECT_EQ(ParseDurationSeconds("soon").status().reason(), "'soon' is not a duration (500ms, 20s, 2m, 1h)");
  EXPECT_EQ(ParseDurationMs("5d").status().reason(), "'5d' is not a duration (500ms, 20s, 2m, 1h)");
}

TEST(RunCommand, StreamsExitCodeExecFailureAndTimeout) {
  auto r = RunCommand({"sh", "-c", "cat; echo oops >&2; exit 3"}, CommandOptions{"manifest\n"},
                      std::chrono::milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "manifest\n");
  EXPECT_EQ(r->err, "oops\n");

  CommandOptions merged;
  merged.stderr_to = CommandOptions::Stderr::kToStdout;
  auto m = RunCommand({"sh", "-c", "echo a; echo b >&2; kill -9 $$"}, merged, std::chrono::milliseconds(5000));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->out, "a\nb\n");
  EXPECT_EQ(m->err, "");
  EXPECT_EQ(m->exit_code, 128 + SIGKILL);

  auto missing = RunCommand({"/nonexistent/tool"}, CommandOptions{}, std::chrono::milliseconds(5000));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_EQ(missing->err.rfind("exec /nonexistent/tool: ", 0), 0u) << missing->err;

  auto slow = RunCommand({"sleep", "5"}, CommandOptions{}, std::chrono::milliseconds(100));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().transport_code(), 4);
  EXPECT_NE(slow.status().reason().find("sleep 5 timed out after 100 ms"), std::string::npos);
  EXPECT_EQ(RunCommand({}, CommandOptions{}, std::chrono::milliseconds(100)).status().code(), code::kParameterInvalid);

  std::string out;
  EXPECT_EQ(RunCapture({"sh", "-c", "echo partial; sleep 5"}, &out, std::chrono::milliseconds(300)), -1);
  EXPECT_EQ(out, "partial\n");  // what was read before the deadline is kept
  EXPECT_EQ(ShellJoin({"docker", "ps", "--format", "{{json .}}", "it's"}),
            "docker ps --format '{{json .}}' 'it'\\''s'");
}

}  // namespace
}  // namespace mdrill

// A copy of this test binary deletes itself and says what SelfExecutable gives:
// the path that no longer exists must not be what a replaced binary re-runs.
TEST(SelfExecutable, ThePathOrTheKernelsCopyWhenTheFileIsGone) {
  if (const char* out = std::getenv("MDRILL_SELF_EXE_OUT")) {
    std::filesystem::remove(std::filesystem::read_symlink("/proc/self/exe"));
    std::ofstream(out) << mdrill::SelfExecutable();
    return;
  }
  EXPECT_EQ(mdrill::SelfExecutable(), std::filesystem::read_symlink("/proc/self/exe").string());
  const std::string dir = std::filesystem::temp_directory_path() / ("mdrill-self-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file("/proc/self/exe", dir + "/copy");
  std::filesystem::permissions(dir + "/copy", std::filesystem::perms::owner_all);
  ::setenv("MDRILL_SELF_EXE_OUT", (dir + "/said").c_str(), 1);
  std::string out;
  int rc = mdrill::RunCapture({dir + "/copy", "--gtest_filter=SelfExecutable.*"}, &out, std::chrono::seconds(30), true);
  ::unsetenv("MDRILL_SELF_EXE_OUT");
  EXPECT_EQ(rc, 0) << out;
  std::ifstream said(dir + "/said");
  std::string text((std::istreambuf_iterator<char>(said)), {});
  EXPECT_EQ(text, "/proc/self/exe");
  EXPECT_FALSE(std::filesystem::exists(dir + "/copy"));
  std::filesystem::remove_all(dir);
}
