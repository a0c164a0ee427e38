#include "report/timeline.h"

#include <algorithm>
#include <cstdint>
#include <set>

namespace mdrill::report {

using drill::History;
using drill::Op;
using drill::Outcome;

int64_t NearestRankP99(std::vector<int64_t> values) {
  if (values.empty()) return 0;
  size_t rank = (values.size() * 99 + 99) / 100;  // ceil(0.99 n), at least 1
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

namespace {

// The id a fault.start carries before ": ", and a fault.end before " healed".
std::string StartId(const std::string& detail) {
  size_t p = detail.find(": ");
  return p == std::string::npos ? detail : detail.substr(0, p);
}

bool EndMatches(const std::string& end_detail, const std::string& id) {
  if (id.empty()) return false;
  if (end_detail.compare(0, id.size(), id) != 0) return false;
  return end_detail.size() == id.size() || end_detail[id.size()] == ' ' || end_detail[id.size()] == ':';
}

std::vector<FaultWindow> FaultWindows(const History& history) {
  std::vector<const drill::Event*> events;
  for (const auto& e : history.events) events.push_back(&e);
  std::stable_sort(events.begin(), events.end(), [](auto* a, auto* b) { return a->t_us < b->t_us; });
  std::vector<FaultWindow> out;
  std::vector<bool> used(events.size(), false);
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i]->name != drill::kEventFaultStart) continue;
    FaultWindow w{events[i]->t_us, std::nullopt, StartId(events[i]->detail), events[i]->detail};
    for (size_t k = i + 1; k < events.size(); ++k) {
      if (used[k] || events[k]->name != drill::kEventFaultEnd || !EndMatches(events[k]->detail, w.id)) continue;
      used[k] = true;
      w.end_us = events[k]->t_us;
      break;
    }
    out.push_back(std::move(w));
  }
  return out;
}

// Widths 1, 2, 5, 10, 20, 50 ... times the base, the first that fits.
int64_t FitWidth(int64_t base, int64_t span_us, int max_bins) {
  static const int kSteps[] = {1, 2, 5};
  for (int64_t decade = 1;; decade *= 10) {
    if (decade > INT64_MAX / 5 / base) return span_us < INT64_MAX ? span_us + 1 : span_us;  // never overflow
    for (int s : kSteps) {
      int64_t w = base * s * decade;
      if (span_us / w < max_bins || w > span_us) return w;
    }
  }
}

}  // namespace

Timeline BuildTimeline(const History& history, int64_t bin_us, int max_bins) {
  Timeline t;
  if (bin_us <= 0) bin_us = 1'000'000;
  if (max_bins < 1) max_bins = 1;
  std::vector<const Op*> ops;
  int64_t last_intended = 0;
  for (const Op& op : history.ops) {
    if (op.kind == drill::kKindFinal || op.kind == drill::kKindKeyFinal) continue;
    ops.push_back(&op);
    last_intended = std::max(last_intended, op.intended_us);
    t.end_us = std::max({t.end_us, op.intended_us, op.end_us});
  }
  for (const auto& e : history.events) t.end_us = std::max(t.end_us, e.t_us);
  t.faults = FaultWindows(history);
  t.ops = static_cast<int64_t>(ops.size());
  t.bin_us = FitWidth(bin_us, std::max<int64_t>(last_intended, 1), max_bins);
  if (ops.empty()) return t;

  size_t nbins = static_cast<size_t>(last_intended / t.bin_us) + 1;
  t.bins.resize(nbins);
  for (size_t i = 0; i < nbins; ++i) t.bins[i].start_us = static_cast<int64_t>(i) * t.bin_us;
  // Latencies are gathered per bin (and per kind) then reduced, so the p99 is exact.
  std::vector<std::vector<int64_t>> lat(nbins);
  std::vector<std::map<std::string, std::vector<int64_t>>> kind_lat(nbins);
  std::vector<double> recall_sum(nbins, 0);
  std::set<std::string> kinds;
  for (const Op* op : ops) {
    size_t i = op->intended_us <= 0 ? 0 : static_cast<size_t>(op->intended_us / t.bin_us);
    TimelineBin& b = t.bins[i];
    KindBin& k = b.by_kind[op->kind];
    kinds.insert(op->kind);
    switch (op->outcome) {
      case Outcome::kOk:
        ++b.ok;
        ++k.ok;
        lat[i].push_back(op->end_us - op->intended_us);
        kind_lat[i][op->kind].push_back(op->end_us - op->intended_us);
        break;
      case Outcome::kFail:
        ++b.fail;
        ++k.fail;
        break;
      case Outcome::kUnknown:
        ++b.unknown;
        ++k.unknown;
        break;
    }
    if (op->recall >= 0) {
      ++b.recall_count;
      recall_sum[i] += op->recall;
    }
  }
  for (size_t i = 0; i < nbins; ++i) {
    TimelineBin& b = t.bins[i];
    if (!lat[i].empty()) b.p99_us = NearestRankP99(std::move(lat[i]));
    for (auto& [kind, v] : kind_lat[i]) b.by_kind[kind].p99_us = NearestRankP99(std::move(v));
    if (b.recall_count > 0) b.recall_mean = recall_sum[i] / static_cast<double>(b.recall_count);
  }
  t.kinds.assign(kinds.begin(), kinds.end());
  return t;
}

}  // namespace mdrill::report
