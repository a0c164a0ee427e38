// One test of one stored run, as the trend views need it (history store -> report).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/i18n.h"

namespace mdrill::report {

struct TrendPoint {
  int64_t run_id = 0;
  int64_t started_unix_ms = 0;         // when the run began
  std::string test;                    // "coordinator", "worker.proxy", ...
  std::string target;                  // lab | k8s | docker
  std::string label;                   // the run's --label (a version, a change), may be empty
  std::optional<double> seed_rto_s;    // the seed's RTO, slowest op kind; none: nothing failed
  std::optional<double> strict_rto_s;  // strict RTO, slowest kind; none: nothing failed
  bool never_recovered = false;        // strict RTO: failures to the end
  int64_t failed = 0;                  // failed + unknown requests, all kinds
  int64_t total = 0;                   // requests, all kinds
  double availability_pct = 0;         // request-based
  int64_t lost = 0;                    // acknowledged writes lost
  int exit_code = 2;                   // 0 pass, 1 fail, 2 cannot judge
};

// A self-contained HTML page charting `points` (oldest first) of one scenario:
// RTO, failed requests and availability per run, with a table of the same figures.
std::string RenderTrendHtml(const std::string& scenario, const std::vector<TrendPoint>& points, Lang lang);

}  // namespace mdrill::report
