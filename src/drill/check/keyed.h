// The keyed checker: the invariants of the keyed workload (drill/run/keyed.h),
// judged from the history alone. Per key, from the ops that carried it and the
// last ok "key_final" read (every stored key with its version):
//  lost         an ok key_insert or upsert, no delete of it that was ok or
//               unknown, and absent from the final read.
//  duplicated   stored more than once.
//  resurrected  an ok delete, no write of it that ended after the delete began
//               (for a lookup: and began before the lookup ended), and present
//               in the final read or in a Strong lookup that began after the
//               delete was acknowledged.
//  stale        a Strong lookup that began after an ok write of it ended (and
//               no delete of it began before the lookup ended) found no row, or
//               a version older than that write's; or the final read holds an
//               older version than the last ok write's. Writes of one key never
//               overlap (the workload sends one at a time), so versions grow.
//  phantom      stored although no write carried it, or only failed writes
//               (the server said no); or an unknown key_insert that landed in
//               part (an unknown batch may land or not, never both).
// A run with keyed ops and no ok key_final cannot be judged, but for what its
// lookups prove (stale, resurrected), which is reported all the same.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drill/history/history.h"

namespace mdrill::drill {

// One violation, with what a reader needs to find it again: the key, the ops
// that carried it and the faults around it.
struct KeyViolation {
  std::string invariant;  // "lost", "duplicated", "resurrected", "stale", "phantom"
  int64_t key = 0;
  std::string detail;
};

struct KeyedResult {
  bool ran = false;  // the history holds keyed ops
  bool judgeable = false;
  std::string why_not;
  int64_t key_inserts = 0, upserts = 0, deletes = 0, lookups = 0;  // ok ops of each kind
  int64_t unknown_writes = 0;                                      // key_insert / upsert / delete
  int64_t acknowledged_keys = 0;                                   // keys of ok key_inserts
  int64_t deleted_keys = 0;                                        // keys of ok deletes
  int64_t final_rows = 0;
  std::vector<int64_t> lost, duplicated, resurrected, stale, phantom;  // keys, sorted
  std::vector<KeyViolation> examples;                                  // the first few of each, with context
  std::string definition;
};

KeyedResult CheckKeyed(const History& history);

// Mid-run: only the lookups that ended before `cutoff_us` are judged (stale and
// resurrected), from the ops that began before them. Each such judgement is the
// one CheckKeyed makes of that lookup once the run is over, provided every op
// that began before `cutoff_us` has ended and is in `history`.
KeyedResult CheckKeyedLookups(const History& history, int64_t cutoff_us);
nlohmann::json ToJson(const KeyedResult& result);

// "13, 27, 31 (+5 more)": the first `max` keys of a list.
std::string KeyList(const std::vector<int64_t>& keys, size_t max = 10);

}  // namespace mdrill::drill
