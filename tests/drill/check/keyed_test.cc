// The keyed checker against histories of a simulated store: a correct store
// never fails it, whatever the seed and the outcomes; a store with one
// deliberate bug fails exactly the invariant the bug breaks, naming the keys.
#include "drill/check/keyed.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "drill/check/checkers.h"
#include "drill/check/keyed_sim.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::Bug;
using testing::FindCheck;
using testing::kMs;
using testing::kS;
using testing::MakeOp;
using testing::Sim;

bool Subset(const std::vector<int64_t>& keys, const std::set<int64_t>& of) {
  for (int64_t k : keys)
    if (!of.count(k)) return false;
  return true;
}

TEST(Keyed, ACorrectStorePassesWhateverTheOutcomes) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Sim sim(seed, Bug::kNone);
    sim.Run(400);
    KeyedResult r = CheckKeyed(sim.h);
    ASSERT_TRUE(r.judgeable) << seed;
    EXPECT_GT(r.key_inserts, 0);
    EXPECT_TRUE(r.lost.empty() && r.duplicated.empty() && r.resurrected.empty() && r.stale.empty() && r.phantom.empty())
        << "seed " << seed << ": " << ToJson(r).dump();
  }
}

TEST(Keyed, EachBugFailsItsInvariantAndNamesItsKeys) {
  struct Case {
    Bug bug;
    std::vector<int64_t> KeyedResult::*list;
    const char* check;
  };
  for (const Case& c : {Case{Bug::kLoseInsert, &KeyedResult::lost, "lost_keys"},
                        Case{Bug::kDuplicateInsert, &KeyedResult::duplicated, "duplicated_keys"},
                        Case{Bug::kIgnoreDelete, &KeyedResult::resurrected, "resurrected_keys"},
                        Case{Bug::kIgnoreUpsert, &KeyedResult::stale, "stale_keyed_reads"}}) {
    int caught = 0;
    for (uint64_t seed = 1; seed <= 50; ++seed) {
      Sim sim(seed, c.bug);
      sim.Run(400);
      KeyedResult r = CheckKeyed(sim.h);
      const std::vector<int64_t>& named = r.*c.list;
      // Only keys the bug touched are named; nothing else is blamed.
      EXPECT_TRUE(Subset(named, sim.broken)) << c.check << " seed " << seed << ": " << ToJson(r).dump();
      EXPECT_TRUE(r.phantom.empty()) << c.check << " seed " << seed;
      if (sim.broken.empty()) continue;
      ++caught;
      Judgement j = Judge(sim.h);
      const Check* check = FindCheck(j, c.check);
      ASSERT_NE(check, nullptr) << c.check;
      EXPECT_FALSE(check->pass) << c.check << " seed " << seed;
      EXPECT_NE(check->definition.find(std::to_string(named.front())), std::string::npos) << check->definition;
    }
    EXPECT_GT(caught, 40) << c.check;
  }
}

TEST(Keyed, AnUnknownBatchLandsWholeOrNotAtAll) {
  History h;
  h.ops.push_back(MakeOp(kKindKeyInsert, 1 * kS, Outcome::kUnknown, 5 * kMs, {1, 2, 3, 4}));
  h.ops.push_back(MakeOp(kKindKeyFinal, 10 * kS, Outcome::kOk, 5 * kMs, {1, 2}));
  h.ops.back().values = {0, 0};
  KeyedResult r = CheckKeyed(h);
  EXPECT_EQ(r.phantom, (std::vector<int64_t>{1}));
  h.ops.back().ids = {1, 2, 3, 4};
  h.ops.back().values = {0, 0, 0, 0};
  EXPECT_TRUE(CheckKeyed(h).phantom.empty());
}

