// The invariants watched while a run goes on: what its history already proves
// broken, reported when it happens (with the faults around it) instead of only
// in the verdict at the end.
//
// Judged on the ops that began before a cutoff (SoFarWatch: twice the op deadline
// and 5 s in the past), so each of them has ended and is in the history, and so is every op any
// of them is judged against. Only what a prefix can prove is judged:
//   stale, resurrected  keyed lookups that ended before the cutoff
//                       (CheckKeyedLookups);
//   split_brain         a pk acknowledged twice, a timestamp going backwards
//                       (CheckSplitBrain on the prefix);
//   stale_read          a Strong point lookup of an acknowledged id answered
//                       without the row.
// Each is one the verdict at the end also reports (the same rules on the same
// evidence); lost and duplicated rows need the final read and are judged there.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "drill/history/history.h"
#include "util/status.h"

namespace mdrill::drill {

struct SoFarViolation {
  std::string invariant;  // stale | resurrected | split_brain | stale_read
  std::string id;         // what it is about, unique per invariant ("key 42", "op 1234")
  std::string detail;     // for people: the ops and faults around it
  int64_t at_us = 0;      // when the history proved it (the op's end)
};

std::vector<SoFarViolation> CheckSoFar(const History& history, int64_t cutoff_us);

// Follows the history file of a running test and reports each violation once.
// Not thread-safe.
class SoFarWatch {
 public:
  // `op_deadline_us`: an op's deadline (a reconnect and the call may take one each).
  SoFarWatch(std::string history_path, int64_t op_deadline_us);
  // The violations first proved by the history as of `now_us` (run clock).
  Result<std::vector<SoFarViolation>> Poll(int64_t now_us);
  int64_t reported() const { return static_cast<int64_t>(seen_.size()); }

 private:
  HistoryFollower follower_;
  History history_;
  int64_t op_deadline_us_;
  std::set<std::string> seen_;
};

}  // namespace mdrill::drill
