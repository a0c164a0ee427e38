// The strict RTO of a run with several faults (a soak): each outage timed from
// its own injection, faults that overlap an unrecovered outage merged with it.
#include <gtest/gtest.h>

#include <cmath>

#include "drill/check/checkers.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::AddProbes;
using testing::kMs;
using testing::kS;
using testing::MakeOp;

// Outages of `lengths` seconds at the given fault times, 100 probes/s.
History Outages(const std::vector<std::pair<int64_t, int64_t>>& at_and_len) {
  History h;
  for (auto [at, len] : at_and_len) {
    h.events.push_back({at, kEventFaultStart, "kill x"});
    h.events.push_back({at, kEventFaultInjected, ""});
  }
  AddProbes(&h, 0, 120 * kS, 10 * kMs, [&](int64_t t) {
    for (auto [at, len] : at_and_len)
      if (t >= at && t < at + len) return true;
    return false;
  });
  return h;
}

TEST(RtoFaults, EachOutageIsTimedFromItsOwnInjection) {
  // 1 s at 10 s, 3 s at 60 s: the RTO is the longer outage's 3 s, not 53 s.
  StrictRtoResult r = CheckStrictRto(Outages({{10 * kS, 1 * kS}, {60 * kS, 3 * kS}}), CheckOptions{});
  ASSERT_TRUE(r.rto_us.has_value());
  EXPECT_LE(std::llabs(*r.rto_us - 3 * kS), r.uncertainty_us + 1);
  ASSERT_EQ(r.by_fault.size(), 2u);
  EXPECT_LE(std::llabs(*r.by_fault[0].rto_us - 1 * kS), r.by_fault[0].uncertainty_us + 1);
  EXPECT_LE(std::llabs(*r.by_fault[1].rto_us - 3 * kS), r.by_fault[1].uncertainty_us + 1);
  EXPECT_EQ(r.by_fault[1].fault_start_us, 60 * kS);
  EXPECT_EQ(r.by_fault[1].faults, 1);
}

TEST(RtoFaults, AFaultBeforeRecoveryJoinsTheOutage) {
  // The second fault strikes 2 s into a 5 s outage that then lasts to 14 s.
  StrictRtoResult r = CheckStrictRto(Outages({{10 * kS, 4 * kS}, {12 * kS, 2 * kS}}), CheckOptions{});
  ASSERT_EQ(r.by_fault.size(), 1u);
  EXPECT_EQ(r.by_fault[0].faults, 2);
  ASSERT_TRUE(r.rto_us.has_value());
  EXPECT_LE(std::llabs(*r.rto_us - 4 * kS), r.uncertainty_us + 1);
}

TEST(RtoFaults, KindsThatGroupFaultsDifferentlyReportEachOutageOnce) {
  // Probes recover from each fault in 1 s; inserts stay down from 10 s to 40 s,
  // through the second fault at 30 s: one 30 s outage for them.
  History h = Outages({{10 * kS, 1 * kS}, {30 * kS, 1 * kS}});
  AddProbes(
      &h, 0, 120 * kS, 100 * kMs, [](int64_t t) { return t >= 10 * kS && t < 40 * kS; }, kKindInsert);
  StrictRtoResult r = CheckStrictRto(h, CheckOptions{});
  ASSERT_EQ(r.by_fault.size(), 2u);
  EXPECT_EQ(r.by_fault[0].fault_start_us, 10 * kS);
  EXPECT_EQ(r.by_fault[0].kind, kKindInsert);
  EXPECT_EQ(r.by_fault[0].faults, 2);
  EXPECT_LE(std::llabs(*r.by_fault[0].rto_us - 30 * kS), r.by_fault[0].uncertainty_us + 1);
  EXPECT_EQ(r.by_fault[1].fault_start_us, 30 * kS);
  EXPECT_EQ(r.by_fault[1].kind, "probe");
  EXPECT_LE(std::llabs(*r.by_fault[1].rto_us - 1 * kS), r.by_fault[1].uncertainty_us + 1);
  EXPECT_LE(std::llabs(*r.rto_us - 30 * kS), r.uncertainty_us + 1);
}

