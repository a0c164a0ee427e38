// Live progress of a run on the console: the test, its phase, elapsed / total,
// operations per second, failures so far and the fault state.
//
// On a terminal one status line is redrawn in place ("\r" + erase line) and the
// run's other lines are printed above it; otherwise (a pipe, a CI log) a plain
// line is printed every `period_s` of the test's time, so logs stay readable.
// Not thread-safe: call from the thread that runs the tests.
#pragma once

#include <cstdio>
#include <string>

#include "drill/run/runner.h"
#include "report/i18n.h"

namespace mdrill::report {

class LiveProgress {
 public:
  LiveProgress(std::FILE* out, bool terminal, Lang lang, double period_s = 5.0)
      : out_(out), terminal_(terminal), lang_(lang), period_s_(period_s) {}

  // A new status (RunOptions::tick).
  void Update(const drill::LiveStatus& s);
  // Prints a whole line of the run's output (RunOptions::progress, reports),
  // keeping the status line below it on a terminal.
  void Line(const std::string& line);
  // Erases the status line (before a report is printed); the next Update draws it again.
  void Clear();

  // The status as one line, without a newline (exposed for the tests).
  std::string Format(const drill::LiveStatus& s) const;

 private:
  std::FILE* out_;
  bool terminal_;
  Lang lang_;
  double period_s_;
  bool drawn_ = false;
  std::string test_;           // the test the rate window belongs to
  double next_line_s_ = 0;     // plain mode: when the next line is due
  double window_start_s_ = 0;  // ops/s over the last ~second
  int64_t window_start_ops_ = 0;
  double rate_ = 0;
  std::string last_;
};

}  // namespace mdrill::report
