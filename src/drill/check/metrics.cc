// Latency, availability and recall checkers.
#include <cmath>

#include "drill/check/checkers.h"
#include "drill/check/checkers_internal.h"
#include "drill/history/hdr_histogram.h"

namespace mdrill::drill {
namespace {

using internal::IsWorkload;
using nlohmann::json;

constexpr const char* kLatencyDefinition =
    "ok ops only; corrected = end - intended start (open-loop, no coordinated omission), raw = end - actual start; "
    "HDR histogram, percentiles to 3 significant digits, max and mean exact";
constexpr const char* kAvailabilityDefinition =
    "request-based = ok ops / all ops; time-based = share of windows (aligned to run start, ops by intended "
    "start, empty windows excluded) with success rate >= threshold; nines = -log10(1 - a); yearly downtime = "
    "(100 - pct) / 100 * 525600 min";
constexpr const char* kRecallDefinition =
    "recall@k of ok searches that carry one (recall >= 0), mean and min per phase by intended start";

struct KindHistograms {
  HdrHistogram corrected, raw;
};

LatencySummary Summarize(const HdrHistogram& h) {
  LatencySummary s;
  s.count = h.Count();
  s.p50_us = h.ValueAtPercentile(50);
  s.p90_us = h.ValueAtPercentile(90);
  s.p99_us = h.ValueAtPercentile(99);
  s.max_us = h.Max();
  s.mean_us = h.Mean();
  return s;
}

json SummaryJson(const LatencySummary& s) {
  if (s.count == 0) {
    return {{"count", 0},        {"p50_us", nullptr}, {"p90_us", nullptr},
            {"p99_us", nullptr}, {"max_us", nullptr}, {"mean_us", nullptr}};
  }
  return {{"count", s.count},   {"p50_us", s.p50_us}, {"p90_us", s.p90_us},
          {"p99_us", s.p99_us}, {"max_us", s.max_us}, {"mean_us", s.mean_us}};
}

json KindLatencyJson(const KindLatency& k) {
  return {{"corrected", SummaryJson(k.corrected)}, {"raw", SummaryJson(k.raw)}};
}

void AddRecall(RecallStats* s, double recall) {
  s->min = s->count == 0 ? recall : std::min(s->min, recall);
  // Running mean: exact enough for thousands of samples, and no sum to overflow.
  ++s->count;
  s->mean += (recall - s->mean) / static_cast<double>(s->count);
}

json RecallJson(const RecallStats& s) {
  if (s.count == 0) return {{"count", 0}, {"mean", nullptr}, {"min", nullptr}};
  return {{"count", s.count}, {"mean", s.mean}, {"min", s.min}};
}

}  // namespace

LatencyResult CheckLatency(const History& history) {
  std::map<std::string, KindHistograms> kinds;
  for (const Op& op : history.ops) {
    if (!IsWorkload(op) || !op.ok()) continue;
    KindHistograms& k = kinds[op.kind];
    k.corrected.Record(op.end_us - op.intended_us);
    k.raw.Record(op.end_us - op.start_us);
  }
  LatencyResult r;
  r.definition = kLatencyDefinition;
  KindHistograms all;
  for (const auto& [kind, k] : kinds) {
    r.by_kind[kind] = KindLatency{Summarize(k.corrected), Summarize(k.raw)};
    all.corrected.Merge(k.corrected);
    all.raw.Merge(k.raw);
  }
  r.all = KindLatency{Summarize(all.corrected), Summarize(all.raw)};
  return r;
}

Grade GradeFor(double pct) {
  if (pct >= 99.99) return Grade::kFourNines;
  if (pct >= 99.9) return Grade::kThreeNines;
  if (pct >= 99) return Grade::kTwoNines;
  return Grade::kBelow99;
}

const char* GradeName(Grade grade) {
  switch (grade) {
    case Grade::kFourNines:
      return "four nines";
    case Grade::kThreeNines:
      return "three nines";
    case Grade::kTwoNines:
      return "two nines";
    case Grade::kBelow99:
      return "below 99%";
  }
  return "below 99%";
}

AvailabilityFigure MakeAvailabilityFigure(int64_t good, int64_t total) {
  AvailabilityFigure f;
  f.good = good;
  f.total = total;
  if (total <= 0) return f;
  f.judgeable = true;
  // Same operations in the same order as the seed, so figures and grades agree
  // with it to the last bit at the boundaries (99.99, 99.9, 99).
  f.pct = static_cast<double>(good) / static_cast<double>(total) * 100;
  double a = static_cast<double>(good) / static_cast<double>(total);
  f.nines = a >= 1 ? 9 : std::min(9.0, -std::log10(1 - a));
  f.downtime_min_per_year = (100 - f.pct) / 100 * 365 * 24 * 60;
  f.grade = GradeFor(f.pct);
  return f;
}

AvailabilityResult CheckAvailability(const History& history, const CheckOptions& options) {
  AvailabilityResult r;
  r.definition = kAvailabilityDefinition;
  r.window_us = std::max<int64_t>(options.availability_window_us, 1);
  OutcomeCounts requests;
  std::map<int64_t, OutcomeCounts> windows;
  for (const Op& op : history.ops) {
    if (!IsWorkload(op)) continue;
    requests.Add(op.outcome);
    windows[internal::FloorDiv(op.intended_us, r.window_us)].Add(op.outcome);
  }
  r.request = MakeAvailabilityFigure(requests.ok, requests.count);
  int64_t good_windows = 0;
  for (const auto& [index, c] : windows) {
    if (c.SuccessRate() >= options.availability_window_min_success) ++good_windows;
  }
  r.time = MakeAvailabilityFigure(good_windows, static_cast<int64_t>(windows.size()));
  return r;
}

RecallResult CheckRecall(const History& history, const PhaseBounds& bounds) {
  RecallResult r;
  r.definition = kRecallDefinition;
  for (const Op& op : history.ops) {
    if (!IsWorkload(op) || !op.ok() || op.recall < 0) continue;
    AddRecall(&r.by_phase[static_cast<size_t>(bounds.PhaseOf(op.intended_us))], op.recall);
    AddRecall(&r.all, op.recall);
  }
  return r;
}

json ToJson(const LatencyResult& r) {
  json kinds = json::object();
  for (const auto& [kind, k] : r.by_kind) kinds[kind] = KindLatencyJson(k);
  return {{"all", KindLatencyJson(r.all)}, {"by_kind", kinds}, {"definition", r.definition}};
}

json ToJson(const AvailabilityFigure& f) {
  if (!f.judgeable) {
    return {{"judgeable", false}, {"good", f.good},   {"total", f.total},
            {"pct", nullptr},     {"nines", nullptr}, {"downtime_min_per_year", nullptr},
            {"grade", nullptr}};
  }
  return {{"judgeable", true},          {"good", f.good},
          {"total", f.total},           {"pct", f.pct},
          {"nines", f.nines},           {"downtime_min_per_year", f.downtime_min_per_year},
          {"grade", GradeName(f.grade)}};
}

json ToJson(const AvailabilityResult& r) {
  return {{"request", ToJson(r.request)},
          {"time", ToJson(r.time)},
          {"window_us", r.window_us},
          {"definition", r.definition}};
}

json ToJson(const RecallResult& r) {
  json phases = json::object();
  for (size_t i = 0; i < r.by_phase.size(); ++i) phases[PhaseName(static_cast<Phase>(i))] = RecallJson(r.by_phase[i]);
  return {{"all", RecallJson(r.all)}, {"by_phase", phases}, {"definition", r.definition}};
}

}  // namespace mdrill::drill