TEST(RtoFaults, AnOutageNeverRecoveredFromIsReportedAsSuch) {
  StrictRtoResult r = CheckStrictRto(Outages({{10 * kS, 1 * kS}, {100 * kS, 30 * kS}}), CheckOptions{});
  EXPECT_TRUE(r.never_recovered);
  EXPECT_FALSE(r.rto_us.has_value());
  ASSERT_EQ(r.by_fault.size(), 2u);
  EXPECT_FALSE(r.by_fault[0].never_recovered);
  EXPECT_TRUE(r.by_fault[1].never_recovered);
}

TEST(RtoFaults, TheLatencyBoundComesFromTheWarmUpBeforeTheFirstFault) {
  // Slow answers (300 ms) during the first outage would raise a bound taken from
  // everything before the second fault; the second outage's slow ops must still count.
  History h = Outages({{10 * kS, 0}, {60 * kS, 0}});
  for (auto& op : h.ops)
    if ((op.intended_us >= 10 * kS && op.intended_us < 12 * kS) ||
        (op.intended_us >= 60 * kS && op.intended_us < 62 * kS))
      op.end_us = op.intended_us + 300 * kMs;
  StrictRtoResult r = CheckStrictRto(h, CheckOptions{});
  ASSERT_EQ(r.by_fault.size(), 2u);
  EXPECT_EQ(r.by_kind.at("probe").latency_bound_us, 200 * kMs);
  ASSERT_TRUE(r.by_fault[1].rto_us.has_value());
  EXPECT_GT(*r.by_fault[1].rto_us, 1900 * kMs);
}

// Found by the calibration: connects 20/s, three slow ones (80-160 ms) while the
// workload's threads and channels started, and a 1 s stall at 3 s. With the
// start-up in it the warm-up's p99 was its slowest op and the bound 0.79 s: the
// stall showed as a single slow op or, one run in a dozen, not at all.
TEST(RtoFaults, TheLatencyBoundIgnoresTheWarmUpsFirstSecond) {
  History h;
  h.events = {{3 * kS, kEventFaultStart, "stall proxy"}, {3 * kS, kEventFaultInjected, ""}};
  for (int64_t t = 0; t < 9 * kS; t += 50 * kMs) {
    int64_t latency = 2 * kMs;
    if (t == 100 * kMs) latency = 158 * kMs;
    if (t == 150 * kMs || t == 200 * kMs) latency = 100 * kMs;
    if (t >= 3 * kS && t < 4 * kS) latency = 4 * kS - t;  // held until the stall ends
    h.ops.push_back(MakeOp(kKindConnect, t, Outcome::kOk, latency));
  }
  StrictRtoResult r = CheckStrictRto(h, CheckOptions{});
  const StrictRto& k = r.by_kind.at(kKindConnect);
  EXPECT_EQ(k.latency_bound_us, 200 * kMs);
  // Every op intended in the stall's first 0.8 s waited past the bound.
  EXPECT_EQ(k.bad_ops, 16);
  ASSERT_TRUE(r.rto_us.has_value());
  EXPECT_LE(std::llabs(*r.rto_us - 1 * kS), r.uncertainty_us + 1);

  // A warm-up too short to settle still gives a bound: from all of it.
  History short_warmup;
  short_warmup.events = {{200 * kMs, kEventFaultStart, "stall proxy"}, {200 * kMs, kEventFaultInjected, ""}};
  short_warmup.ops.push_back(MakeOp(kKindConnect, 0, Outcome::kOk, 60 * kMs));
  short_warmup.ops.push_back(MakeOp(kKindConnect, 300 * kMs, Outcome::kFail));
  EXPECT_EQ(CheckStrictRto(short_warmup, CheckOptions{}).by_kind.at(kKindConnect).latency_bound_us, 300 * kMs);
}

