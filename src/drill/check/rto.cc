// Phases and the two RTO definitions: the seed's (first failure to first
// success) and the strict one (fault.start to sustained recovery).
#include <algorithm>
#include <set>

#include "drill/check/checkers.h"
#include "drill/check/checkers_internal.h"
#include "drill/history/hdr_histogram.h"

namespace mdrill::drill {
namespace {

using internal::FaultInjected;
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
    "after it in intended-start order; +- half the op spacings at its two ends; every run of bad ops is an outage; "
    "overall = slowest kind";
constexpr const char* kStrictRtoDefinition =
    "strict RTO per op kind: from the fault's injection (fault.injected, else fault.start) to recovery, the first "
    "answer among the ops of a sustained run of good ops (ok, corrected latency <= bound, default max(200 ms, 5 x "
    "p99 of the settled warm-up, its ops after its first second), lasting at least sustain_ops ops and sustain "
    "time); placed midway between the last moment a bad "
    "op proved the service impaired (a failure's end, a slow op's intended start + bound) and that answer, +- half "
    "the interval; ops that ended before fault.start are not counted; 0 when no op in flight at or after "
    "fault.start was bad; overall = slowest kind";
constexpr const char* kClientRtoDefinition =
    "client view: the strict RTO of GetVersion probes through one channel with the SDKs' default reconnect "
    "(gRPC defaults: backoff from 1 s, x1.6, up to 120 s), as an application using pymilvus or the Node SDK sees "
    "an outage; never part of the RTO check";

SeedRto SeedForKind(const History& h, const std::vector<size_t>& ordered) {
  SeedRto r;
  std::optional<Outage> open;
  std::optional<int64_t> prev;  // intended start of the op before, in order
  int64_t open_spacing = 0;
  for (size_t i : ordered) {
    const Op& op = h.ops[i];
    const int64_t spacing = prev ? op.intended_us - *prev : 0;
    prev = op.intended_us;
    if (!op.ok()) {
      if (!open) {
        open.emplace();
        open->start_us = op.intended_us;
        open_spacing = spacing;
      }
      ++open->failed;
      if (op.outcome == Outcome::kUnknown) ++open->unknown;
    } else if (open) {
      open->end_us = op.end_us;
      // The outage began after the op before its first failure, and ended before
      // this answer but after the op before it: each end is known to an op spacing.
      open->uncertainty_us = (open_spacing + spacing + 1) / 2;
      r.outages.push_back(*open);
      open.reset();
    }
  }
  if (open) r.outages.push_back(*open);
  if (!r.outages.empty()) {
    const Outage& first = r.outages.front();
    r.recovered = first.end_us.has_value();
    if (first.end_us) {
      r.rto_us = *first.end_us - first.start_us;
      r.uncertainty_us = first.uncertainty_us;
    }
  }
  return r;
}

// Where a bad op proves the service impaired: a failure at the moment it came
// back, a slow answer at the moment it became late; a call still waiting long
// after its bound (a dead connection's retransmissions) proves nothing later.
int64_t ImpairedAt(const Op& op, int64_t bound) { return std::min(op.end_us, op.intended_us + bound); }

constexpr int64_t kSettleUs = 1'000'000;  // the warm-up's start that the latency bound ignores

int64_t LatencyBound(const History& h, const std::vector<size_t>& ordered, int64_t warm_until, const CheckOptions& o) {
  if (o.latency_bound_us > 0) return o.latency_bound_us;
  // A bound relative to the kind's own warm-up, so a slow op kind is not held to
  // a fast one's latency, with a floor so a very fast warm-up is not brittle.
  // Only the settled warm-up counts: its first second (a third of it if shorter)
  // starts threads and connections, and with tens of ops its p99 is its slowest
  // one (a start-up op 150 ms late made the bound 0.75 s, and a 1 s stall nearly
  // vanished under it). An op still running at the fault is not warm-up.
  const int64_t settled_from = std::min<int64_t>(kSettleUs, warm_until / 3);
  HdrHistogram warm, all;
  for (size_t i : ordered) {
    const Op& op = h.ops[i];
    if (op.end_us > warm_until || !op.ok()) continue;
    all.Record(op.end_us - op.intended_us);
    if (op.intended_us >= settled_from) warm.Record(op.end_us - op.intended_us);
  }
  const HdrHistogram& base = warm.Count() > 0 ? warm : all;
  return std::max<int64_t>(200'000, 5 * base.ValueAtPercentile(99));
}

// Recovery lies between lo, the last moment a bad op proved the service impaired,
// and hi, the first answer among the ops of the sustained good run. The estimate is
// the middle, its uncertainty half the interval. When the evidence conflicts (a
// bad op late for its client's own reasons, e.g. a SYN retransmission, after the
// good answer) the interval is the op spacing before hi, not before fault.start.
void PlaceRecovery(StrictRto* r, int64_t lo, int64_t hi, int64_t spacing, int64_t t0) {
  if (lo > hi) lo = std::max(std::min(t0, hi), hi - spacing);
  r->recovered_at_us = hi;
  r->last_impaired_us = lo;
  r->resolution_us = spacing;
  r->uncertainty_us = (hi - lo + 1) / 2;
  // A fault whose injection command returned after the service had recovered: 0.
  r->rto_us = std::max<int64_t>(0, lo + (hi - lo) / 2 - t0);
}

}  // namespace

namespace internal {

// t_start: fault.start (ops that ended before it are not counted); t0: the
// moment the fault had been injected, where the RTO counts from.
// `warm_until`: the warm-up's end (the first fault's injection), whose ops give
// the latency bound; a later fault's bound is not inflated by earlier outages.
StrictRto StrictForKind(const History& h, const std::vector<size_t>& ordered, int64_t t_start, int64_t t0,
                        int64_t t_over, int64_t warm_until, const CheckOptions& o) {
  StrictRto r;
  r.latency_bound_us = LatencyBound(h, ordered, warm_until, o);
  auto good = [&](const Op& op) { return op.ok() && op.end_us - op.intended_us <= r.latency_bound_us; };
  const int64_t need_ops = std::max(o.sustain_ops, 1);
  constexpr size_t kNone = static_cast<size_t>(-1);
  int64_t lo = t_start, run_n = 0, first_answer = 0;
  int64_t quiet_n = 0, quiet_from = 0;     // good ops since the fault was over, before any bad one
  size_t run_start = kNone, prev = kNone;  // positions in `ordered`
  for (size_t pos = 0; pos < ordered.size(); ++pos) {
    const Op& op = h.ops[ordered[pos]];
    // Ops that ended before the fault say nothing about it; one in flight when it
    // struck does.
    if (op.end_us < t_start) continue;
    if (!good(op)) {
      ++r.bad_ops;
      if (!r.impact_seen) r.first_impaired_us = std::max(op.intended_us, t_start);
      r.impact_seen = true;
      lo = std::max(lo, ImpairedAt(op, r.latency_bound_us));
      run_start = kNone;
      prev = pos;
      continue;
    }
    if (!r.impact_seen) {
      prev = pos;
      // A sustained run of good ops once the fault was over, before any bad one:
      // it did not impair this kind; a later impairment is not its outage.
      if (op.intended_us >= t_over) {
        if (quiet_n++ == 0) quiet_from = op.intended_us;
        if (quiet_n >= need_ops && op.intended_us - quiet_from >= o.sustain_us) break;
      }
      continue;
    }
    if (run_start == kNone) {
      run_start = pos;
      run_n = 0;
      first_answer = op.end_us;
    }
    ++run_n;
    // Ops held by a stalled server are answered together when it resumes, in any
    // order: the service was back at the run's first answer.
    first_answer = std::min(first_answer, op.end_us);
    const Op& first = h.ops[ordered[run_start]];
    if (run_n >= need_ops && op.intended_us - first.intended_us >= o.sustain_us) {
      r.run_start_us = first.intended_us;
      int64_t spacing = prev != kNone ? first.intended_us - h.ops[ordered[prev]].intended_us : 0;
      PlaceRecovery(&r, lo, first_answer, std::max<int64_t>(spacing, 0), t0);
      return r;
    }
  }
  if (!r.impact_seen) {
    r.rto_us = 0;
  } else {
    r.never_recovered = true;
  }
  return r;
}

std::map<int64_t, int64_t> HealTimes(const History& h) {
  std::map<int64_t, int64_t> healed;
  for (const Event& s : h.events) {
    if (s.name != kEventFaultStart) continue;
    const std::string id = s.detail.substr(0, s.detail.find(": "));
    for (const Event& e : h.events)
      if (e.name == kEventFaultEnd && e.t_us >= s.t_us && !id.empty() && e.detail.rfind(id + " healed", 0) == 0) {
        healed[s.t_us] = e.t_us;
        break;
      }
  }
  return healed;
}

// The fault.start times of faults that restart the whole target: the runner
// records {"targets": ["supervisor"]} for a kill of the lab's supervisor.
std::set<int64_t> RestartFaults(const History& h) {
  std::set<int64_t> out;
  for (const Event& e : h.events)
    if (e.name == kEventFaultStart && e.data.is_object() && e.data.contains("targets") &&
        e.data["targets"] == json::array({"supervisor"}))
      out.insert(e.t_us);
  return out;
}

// Each fault.start with the first fault.injected after it (before the next
// start), sorted: (start, t0).
std::vector<std::pair<int64_t, int64_t>> InjectedFaults(const History& h) {
  std::vector<int64_t> starts;
  for (const Event& e : h.events)
    if (e.name == kEventFaultStart) starts.push_back(e.t_us);
  std::sort(starts.begin(), starts.end());
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t next = i + 1 < starts.size() ? starts[i + 1] : INT64_MAX;
    int64_t best = INT64_MAX;
    for (const Event& e : h.events)
      if (e.name == kEventFaultInjected && e.t_us >= starts[i] && e.t_us < next) best = std::min(best, e.t_us);
    out.emplace_back(starts[i], best != INT64_MAX ? best : starts[i]);
  }
  return out;
}

}  // namespace internal

namespace {

using internal::HealTimes;
using internal::InjectedFaults;
using internal::StrictForKind;

// One kind's strict RTO for each group of faults: a fault the kind had not
// recovered from (a sustained run) before the next fault began is one outage
// with that next fault, timed from the group's first injection. Each group sees
// only the ops intended before the next group's first fault.
std::vector<FaultRto> StrictPerFault(const History& h, const std::vector<size_t>& ordered,
                                     const std::vector<std::pair<int64_t, int64_t>>& faults, const CheckOptions& o,
                                     std::vector<StrictRto>* per_group) {
  std::vector<FaultRto> out;
  const int64_t warm_until = faults.empty() ? 0 : faults.front().second;
  const std::map<int64_t, int64_t> healed = HealTimes(h);
  const std::set<int64_t> restarts = internal::RestartFaults(h);
  for (size_t g = 0; g < faults.size();) {
    size_t e = g;
    StrictRto k;
    while (true) {
      const int64_t limit = e + 1 < faults.size() ? faults[e + 1].first : INT64_MAX;
      std::vector<size_t> window;
      for (size_t i : ordered)
        if (h.ops[i].intended_us < limit) window.push_back(i);
      int64_t over = 0;  // the group's last fault over: healed, or injected (a kill)
      for (size_t f = g; f <= e; ++f) {
        auto it = healed.find(faults[f].first);
        over = std::max(over, it != healed.end() ? it->second : faults[f].second + internal::kKillAftermathUs);
      }
      k = StrictForKind(h, window, faults[g].first, faults[g].second, over, warm_until, o);
      if (!k.never_recovered || e + 1 >= faults.size()) break;
      ++e;
    }
    bool restart = false;
    for (size_t f = g; f <= e; ++f) restart |= restarts.count(faults[f].first) > 0;
    out.push_back({faults[g].first, faults[g].second, static_cast<int>(e - g + 1), k.rto_us, k.uncertainty_us,
                   k.never_recovered, "", restart});
    per_group->push_back(k);
    g = e + 1;
  }
  return out;
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
    b.recovery_us = *strict.injected_us + *strict.rto_us;
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
    if (k.rto_us && (!r.rto_us || *k.rto_us > *r.rto_us)) {
      r.rto_us = k.rto_us;
      r.uncertainty_us = k.uncertainty_us;
    }
    r.by_kind.emplace(kind, std::move(k));
  }
  if (!r.recovered) r.rto_us.reset();
  return r;
}

namespace {
StrictRtoResult StrictOver(const History& history, const CheckOptions& options,
                           const std::map<std::string, std::vector<size_t>>& kinds, const char* definition);
}  // namespace

StrictRtoResult CheckStrictRto(const History& history, const CheckOptions& options) {
  return StrictOver(history, options, WorkloadByKind(history), kStrictRtoDefinition);
}

StrictRtoResult CheckClientRto(const History& history, const CheckOptions& options) {
  return StrictOver(history, options, WorkloadByKind(history, kKindSdkProbe), kClientRtoDefinition);
}

namespace {

StrictRtoResult StrictOver(const History& history, const CheckOptions& options,
                           const std::map<std::string, std::vector<size_t>>& kinds, const char* definition) {
  StrictRtoResult r;
  r.definition = definition;
  r.sustain_us = options.sustain_us;
  r.sustain_ops = options.sustain_ops;
  r.fault_start_us = FaultStart(history);
  if (!r.fault_start_us) return r;
  r.injected_us = FaultInjected(history);
  const auto faults = InjectedFaults(history);
  std::map<int64_t, FaultRto> outages;  // by the start of the fault that began it
  for (const auto& [kind, ordered] : kinds) {
    std::vector<StrictRto> groups;
    std::vector<FaultRto> per_fault = StrictPerFault(history, ordered, faults, options, &groups);
    // The kind's figure: its worst failover (one it never recovered from first);
    // a whole-target restart counts only if it never recovered, else apart.
    size_t worst = 0;
    bool any = false;
    for (size_t i = 0; i < groups.size(); ++i) {
      const StrictRto& a = groups[i];
      if (per_fault[i].restart && !a.never_recovered) {
        if (a.rto_us && (!r.restart_rto_us || *a.rto_us > *r.restart_rto_us)) {
          r.restart_rto_us = a.rto_us;
          r.restart_uncertainty_us = a.uncertainty_us;
        }
        continue;
      }
      const StrictRto& b = groups[worst];
      if (!any ||
          (a.never_recovered != b.never_recovered ? a.never_recovered : a.rto_us.value_or(0) > b.rto_us.value_or(0)))
        worst = i;
      any = true;
    }
    const StrictRto k = any ? groups[worst] : StrictRto{};
    if (k.never_recovered) r.never_recovered = true;
    if (k.rto_us && (!r.rto_us || *k.rto_us > *r.rto_us)) {
      r.rto_us = k.rto_us;
      r.uncertainty_us = k.uncertainty_us;
    }
    r.by_kind.emplace(kind, k);
    // Per outage, the slowest kind: keyed by the fault that began it (kinds may
    // group faults differently; a fault inside another kind's longer outage
    // still leads its own where this kind had recovered).
    for (FaultRto p : per_fault) {
      p.kind = kind;
      auto [it, inserted] = outages.emplace(p.fault_start_us, p);
      FaultRto& f = it->second;
      if (!inserted &&
          (p.never_recovered != f.never_recovered ? p.never_recovered : p.rto_us.value_or(0) > f.rto_us.value_or(0)))
        f = p;
    }
  }
  for (const auto& [start, f] : outages) r.by_fault.push_back(f);
  if (r.never_recovered) r.rto_us.reset();
  return r;
}

}  // namespace

}  // namespace mdrill::drill
