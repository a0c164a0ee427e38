// Consistency (lost / duplicated acknowledged writes, RPO) and split-brain signals.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "drill/check/checkers.h"
#include "drill/check/checkers_internal.h"

namespace mdrill::drill {
namespace {

using internal::CappedList;
using internal::OrNull;
using nlohmann::json;

constexpr const char* kConsistencyDefinition =
    "acknowledged = pks of ok inserts; lost = acknowledged but absent from the final read; duplicated = pk "
    "acknowledged by two ok inserts, or read more often than max(1, ok + unknown inserts carrying it); "
    "unknown-outcome inserts are only counted found / not found; RPO = fault.start - earliest ack of a lost pk";
constexpr const char* kSplitBrainDefinition =
    "signals: a pk acknowledged by two ok inserts; an ok insert that began after another had finished yet got a "
    "mutation timestamp <= the other's (overlapping inserts are concurrent and not compared)";

// What the history says about one primary key.
struct IdLedger {
  int32_t ok_acks = 0;  // distinct ok inserts carrying it
  int32_t unknown = 0;  // distinct unknown-outcome inserts carrying it
  int32_t failed = 0;   // distinct failed inserts carrying it
  int64_t found = 0;    // times the final read returned it
  int64_t first_ack_end_us = std::numeric_limits<int64_t>::max();
};

// The ids of one op, each once: a pk repeated inside one batch is one insert's
// claim, not two acknowledgements.
std::vector<int64_t> DistinctIds(const Op& op) {
  std::vector<int64_t> ids = op.ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<int64_t> IdsAcknowledgedTwice(const History& h) {
  std::unordered_map<int64_t, int32_t> acks;
  for (const Op& op : h.ops) {
    if (op.kind != kKindInsert || !op.ok()) continue;
    for (int64_t id : DistinctIds(op)) ++acks[id];
  }
  std::vector<int64_t> twice;
  for (const auto& [id, n] : acks) {
    if (n >= 2) twice.push_back(id);
  }
  std::sort(twice.begin(), twice.end());
  return twice;
}

}  // namespace

ConsistencyResult CheckConsistency(const History& history) {
  ConsistencyResult r;
  r.definition = kConsistencyDefinition;
  std::unordered_map<int64_t, IdLedger> ledger;
  for (const Op& op : history.ops) {
    if (op.kind != kKindInsert) continue;
    ++r.insert_ops;
    if (op.outcome == Outcome::kOk) ++r.ok_inserts;
    if (op.outcome == Outcome::kFail) ++r.failed_inserts;
    if (op.outcome == Outcome::kUnknown) ++r.unknown_inserts;
    for (int64_t id : DistinctIds(op)) {
      IdLedger& l = ledger[id];
      if (op.outcome == Outcome::kOk) {
        ++l.ok_acks;
        l.first_ack_end_us = std::min(l.first_ack_end_us, op.end_us);
      } else if (op.outcome == Outcome::kUnknown) {
        ++l.unknown;
      } else {
        ++l.failed;
      }
    }
  }
  for (const auto& [id, l] : ledger) r.acknowledged += l.ok_acks > 0 ? 1 : 0;

  bool any_final = false;
  const Op* final_read = internal::LastOkOp(history, kKindFinal, &any_final);
  if (final_read == nullptr) {
    r.why_not = any_final ? "the final read failed" : "no final read (an op of kind \"final\")";
    return r;
  }
  r.judgeable = true;
  r.final_rows = static_cast<int64_t>(final_read->ids.size());
  for (int64_t id : final_read->ids) ++ledger[id].found;

  int64_t earliest_lost_ack = std::numeric_limits<int64_t>::max();
  for (const auto& [id, l] : ledger) {
    if (l.found > 0) ++r.found_distinct;
    if (l.ok_acks > 0 && l.found == 0) {
      r.lost.push_back(id);
      earliest_lost_ack = std::min(earliest_lost_ack, l.first_ack_end_us);
    }
    if (l.ok_acks >= 2) r.acknowledged_twice.push_back(id);
    // An unknown insert may have landed, and a client that retried it may have
    // landed it twice: copies up to ok + unknown carriers are explained.
    if (l.found > std::max<int64_t>(1, l.ok_acks + l.unknown)) r.duplicated_in_read.push_back(id);
    if (l.ok_acks == 0 && l.unknown > 0) {
      ++r.unknown_ids;
      ++(l.found > 0 ? r.unknown_found : r.unknown_not_found);
    }
    if (l.ok_acks == 0 && l.unknown == 0 && l.found > 0) ++(l.failed > 0 ? r.failed_found : r.unexpected);
  }
  std::sort(r.lost.begin(), r.lost.end());
  std::sort(r.acknowledged_twice.begin(), r.acknowledged_twice.end());
  std::sort(r.duplicated_in_read.begin(), r.duplicated_in_read.end());
  std::set_union(r.acknowledged_twice.begin(), r.acknowledged_twice.end(), r.duplicated_in_read.begin(),
                 r.duplicated_in_read.end(), std::back_inserter(r.duplicated));

  std::optional<int64_t> fault_start = internal::FaultStart(history);
  if (!r.lost.empty() && fault_start) r.rpo_us = std::max<int64_t>(0, *fault_start - earliest_lost_ack);
  return r;
}

SplitBrainResult CheckSplitBrain(const History& history) {
  SplitBrainResult r;
  r.definition = kSplitBrainDefinition;
  r.ids_acknowledged_twice = IdsAcknowledgedTwice(history);

  std::vector<size_t> by_start;
  for (size_t i = 0; i < history.ops.size(); ++i) {
    const Op& op = history.ops[i];
    // An op that ended before it started is a broken record; comparing it would
    // let it "precede" itself.
    if (op.kind == kKindInsert && op.ok() && op.ts != 0 && op.end_us >= op.start_us) by_start.push_back(i);
  }
  r.inserts_with_ts = static_cast<int64_t>(by_start.size());
  std::vector<size_t> by_end = by_start;
  const auto& ops = history.ops;
  std::stable_sort(by_start.begin(), by_start.end(),
                   [&](size_t a, size_t b) { return ops[a].start_us < ops[b].start_us; });
  std::stable_sort(by_end.begin(), by_end.end(), [&](size_t a, size_t b) { return ops[a].end_us < ops[b].end_us; });

  // Sweep in start order, folding in every insert that finished strictly before
  // the current one began; only the largest ts among them matters.
  size_t next_end = 0;
  std::optional<size_t> max_finished;
  for (size_t b : by_start) {
    while (next_end < by_end.size() && ops[by_end[next_end]].end_us < ops[b].start_us) {
      size_t a = by_end[next_end++];
      if (!max_finished || ops[a].ts > ops[*max_finished].ts) max_finished = a;
    }
    if (!max_finished || ops[b].ts > ops[*max_finished].ts) continue;
    ++r.ts_violation_count;
    if (r.ts_violations.size() < kJsonListCap) {
      const Op& a = ops[*max_finished];
      r.ts_violations.push_back(TsViolation{.earlier_op = *max_finished,
                                            .later_op = b,
                                            .earlier_end_us = a.end_us,
                                            .later_start_us = ops[b].start_us,
                                            .earlier_ts = a.ts,
                                            .later_ts = ops[b].ts});
    }
  }
  return r;
}

json ToJson(const ConsistencyResult& r) {
  return {{"judgeable", r.judgeable},
          {"why_not", r.why_not},
          {"insert_ops", r.insert_ops},
          {"ok_inserts", r.ok_inserts},
          {"failed_inserts", r.failed_inserts},
          {"unknown_inserts", r.unknown_inserts},
          {"acknowledged", r.acknowledged},
          {"final_rows", r.final_rows},
          {"found_distinct", r.found_distinct},
          {"lost_count", r.lost.size()},
          {"lost", CappedList(r.lost)},
          {"duplicated_count", r.duplicated.size()},
          {"duplicated", CappedList(r.duplicated)},
          {"duplicated_in_read_count", r.duplicated_in_read.size()},
          {"duplicated_in_read", CappedList(r.duplicated_in_read)},
          {"acknowledged_twice_count", r.acknowledged_twice.size()},
          {"acknowledged_twice", CappedList(r.acknowledged_twice)},
          {"unknown_ids", r.unknown_ids},
          {"unknown_found", r.unknown_found},
          {"unknown_not_found", r.unknown_not_found},
          {"failed_found", r.failed_found},
          {"unexpected", r.unexpected},
          {"rpo_us", OrNull(r.rpo_us)},
          {"rpo_s", internal::UsToS(r.rpo_us)},
          {"definition", r.definition}};
}

json ToJson(const SplitBrainResult& r) {
  json violations = json::array();
  for (const TsViolation& v : r.ts_violations) {
    violations.push_back({{"earlier_op", v.earlier_op},
                          {"later_op", v.later_op},
                          {"earlier_end_us", v.earlier_end_us},
                          {"later_start_us", v.later_start_us},
                          {"earlier_ts", v.earlier_ts},
                          {"later_ts", v.later_ts}});
  }
  return {{"signals", r.signals()},
          {"inserts_with_ts", r.inserts_with_ts},
          {"ids_acknowledged_twice_count", r.ids_acknowledged_twice.size()},
          {"ids_acknowledged_twice", CappedList(r.ids_acknowledged_twice)},
          {"ts_violation_count", r.ts_violation_count},
          {"ts_violations", violations},
          {"definition", r.definition}};
}

}  // namespace mdrill::drill
