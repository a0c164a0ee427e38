#include "report/progress.h"

namespace mdrill::report {

std::string LiveProgress::Format(const drill::LiveStatus& s) const {
  char buf[512];
  std::snprintf(buf, sizeof buf, Tr(lang_, "[%s] %s %.1f/%.0f s | %.1f ops/s | %lld ops, %lld failed | fault: %s"),
                s.test.c_str(), Tr(lang_, s.phase.c_str()), s.elapsed_s, s.total_s, rate_,
                static_cast<long long>(s.issued), static_cast<long long>(s.failed),
                s.fault.empty() ? Tr(lang_, "none yet") : s.fault.c_str());
  return buf;
}

void LiveProgress::Update(const drill::LiveStatus& s) {
  if (s.test != test_) {
    test_ = s.test;
    next_line_s_ = period_s_;
    window_start_s_ = s.elapsed_s;
    window_start_ops_ = s.issued;
    rate_ = 0;
  }
  // The rate over windows of at least a second: smooth enough to read.
  if (s.elapsed_s - window_start_s_ >= 1.0) {
    rate_ = (s.issued - window_start_ops_) / (s.elapsed_s - window_start_s_);
    window_start_s_ = s.elapsed_s;
    window_start_ops_ = s.issued;
  }
  if (terminal_) {
    std::string line = Format(s);
    if (line == last_ && drawn_) return;
    last_ = line;
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    drawn_ = true;
    std::fflush(out_);
    return;
  }
  if (s.elapsed_s >= next_line_s_) {
    std::fprintf(out_, "%s\n", Format(s).c_str());
    std::fflush(out_);
    while (next_line_s_ <= s.elapsed_s) next_line_s_ += period_s_;
  }
}

void LiveProgress::Clear() {
  if (terminal_ && drawn_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
  drawn_ = false;
}

void LiveProgress::Line(const std::string& line) {
  Clear();
  std::fprintf(out_, "%s\n", line.c_str());
  if (terminal_ && !last_.empty()) {
    std::fprintf(out_, "%s", last_.c_str());
    drawn_ = true;
  }
  std::fflush(out_);
}

}  // namespace mdrill::report
