#include "drill/check/checkers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::AddProbes;
using testing::FinalRead;
using testing::FindCheck;
using testing::Insert;
using testing::kMs;
using testing::kS;
using testing::MakeOp;

// ---------------------------------------------------------------- consistency

TEST(Consistency, LostWriteIsFoundWithItsRpo) {
  History h;
  h.events.push_back({5 * kS, kEventFaultStart, "kill datanode"});
  h.ops = {Insert(1 * kS, 1 * kS + 5 * kMs, {1, 2}), Insert(2 * kS, 2 * kS + 5 * kMs, {3}),
           Insert(3 * kS, 3 * kS + 5 * kMs, {4}), FinalRead({1, 2, 4})};
  ConsistencyResult c = CheckConsistency(h);
  ASSERT_TRUE(c.judgeable);
  EXPECT_EQ(c.acknowledged, 4);
  EXPECT_EQ(c.lost, std::vector<int64_t>{3});
  EXPECT_TRUE(c.duplicated.empty());
  ASSERT_TRUE(c.rpo_us.has_value());
  EXPECT_EQ(*c.rpo_us, 5 * kS - (2 * kS + 5 * kMs));  // the ack of pk 3 was the earliest lost

  nlohmann::json j = ToJson(c);
  EXPECT_EQ(j["lost_count"], 1);
  EXPECT_EQ(j["lost"], nlohmann::json::array({3}));
  EXPECT_FALSE(j["definition"].get<std::string>().empty());

  Judgement v = Judge(h);
  EXPECT_EQ(v.exit_code, kExitFail);
  const Check* lost = FindCheck(v, "lost_writes");
  ASSERT_NE(lost, nullptr);
  EXPECT_TRUE(lost->judged);
  EXPECT_FALSE(lost->pass);
  EXPECT_EQ(lost->measured, 1.0);
}

TEST(Consistency, RpoClampsAtZeroAndListIsCappedInJson) {
  History h;
  h.events.push_back({1 * kS, kEventFaultStart, ""});
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 250; ++i) ids.push_back(i);
  h.ops = {Insert(2 * kS, 2 * kS + kMs, ids), FinalRead({})};  // acked after the fault, all lost
  ConsistencyResult c = CheckConsistency(h);
  EXPECT_EQ(c.lost.size(), 250u);
  EXPECT_EQ(c.rpo_us, 0);
  nlohmann::json j = ToJson(c);
  EXPECT_EQ(j["lost_count"], 250);
  EXPECT_EQ(j["lost"].size(), kJsonListCap);
}

TEST(Consistency, DuplicatesInTheReadAndIdsAcknowledgedTwice) {
  History h;
  h.ops = {Insert(1 * kS, 1 * kS + kMs, {1, 2}), Insert(2 * kS, 2 * kS + kMs, {3}), Insert(3 * kS, 3 * kS + kMs, {5}),
           Insert(4 * kS, 4 * kS + kMs, {5}),  // pk 5 issued twice
           FinalRead({1, 2, 2, 3, 5, 5})};
  ConsistencyResult c = CheckConsistency(h);
  ASSERT_TRUE(c.judgeable);
  EXPECT_TRUE(c.lost.empty());
  EXPECT_EQ(c.duplicated_in_read, std::vector<int64_t>{2});
  EXPECT_EQ(c.acknowledged_twice, std::vector<int64_t>{5});
  EXPECT_EQ(c.duplicated, (std::vector<int64_t>{2, 5}));
  SplitBrainResult sb = CheckSplitBrain(h);
  EXPECT_EQ(sb.ids_acknowledged_twice, std::vector<int64_t>{5});
  EXPECT_EQ(sb.signals(), 1);

  Judgement v = Judge(h);
  EXPECT_EQ(v.exit_code, kExitFail);
  EXPECT_FALSE(FindCheck(v, "duplicated_writes")->pass);
  EXPECT_EQ(FindCheck(v, "duplicated_writes")->measured, 2.0);
  EXPECT_FALSE(FindCheck(v, "split_brain")->pass);
  EXPECT_TRUE(FindCheck(v, "lost_writes")->pass);
}

