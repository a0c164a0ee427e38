// The invariants judged while a run goes on (drill/check/so_far.h): sound (each
// violation found mid-run is one the verdict at the end reports, at any cutoff,
// with overlapping ops), and early (a store that breaks Strong reads is caught
// before its run is over).
#include "drill/check/so_far.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "drill/check/checkers.h"
#include "drill/check/keyed.h"
#include "drill/check/keyed_sim.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::Bug;
using testing::kMs;
using testing::kS;
using testing::MakeOp;
using testing::Sim;

std::set<int64_t> Keys(const std::vector<SoFarViolation>& v, const std::string& invariant) {
  std::set<int64_t> out;
  for (const auto& x : v)
    if (x.invariant == invariant) out.insert(std::stoll(x.id.substr(x.id.find(' ') + 1)));
  return out;
}

TEST(SoFar, WhatItFindsMidRunTheVerdictFindsAtAnyCutoff) {
  int early = 0, runs = 0;
  for (Bug bug : {Bug::kNone, Bug::kLoseInsert, Bug::kIgnoreDelete, Bug::kDuplicateInsert, Bug::kIgnoreUpsert}) {
    for (uint64_t seed = 1; seed <= 40; ++seed) {
      Sim sim(seed, bug);
      sim.max_ms = 60;  // ops overlap up to three deep
      sim.Run(400);
      const KeyedResult final_result = CheckKeyed(sim.h);
      const std::set<int64_t> stale(final_result.stale.begin(), final_result.stale.end());
      const std::set<int64_t> resurrected(final_result.resurrected.begin(), final_result.resurrected.end());
      if (bug == Bug::kNone) {
        EXPECT_TRUE(final_result.lost.empty() && final_result.stale.empty() && final_result.resurrected.empty() &&
                    final_result.phantom.empty() && final_result.duplicated.empty())
            << "seed " << seed << ": overlapping ops of a correct store: " << ToJson(final_result).dump();
      }
      const int64_t end = sim.h.ops.back().end_us;
      for (int64_t cutoff = end / 8; cutoff <= end + kS; cutoff += end / 8) {
        const auto seen = CheckSoFar(sim.h, cutoff);
        for (int64_t k : Keys(seen, "stale")) EXPECT_TRUE(stale.count(k)) << "seed " << seed << " key " << k;
        for (int64_t k : Keys(seen, "resurrected"))
          EXPECT_TRUE(resurrected.count(k)) << "seed " << seed << " key " << k;
        if (bug == Bug::kNone) {
          EXPECT_TRUE(seen.empty()) << "seed " << seed << ": " << seen.front().detail;
        }
      }
      if (bug == Bug::kIgnoreDelete || bug == Bug::kIgnoreUpsert) {
        ++runs;
        early += !CheckSoFar(sim.h, end * 3 / 4).empty();
      }
    }
  }
  // A store that ignores deletes or upserts is caught three quarters in, nearly always.
  EXPECT_GT(early, runs * 3 / 4) << early << " of " << runs;
}

// A lookup is judged only once it ended before the cutoff; the ops begun after
// it ended do not excuse what it saw.
TEST(SoFar, OnlyFinishedLookupsAreJudgedAndLaterWritesExcuseNothing) {
  History h;
  Op ins = MakeOp(kKindKeyInsert, 1 * kS, Outcome::kOk, 10 * kMs, {7});
  ins.values = {0};
  Op del = MakeOp(kKindDelete, 2 * kS, Outcome::kOk, 10 * kMs, {7});
  Op look = MakeOp(kKindKeyLookup, 3 * kS, Outcome::kOk, 10 * kMs, {7});
  look.values = {0};
  look.value = 1;  // the deleted key, found
  Op again = MakeOp(kKindKeyInsert, 4 * kS, Outcome::kOk, 10 * kMs, {7});
  again.values = {0};
  h.ops = {ins, del, look, again};
  EXPECT_TRUE(CheckSoFar(h, 3 * kS + 5 * kMs).empty()) << "the lookup had not ended";
  const auto seen = CheckSoFar(h, 3500 * kMs);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].invariant, "resurrected");
  EXPECT_EQ(seen[0].id, "key 7");
  // The verdict agrees: the insert at 4 s began after the lookup ended.
  EXPECT_EQ(CheckKeyedLookups(h, 10 * kS).resurrected, std::vector<int64_t>{7});
}

