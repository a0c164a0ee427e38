// The check rules (drill/check/*_check.cc): each registers itself, runs in its
// order, and carries everything a report needs; the stale-read and target checks
// judge from the history alone.
#include <gtest/gtest.h>

#include "drill/check/check.h"
#include "drill/check/checkers.h"
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

// A history in which every rule applies: searches with recall, inserts and their
// final read, Strong point lookups, a fault and a target event.
History EveryRuleApplies(bool target_changed, bool lookup_finds_row) {
  History h;
  h.events.push_back({5 * kS, kEventFaultStart, "kill coordinator-0"});
  AddProbes(
      &h, 0, 20 * kS, 100 * kMs, [](int64_t) { return false; }, kKindSearch);
  for (auto& op : h.ops) op.recall = 1.0;
  h.ops.push_back(Insert(1 * kS, 1 * kS + 5 * kMs, {1, 2}));
  Op lookup = MakeOp(kKindQuery, 2 * kS, Outcome::kOk, 2 * kMs, {1});
  lookup.value = lookup_finds_row ? 1 : 0;
  h.ops.push_back(lookup);
  h.ops.push_back(FinalRead({1, 2}));
  Event target{8 * kS, kEventTarget, "active coordinator before: a after: b changed: whatever"};
  target.data = {{"before", "a"}, {"after", target_changed ? "b" : "a"}, {"changed", target_changed}};
  h.events.push_back(target);
  return h;
}

CheckOptions WithAvailability() {
  CheckOptions o;
  o.thresholds.availability_min_pct = 99.9;
  return o;
}

TEST(CheckRules, EveryRuleRegisteredAndInReportOrder) {
  Judgement j = Judge(EveryRuleApplies(true, true), WithAvailability());
  std::vector<std::string> names;
  for (const auto& c : j.checks) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"rto", "failed_requests", "availability", "lost_writes",
                                             "duplicated_writes", "split_brain", "recall_after", "stale_reads",
                                             "target hit: active coordinator changed"}));
  for (const auto& c : j.checks) {
    EXPECT_FALSE(c.title.empty()) << c.name;
    EXPECT_FALSE(c.title_zh.empty()) << c.name;
    EXPECT_FALSE(c.definition.empty()) << c.name;
    EXPECT_TRUE(c.judged) << c.name;
    EXPECT_TRUE(c.pass) << c.name << ": " << c.definition;
  }
  EXPECT_EQ(j.exit_code, kExitPass);
}

// By default a failure is judged by whether a fault explains it: inside the
// fault's impairment it is the outage (the RTO judges it); before the fault or
// after the service had recovered it fails the test at any rate.
TEST(CheckRules, FailuresNoFaultExplainsFailTheTest) {
  History h = EveryRuleApplies(true, true);
  h.ops[50].outcome = Outcome::kFail;  // intended at the fault (5.0 s): the outage
  Judgement during = Judge(h);
  const Check* c = FindCheck(during, "failed_requests");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->pass) << c->definition;
  EXPECT_EQ(c->measured, 0.0);
  EXPECT_EQ(during.failures.explained, 1);
  EXPECT_EQ(during.exit_code, kExitPass);

  for (size_t i : {3, 120}) {  // 0.3 s, before the fault; 12 s, long after recovery
    History later = EveryRuleApplies(true, true);
    later.ops[50].outcome = Outcome::kFail;
    later.ops[i].outcome = Outcome::kFail;
    Judgement j = Judge(later);
    EXPECT_FALSE(FindCheck(j, "failed_requests")->pass) << i;
    EXPECT_EQ(FindCheck(j, "failed_requests")->measured, 1.0) << i;
    EXPECT_EQ(j.failures.total, 2) << i;
    EXPECT_EQ(j.exit_code, kExitFail) << i;
  }

  // A budget set (--failed-max) is the seed's check, in the seed's words.
  CheckOptions seed;
  seed.thresholds.failed_max = 1;
  Judgement budget = Judge(h, seed);
  EXPECT_EQ(FindCheck(budget, "failed_requests")->title_zh, "失败请求数");
  EXPECT_EQ(FindCheck(budget, "failed_requests")->comparison, "<");
  EXPECT_FALSE(FindCheck(budget, "failed_requests")->pass);  // 1 failure, not below 1
}