TEST(Consistency, UnknownInsertsAreNeitherLostNorDuplicated) {
  History h;
  h.ops = {Insert(1 * kS, 1 * kS + kMs, {1}), Insert(2 * kS, 3 * kS, {10}, Outcome::kUnknown),  // took effect
           Insert(3 * kS, 4 * kS, {11}, Outcome::kUnknown),                                     // did not
           // A timed-out insert of pk 20, retried with the same pk and acknowledged:
           // both may have landed, so two copies are explained.
           Insert(4 * kS, 5 * kS, {20}, Outcome::kUnknown), Insert(5 * kS, 5 * kS + kMs, {20}),
           Insert(6 * kS, 6 * kS + kMs, {30}, Outcome::kFail), FinalRead({1, 10, 20, 20})};
  ConsistencyResult c = CheckConsistency(h);
  ASSERT_TRUE(c.judgeable);
  EXPECT_EQ(c.unknown_inserts, 3);
  EXPECT_EQ(c.failed_inserts, 1);
  EXPECT_EQ(c.unknown_ids, 2);  // 10 and 11; 20 was also acknowledged
  EXPECT_EQ(c.unknown_found, 1);
  EXPECT_EQ(c.unknown_not_found, 1);
  EXPECT_TRUE(c.lost.empty());
  EXPECT_TRUE(c.duplicated.empty());
  EXPECT_EQ(c.failed_found, 0);
  EXPECT_EQ(c.unexpected, 0);
  // (The run as a whole fails on availability: 3 of 7 inserts ok.)
  Judgement v = Judge(h);
  EXPECT_TRUE(FindCheck(v, "lost_writes")->pass);
  EXPECT_TRUE(FindCheck(v, "duplicated_writes")->pass);

  // Absent unknown writes are not lost either.
  h.ops.back() = FinalRead({1, 20});
  c = CheckConsistency(h);
  EXPECT_TRUE(c.lost.empty());
  EXPECT_EQ(c.unknown_found, 0);
  EXPECT_EQ(c.unknown_not_found, 2);
  v = Judge(h);
  EXPECT_TRUE(FindCheck(v, "lost_writes")->pass);
  EXPECT_TRUE(FindCheck(v, "duplicated_writes")->pass);

  // One unknown insert cannot explain three copies of its pk.
  h.ops.back() = FinalRead({1, 10, 10, 10, 20});
  EXPECT_EQ(CheckConsistency(h).duplicated_in_read, std::vector<int64_t>{10});
}

TEST(Consistency, FailedAndUnexpectedPksAreReportedNotJudged) {
  History h;
  h.ops = {Insert(1 * kS, 1 * kS + kMs, {1}), Insert(2 * kS, 2 * kS + kMs, {2}, Outcome::kFail), FinalRead({1, 2, 99})};
  ConsistencyResult c = CheckConsistency(h);
  EXPECT_EQ(c.failed_found, 1);
  EXPECT_EQ(c.unexpected, 1);
  EXPECT_EQ(c.found_distinct, 3);
  EXPECT_EQ(c.final_rows, 3);
}

TEST(Consistency, NoFinalReadCannotBeJudged) {
  History h;
  h.ops = {Insert(1 * kS, 1 * kS + kMs, {1})};
  ConsistencyResult c = CheckConsistency(h);
  EXPECT_FALSE(c.judgeable);
  EXPECT_NE(c.why_not.find("no final read"), std::string::npos);
  Judgement v = Judge(h);
  EXPECT_EQ(v.exit_code, kExitCannotJudge);
  EXPECT_FALSE(FindCheck(v, "lost_writes")->judged);

  // A final read that failed is no better.
  h.ops.push_back(MakeOp("final", 9 * kS, Outcome::kFail));
  EXPECT_EQ(CheckConsistency(h).why_not, "the final read failed");
  EXPECT_EQ(Judge(h).exit_code, kExitCannotJudge);
}

// ---------------------------------------------------------------- split-brain

TEST(SplitBrain, TimestampGoingBackwardsInRealTimeOrder) {
  History h;
  h.ops = {Insert(0, 10 * kMs, {1}, Outcome::kOk, 100),
           Insert(20 * kMs, 30 * kMs, {2}, Outcome::kOk, 50),   // began after #0 ended: must be > 100
           Insert(40 * kMs, 50 * kMs, {3}, Outcome::kOk, 100),  // equal is not "after" either
           Insert(60 * kMs, 70 * kMs, {4}, Outcome::kOk, 200)};
  SplitBrainResult r = CheckSplitBrain(h);
  EXPECT_EQ(r.inserts_with_ts, 4);
  EXPECT_EQ(r.ts_violation_count, 2);
  ASSERT_EQ(r.ts_violations.size(), 2u);
  EXPECT_EQ(r.ts_violations[0].earlier_op, 0u);
  EXPECT_EQ(r.ts_violations[0].later_op, 1u);
  EXPECT_EQ(r.ts_violations[0].earlier_ts, 100u);
  EXPECT_EQ(r.ts_violations[0].later_ts, 50u);
  EXPECT_EQ(r.ts_violations[1].later_op, 2u);
  EXPECT_EQ(ToJson(r)["ts_violation_count"], 2);
}

TEST(SplitBrain, OverlappingInsertsWithOutOfOrderTimestampsAreNotFlagged) {
  History h;
  // #1 started before #0 finished: concurrent, either order is linearizable.
  h.ops = {Insert(0, 10 * kMs, {1}, Outcome::kOk, 100), Insert(5 * kMs, 15 * kMs, {2}, Outcome::kOk, 50),
           // Starts exactly when #0 ends: not strictly after, still concurrent.
           Insert(10 * kMs, 20 * kMs, {3}, Outcome::kOk, 90),
           // Failed and unknown inserts and ts == 0 carry no ordering promise.
           Insert(30 * kMs, 40 * kMs, {4}, Outcome::kUnknown, 1), Insert(30 * kMs, 40 * kMs, {5}, Outcome::kOk, 0),
           Insert(50 * kMs, 60 * kMs, {6}, Outcome::kOk, 101)};
  SplitBrainResult r = CheckSplitBrain(h);
  EXPECT_EQ(r.ts_violation_count, 0);
  EXPECT_EQ(r.signals(), 0);
  EXPECT_EQ(r.inserts_with_ts, 4);
}

