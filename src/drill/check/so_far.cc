#include "drill/check/so_far.h"

#include <cstdio>

#include "drill/check/checkers.h"
#include "drill/check/keyed.h"

namespace mdrill::drill {

namespace {

std::string Secs(int64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(us) / 1e6);
  return b;
}

// The ops that began before the cutoff and the events before it; `index` maps
// each op of the prefix to its place in the whole history (the verdict's numbering,
// stable from one poll to the next).
History Prefix(const History& h, int64_t cutoff_us, std::vector<size_t>* index) {
  History p;
  p.meta = h.meta;
  for (size_t i = 0; i < h.ops.size(); ++i)
    if (h.ops[i].start_us < cutoff_us) {
      p.ops.push_back(h.ops[i]);
      index->push_back(i);
    }
  for (const Event& e : h.events)
    if (e.t_us < cutoff_us) p.events.push_back(e);
  return p;
}

void AddKeyed(const History& p, int64_t cutoff_us, std::vector<SoFarViolation>* out) {
  const KeyedResult k = CheckKeyedLookups(p, cutoff_us);
  for (const auto& [name, keys] : {std::pair<const char*, const std::vector<int64_t>*>{"stale", &k.stale},
                                   std::pair<const char*, const std::vector<int64_t>*>{"resurrected", &k.resurrected}})
    for (int64_t key : *keys) {
      std::string detail = std::string(name) + " key " + std::to_string(key);
      for (const auto& e : k.examples)
        if (e.invariant == name && e.key == key) detail += ": " + e.detail;
      out->push_back({name, "key " + std::to_string(key), detail, 0});
    }
}

void AddSplitBrain(const History& p, const std::vector<size_t>& index, std::vector<SoFarViolation>* out) {
  const SplitBrainResult sb = CheckSplitBrain(p);
  for (int64_t id : sb.ids_acknowledged_twice)
    out->push_back({"split_brain", "pk " + std::to_string(id), "pk " + std::to_string(id) + " acknowledged twice", 0});
  for (const TsViolation& v : sb.ts_violations) {
    const Op& later = p.ops[v.later_op];
    out->push_back({"split_brain", "op " + std::to_string(index[v.later_op]),
                    "an insert begun at " + Secs(v.later_start_us) + " s got timestamp " + std::to_string(v.later_ts) +
                        ", not above " + std::to_string(v.earlier_ts) + " of one that ended at " +
                        Secs(v.earlier_end_us) + " s",
                    later.end_us});
  }
}

}  // namespace

std::vector<SoFarViolation> CheckSoFar(const History& history, int64_t cutoff_us) {
  std::vector<size_t> index;
  const History p = Prefix(history, cutoff_us, &index);
  std::vector<SoFarViolation> out;
  AddKeyed(p, cutoff_us, &out);
  AddSplitBrain(p, index, &out);
  for (size_t i = 0; i < p.ops.size(); ++i) {
    const Op& op = p.ops[i];
    if (op.kind == kKindQuery && op.ok() && !op.ids.empty() && op.value == 0 && op.end_us < cutoff_us)
      out.push_back({"stale_read", "op " + std::to_string(index[i]),
                     "a Strong point lookup of acknowledged id " + std::to_string(op.ids.front()) + " [" +
                         Secs(op.start_us) + "-" + Secs(op.end_us) + " s] answered without the row",
                     op.end_us});
  }
  return out;
}

SoFarWatch::SoFarWatch(std::string history_path, int64_t op_deadline_us)
    : follower_(std::move(history_path)), op_deadline_us_(op_deadline_us) {}

Result<std::vector<SoFarViolation>> SoFarWatch::Poll(int64_t now_us) {
  // A malformed line is skipped (and the rest read); only a file that cannot be read fails.
  if (Status s = follower_.ReadNew(&history_); !s.ok() && s.code() != Status::InvalidArgument("").code()) return s;
  // An op begun before the cutoff has ended and is in the file: an op may take
  // its deadline twice (a worker reconnects after a transport failure, then
  // calls, each with the deadline), and 5 s more to be recorded on a busy machine.
  const int64_t cutoff_us = now_us - 2 * op_deadline_us_ - 5'000'000;
  std::vector<SoFarViolation> fresh;
  if (cutoff_us <= 0) return fresh;
  for (auto& v : CheckSoFar(history_, cutoff_us))
    if (seen_.insert(v.invariant + " " + v.id).second) fresh.push_back(std::move(v));
  return fresh;
}

}  // namespace mdrill::drill