// A lasting fault explains failures until its heal and the recovery from the heal:
// a connection held by a paused proxy fails after the others recovered, and the
// heal disturbs the cluster again. After that, a failure is unexplained.
TEST(CheckRules, ALastingFaultExplainsFailuresUntilItsHealAndTheRecoveryFromIt) {
  History h;
  h.events = {{5 * kS, kEventFaultStart, "pause-1: pause proxy-1"},
              {5 * kS + 2 * kMs, kEventFaultInjected, "pause-1"},
              {10 * kS, kEventFaultEnd, "pause-1 healed (expired)"}};
  AddProbes(&h, 0, 20 * kS, 100 * kMs, [](int64_t t) {
    return (t >= 5 * kS && t < 5'300 * kMs) || t == 8 * kS || t == 10'100 * kMs || t == 15 * kS;
  });
  h.ops.push_back(FinalRead({}));
  Judgement j = Judge(h);
  EXPECT_EQ(j.failures.total, 6);
  EXPECT_EQ(j.failures.explained, 5);    // the pause's three, the hung one at 8 s, the heal's at 10.1 s
  EXPECT_EQ(j.failures.unexplained, 1);  // 15 s: the cluster had recovered from the heal
  EXPECT_FALSE(FindCheck(j, "failed_requests")->pass);
}

// An ok answer slower than its kind's bound outside every fault's impairment is a
// slowdown no fault explains: counted and listed, never a failed check.
TEST(CheckRules, SlowAnswersNoFaultExplainsAreReportedNotJudged) {
  History h;
  h.events = {{5 * kS, kEventFaultStart, "pause-1: pause proxy-1"},
              {5 * kS + 2 * kMs, kEventFaultInjected, "pause-1"},
              {7 * kS, kEventFaultEnd, "pause-1 healed (expired)"}};
  AddProbes(&h, 0, 20 * kS, 100 * kMs, [](int64_t t) { return t >= 5 * kS && t < 5'300 * kMs; });
  for (auto& op : h.ops)
    if (op.intended_us == 6 * kS || op.intended_us == 15 * kS) op.end_us = op.intended_us + 3 * kS;  // ok, slow
  h.ops.push_back(FinalRead({}));
  Judgement j = Judge(h);
  EXPECT_EQ(j.failures.unexplained, 0);
  EXPECT_EQ(j.failures.slow_unexplained, 1);  // 15 s; the one at 6 s is the pause's
  ASSERT_EQ(j.failures.slow_examples.size(), 1u);
  EXPECT_NE(j.failures.slow_examples[0].find("t=15.000 s"), std::string::npos) << j.failures.slow_examples[0];
  EXPECT_NE(j.failures.slow_examples[0].find("ok after 3000 ms"), std::string::npos) << j.failures.slow_examples[0];
  EXPECT_EQ(j.failures.slow_by_kind, (std::map<std::string, int64_t>{{"probe", 1}}));
  EXPECT_TRUE(FindCheck(j, "failed_requests")->pass);
  History calm = h;  // no fault: no bound, nothing counted
  calm.events.clear();
  EXPECT_EQ(Judge(calm).failures.slow_unexplained, 0);
}

// Availability is a figure per test unless a threshold is set: one request in
// flight on a killed process must not fail a correct failover by default.
TEST(CheckRules, AvailabilityIsACheckOnlyWithAThreshold) {
  History h = EveryRuleApplies(true, true);
  h.ops[50].outcome = Outcome::kFail;  // one search failed at the fault: 99.5 % of 200
  Judgement by_default = Judge(h);
  EXPECT_EQ(FindCheck(by_default, "availability"), nullptr);
  EXPECT_EQ(by_default.exit_code, kExitPass);
  EXPECT_LT(by_default.availability.request.pct, 99.9);  // still measured and reported
  Judgement strict = Judge(h, WithAvailability());
  ASSERT_NE(FindCheck(strict, "availability"), nullptr);
  EXPECT_FALSE(FindCheck(strict, "availability")->pass);
  EXPECT_EQ(strict.exit_code, kExitFail);
}

TEST(CheckRules, StaleReadAndMissedTargetFail) {
  Judgement stale = Judge(EveryRuleApplies(true, false));
  ASSERT_NE(FindCheck(stale, "stale_reads"), nullptr);
  EXPECT_FALSE(FindCheck(stale, "stale_reads")->pass);
  EXPECT_EQ(FindCheck(stale, "stale_reads")->measured, 1.0);
  EXPECT_EQ(stale.exit_code, kExitFail);

  Judgement missed = Judge(EveryRuleApplies(false, true));
  const Check* target = FindCheck(missed, "target hit: active coordinator changed");
  ASSERT_NE(target, nullptr);
  EXPECT_FALSE(target->pass);  // the structured field decides, not the text
  EXPECT_EQ(missed.exit_code, kExitFail);
}

TEST(CheckRules, TargetEventsWrittenBeforeStructuredDataStillJudge) {
  History h = EveryRuleApplies(true, true);
  h.events.back().data = nullptr;
  h.events.back().detail = "active coordinator before: a after: b changed: yes (2.00 s after the fault)";
  EXPECT_TRUE(FindCheck(Judge(h), "target hit: active coordinator changed")->pass);
  h.events.back().detail = "active coordinator before: a after: a changed: no";
  EXPECT_FALSE(FindCheck(Judge(h), "target hit: active coordinator changed")->pass);
}

TEST(CheckRules, RunErrorMakesTheVerdictCannotJudge) {
  History h = EveryRuleApplies(true, false);  // a failing check too
  h.meta["error"] = "no steady state";
  Judgement j = Judge(h);
  EXPECT_EQ(j.exit_code, kExitCannotJudge);
  ASSERT_FALSE(j.cannot_judge.empty());
  EXPECT_NE(j.cannot_judge.back().find("no steady state"), std::string::npos);
}

TEST(CheckRules, JsonRoundTripKeepsPresentation) {
  Judgement j = Judge(EveryRuleApplies(true, true), WithAvailability());
  for (const auto& c : j.checks) {
    Check back = CheckFromJson(ToJson(c));
    EXPECT_EQ(back.name, c.name);
    EXPECT_EQ(back.title_zh, c.title_zh);
    EXPECT_EQ(back.unit.symbol, c.unit.symbol);
    EXPECT_EQ(back.unit.decimals, c.unit.decimals);
    EXPECT_EQ(back.measured, c.measured);
  }
  EXPECT_EQ(FormatFigure(3.0, kSeconds), "3.00 s");
  EXPECT_EQ(FormatFigure(99.9, kPercent), "99.9000 %");
  EXPECT_EQ(FormatFigure(2, kCount), "2");
  EXPECT_EQ(FormatFigure(2.5, kCount), "2.500");
  EXPECT_EQ(FormatFigure(0.9531, kRatio), "0.953");
  // A check from a file written before titles and units: its name, a plain figure.
  Check old = CheckFromJson({{"name", "rto"}, {"measured", 3.0}, {"threshold", 15}, {"comparison", "<"}});
  EXPECT_EQ(old.title, "rto");
  EXPECT_EQ(FormatFigure(*old.measured, old.unit), "3");
}

}  // namespace
}  // namespace mdrill::drill
