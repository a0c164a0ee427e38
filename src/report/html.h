// The HTML report of a run: one self-contained file (no external scripts, fonts or
// styles). Per test a timeline (throughput, failures, latency p99 and recall per
// second, the fault windows shaded, the RTO marked), every check with pass/fail,
// the figures; and the run's configuration.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drill/history/history.h"
#include "report/i18n.h"

namespace mdrill::report {

struct HtmlTest {
  nlohmann::json result;  // the test's result JSON (as written next to its history)
  drill::History history;
};

struct HtmlOptions {
  Lang lang = Lang::kEn;
  std::string title = "milvus-drill failover report";
  nlohmann::json config;  // the run's configuration (flags, target, thresholds), shown as a table
};

std::string RenderHtml(const std::vector<HtmlTest>& tests, const HtmlOptions& options);

}  // namespace mdrill::report
