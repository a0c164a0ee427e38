// The HTML report's timeline of one test: its history cut into fixed-width bins by
// intended start, and its fault windows. Internal to src/report; kept apart from the
// drawing so the counts can be tested against the history alone.
//
// Ops are placed by intended start, as every checker places them (docs/drill.md,
// "Conventions"), so an op stuck behind an outage counts in the second it was meant
// to run. The final read is not traffic and is left out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drill/history/history.h"

namespace mdrill::report {

struct KindBin {
  int64_t ok = 0, fail = 0, unknown = 0;
  std::optional<int64_t> p99_us;  // corrected latency (end - intended) of the ok ops; none: no ok op
};

struct TimelineBin {
  int64_t start_us = 0;  // the bin is [start_us, start_us + bin_us)
  int64_t ok = 0, fail = 0, unknown = 0;
  std::map<std::string, KindBin> by_kind;  // only kinds with an op in this bin
  std::optional<int64_t> p99_us;           // corrected p99 of every ok op in the bin
  int64_t recall_count = 0;                // searches that carry a recall (recall >= 0)
  std::optional<double> recall_mean;
};

// A fault as the history tells it: fault.start to the fault.end that names the same
// fault id. end_us is none when no fault.end matched: an instantaneous fault (a kill
// the platform undoes itself) or a run that stopped before healing.
struct FaultWindow {
  int64_t start_us = 0;
  std::optional<int64_t> end_us;
  std::string id;      // "kill-1795823416639-22956-1"
  std::string detail;  // the fault.start event's text
};

struct Timeline {
  int64_t bin_us = 0;               // bin width actually used (see BuildTimeline)
  int64_t end_us = 0;               // the latest op end, op intended start or event time
  std::vector<std::string> kinds;   // workload kinds present, sorted
  std::vector<TimelineBin> bins;    // bins[i].start_us == i * bin_us, from 0 to the last op's bin
  std::vector<FaultWindow> faults;  // by start time
  int64_t ops = 0;                  // workload ops binned (every op but the final read)
};

// Bins `history`. The width is `bin_us`, doubled, then x2.5, x2 ... (1, 2, 5, 10 s)
// until the run fits in at most `max_bins` bins, so a long soak still draws in a
// bounded number of points. Ops intended before 0 go into the first bin.
// bin_us <= 0 is taken as 1 s; max_bins < 1 as 1.
Timeline BuildTimeline(const drill::History& history, int64_t bin_us = 1'000'000, int max_bins = 1200);

// The nearest-rank 99th percentile (the ceil(0.99 n)-th smallest); 0 for no values.
int64_t NearestRankP99(std::vector<int64_t> values);

}  // namespace mdrill::report
