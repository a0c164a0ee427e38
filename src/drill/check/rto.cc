// Phases and the two RTO definitions: the seed's (first failure to first
// success) and the strict one (fault.start to sustained recovery).
#include <algorithm>

#include "drill/check/checkers.h"
#include "drill/check/checkers_internal.h"
#include "drill/history/hdr_histogram.h"

namespace mdrill::drill {
namespace {

using internal::FaultStart;
using internal::OrNull;
using internal::UsToS;
using internal::WorkloadByKind;
using nlohmann::json;

constexpr const char* kPhasesDefinition =
    "ops placed by intended start: before < first fault.start <= during < recovery (first fault.end, else "
    "fault.start + strict RTO) <= after; success rate = ok / ops, unknown counts as not ok";
constexpr const char* kSeedRtoDefinition =
    "seed RTO per op kind: from the intended start of the first failed-or-unknown op to the end of the first ok op "
    "after it in intended-start order; every run of bad ops is an outage; overall = slowest kind";
constexpr const char* kStrictRtoDefinition =
    "strict RTO per op kind: from fault.start to the start of the first window (width W, aligned to fault.start, "
    "ops by intended start, empty windows skipped) after the first bad window that begins K consecutive windows "
    "with success rate >= min_success and corrected p99 <= bound (default max(200 ms, 5 x warm-up p99)); 0 when "
    "no window was bad; overall = slowest kind";

SeedRto SeedForKind(const History& h, const std::vector<size_t>& ordered) {
  SeedRto r;
  std::optional<Outage> open;
  for (size_t i : ordered) {
    const Op& op = h.ops[i];
    if (!op.ok()) {
      if (!open) {
        open.emplace();
        open->start_us = op.intended_us;
      }
      ++open->failed;
      if (op.outcome == Outcome::kUnknown) ++open->unknown;
    } else if (open) {
      open->end_us = op.end_us;
      r.outages.push_back(*open);
      open.reset();
    }
  }
  if (open) r.outages.push_back(*open);
  if (!r.outages.empty()) {
    const Outage& first = r.outages.front();
    r.recovered = first.end_us.has_value();
    if (first.end_us) r.rto_us = *first.end_us - first.start_us;
  }
  return r;
}

struct Window {
  int64_t n = 0, ok = 0;
  std::vector<int64_t> latencies;  // corrected, ok ops
};

StrictRto StrictForKind(const History& h, const std::vector<size_t>& ordered, int64_t t0, const CheckOptions& o) {
  StrictRto r;
  if (o.latency_bound_us > 0) {
    r.latency_bound_us = o.latency_bound_us;
  } else {
    // A bound relative to the kind's own warm-up, so a slow op kind is not held
    // to a fast one's latency, with a floor so a very fast warm-up is not brittle.
    HdrHistogram warm;
    for (size_t i : ordered) {
      const Op& op = h.ops[i];
      if (op.intended_us < t0 && op.ok()) warm.Record(op.end_us - op.intended_us);
    }
    r.latency_bound_us = std::max<int64_t>(200'000, 5 * warm.ValueAtPercentile(99));
  }
  const int64_t w = std::max<int64_t>(o.window_us, 1);
  const int k = std::max(o.recovery_windows, 1);
  std::map<int64_t, Window> windows;  // sparse: only windows with ops
  for (size_t i : ordered) {
    const Op& op = h.ops[i];
    if (op.intended_us < t0) continue;
    Window& win = windows[(op.intended_us - t0) / w];
    ++win.n;
    if (op.ok()) {
      ++win.ok;
      win.latencies.push_back(op.end_us - op.intended_us);
    }
  }
  int run = 0;
  int64_t run_start = 0;
  for (auto& [index, win] : windows) {
    double success = static_cast<double>(win.ok) / static_cast<double>(win.n);
    bool good = success >= o.min_success && internal::ExactPercentile(win.latencies, 99) <= r.latency_bound_us;
    if (!r.impact_seen) {
      // Recovery only means something after the fault was felt; a fault whose
      // effect shows up late must not score RTO 0 from the quiet windows before.
      if (!good) {
        r.impact_seen = true;
        r.first_bad_window_us = t0 + index * w;
      }
      continue;
    }
    if (!good) {
      run = 0;
      continue;
    }
    if (run == 0) run_start = index;
    if (++run >= k) {
      r.rto_us = run_start * w;
      break;
    }
  }
  if (!r.impact_seen) {
    r.rto_us = 0;
  } else if (!r.rto_us) {
    r.never_recovered = true;
  }
  return r;
}

json OutcomeCountsJson(const OutcomeCounts& c) {
  return {{"count", c.count},
          {"ok", c.ok},
          {"fail", c.fail},
          {"unknown", c.unknown},
          {"success_rate", internal::NonNegOrNull(c.SuccessRate())}};
}

}  // namespace

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kBefore:
      return "before";
    case Phase::kDuring:
      return "during";
    case Phase::kAfter:
      return "after";
  }
  return "before";
}

Phase PhaseBounds::PhaseOf(int64_t t_us) const {
  if (!fault_start_us || t_us < *fault_start_us) return Phase::kBefore;
  if (!recovery_us || t_us < *recovery_us) return Phase::kDuring;
  return Phase::kAfter;
}