TEST(SplitBrain, LargeMonotonicHistoryIsCleanAndOneRegressionIsFound) {
  History h;
  for (int64_t i = 0; i < 50000; ++i) {
    // Four clients overlapping: each insert lasts 3 slots.
    h.ops.push_back(Insert(i * kMs, i * kMs + 3 * kMs, {i}, Outcome::kOk, static_cast<uint64_t>(1000 + i)));
  }
  EXPECT_EQ(CheckSplitBrain(h).ts_violation_count, 0);
  h.ops[40000].ts = 1000 + 10;  // an old oracle answered one insert
  SplitBrainResult r = CheckSplitBrain(h);
  EXPECT_EQ(r.ts_violation_count, 1);
  ASSERT_EQ(r.ts_violations.size(), 1u);
  EXPECT_EQ(r.ts_violations[0].later_op, 40000u);
  EXPECT_EQ(r.ts_violations[0].earlier_op, 39996u);  // the latest one finished before it began
}

// ---------------------------------------------------------------- no failure

TEST(Judge, NoFailureAtAllPasses) {
  History h;
  AddProbes(
      &h, 0, 10 * kS, 100 * kMs, [](int64_t) { return false; }, "search");
  h.ops.push_back(Insert(1 * kS, 1 * kS + kMs, {1}, Outcome::kOk, 10));
  h.ops.push_back(Insert(2 * kS, 2 * kS + kMs, {2}, Outcome::kOk, 20));
  h.ops.push_back(FinalRead({1, 2}));
  Judgement v = Judge(h);
  EXPECT_FALSE(v.seed_rto.rto_us.has_value());
  EXPECT_TRUE(v.seed_rto.recovered);
  EXPECT_FALSE(v.strict_rto.fault_start_us.has_value());
  EXPECT_FALSE(v.strict_rto.rto_us.has_value());
  EXPECT_EQ(v.availability.request.pct, 100.0);
  EXPECT_EQ(v.availability.request.nines, 9.0);
  EXPECT_EQ(v.availability.request.grade, Grade::kFourNines);
  EXPECT_EQ(v.availability.time.pct, 100.0);
  EXPECT_EQ(v.availability.time.total, 10);
  EXPECT_EQ(v.workload_ops, 102);
  EXPECT_EQ(v.exit_code, kExitPass) << ToJson(v).dump(2);
  const Check* rto = FindCheck(v, "rto");
  EXPECT_TRUE(rto->pass);
  EXPECT_FALSE(rto->measured.has_value());
  nlohmann::json j = ToJson(v);
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_TRUE(j["seed_rto"]["rto_s"].is_null());
  EXPECT_EQ(j["checks"].size(), v.checks.size());
  for (const auto& c : j["checks"]) EXPECT_FALSE(c["definition"].get<std::string>().empty());
  for (const char* part :
       {"phases", "seed_rto", "strict_rto", "latency", "availability", "consistency", "split_brain", "recall"}) {
    EXPECT_FALSE(j[part]["definition"].get<std::string>().empty()) << part;
  }

  // A fault that hurt nothing recovers in 0 s.
  h.events.push_back({5 * kS, kEventFaultStart, ""});
  EXPECT_EQ(CheckStrictRto(h, CheckOptions{}).rto_us, 0);
  EXPECT_EQ(Judge(h).exit_code, kExitPass);
}

TEST(Judge, CannotJudgeWithoutOpsOrWhenTruncatedWithoutFinalRead) {
  History empty;
  CheckOptions with_availability;
  with_availability.thresholds.availability_min_pct = 99.9;
  Judgement v = Judge(empty, with_availability);
  EXPECT_EQ(v.exit_code, kExitCannotJudge);
  EXPECT_FALSE(v.cannot_judge.empty());
  EXPECT_FALSE(FindCheck(v, "availability")->judged);

  History searches;
  AddProbes(
      &searches, 0, 5 * kS, 100 * kMs, [](int64_t) { return false; }, "search");
  EXPECT_EQ(Judge(searches).exit_code, kExitPass);  // no inserts: nothing for a final read to judge
  searches.truncated = true;
  EXPECT_EQ(Judge(searches).exit_code, kExitCannotJudge);
  searches.ops.push_back(FinalRead({}));
  EXPECT_EQ(Judge(searches).exit_code, kExitPass);

  // A measured failure outranks what could not be judged.
  History broken;
  broken.ops = {Insert(0, kMs, {1})};
  AddProbes(
      &broken, 0, 5 * kS, 100 * kMs, [](int64_t) { return true; }, "search");
  EXPECT_EQ(Judge(broken).exit_code, kExitFail);
}

}  // namespace
}  // namespace mdrill::drill
