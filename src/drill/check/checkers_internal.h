// Helpers shared by the checker translation units. Not part of the public API.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drill/check/checkers.h"
#include "drill/history/history.h"

namespace mdrill::drill::internal {

// A final read: the ok op of `kind` that ended last (null when none succeeded).
// Sets *any when some op of that kind exists, ok or not.
inline const Op* LastOkOp(const History& h, std::string_view kind, bool* any) {
  const Op* best = nullptr;
  *any = false;
  for (const Op& op : h.ops) {
    if (op.kind != kind) continue;
    *any = true;
    if (op.ok() && (best == nullptr || op.end_us >= best->end_us)) best = &op;
  }
  return best;
}

inline bool IsWorkload(const Op& op) {
  return op.kind != kKindFinal && op.kind != kKindKeyFinal && op.kind != kKindSdkProbe && !IsDdlKind(op.kind);
}

// The time of the first "fault.start" event (smallest t_us), if any.
inline std::optional<int64_t> FaultStart(const History& h) {
  std::optional<int64_t> t;
  for (const Event& e : h.events) {
    if (e.name == kEventFaultStart && (!t || e.t_us < *t)) t = e.t_us;
  }
  return t;
}

// When the first fault had been injected: the first "fault.injected" at or after
// the first "fault.start", else that fault.start (histories without the event).
inline std::optional<int64_t> FaultInjected(const History& h) {
  std::optional<int64_t> start = FaultStart(h);
  if (!start) return start;
  std::optional<int64_t> t;
  for (const Event& e : h.events) {
    if (e.name == kEventFaultInjected && e.t_us >= *start && (!t || e.t_us < *t)) t = e.t_us;
  }
  return t ? t : start;
}

// Indexes of workload ops grouped by kind, each group in intended-start order
// (ties: start_us, then file order), which is the order the RTO checkers walk.
// With `only_kind`, that kind alone, workload or not.
inline std::map<std::string, std::vector<size_t>> WorkloadByKind(const History& h, const char* only_kind = nullptr) {
  std::map<std::string, std::vector<size_t>> by_kind;
  for (size_t i = 0; i < h.ops.size(); ++i) {
    if (only_kind != nullptr ? h.ops[i].kind == only_kind : IsWorkload(h.ops[i])) by_kind[h.ops[i].kind].push_back(i);
  }
  for (auto& [kind, idx] : by_kind) {
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      const Op& x = h.ops[a];
      const Op& y = h.ops[b];
      if (x.intended_us != y.intended_us) return x.intended_us < y.intended_us;
      return x.start_us < y.start_us;
    });
  }
  return by_kind;
}

// floor(t / w) for any sign of t (w > 0).
inline int64_t FloorDiv(int64_t t, int64_t w) {
  int64_t q = t / w;
  return (t % w != 0 && t < 0) ? q - 1 : q;
}

// Nearest-rank percentile with HdrHistogram's rank rule, max(1, round(p/100 n)),
// so exact per-window figures agree with the histogram's. Reorders `v`.
inline int64_t ExactPercentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.5);
  rank = std::clamp<size_t>(rank, 1, v.size());
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
  return v[rank - 1];
}

template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// A number, or null for the "not measured" sentinel (< 0).
inline nlohmann::json NonNegOrNull(double v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(nullptr); }

inline nlohmann::json UsToS(const std::optional<int64_t>& us) {
  return us ? nlohmann::json(static_cast<double>(*us) / 1e6) : nlohmann::json(nullptr);
}

template <typename T>
nlohmann::json CappedList(const std::vector<T>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < v.size() && i < kJsonListCap; ++i) out.push_back(v[i]);
  return out;
}

// rto.cc: the strict recovery of one kind of ops from one fault (t_start:
// fault.start; t0: its injection; warm_until: the warm-up's end, whose ops give the
// latency bound), and each fault.start with its injection, sorted: (start, t0).
// t_over: when the fault was over (its heal; for a kill, which the platform
// undoes by restarting, kKillAftermathUs after its injection): a sustained run of
// good ops from then on before any bad op means it did not impair the kind (RTO
// 0), whatever comes later.
StrictRto StrictForKind(const History& h, const std::vector<size_t>& ordered, int64_t t_start, int64_t t0,
                        int64_t t_over, int64_t warm_until, const CheckOptions& o);
std::vector<std::pair<int64_t, int64_t>> InjectedFaults(const History& h);
// Each lasting fault's fault.start time -> its heal (the fault.end naming its id).
std::map<int64_t, int64_t> HealTimes(const History& h);
// How long after a kill its consequences may still begin (restart, failover).
inline constexpr int64_t kKillAftermathUs = 10'000'000;

}  // namespace mdrill::drill::internal