PhaseBounds FindPhaseBounds(const History& history, const CheckOptions& options) {
  PhaseBounds b;
  b.recovery_source = "none";
  b.fault_start_us = FaultStart(history);
  if (!b.fault_start_us) return b;
  for (const Event& e : history.events) {
    if (e.name == kEventFaultEnd && e.t_us >= *b.fault_start_us && (!b.recovery_us || e.t_us < *b.recovery_us)) {
      b.recovery_us = e.t_us;
      b.recovery_source = "fault.end";
    }
  }
  if (b.recovery_us) return b;
  StrictRtoResult strict = CheckStrictRto(history, options);
  if (strict.rto_us) {
    b.recovery_us = *b.fault_start_us + *strict.rto_us;
    b.recovery_source = "strict_rto";
  }
  return b;
}

void OutcomeCounts::Add(Outcome outcome) {
  ++count;
  if (outcome == Outcome::kOk) ++ok;
  if (outcome == Outcome::kFail) ++fail;
  if (outcome == Outcome::kUnknown) ++unknown;
}

double OutcomeCounts::SuccessRate() const {
  return count > 0 ? static_cast<double>(ok) / static_cast<double>(count) : -1;
}

PhasesResult CheckPhases(const History& history, const PhaseBounds& bounds) {
  PhasesResult r;
  r.bounds = bounds;
  r.definition = kPhasesDefinition;
  for (const Op& op : history.ops) {
    if (!internal::IsWorkload(op)) continue;
    PhaseStats& p = r.phases[static_cast<size_t>(bounds.PhaseOf(op.intended_us))];
    p.by_kind[op.kind].Add(op.outcome);
    p.all.Add(op.outcome);
  }
  return r;
}

SeedRtoResult CheckSeedRto(const History& history) {
  SeedRtoResult r;
  r.definition = kSeedRtoDefinition;
  for (const auto& [kind, ordered] : WorkloadByKind(history)) {
    SeedRto k = SeedForKind(history, ordered);
    if (!k.recovered) r.recovered = false;
    if (k.rto_us && (!r.rto_us || *k.rto_us > *r.rto_us)) r.rto_us = k.rto_us;
    r.by_kind.emplace(kind, std::move(k));
  }
  if (!r.recovered) r.rto_us.reset();
  return r;
}

StrictRtoResult CheckStrictRto(const History& history, const CheckOptions& options) {
  StrictRtoResult r;
  r.definition = kStrictRtoDefinition;
  r.window_us = options.window_us;
  r.recovery_windows = options.recovery_windows;
  r.min_success = options.min_success;
  r.fault_start_us = FaultStart(history);
  if (!r.fault_start_us) return r;
  for (const auto& [kind, ordered] : WorkloadByKind(history)) {
    StrictRto k = StrictForKind(history, ordered, *r.fault_start_us, options);
    if (k.never_recovered) r.never_recovered = true;
    if (k.rto_us && (!r.rto_us || *k.rto_us > *r.rto_us)) r.rto_us = k.rto_us;
    r.by_kind.emplace(kind, k);
  }
  if (r.never_recovered) r.rto_us.reset();
  return r;
}

json ToJson(const PhaseBounds& b) {
  return {{"fault_start_us", OrNull(b.fault_start_us)},
          {"recovery_us", OrNull(b.recovery_us)},
          {"recovery_source", b.recovery_source}};
}

json ToJson(const PhasesResult& r) {
  json phases = json::object();
  for (size_t i = 0; i < r.phases.size(); ++i) {
    json kinds = json::object();
    for (const auto& [kind, c] : r.phases[i].by_kind) kinds[kind] = OutcomeCountsJson(c);
    phases[PhaseName(static_cast<Phase>(i))] = {{"all", OutcomeCountsJson(r.phases[i].all)}, {"by_kind", kinds}};
  }
  return {{"bounds", ToJson(r.bounds)}, {"phases", phases}, {"definition", r.definition}};
}

json ToJson(const SeedRtoResult& r) {
  json kinds = json::object();
  for (const auto& [kind, k] : r.by_kind) {
    json outages = json::array();
    for (const Outage& o : k.outages) {
      std::optional<int64_t> duration;
      if (o.end_us) duration = *o.end_us - o.start_us;
      outages.push_back({{"start_us", o.start_us},
                         {"end_us", OrNull(o.end_us)},
                         {"duration_s", UsToS(duration)},
                         {"failed", o.failed},
                         {"unknown", o.unknown}});
    }
    kinds[kind] = {{"rto_us", OrNull(k.rto_us)},
                   {"rto_s", UsToS(k.rto_us)},
                   {"recovered", k.recovered},
                   {"outage_count", k.outages.size()},
                   {"outages", outages}};
  }
  return {{"rto_us", OrNull(r.rto_us)},
          {"rto_s", UsToS(r.rto_us)},
          {"recovered", r.recovered},
          {"by_kind", kinds},
          {"definition", r.definition}};
}

json ToJson(const StrictRtoResult& r) {
  json kinds = json::object();
  for (const auto& [kind, k] : r.by_kind) {
    kinds[kind] = {{"rto_us", OrNull(k.rto_us)},
                   {"rto_s", UsToS(k.rto_us)},
                   {"never_recovered", k.never_recovered},
                   {"impact_seen", k.impact_seen},
                   {"first_bad_window_us", OrNull(k.first_bad_window_us)},
                   {"latency_bound_us", k.latency_bound_us}};
  }
  return {{"fault_start_us", OrNull(r.fault_start_us)},
          {"rto_us", OrNull(r.rto_us)},
          {"rto_s", UsToS(r.rto_us)},
          {"never_recovered", r.never_recovered},
          {"window_us", r.window_us},
          {"recovery_windows", r.recovery_windows},
          {"min_success", r.min_success},
          {"by_kind", kinds},
          {"definition", r.definition}};
}

}  // namespace mdrill::drill
