// The DDL check against histories of a simulated catalog driven as the DDL churn
// drives a real one (drill/run/ddl.h): a correct catalog never fails it, whatever
// the seed and the outcomes (an unknown create or drop lands or not at random); a
// catalog that ignores some acknowledged drops, or loses some acknowledged creates,
// fails it, naming only the collections it broke; a DDL path that never comes back
// after the last fault is "stuck".
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <set>

#include "drill/check/checkers.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::FindCheck;
using testing::kMs;
using testing::MakeOp;

enum class Bug { kNone, kIgnoreDrops, kLoseCreates };

struct Sim {
  std::mt19937_64 rng;
  Bug bug;
  std::set<int64_t> exists, broken;
  int64_t k = 1, t = 0;
  int step = 0, acked = 0;
  History h;

  Sim(uint64_t seed, Bug b) : rng(seed), bug(b) {}
  Outcome Draw() {
    const int r = std::uniform_int_distribution<int>(0, 9)(rng);
    return r < 8 ? Outcome::kOk : r == 8 ? Outcome::kFail : Outcome::kUnknown;
  }
  bool Lands(Outcome o) { return o == Outcome::kOk || (o == Outcome::kUnknown && rng() % 2 == 0); }
  // The bug strikes every third acknowledged write of its kind.
  bool Strikes(Bug b, Outcome o) { return bug == b && o == Outcome::kOk && ++acked % 3 == 0; }
  void Record(const char* kind, Outcome o, int64_t value = -1) {
    Op op = MakeOp(kind, t, o, 5 * kMs, {k});
    op.value = value;
    h.ops.push_back(op);
    t += 100 * kMs;
  }
  // One step of the churn's cycle: create, has, index, load, count, release, drop, has.
  void Step() {
    Outcome o = Draw();
    switch (step) {
      case 0:
        if (Strikes(Bug::kLoseCreates, o))
          broken.insert(k);
        else if (Lands(o))
          exists.insert(k);
        Record("ddl_create", o);
        step = 1;
        return;
      case 1:
      case 7: {
        if (o == Outcome::kUnknown) o = Outcome::kFail;  // a read: ok or failed
        const bool has = exists.count(k) > 0;
        Record("ddl_has", o, o == Outcome::kOk ? has : -1);
        if (o != Outcome::kOk) return;
        if (step == 1)
          step = has ? 2 : 0;
        else if (has)
          step = 6;
        else
          step = 0, ++k;
        return;
      }
      case 6:
        if (Strikes(Bug::kIgnoreDrops, o))
          broken.insert(k);
        else if (Lands(o))
          exists.erase(k);
        Record("ddl_drop", o);
        step = 7;
        return;
      default:
        static const char* kinds[] = {"", "", "ddl_index", "ddl_load", "ddl_count", "ddl_release"};
        Record(kinds[step], o);
        if (o == Outcome::kOk || step == 4) ++step;
    }
  }
  Judgement Run(int steps) {
    for (int i = 0; i < steps; ++i) Step();
    Op final_op = MakeOp("ddl_final", t, Outcome::kOk, 5 * kMs, {exists.begin(), exists.end()});
    h.ops.push_back(final_op);
    return Judge(h);
  }
};

TEST(DdlCheck, ACorrectCatalogNeverFailsIt) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Sim sim(seed, Bug::kNone);
    Judgement j = sim.Run(400);
    const Check* c = FindCheck(j, "ddl_violations");
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->pass) << "seed " << seed << ": " << c->definition;
  }
}

// The collections a failing check names, by what it says of them.
std::set<int64_t> Named(const std::string& definition, const std::string& what) {
  std::set<int64_t> out;
  const std::regex re(what + R"(: collection ([0-9]+))");
  for (std::sregex_iterator m(definition.begin(), definition.end(), re), end; m != end; ++m)
    out.insert(std::stoll((*m)[1].str()));
  return out;
}

