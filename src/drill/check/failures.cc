// Failed requests judged by what a correct failover may cost (CheckFailures).
#include <algorithm>
#include <cstdio>

#include "drill/check/checkers.h"
#include "drill/check/checkers_internal.h"

namespace mdrill::drill {

using internal::HealTimes;
using internal::InjectedFaults;
using internal::StrictForKind;
using internal::WorkloadByKind;
using nlohmann::json;

namespace {

constexpr const char* kFailuresDefinition =
    "failed + unknown workload ops; explained: ended at or after a fault.start and intended before that fault's "
    "sustained recovery (the strict RTO's, per kind; for a lasting fault, not before its heal and the recovery from "
    "it); unexplained: every other; slow_unexplained (reported, not judged): ok ops after the warm-up slower than "
    "their kind's latency bound, outside every such window";

// "insert at t=2401.52 s (intended; ended 2401.60 s): code=2 ...; last fault before:
// ID: partition coordinator-0 at t=2401.20 s, healed at t=2410.20 s"
std::string Describe(const History& h, const Op& op) {
  char head[128];
  std::snprintf(head, sizeof head, "%s at t=%.3f s (intended; ended %.3f s): ", op.kind.c_str(), op.intended_us / 1e6,
                op.end_us / 1e6);
  std::string out = head;
  if (op.ok()) {
    char took[64];
    std::snprintf(took, sizeof took, "ok after %.0f ms", (op.end_us - op.intended_us) / 1e3);
    out += took;
  } else {
    out += op.error.empty() ? std::string("unknown outcome") : op.error;
  }
  const Event* last = nullptr;
  const Event* heal = nullptr;
  for (const Event& e : h.events)
    if (e.name == kEventFaultStart && e.t_us <= op.end_us) last = &e;
  if (last == nullptr) return out + "; no fault before it";
  const std::string id = last->detail.substr(0, last->detail.find(": "));
  for (const Event& e : h.events)
    if (e.name == kEventFaultEnd && e.t_us >= last->t_us && e.detail.rfind(id + " healed", 0) == 0) heal = &e;
  char tail[160];
  std::snprintf(tail, sizeof tail, " at t=%.3f s", last->t_us / 1e6);
  out += "; last fault before: " + last->detail + tail;
  if (heal != nullptr) {
    std::snprintf(tail, sizeof tail, ", healed at t=%.3f s", heal->t_us / 1e6);
    out += tail;
  }
  return out;
}

}  // namespace

FailuresResult CheckFailures(const History& history, const CheckOptions& options) {
  FailuresResult r;
  r.definition = kFailuresDefinition;
  // Each fault.start with the fault.injected that follows it (before the next start).
  const std::vector<std::pair<int64_t, int64_t>> injected = InjectedFaults(history);  // (start, t0)
  r.faults = static_cast<int64_t>(injected.size());
  const int64_t warm_until = injected.empty() ? 0 : injected.front().second;
  // A lasting fault's heal ("fault.end", matched by the fault id that begins both
  // details) disturbs the cluster too: the partitioned coordinator comes back,
  // connections held by a paused process fail.
  const std::map<int64_t, int64_t> healed = HealTimes(history);  // fault.start time -> its fault.end time
  for (const auto& [kind, ordered] : WorkloadByKind(history)) {
    std::vector<std::pair<int64_t, int64_t>> windows;  // [fault.start, recovery intended start)
    int64_t bound_us = 0;                              // the kind's latency bound (from the warm-up)
    for (const auto& [start, t0] : injected) {
      auto heal = healed.find(start);
      const int64_t over = heal != healed.end() ? heal->second : t0 + internal::kKillAftermathUs;
      StrictRto k = StrictForKind(history, ordered, start, t0, over, warm_until, options);
      bound_us = k.latency_bound_us;
      int64_t end = k.run_start_us.value_or(k.never_recovered ? INT64_MAX : start);
      if (auto h = healed.find(start); h != healed.end()) {
        // Until the heal, and the recovery from it.
        StrictRto after = StrictForKind(history, ordered, h->second, h->second, h->second, warm_until, options);
        end = std::max({end, h->second, after.run_start_us.value_or(after.never_recovered ? INT64_MAX : h->second)});
      }
      windows.emplace_back(start, end);
    }
    for (size_t i : ordered) {
      const Op& op = history.ops[i];
      const bool slow =
          op.ok() && bound_us > 0 && op.intended_us >= warm_until && op.end_us - op.intended_us > bound_us;
      if (op.ok() && !slow) continue;
      bool inside = std::any_of(windows.begin(), windows.end(),
                                [&](const auto& w) { return op.end_us >= w.first && op.intended_us < w.second; });
      if (slow) {
        if (!inside && r.slow_examples.size() < 20) r.slow_examples.push_back(Describe(history, op));
        r.slow_unexplained += inside ? 0 : 1;
        if (!inside) ++r.slow_by_kind[kind];
        continue;
      }
      ++r.total;
      ++(inside ? r.explained : r.unexplained);
      if (!inside && r.unexplained_examples.size() < 20) r.unexplained_examples.push_back(Describe(history, op));
    }
  }
  return r;
}

json ToJson(const FailuresResult& r) {
  return {{"total", r.total},
          {"explained", r.explained},
          {"unexplained", r.unexplained},
          {"unexplained_examples", r.unexplained_examples},
          {"slow_unexplained", r.slow_unexplained},
          {"slow_examples", r.slow_examples},
          {"slow_by_kind", r.slow_by_kind},
          {"faults", r.faults},
          {"definition", r.definition}};
}

}  // namespace mdrill::drill