TEST(Keyed, AnUnknownUpsertMayLandLate) {
  History h;
  Op ins = MakeOp(kKindKeyInsert, 1 * kS, Outcome::kOk, 5 * kMs, {2});
  Op late = MakeOp(kKindUpsert, 2 * kS, Outcome::kUnknown, 5 * kMs, {2});
  late.values = {1};
  Op ok = MakeOp(kKindUpsert, 3 * kS, Outcome::kOk, 5 * kMs, {2});
  ok.values = {2};
  Op fin = MakeOp(kKindKeyFinal, 10 * kS, Outcome::kOk, 5 * kMs, {2});
  fin.values = {1};  // the unknown upsert took effect after the ok one
  h.ops = {ins, late, ok, fin};
  EXPECT_TRUE(CheckKeyed(h).stale.empty());
  h.ops.back().values = {0};  // the insert's version: older than an acknowledged upsert
  EXPECT_EQ(CheckKeyed(h).stale, (std::vector<int64_t>{2}));
}

// Strong and Session lookups must see what was acknowledged before they began;
// Bounded ones what was acknowledged more than 6 s before; Eventually ones nothing.
TEST(Keyed, EachConsistencyLevelPromisesWhatItSays) {
  struct Case {
    const char* level;
    int64_t at;
    bool stale;
  };
  for (const Case& c : {Case{"", 4 * kS, true}, Case{"Strong", 4 * kS, true}, Case{"Session", 4 * kS, true},
                        Case{"Bounded", 4 * kS, false}, Case{"Bounded", 9 * kS, true},
                        Case{"Eventually", 4 * kS, false}, Case{"Eventually", 60 * kS, false}}) {
    for (bool missing : {false, true}) {
      History h;
      h.ops.push_back(MakeOp(kKindKeyInsert, 1 * kS, Outcome::kOk, 5 * kMs, {2}));
      h.ops.push_back(MakeOp(kKindUpsert, 2 * kS, Outcome::kOk, 5 * kMs, {2}));
      h.ops.back().values = {5};
      Op look = MakeOp(kKindKeyLookup, c.at, Outcome::kOk, 5 * kMs, {2});
      look.level = c.level;
      look.values = missing ? std::vector<int64_t>{} : std::vector<int64_t>{0};  // the insert's version, or no row
      look.value = static_cast<int64_t>(look.values.size());
      h.ops.push_back(look);
      h.ops.push_back(MakeOp(kKindKeyFinal, 100 * kS, Outcome::kOk, 5 * kMs, {2}));
      h.ops.back().values = {5};
      KeyedResult r = CheckKeyed(h);
      EXPECT_EQ(r.stale.size(), c.stale ? 1u : 0u) << c.level << " at " << c.at << (missing ? " no row" : " old row");
      if (c.stale && !r.examples.empty()) {
        EXPECT_NE(r.examples[0].detail.find(std::string(*c.level ? c.level : "Strong") + " lookup"), std::string::npos)
            << r.examples[0].detail;
      }
    }
  }
  // A delete acknowledged 2 s before: Strong must not see the key, Bounded may.
  for (const char* level : {"Strong", "Bounded"}) {
    History h;
    h.ops.push_back(MakeOp(kKindKeyInsert, 1 * kS, Outcome::kOk, 5 * kMs, {3}));
    h.ops.push_back(MakeOp(kKindDelete, 2 * kS, Outcome::kOk, 5 * kMs, {3}));
    Op look = MakeOp(kKindKeyLookup, 4 * kS, Outcome::kOk, 5 * kMs, {3});
    look.level = level;
    look.values = {0};
    look.value = 1;
    h.ops.push_back(look);
    h.ops.push_back(MakeOp(kKindKeyFinal, 100 * kS, Outcome::kOk, 5 * kMs, {}));
    EXPECT_EQ(CheckKeyed(h).resurrected.size(), std::string(level) == "Strong" ? 1u : 0u) << level;
  }
}

TEST(Keyed, NoFinalReadCannotBeJudged) {
  History h;
  h.ops.push_back(MakeOp(kKindKeyInsert, 1 * kS, Outcome::kOk, 5 * kMs, {1}));
  KeyedResult r = CheckKeyed(h);
  EXPECT_TRUE(r.ran);
  EXPECT_FALSE(r.judgeable);
  Judgement j = Judge(h);
  const Check* lost = FindCheck(j, "lost_keys");
  ASSERT_NE(lost, nullptr);
  EXPECT_FALSE(lost->judged);
  EXPECT_EQ(j.exit_code, kExitCannotJudge);
}

}  // namespace
}  // namespace mdrill::drill
