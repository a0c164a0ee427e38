// Deliberate bugs, to prove that the drill's checkers catch what they claim to:
// a lab started with MDRILL_DELIBERATE_BUG set (`lab up --deliberate-bug LIST`)
// misbehaves on every 10th write of a kind and says so on stderr, naming the keys,
// so a test can hold the drill's report against what the lab really did.
//   lose-inserts       an insert acknowledged, not stored
//   duplicate-inserts  an insert stored twice
//   ignore-deletes     a delete acknowledged, not applied
//   ignore-upserts     an upsert acknowledged, not applied
//   ignore-drops       a DropCollection acknowledged, not applied
// Never set outside such tests. Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "engine/schema.h"

namespace mdrill::lab {

enum class Bug { kLoseInserts, kDuplicateInserts, kIgnoreDeletes, kIgnoreUpserts, kIgnoreDrops, kCount };

class DeliberateBugs {
 public:
  // From MDRILL_DELIBERATE_BUG (comma-separated names); unknown names are
  // reported on stderr and ignored. Warns on stderr when any is on.
  static DeliberateBugs& FromEnvironment();
  // Parses a list ("lose-inserts,ignore-deletes"); false names the first bad one.
  static bool Parse(const std::string& list, bool on[], std::string* bad);

  // True on every 10th call for an enabled bug (the 10th, 20th, ...).
  bool Strikes(Bug bug);
  // "deliberate bug lose-inserts: keys 11,12,13" on stderr.
  static void Report(Bug bug, const engine::Column& keys);
  // "deliberate bug ignore-drops: collection NAME" on stderr.
  static void ReportCollection(Bug bug, const std::string& name);

 private:
  bool on_[static_cast<int>(Bug::kCount)] = {};
  std::atomic<int64_t> calls_[static_cast<int>(Bug::kCount)] = {};
};

}  // namespace mdrill::lab