// Found by a soak: a 4.8 s partition that never slowed the connects, then a
// slowdown 16 s after its heal, read as a 29 s outage of that partition.
TEST(RtoFaults, AnImpairmentAfterASustainedGoodRunIsNotTheFaultsOutage) {
  History h;
  h.events.push_back({10 * kS, kEventFaultStart, "p1: partition c0"});
  h.events.push_back({10 * kS, kEventFaultInjected, "p1"});
  h.events.push_back({15 * kS, kEventFaultEnd, "p1 healed (lifetime over)"});
  AddProbes(&h, 0, 60 * kS, 100 * kMs, [](int64_t t) { return t >= 31 * kS && t < 39 * kS; });
  StrictRtoResult r = CheckStrictRto(h, CheckOptions{});
  ASSERT_EQ(r.by_fault.size(), 1u);
  ASSERT_TRUE(r.by_fault[0].rto_us.has_value());
  EXPECT_EQ(*r.by_fault[0].rto_us, 0) << "the later slowdown was blamed on the partition";
  // The failures of that later impairment are not the partition's: they stay unexplained.
  FailuresResult f = CheckFailures(h, CheckOptions{});
  EXPECT_EQ(f.unexplained, 80);
  // Impaired at the heal itself: still the partition's outage.
  History at_heal;
  at_heal.events = h.events;
  AddProbes(&at_heal, 0, 60 * kS, 100 * kMs, [](int64_t t) { return t >= 15 * kS && t < 17 * kS; });
  StrictRtoResult r2 = CheckStrictRto(at_heal, CheckOptions{});
  ASSERT_TRUE(r2.by_fault[0].rto_us.has_value());
  EXPECT_GT(*r2.by_fault[0].rto_us, 6 * kS);
}

// A kill of the lab's supervisor restarts the whole target: its outage is judged
// apart (restart_rto against restart_max_s), not as a failover. Without the
// fault.start's targets the same outage is a failover's.
TEST(RtoFaults, AWholeTargetRestartIsJudgedApartFromFailovers) {
  History h = Outages({{10 * kS, 2 * kS}, {60 * kS, 20 * kS}});
  StrictRtoResult plain = CheckStrictRto(h, CheckOptions{});
  ASSERT_TRUE(plain.rto_us.has_value());
  EXPECT_GT(*plain.rto_us, 19 * kS);
  EXPECT_FALSE(plain.restart_rto_us.has_value());
  for (auto& e : h.events)
    if (e.name == kEventFaultStart && e.t_us == 60 * kS) e.data = {{"action", "kill"}, {"targets", {"supervisor"}}};
  StrictRtoResult r = CheckStrictRto(h, CheckOptions{});
  ASSERT_TRUE(r.rto_us.has_value());
  EXPECT_LT(*r.rto_us, 3 * kS) << "the failover's 2 s, not the restart's 20 s";
  ASSERT_TRUE(r.restart_rto_us.has_value());
  EXPECT_GT(*r.restart_rto_us, 19 * kS);
  ASSERT_EQ(r.by_fault.size(), 2u);
  EXPECT_TRUE(r.by_fault[1].restart);
  Judgement j = Judge(h);
  const Check* restart = nullptr;
  for (const auto& c : j.checks)
    if (c.name == "restart_rto") restart = &c;
  ASSERT_NE(restart, nullptr);
  EXPECT_TRUE(restart->pass);  // 20 s < 60 s
}

// A DDL step the churn could not even send (kind "ddl": its client could not
// connect) is not the service's outage: DDL is judged by ddl_violations.
TEST(RtoFaults, UnsentDdlStepsAreNotAnOutage) {
  History h = Outages({{10 * kS, 1 * kS}});
  for (int64_t t = 11 * kS; t < 100 * kS; t += kS) h.ops.push_back(MakeOp("ddl", t, Outcome::kFail, kMs));
  StrictRtoResult r = CheckStrictRto(h, CheckOptions{});
  EXPECT_FALSE(r.never_recovered);
  ASSERT_TRUE(r.rto_us.has_value());
  EXPECT_LT(*r.rto_us, 2 * kS);
}

}  // namespace
}  // namespace mdrill::drill
