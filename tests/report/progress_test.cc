#include "report/progress.h"

#include <gtest/gtest.h>
#include <stdio.h>

namespace mdrill::report {
namespace {

struct Mem {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  std::string Text() {
    std::fflush(f);
    return std::string(buf, len);
  }
  ~Mem() {
    std::fclose(f);
    std::free(buf);
  }
};

drill::LiveStatus At(double t, int64_t ops, int64_t failed = 0, std::string fault = "") {
  drill::LiveStatus s;
  s.test = "coordinator";
  s.phase = fault.empty() ? "warm-up" : "fault";
  s.elapsed_s = t;
  s.total_s = 30;
  s.issued = ops;
  s.failed = failed;
  s.fault = std::move(fault);
  return s;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// Not a terminal: one plain line per period of the test's time, whatever the tick rate.
TEST(LiveProgress, PlainLinesEveryPeriod) {
  Mem m;
  LiveProgress p(m.f, false, Lang::kEn, 5.0);
  for (int i = 0; i <= 120; ++i) p.Update(At(i * 0.1, i * 4));  // 12 s at 40 ops/s
  std::string out = m.Text();
  EXPECT_EQ(Lines(out), 2) << out;  // at 5 s and 10 s
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_NE(out.find("[coordinator] warm-up 5.0/30 s | 40.0 ops/s | 200 ops, 0 failed | fault: none yet\n"),
            std::string::npos)
      << out;
}

// A terminal: the status line is redrawn in place and other lines go above it.
TEST(LiveProgress, TerminalRedrawsInPlace) {
  Mem m;
  LiveProgress p(m.f, true, Lang::kEn);
  p.Update(At(0.1, 0));
  p.Update(At(1.2, 40, 3, "t=1.0s kill coordinator-0"));
  p.Line("[coordinator] t=1.0s fault: kill coordinator-0");
  std::string out = m.Text();
  EXPECT_EQ(
      out.rfind(
          "\r\033[K[coordinator] fault 1.2/30 s | 36.4 ops/s | 40 ops, 3 failed | fault: t=1.0s kill coordinator-0"
          "\r\033[K[coordinator] t=1.0s fault: kill coordinator-0\n[coordinator] fault 1.2/30 s"),
      out.find("\r\033[K[coordinator] fault"))
      << out;
  p.Clear();
  EXPECT_EQ(m.Text().substr(m.Text().size() - 4), "\r\033[K");
}

TEST(LiveProgress, Chinese) {
  Mem m;
  LiveProgress p(m.f, false, Lang::kZh, 1.0);
  p.Update(At(1.0, 10));
  EXPECT_NE(m.Text().find("[coordinator] 预热 1.0/30 秒"), std::string::npos) << m.Text();
  EXPECT_NE(m.Text().find("故障: 尚未注入"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::report