// A run whose keyed final read failed still reports what its lookups proved: a
// violation seen mid-run is in the verdict, not hidden behind "cannot judge".
TEST(SoFar, WhatLookupsProvedIsJudgedWithoutTheFinalRead) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Sim sim(seed, Bug::kIgnoreUpsert);
    sim.max_ms = 60;
    sim.Run(400);
    sim.h.ops.back().outcome = Outcome::kFail;  // the key_final
    const auto seen = CheckSoFar(sim.h, sim.h.ops.back().start_us);
    const KeyedResult k = CheckKeyed(sim.h);
    EXPECT_FALSE(k.judgeable);
    const std::set<int64_t> verdict(k.stale.begin(), k.stale.end());
    for (int64_t key : Keys(seen, "stale")) EXPECT_TRUE(verdict.count(key)) << "seed " << seed << " key " << key;
    if (seen.empty()) continue;
    Judgement j = Judge(sim.h);
    const Check* stale = nullptr;
    for (const auto& c : j.checks)
      if (c.name == "stale_keyed_reads") stale = &c;
    ASSERT_NE(stale, nullptr);
    EXPECT_TRUE(stale->judged);
    EXPECT_FALSE(stale->pass) << stale->definition;
  }
}

TEST(SoFar, SplitBrainAndStaleReadsAreSeenAsTheyHappen) {
  History h;
  Op a = MakeOp(kKindInsert, 1 * kS, Outcome::kOk, 10 * kMs, {1});
  a.ts = 500;
  Op b = MakeOp(kKindInsert, 2 * kS, Outcome::kOk, 10 * kMs, {2});
  b.ts = 400;  // after a ended, an older timestamp
  Op q = MakeOp(kKindQuery, 3 * kS, Outcome::kOk, 10 * kMs, {1});
  q.value = 0;  // acknowledged id 1, not found
  h.ops = {a, b, q};
  std::set<std::string> found;
  for (const auto& v : CheckSoFar(h, 5 * kS)) found.insert(v.invariant);
  EXPECT_EQ(found, (std::set<std::string>{"split_brain", "stale_read"}));
  EXPECT_TRUE(CheckSoFar(h, 1500 * kMs).empty());
}

// The watch follows a file still being written, a line at a time, and reports
// each violation once; nothing is judged until one op deadline has passed.
TEST(SoFar, TheWatchFollowsAGrowingFileAndReportsOnce) {
  const std::string path = ::testing::TempDir() + "/so_far_watch.jsonl";
  std::filesystem::remove(path);
  HistoryWriter w;
  ASSERT_TRUE(w.Open(path).ok());
  ASSERT_TRUE(w.WriteMeta({{"test", "t"}}).ok());
  SoFarWatch watch(path, 5 * kS);
  Op q = MakeOp(kKindQuery, 1 * kS, Outcome::kOk, 10 * kMs, {9});
  q.value = 0;
  ASSERT_TRUE(w.Append(q).ok());
  auto none = watch.Poll(16 * kS);  // cutoff 16 - 2 x 5 - 5 = 1 s: the op had not ended
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto first = watch.Poll(17 * kS);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].invariant, "stale_read");
  {
    // Half a line: read once it is whole.
    std::ofstream(path, std::ios::app) << ToJsonLine(q).substr(0, 10);
  }
  auto again = watch.Poll(30 * kS);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->empty()) << "reported twice";
  EXPECT_EQ(watch.reported(), 1);
  {
    // The rest of that line (now whole: the same op again), a line that is not
    // JSON, then another stale lookup: read past the bad line, reported once.
    Op later = q;
    later.start_us = later.intended_us = 2 * kS;
    later.end_us = 2 * kS + 10 * kMs;
    std::ofstream(path, std::ios::app) << ToJsonLine(q).substr(10) << "\n{not json\n" << ToJsonLine(later) << "\n";
  }
  auto after_bad = watch.Poll(40 * kS);
  ASSERT_TRUE(after_bad.ok()) << after_bad.status().ToString();
  EXPECT_EQ(after_bad->size(), 2u) << "the two ops after the half line: the repeat (its own op) and the later one";
  EXPECT_EQ(watch.reported(), 3);
  (void)w.Close();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mdrill::drill
