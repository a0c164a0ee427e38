// The keyed checker against histories of a simulated store: a correct store
// never fails it, whatever the seed and the outcomes; a store with one
// deliberate bug fails exactly the invariant the bug breaks, naming the keys.
#include "drill/check/keyed.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "drill/check/checkers.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::FindCheck;
using testing::kMs;
using testing::kS;
using testing::MakeOp;

enum class Bug { kNone, kLoseInsert, kIgnoreDelete, kDuplicateInsert, kIgnoreUpsert };

// Plays the keyed workload against an in-memory store, one op at a time, with
// random outcomes (an unknown write lands or not at random), and records what
// the store did wrong on purpose.
struct Sim {
  std::mt19937_64 rng;
  Bug bug;
  std::map<int64_t, std::vector<int64_t>> store;  // key -> versions of its copies
  std::vector<int64_t> live, deletable, deleted;
  int64_t next_key = 1, next_version = 1, t = 0;
  std::set<int64_t> broken;  // keys the bug touched
  History h;

  Sim(uint64_t seed, Bug b) : rng(seed), bug(b) {}

  Outcome Draw() {
    const int r = std::uniform_int_distribution<int>(0, 19)(rng);
    return r == 0 ? Outcome::kFail : r == 1 ? Outcome::kUnknown : Outcome::kOk;
  }
  bool Lands(Outcome o) { return o == Outcome::kOk || (o == Outcome::kUnknown && rng() % 2 == 0); }
  bool Every(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng) == 0; }
  int64_t Pick(const std::vector<int64_t>& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; }
  Op Next(const char* kind, Outcome o, std::vector<int64_t> ids) {
    t += 20 * kMs;
    return MakeOp(kind, t, o, 5 * kMs, std::move(ids));
  }

  void KeyInsert() {
    Outcome o = Draw();
    std::vector<int64_t> keys;
    for (int i = 0; i < 4; ++i) keys.push_back(next_key++);
    Op op = Next(kKindKeyInsert, o, keys);
    op.values.assign(keys.size(), 0);
    const bool lose = bug == Bug::kLoseInsert && o == Outcome::kOk && Every(10);
    const bool twice = bug == Bug::kDuplicateInsert && o == Outcome::kOk && Every(10);
    if (Lands(o) && !lose)
      for (int64_t k : keys) store[k].assign(twice ? 2 : 1, 0);
    if (lose || twice) broken.insert(keys.begin(), keys.end());
    if (o == Outcome::kOk)
      for (int64_t k : keys) (k % 2 == 0 ? live : deletable).push_back(k);
    h.ops.push_back(op);
  }
  void Upsert() {
    if (live.empty()) return KeyInsert();
    const int64_t k = Pick(live), v = next_version++;
    Outcome o = Draw();
    Op op = Next(kKindUpsert, o, {k});
    op.values = {v};
    const bool ignore = bug == Bug::kIgnoreUpsert && o == Outcome::kOk && store.count(k) && Every(5);
    if (Lands(o) && !ignore) store[k].assign(1, v);
    if (ignore) broken.insert(k);
    h.ops.push_back(op);
  }
  void Delete() {
    if (deletable.empty()) return KeyInsert();
    const size_t i = std::uniform_int_distribution<size_t>(0, deletable.size() - 1)(rng);
    const int64_t k = deletable[i];
    deletable.erase(deletable.begin() + static_cast<long>(i));
    Outcome o = Draw();
    const bool ignore = bug == Bug::kIgnoreDelete && o == Outcome::kOk && store.count(k) && Every(5);
    if (Lands(o) && !ignore) store.erase(k);
    if (ignore) broken.insert(k);
    if (o == Outcome::kOk) deleted.push_back(k);
    if (o == Outcome::kFail) deletable.push_back(k);
    h.ops.push_back(Next(kKindDelete, o, {k}));
  }
  void Lookup() {
    const bool of_deleted = rng() % 2 == 0 && !deleted.empty();
    if (!of_deleted && live.empty()) return KeyInsert();
    const int64_t k = of_deleted ? Pick(deleted) : Pick(live);
    Op op = Next(kKindKeyLookup, Outcome::kOk, {k});
    // The level decides how old the state it may answer from is: Strong and Session
    // the present, Bounded up to 5 s back, Eventually any past state.
    static constexpr const char* kLevels[] = {"", "Strong", "Session", "Bounded", "Eventually"};
    op.level = kLevels[rng() % 5];
    const int64_t back = op.level == "Bounded" ? 5 * kS : op.level == "Eventually" ? op.start_us : 0;
    const int64_t from = std::max<int64_t>(0, op.start_us - back);
    const std::map<int64_t, std::vector<int64_t>>* state = &store;
    if (back > 0) {
      std::vector<size_t> allowed;
      for (size_t i = 0; i < past.size(); ++i)
        if (past[i].first >= from) allowed.push_back(i);
      if (!allowed.empty()) state = &past[allowed[rng() % allowed.size()]].second;
    }
    auto it = state->find(k);
    op.values = it == state->end() ? std::vector<int64_t>{} : it->second;
    op.value = static_cast<int64_t>(op.values.size());
    h.ops.push_back(op);
  }
  // The store after each op that ended by then: what stale levels may read.
  std::vector<std::pair<int64_t, std::map<int64_t, std::vector<int64_t>>>> past;
  void Run(int ops) {
    for (int i = 0; i < ops; ++i) {
      past.emplace_back(t + 20 * kMs, store);
      switch (rng() % 4) {
        case 0:
          KeyInsert();
          break;
        case 1:
          Upsert();
          break;
        case 2:
          Delete();
          break;
        default:
          Lookup();
          break;
      }
    }
    Op fin = Next(kKindKeyFinal, Outcome::kOk, {});
    for (const auto& [k, versions] : store)
      for (int64_t v : versions) {
        fin.ids.push_back(k);
        fin.values.push_back(v);
      }
    h.ops.push_back(fin);
  }
};

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
