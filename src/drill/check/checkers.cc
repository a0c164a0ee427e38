// The verdict (Judge) and the seed's suite-level analyses.
#include "drill/check/checkers.h"

#include <algorithm>
#include <cmath>

#include "drill/check/checkers_internal.h"

namespace mdrill::drill {
namespace {

using internal::OrNull;
using nlohmann::json;

}  // namespace

Judgement Judge(const History& history, const CheckOptions& options) {
  Judgement j;
  j.truncated = history.truncated;
  for (const Op& op : history.ops) j.workload_ops += internal::IsWorkload(op) ? 1 : 0;
  PhaseBounds bounds = FindPhaseBounds(history, options);
  j.phases = CheckPhases(history, bounds);
  j.seed_rto = CheckSeedRto(history);
  j.strict_rto = CheckStrictRto(history, options);
  j.client_rto = CheckClientRto(history, options);
  j.failures = CheckFailures(history, options);
  j.latency = CheckLatency(history);
  j.availability = CheckAvailability(history, options);
  j.consistency = CheckConsistency(history);
  j.keyed = CheckKeyed(history);
  j.census = CheckCensus(history);
  j.split_brain = CheckSplitBrain(history);
  j.recall = CheckRecall(history, bounds);
  j.checks = RunCheckRules(CheckInput{history, options, j});

  if (j.workload_ops == 0) j.cannot_judge.push_back("no workload operations in the history");
  if (history.truncated && !j.consistency.judgeable) {
    j.cannot_judge.push_back("history truncated (the run ended early) and no final read");
  }
  bool any_fail = false;
  for (const Check& c : j.checks) {
    if (c.judged && !c.pass) any_fail = true;
    if (!c.judged) j.cannot_judge.push_back("check " + c.name + " could not be judged: " + c.definition);
  }
  // A run that could not complete (no steady state, a refused fault) says so in
  // its history; whatever it measured, it cannot be judged.
  const std::string run_error = history.meta.value("error", std::string());
  if (!run_error.empty()) j.cannot_judge.push_back("the run did not complete: " + run_error);
  // A measured failure stands even when something else could not be judged.
  if (!run_error.empty()) {
    j.exit_code = kExitCannotJudge;
  } else if (j.workload_ops > 0 && any_fail) {
    j.exit_code = kExitFail;
  } else if (!j.cannot_judge.empty()) {
    j.exit_code = kExitCannotJudge;
  } else {
    j.exit_code = kExitPass;
  }
  return j;
}

RtoAnalysisResult RtoAnalysis(std::vector<double> rtos_s) {
  RtoAnalysisResult r;
  r.definition = "over runs with an RTO: mean, min, max, median = sorted[n / 2] (the seed's), buckets [lo, hi) seconds";
  rtos_s.erase(std::remove_if(rtos_s.begin(), rtos_s.end(), [](double x) { return std::isnan(x); }), rtos_s.end());
  const std::vector<std::pair<double, std::optional<double>>> ranges = {
      {0, 5}, {5, 10}, {10, 15}, {15, 30}, {30, std::nullopt}};
  r.count = static_cast<int64_t>(rtos_s.size());
  for (const auto& [lo, hi] : ranges) {
    r.buckets.emplace_back();
    r.buckets.back().lo_s = lo;
    r.buckets.back().hi_s = hi;
  }
  if (rtos_s.empty()) return r;
  double sum = 0;
  for (double x : rtos_s) sum += x;  // left to right, as Python's sum()
  r.mean_s = sum / static_cast<double>(rtos_s.size());
  std::vector<double> sorted = rtos_s;
  std::sort(sorted.begin(), sorted.end());
  r.min_s = sorted.front();
  r.max_s = sorted.back();
  r.median_s = sorted[sorted.size() / 2];
  for (RtoBucket& b : r.buckets) {
    for (double x : rtos_s) b.count += (x >= b.lo_s && (!b.hi_s || x < *b.hi_s)) ? 1 : 0;
    b.percent = static_cast<double>(b.count) / static_cast<double>(r.count) * 100;
  }
  return r;
}

AvailabilityAnalysisResult AvailabilityAnalysis(int64_t total, int64_t ok) {
  AvailabilityAnalysisResult r;
  r.definition = "availability = ok / total * 100 over all runs; yearly downtime = (100 - a) / 100 * 525600 min";
  r.total = total;
  r.ok = ok;
  r.failed = total - ok;
  if (total <= 0) return r;
  r.judgeable = true;
  AvailabilityFigure f = MakeAvailabilityFigure(ok, total);
  r.availability_pct = f.pct;
  r.downtime_min_per_year = f.downtime_min_per_year;
  r.downtime_hours_per_year = f.downtime_min_per_year / 60;
  r.grade = f.grade;
  return r;
}

json ToJson(const Judgement& j) {
  json checks = json::array();
  for (const Check& c : j.checks) checks.push_back(ToJson(c));
  const char* verdict = j.exit_code == kExitPass ? "pass" : j.exit_code == kExitFail ? "fail" : "cannot judge";
  return {{"exit_code", j.exit_code},
          {"verdict", verdict},
          {"cannot_judge", j.cannot_judge},
          {"truncated", j.truncated},
          {"workload_ops", j.workload_ops},
          {"checks", checks},
          {"phases", ToJson(j.phases)},
          {"seed_rto", ToJson(j.seed_rto)},
          {"strict_rto", ToJson(j.strict_rto)},
          {"client_rto", ToJson(j.client_rto)},
          {"failures", ToJson(j.failures)},
          {"latency", ToJson(j.latency)},
          {"availability", ToJson(j.availability)},
          {"consistency", ToJson(j.consistency)},
          {"keyed", ToJson(j.keyed)},
          {"census", ToJson(j.census)},
          {"split_brain", ToJson(j.split_brain)},
          {"recall", ToJson(j.recall)}};
}

json ToJson(const RtoAnalysisResult& r) {
  json buckets = json::array();
  for (const RtoBucket& b : r.buckets) {
    buckets.push_back({{"lo_s", b.lo_s}, {"hi_s", OrNull(b.hi_s)}, {"count", b.count}, {"percent", b.percent}});
  }
  if (r.count == 0) {
    return {{"count", 0},          {"mean_s", nullptr},  {"min_s", nullptr},          {"max_s", nullptr},
            {"median_s", nullptr}, {"buckets", buckets}, {"definition", r.definition}};
  }
  return {{"count", r.count},       {"mean_s", r.mean_s}, {"min_s", r.min_s},          {"max_s", r.max_s},
          {"median_s", r.median_s}, {"buckets", buckets}, {"definition", r.definition}};
}

json ToJson(const AvailabilityAnalysisResult& r) {
  // Rounded as the seed prints them (4 and 2 decimals); the struct keeps the
  // unrounded values, which the grade uses.
  auto round_to = [](double x, double scale) { return std::round(x * scale) / scale; };
  json j = {
      {"judgeable", r.judgeable}, {"total", r.total}, {"ok", r.ok}, {"failed", r.failed}, {"definition", r.definition}};
  if (!r.judgeable) {
    j["availability_pct"] = j["downtime_min_per_year"] = j["downtime_hours_per_year"] = j["grade"] = nullptr;
    return j;
  }
  j["availability_pct"] = round_to(r.availability_pct, 1e4);
  j["downtime_min_per_year"] = round_to(r.downtime_min_per_year, 1e2);
  j["downtime_hours_per_year"] = round_to(r.downtime_hours_per_year, 1e2);
  j["grade"] = GradeName(r.grade);
  return j;
}

}  // namespace mdrill::drill
