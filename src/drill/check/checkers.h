// Checkers: pure functions from a History (drill/history.h) to measured facts and
// a verdict. Nothing here does I/O or reads a clock, so a run can be judged again,
// offline, from its file, and gives the same answer.
//
// Conventions shared by every checker:
//  - Workload ops are all ops except kind "final" (the final read is a
//    consistency probe, not traffic). Only workload ops are counted, timed, or
//    placed in phases.
//  - An op is placed in time by intended_us (when the open-loop generator meant
//    to start it), so an op stuck behind an outage counts against the outage.
//  - "Bad" means outcome fail or unknown; an unknown op is never counted as ok.
//  - Each result converts to JSON (ToJson) with every figure, and carries a
//    one-line `definition` saying how it was measured, which the report prints.
//    Times are microseconds (keys end in _us) unless a key ends in _s.
//  - Lists of ids or violations are complete in the structs; JSON lists hold at
//    most kJsonListCap entries, next to the full count.
// All functions are thread-safe (they share no state).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "drill/check/census.h"
#include "drill/check/check.h"
#include "drill/check/keyed.h"
#include "drill/history/history.h"

namespace mdrill::drill {

inline constexpr size_t kJsonListCap = 100;
inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitCannotJudge = 2;

// Which RTO definition the verdict's "rto" check compares against rto_max_s.
enum class RtoBasis {
  kSeed,    // first failure to first success after it (the seed script's)
  kStrict,  // fault.start to sustained recovery (falls back to kSeed without a fault.start event)
};

// Verdict thresholds. Defaults are the seed's, plus zero lost writes.
struct Thresholds {
  double rto_max_s = 15;  // pass when RTO < rto_max_s (strictly, as the seed)
  // A restart of the whole target (the lab's supervisor killed: every component
  // starts cold from its data) is back within this.
  double restart_max_s = 60;
  // The seed's check, pass when failed+unknown workload ops < failed_max. Unset
  // (the default): failures are judged by what a correct failover may cost, see
  // FailuresResult: none outside the faults' impairments.
  std::optional<int64_t> failed_max;
  int64_t unexplained_failed_max = 0;  // pass when failures outside every impairment <= this
  // Pass when request-based availability >= this. Unset (the default): no check;
  // availability is reported per test with its grade, and graded over the suite as
  // the seed's calculate_availability does. One request in flight on a killed
  // process is 0.1 % of a 30 s test at 30 ops/s: a per-test 99.9 % would fail a
  // correct failover.
  std::optional<double> availability_min_pct;
  int64_t lost_max = 0;                        // pass when lost acknowledged writes <= this
  std::optional<double> recall_min = 0.9;      // after-phase mean recall >= this, when measured
  std::optional<int64_t> duplicated_max = 0;   // duplicated pks <= this; nullopt: not a check
  std::optional<int64_t> split_brain_max = 0;  // split-brain signals <= this; nullopt: not a check
  RtoBasis rto_basis = RtoBasis::kStrict;
};

struct CheckOptions {
  // Strict RTO: a recovery is a run of good ops of one kind lasting at least
  // sustain_us (intended start of its first to its last op) and sustain_ops ops.
  int64_t sustain_us = 1'000'000;
  int sustain_ops = 5;
  // Strict RTO: a good op's maximum corrected latency. 0 = per kind,
  // max(200 ms, 5 x that kind's before-phase corrected p99).
  int64_t latency_bound_us = 0;
  int64_t availability_window_us = 1'000'000;  // time-based availability: window width, aligned to 0
  double availability_window_min_success = 0.99;
  Thresholds thresholds;
};

// ---------------------------------------------------------------- phases

enum class Phase { kBefore = 0, kDuring = 1, kAfter = 2 };
const char* PhaseName(Phase phase);  // "before", "during", "after"

// Where the phases begin. before: t < fault_start; during: fault_start <= t < recovery;
// after: t >= recovery. Without fault.start everything is before; without a
// recovery everything from fault.start on is during.
struct PhaseBounds {
  std::optional<int64_t> fault_start_us;  // the first "fault.start" event
  std::optional<int64_t> recovery_us;
  std::string recovery_source;  // "fault.end", "strict_rto" or "none"
  Phase PhaseOf(int64_t t_us) const;
};

// Finds the bounds: recovery = the first "fault.end" at or after fault.start,
// else fault.start + the strict RTO (CheckStrictRto) when it recovered.
PhaseBounds FindPhaseBounds(const History& history, const CheckOptions& options);

struct OutcomeCounts {
  int64_t count = 0, ok = 0, fail = 0, unknown = 0;
  void Add(Outcome outcome);
  int64_t bad() const { return fail + unknown; }
  double SuccessRate() const;  // ok / count; -1 when count == 0 (JSON null)
};

struct PhaseStats {
  std::map<std::string, OutcomeCounts> by_kind;
  OutcomeCounts all;
};

struct PhasesResult {
  PhaseBounds bounds;
  std::array<PhaseStats, 3> phases;  // indexed by Phase
  std::string definition;
};
PhasesResult CheckPhases(const History& history, const PhaseBounds& bounds);

// ---------------------------------------------------------------- RTO

// A maximal run of bad ops of one kind in intended-start order.
struct Outage {
  int64_t start_us = 0;           // intended_us of the run's first bad op
  std::optional<int64_t> end_us;  // end_us of the next ok op; none if none came
  int64_t failed = 0;             // bad ops in the run (fail + unknown)
  int64_t unknown = 0;            // of which unknown
  int64_t uncertainty_us = 0;     // each end is known to within the op spacing there; half their sum
};

struct SeedRto {
  std::optional<int64_t> rto_us;  // the first outage's end - start; none when nothing failed
  int64_t uncertainty_us = 0;     // the first outage's
  bool recovered = true;          // false when the first outage never ended
  std::vector<Outage> outages;
};

// The seed's RTO, "first failure to first success after it", per kind:
// F = the bad op with the smallest intended_us (ties: start_us, then file order);
// RTO = end_us of the first ok op after F in that order - F.intended_us.
// Overall = the largest per-kind RTO; not recovered if any kind never recovered.
struct SeedRtoResult {
  std::map<std::string, SeedRto> by_kind;
  std::optional<int64_t> rto_us;
  int64_t uncertainty_us = 0;
  bool recovered = true;
  std::string definition;
};
SeedRtoResult CheckSeedRto(const History& history);

struct StrictRto {
  std::optional<int64_t> rto_us;  // none when never recovered
  int64_t uncertainty_us = 0;     // rto_us is the true recovery +- this
  bool never_recovered = false;
  bool impact_seen = false;                  // some op in flight at or after fault.start was bad
  int64_t bad_ops = 0;                       // such ops (failed, unknown or slower than the bound)
  std::optional<int64_t> first_impaired_us;  // intended start of the first (not before fault.start)
  std::optional<int64_t> last_impaired_us;   // lower end of the recovery interval
  std::optional<int64_t> recovered_at_us;    // the first answer among the sustained run's ops
  std::optional<int64_t> run_start_us;       // intended start of the run's first op
  int64_t resolution_us = 0;                 // intended spacing of the ops at the recovery
  int64_t latency_bound_us = 0;              // the bound used for this kind
};

// The strict RTO, per kind, from t0, the moment the first fault had been injected
// ("fault.injected", else "fault.start"), measured on operations (not windows). An op is good when ok and its corrected
// latency is
// <= the latency bound. Ops are walked in intended order; those that ended before
// fault.start are skipped (one in flight when the fault struck counts). Recovery is the
// first op g after the first bad op that begins a run of good ops lasting
// sustain_ops ops and sustain_us; it lies between lo, the latest moment a bad op
// before g proved the service impaired (min(end, intended + bound)), and hi,
// g's answer (end_us). RTO = middle of [lo, hi] - t0, +- half of it (when a bad
// op's evidence comes after hi, [hi - op spacing, hi]). 0 when no op was bad;
// never_recovered when no run is sustained. Overall = the largest per-kind RTO
// (with its uncertainty); never_recovered if any kind never recovered.
// Several faults (a soak): each is its own outage, timed from its own injection
// on the ops intended before the next fault; a fault not recovered from before
// the next one began is one outage with it (by_fault). A kind's figure is its
// worst outage; the latency bound comes from the warm-up before the first fault.
// One outage of a multi-fault run: a fault, or faults that followed one another
// before the service had recovered, timed from the first one's injection.
struct FaultRto {
  int64_t fault_start_us = 0, injected_us = 0;
  int faults = 1;  // faults in the group
  std::optional<int64_t> rto_us;
  int64_t uncertainty_us = 0;
  bool never_recovered = false;
  std::string kind;  // the slowest op kind
  // The group holds a restart of the whole target (a kill of the lab's
  // supervisor: fault.start data {"targets": ["supervisor"]}): a cold start, not a
  // failover, judged by restart_rto against restart_max_s instead of rto.
  bool restart = false;
};

struct StrictRtoResult {
  std::optional<int64_t> fault_start_us;     // none: no fault.start event, nothing measured
  std::optional<int64_t> injected_us;        // where the RTO counts from (FaultInjected)
  std::map<std::string, StrictRto> by_kind;  // each kind's worst outage
  std::vector<FaultRto> by_fault;            // every outage, in time order
  std::optional<int64_t> rto_us;             // the worst failover (restarts apart)
  std::optional<int64_t> restart_rto_us;     // the worst whole-target restart, when there was one
  int64_t restart_uncertainty_us = 0;
  int64_t uncertainty_us = 0;
  bool never_recovered = false;
  int64_t sustain_us = 0;
  int sustain_ops = 0;
  std::string definition;
};
StrictRtoResult CheckStrictRto(const History& history, const CheckOptions& options);
// The same definition over the "sdk_probe" ops alone: the outage as a client with
// the SDKs' default reconnect behaviour saw it (fault_start_us set, no kinds, when
// the run had no such probes).
StrictRtoResult CheckClientRto(const History& history, const CheckOptions& options);

// What a correct failover may cost: the operations that failed while a fault
// impaired the service. Per fault (each "fault.start", counted from its
// "fault.injected"), per kind, the impairment runs from fault.start to the
// intended start of the first op of that kind's sustained recovery (the strict
// RTO's definition; to the end when it never recovered); for a lasting fault, at
// least until its heal ("fault.end" with the same fault id) and the sustained
// recovery from the heal. A bad op (fail or
// unknown) that ended at or after a fault.start and was intended before that
// fault's recovery is explained by the fault: the RTO judges it. Any other is a
// failure no fault explains (before the first fault, or after the service had
// recovered: flapping, a second outage).
struct FailuresResult {
  int64_t total = 0;                              // failed + unknown workload ops
  int64_t explained = 0;                          // inside a fault's impairment
  int64_t unexplained = 0;                        // the rest
  std::vector<std::string> unexplained_examples;  // the first 20: the op and the fault before it
  // Ok ops slower than their kind's latency bound (the strict RTO's, from the
  // warm-up) outside every fault's impairment: a slowdown no fault explains. Reported,
  // not judged; counted only when the test injected faults (the bound needs them).
  int64_t slow_unexplained = 0;
  std::vector<std::string> slow_examples;  // the first 20
  std::map<std::string, int64_t> slow_by_kind;
  int64_t faults = 0;  // fault.start events
  std::string definition;
};
FailuresResult CheckFailures(const History& history, const CheckOptions& options);

// ---------------------------------------------------------------- latency

struct LatencySummary {
  int64_t count = 0;
  int64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  double mean_us = 0;
};

struct KindLatency {
  LatencySummary corrected;  // end_us - intended_us
  LatencySummary raw;        // end_us - start_us
};

// Ok workload ops only, through HdrHistogram (percentiles to 3 significant digits;
// max and mean exact).
struct LatencyResult {
  std::map<std::string, KindLatency> by_kind;
  KindLatency all;
  std::string definition;
};
LatencyResult CheckLatency(const History& history);

// ---------------------------------------------------------------- availability

enum class Grade { kFourNines, kThreeNines, kTwoNines, kBelow99 };
// The seed's grading of an availability percentage: >= 99.99 four nines,
// >= 99.9 three nines, >= 99 two nines, else below 99%.
Grade GradeFor(double pct);
const char* GradeName(Grade grade);  // "four nines", "three nines", "two nines", "below 99%"

struct AvailabilityFigure {
  bool judgeable = false;  // false when the denominator is 0
  int64_t good = 0, total = 0;
  double pct = 0;                    // good / total * 100
  double nines = 0;                  // -log10(1 - pct/100), 9 when pct == 100 (and at most 9)
  double downtime_min_per_year = 0;  // (100 - pct) / 100 * 365 * 24 * 60
  Grade grade = Grade::kBelow99;
};
// Fills pct, nines, downtime and grade from good/total.
AvailabilityFigure MakeAvailabilityFigure(int64_t good, int64_t total);

// request: ok workload ops / all workload ops. time: windows of
// availability_window_us aligned to the run epoch, by intended_us, that hold at
// least one op; good ones have success rate >= availability_window_min_success.
struct AvailabilityResult {
  AvailabilityFigure request;
  AvailabilityFigure time;
  int64_t window_us = 0;
  std::string definition;
};
AvailabilityResult CheckAvailability(const History& history, const CheckOptions& options);

// ---------------------------------------------------------------- consistency

// Compares insert acknowledgements with the final read (the last ok op of kind
// "final"; its ids are every pk found, repeats meaning stored twice).
//  acknowledged: pks of ok inserts. lost: acknowledged, not found.
//  duplicated: pks acknowledged by two different ok inserts, or found more
//    often than the ok and unknown inserts carrying them could explain
//    (more than max(1, ok + unknown inserts with that pk)).
//  unknown-outcome inserts' pks (not also acknowledged) are only counted as
//    found / not found, never as lost or duplicated.
//  RPO (when anything is lost and there is a fault.start): fault.start - the
//    earliest end_us among the ok inserts that acknowledged a lost pk, clamped at 0.
struct ConsistencyResult {
  bool judgeable = false;
  std::string why_not;  // set when !judgeable
  int64_t insert_ops = 0, ok_inserts = 0, failed_inserts = 0, unknown_inserts = 0;
  int64_t acknowledged = 0;  // distinct acknowledged pks
  int64_t final_rows = 0;    // ids in the final read, repeats included
  int64_t found_distinct = 0;
  std::vector<int64_t> lost;                // sorted
  std::vector<int64_t> duplicated;          // sorted union of the two below
  std::vector<int64_t> duplicated_in_read;  // found too often
  std::vector<int64_t> acknowledged_twice;  // acknowledged by >= 2 ok inserts
  int64_t unknown_ids = 0, unknown_found = 0, unknown_not_found = 0;
  int64_t failed_found = 0;  // pks only failed inserts carried, yet found (reported, not judged)
  int64_t unexpected = 0;    // pks found that no insert carried (pre-existing data?)
  std::optional<int64_t> rpo_us;
  std::string definition;
};
ConsistencyResult CheckConsistency(const History& history);

// ---------------------------------------------------------------- split-brain

// B started after A had finished (A.end_us < B.start_us), both ok inserts with a
// ts, yet B.ts <= A.ts: two timestamp oracles, or one that went back in time.
struct TsViolation {
  size_t earlier_op = 0, later_op = 0;  // indexes into History::ops
  int64_t earlier_end_us = 0, later_start_us = 0;
  uint64_t earlier_ts = 0, later_ts = 0;
};

// Signals: (1) a pk acknowledged by two ok inserts (an id issued twice);
// (2) a mutation timestamp going backwards in real-time order. Each later insert
// B is reported once, against the finished insert A with the largest ts
// (O(n log n) sweep); overlapping inserts are concurrent and never compared.
struct SplitBrainResult {
  int64_t inserts_with_ts = 0;
  std::vector<int64_t> ids_acknowledged_twice;  // sorted
  std::vector<TsViolation> ts_violations;       // at most kJsonListCap, by later start
  int64_t ts_violation_count = 0;               // later inserts with a violation
  int64_t signals() const { return static_cast<int64_t>(ids_acknowledged_twice.size()) + ts_violation_count; }
  std::string definition;
};
SplitBrainResult CheckSplitBrain(const History& history);

// ---------------------------------------------------------------- recall

struct RecallStats {
  int64_t count = 0;  // searches with recall >= 0
  double mean = 0, min = 0;
};
struct RecallResult {
  std::array<RecallStats, 3> by_phase;  // indexed by Phase
  RecallStats all;
  std::string definition;
};
RecallResult CheckRecall(const History& history, const PhaseBounds& bounds);

// ---------------------------------------------------------------- verdict

struct Judgement {
  int exit_code = kExitCannotJudge;       // kExitPass / kExitFail / kExitCannotJudge
  std::vector<std::string> cannot_judge;  // why, when exit_code is kExitCannotJudge
  bool truncated = false;
  int64_t workload_ops = 0;
  PhasesResult phases;
  SeedRtoResult seed_rto;
  StrictRtoResult strict_rto;
  StrictRtoResult client_rto;  // the client's view (sdk_probe); not judged
  FailuresResult failures;
  LatencyResult latency;
  AvailabilityResult availability;
  ConsistencyResult consistency;
  KeyedResult keyed;
  CensusResult census;
  SplitBrainResult split_brain;
  RecallResult recall;
  std::vector<Check> checks;
};

// Runs every checker, then every registered check rule (drill/check/*_check.cc)
// against options.thresholds. Exit code: 2 when the run recorded that it could not
// complete (meta "error"), whatever it measured; else 1 when any judged check
// fails; else 2 when there are no workload ops, a check could not be judged
// (consistency needs a final read whenever inserts ran), or the history was
// truncated and has no final read; else 0.
Judgement Judge(const History& history, const CheckOptions& options = {});

// ---------------------------------------------------------------- suite level

// The seed's analyze_rto over the RTOs of many runs (seconds; NaN entries, the
// seed's None, are dropped). median = sorted[n / 2]; buckets [0,5) [5,10)
// [10,15) [15,30) [30,inf) with count and percent of n.
struct RtoBucket {
  double lo_s = 0;
  std::optional<double> hi_s;  // none: infinity
  int64_t count = 0;
  double percent = 0;
};
struct RtoAnalysisResult {
  int64_t count = 0;  // 0: no data, figures are 0
  double mean_s = 0, min_s = 0, max_s = 0, median_s = 0;
  std::vector<RtoBucket> buckets;
  std::string definition;
};
RtoAnalysisResult RtoAnalysis(std::vector<double> rtos_s);

// The seed's calculate_availability over summed totals: availability = ok /
// total * 100 (JSON rounds it to 4 decimals, downtime to 2), yearly downtime in
// minutes and hours, grade. judgeable = false when total <= 0.
struct AvailabilityAnalysisResult {
  bool judgeable = false;
  int64_t total = 0, ok = 0, failed = 0;
  double availability_pct = 0;
  double downtime_min_per_year = 0, downtime_hours_per_year = 0;
  Grade grade = Grade::kBelow99;
  std::string definition;
};
AvailabilityAnalysisResult AvailabilityAnalysis(int64_t total, int64_t ok);

// ---------------------------------------------------------------- JSON

nlohmann::json ToJson(const PhaseBounds& bounds);
nlohmann::json ToJson(const PhasesResult& result);
nlohmann::json ToJson(const SeedRtoResult& result);
nlohmann::json ToJson(const StrictRtoResult& result);
nlohmann::json ToJson(const FailuresResult& result);
nlohmann::json ToJson(const LatencyResult& result);
nlohmann::json ToJson(const AvailabilityFigure& figure);
nlohmann::json ToJson(const AvailabilityResult& result);
nlohmann::json ToJson(const ConsistencyResult& result);
nlohmann::json ToJson(const SplitBrainResult& result);
nlohmann::json ToJson(const RecallResult& result);
nlohmann::json ToJson(const Judgement& judgement);
nlohmann::json ToJson(const RtoAnalysisResult& result);
nlohmann::json ToJson(const AvailabilityAnalysisResult& result);

}  // namespace mdrill::drill