TEST(DdlCheck, IgnoredDropsAreResurrectedAndOnlyThoseNamed) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Sim sim(seed, Bug::kIgnoreDrops);
    Judgement j = sim.Run(400);
    const Check* c = FindCheck(j, "ddl_violations");
    ASSERT_NE(c, nullptr);
    ASSERT_FALSE(sim.broken.empty());
    EXPECT_FALSE(c->pass);
    auto named = Named(c->definition, "resurrected");
    EXPECT_FALSE(named.empty()) << c->definition;
    for (int64_t k : named) EXPECT_TRUE(sim.broken.count(k)) << "seed " << seed << " named " << k;
    EXPECT_TRUE(Named(c->definition, "lost").empty()) << c->definition;
  }
}

TEST(DdlCheck, LostCreatesAreLostAndOnlyThoseNamed) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Sim sim(seed, Bug::kLoseCreates);
    Judgement j = sim.Run(400);
    const Check* c = FindCheck(j, "ddl_violations");
    ASSERT_NE(c, nullptr);
    EXPECT_FALSE(c->pass);
    auto named = Named(c->definition, "lost");
    EXPECT_FALSE(named.empty()) << c->definition;
    for (int64_t k : named) EXPECT_TRUE(sim.broken.count(k)) << "seed " << seed << " named " << k;
    EXPECT_TRUE(Named(c->definition, "resurrected").empty()) << c->definition;
  }
}

TEST(DdlCheck, ACollectionMissingAtTheEndIsVanished) {
  Sim sim(5, Bug::kNone);
  for (int i = 0; i < 3; ++i) sim.Step();  // created, seen, indexing
  while (sim.step < 2) sim.Step();
  ASSERT_TRUE(sim.exists.count(sim.k));
  sim.exists.erase(sim.k);  // gone without a drop
  Judgement j = sim.Run(0);
  const Check* c = FindCheck(j, "ddl_violations");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Named(c->definition, "vanished"), std::set<int64_t>{sim.k}) << c->definition;
}

TEST(DdlCheck, AnUnknownCreateMayLandLateAndASeenOneMustStay) {
  History h;
  auto op = [&](const char* kind, int64_t at_ms, Outcome o, int64_t k, int64_t value = -1) {
    Op x = MakeOp(kind, at_ms * kMs, o, 5 * kMs, {k});
    x.value = value;
    h.ops.push_back(x);
  };
  // 1: its create timed out (unknown), a second one was acknowledged, then it was
  // dropped; the first create landing late brings it back: no violation.
  op("ddl_create", 0, Outcome::kUnknown, 1);
  op("ddl_has", 100, Outcome::kOk, 1, 0);
  op("ddl_create", 200, Outcome::kOk, 1);
  op("ddl_drop", 300, Outcome::kOk, 1);
  op("ddl_has", 400, Outcome::kOk, 1, 1);
  // 2: created with an unknown outcome, found by ddl_has, never dropped, then missing.
  op("ddl_create", 500, Outcome::kUnknown, 2);
  op("ddl_has", 600, Outcome::kOk, 2, 1);
  h.ops.push_back(MakeOp("ddl_final", 700 * kMs, Outcome::kOk, 5 * kMs, {1}));
  const Judgement j = Judge(h);
  const Check* c = FindCheck(j, "ddl_violations");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(Named(c->definition, "resurrected").empty()) << c->definition;
  EXPECT_EQ(Named(c->definition, "vanished"), std::set<int64_t>{2}) << c->definition;
}

TEST(DdlCheck, ADdlPathThatNeverComesBackAfterTheLastFaultIsStuck) {
  for (bool recovers : {false, true}) {
    History h;
    h.ops.push_back(MakeOp("ddl_create", 0, Outcome::kOk, 5 * kMs, {1}));
    h.events.push_back(Event{1000 * kMs, kEventFaultEnd, "f1 healed"});
    for (int i = 0; i < 5; ++i)
      h.ops.push_back(MakeOp("ddl_index", (2000 + 500 * i) * kMs, recovers && i == 4 ? Outcome::kOk : Outcome::kFail,
                             5 * kMs, {1}));
    const Judgement j = Judge(h);
    const Check* c = FindCheck(j, "ddl_violations");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->pass, recovers) << c->definition;
  }
}

TEST(DdlCheck, NoChurnNoCheck) {
  History h;
  h.ops.push_back(MakeOp("search", 0));
  const Judgement j = Judge(h);
  EXPECT_EQ(FindCheck(j, "ddl_violations"), nullptr);
}

}  // namespace
}  // namespace mdrill::drill
