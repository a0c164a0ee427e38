#include <gtest/gtest.h>

#include <cmath>

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

// ---------------------------------------------------------------- RTO

TEST(Rto, ExactThreeSecondOutageAtOneHundredProbesPerSecond) {
  History h;
  h.events = {{10 * kS, kEventFaultStart, "kill coordinator"}};
  AddProbes(&h, 0, 30 * kS, 10 * kMs, [](int64_t t) { return t >= 10 * kS && t < 13 * kS; });
  StrictRtoResult strict = CheckStrictRto(h, CheckOptions{});
  ASSERT_TRUE(strict.rto_us.has_value());
  // Last failure answered at 12.991 s, first success of the run at 13.002 s.
  EXPECT_EQ(*strict.rto_us, 2'996'500);
  EXPECT_EQ(strict.uncertainty_us, 5'500);
  EXPECT_LE(std::llabs(*strict.rto_us - 3 * kS), strict.uncertainty_us);
  EXPECT_FALSE(strict.never_recovered);
  const StrictRto& k = strict.by_kind.at("probe");
  EXPECT_EQ(k.latency_bound_us, 200 * kMs);  // 5 x 2 ms warm-up p99 < floor
  EXPECT_EQ(k.first_impaired_us, 10 * kS);
  EXPECT_EQ(k.resolution_us, 10 * kMs);
  EXPECT_EQ(k.bad_ops, 300);

  SeedRtoResult seed = CheckSeedRto(h);
  ASSERT_TRUE(seed.rto_us.has_value());
  EXPECT_NEAR(static_cast<double>(*seed.rto_us), 3.0 * kS, 10 * kMs);
  EXPECT_EQ(seed.uncertainty_us, 10 * kMs);
  ASSERT_EQ(seed.by_kind.at("probe").outages.size(), 1u);
  EXPECT_EQ(seed.by_kind.at("probe").outages[0].failed, 300);

  // The same 3 s outage anywhere in the second reads the same: no windows to round to.
  for (int64_t shift : {1 * kMs, 333 * kMs, 500 * kMs, 999 * kMs}) {
    History shifted;
    shifted.events = h.events;
    AddProbes(&shifted, 0, 30 * kS, 10 * kMs,
              [&](int64_t t) { return t >= 10 * kS + shift - shift % (10 * kMs) && t < 13 * kS + shift; });
    StrictRtoResult s = CheckStrictRto(shifted, CheckOptions{});
    ASSERT_TRUE(s.rto_us.has_value());
    EXPECT_NEAR(static_cast<double>(*s.rto_us), static_cast<double>(3 * kS + shift), 10 * kMs) << shift;
  }

  Judgement v = Judge(h);
  EXPECT_EQ(v.phases.bounds.recovery_source, "strict_rto");
  EXPECT_EQ(v.phases.bounds.recovery_us, 10 * kS + 2'996'500);
  EXPECT_EQ(v.phases.phases[static_cast<size_t>(Phase::kBefore)].all.count, 1000);
  EXPECT_EQ(v.phases.phases[static_cast<size_t>(Phase::kDuring)].all.fail, 300);
  EXPECT_EQ(v.phases.phases[static_cast<size_t>(Phase::kDuring)].all.count, 300);
  EXPECT_EQ(v.phases.phases[static_cast<size_t>(Phase::kAfter)].all.ok, 1700);
  const Check* rto = FindCheck(v, "rto");
  EXPECT_TRUE(rto->pass);
  EXPECT_NEAR(*rto->measured, 3.0, 0.005);
  EXPECT_EQ(rto->uncertainty, 0.0055);
  EXPECT_EQ(FormatMeasured(*rto).substr(0, 11), "2.997 \u00b1 0.");
  // All 300 failures are the outage's: the RTO judges them.
  EXPECT_TRUE(FindCheck(v, "failed_requests")->pass);
  EXPECT_EQ(v.failures.explained, 300);
  EXPECT_EQ(v.exit_code, kExitPass);
  CheckOptions budget;
  budget.thresholds.failed_max = 10;
  EXPECT_FALSE(FindCheck(Judge(h, budget), "failed_requests")->pass);  // 300 >= 10: the seed's budget
}

TEST(Rto, TwoOutagesAreBothListedAndTheSeedRtoIsTheFirst) {
  History h;
  h.events = {{5 * kS, kEventFaultStart, ""}, {15 * kS, kEventFaultEnd, ""}};
  AddProbes(&h, 0, 20 * kS, 100 * kMs,
            [](int64_t t) { return (t >= 5 * kS && t < 7 * kS) || (t >= 12 * kS && t < 13 * kS); });
  SeedRtoResult seed = CheckSeedRto(h);
  const SeedRto& k = seed.by_kind.at("probe");
  ASSERT_EQ(k.outages.size(), 2u);
  EXPECT_EQ(k.outages[0].start_us, 5 * kS);
  EXPECT_EQ(k.outages[0].end_us, 7 * kS + 2 * kMs);
  EXPECT_EQ(k.outages[0].failed, 20);
  EXPECT_EQ(k.outages[1].start_us, 12 * kS);
  EXPECT_EQ(k.outages[1].end_us, 13 * kS + 2 * kMs);
  EXPECT_EQ(k.outages[1].failed, 10);
  EXPECT_EQ(seed.rto_us, 2 * kS + 2 * kMs);
  EXPECT_EQ(ToJson(seed)["by_kind"]["probe"]["outage_count"], 2);

  // Strict: the run from 7 s is sustained (1 s, 10 probes) before 12 s.
  StrictRtoResult strict = CheckStrictRto(h, CheckOptions{});
  EXPECT_NEAR(static_cast<double>(*strict.rto_us), 2.0 * kS, 50 * kMs);
  EXPECT_NEAR(static_cast<double>(strict.uncertainty_us), 50.0 * kMs, 1 * kMs);  // 100 ms between probes
  // fault.end sets the phases.
  PhaseBounds b = FindPhaseBounds(h, CheckOptions{});
  EXPECT_EQ(b.recovery_source, "fault.end");
  EXPECT_EQ(b.recovery_us, 15 * kS);
}

TEST(Rto, StrictNeedsASustainedRunAndCountsSlowOpsAsBad) {
  History h;
  h.events = {{10 * kS, kEventFaultStart, ""}};
  // Failing [10, 13), 500 ms good, failing again in [13.5, 14): recovery at 14.
  AddProbes(&h, 0, 30 * kS, 10 * kMs,
            [](int64_t t) { return (t >= 10 * kS && t < 13 * kS) || (t >= 13'500 * kMs && t < 14 * kS); });
  EXPECT_NEAR(static_cast<double>(*CheckStrictRto(h, CheckOptions{}).rto_us), 4.0 * kS, 10 * kMs);
  // The seed definition stops at the first success.
  EXPECT_NEAR(static_cast<double>(*CheckSeedRto(h).rto_us), 3.0 * kS, 10 * kMs);
  // A shorter sustain accepts the 500 ms run.
  CheckOptions short_run;
  short_run.sustain_us = 400 * kMs;
  EXPECT_NEAR(static_cast<double>(*CheckStrictRto(h, short_run).rto_us), 3.0 * kS, 10 * kMs);

  // A stall: every probe of [10, 13) answered at 13.000 s. Those within the bound
  // of the end are good; the recovery is the moment answers came back.
  History stall;
  stall.events = h.events;
  AddProbes(&stall, 0, 30 * kS, 10 * kMs, [](int64_t) { return false; });
  for (Op& op : stall.ops) {
    if (op.intended_us >= 10 * kS && op.intended_us < 13 * kS) op.end_us = 13 * kS + 1 * kMs;
  }
  StrictRtoResult s = CheckStrictRto(stall, CheckOptions{});
  ASSERT_TRUE(s.rto_us.has_value());
  EXPECT_NEAR(static_cast<double>(*s.rto_us), 3.0 * kS, 10 * kMs);
  CheckOptions loose;
  loose.latency_bound_us = 5 * kS;  // nothing was slow enough to count
  EXPECT_EQ(CheckStrictRto(stall, loose).rto_us, 0);

  // A late impact does not score 0 from the quiet ops before it.
  History late;
  late.events = h.events;
  AddProbes(&late, 0, 30 * kS, 10 * kMs, [](int64_t t) { return t >= 12 * kS && t < 13 * kS; });
  EXPECT_NEAR(static_cast<double>(*CheckStrictRto(late, CheckOptions{}).rto_us), 3.0 * kS, 10 * kMs);
}

TEST(Rto, OneRequestInFlightOnTheKilledProcessIsNotAZeroRto) {
  History h;
  h.events = {{10 * kS, kEventFaultStart, "kill proxy"}};
  AddProbes(&h, 0, 20 * kS, 100 * kMs, [](int64_t) { return false; });
  // Intended at 9.95 s, cut off by the kill at 10.001 s.
  h.ops.push_back(MakeOp("probe", 9'950 * kMs, Outcome::kFail, 51 * kMs));
  // Failed long before the fault: not the fault's doing.
  h.ops.push_back(MakeOp("probe", 3 * kS, Outcome::kFail, 1 * kMs));
  StrictRtoResult s = CheckStrictRto(h, CheckOptions{});
  ASSERT_TRUE(s.rto_us.has_value());
  EXPECT_GT(*s.rto_us, 0);  // cut off at 10.001 s, the next answer at 10.002 s
  EXPECT_LE(*s.rto_us, 2 * kMs);
  EXPECT_EQ(s.by_kind.at("probe").bad_ops, 1);
  EXPECT_EQ(s.by_kind.at("probe").first_impaired_us, 10 * kS);
}

TEST(Rto, NeverRecoveredFailsTheVerdict) {
  History h;
  h.events = {{10 * kS, kEventFaultStart, ""}};
  AddProbes(&h, 0, 20 * kS, 10 * kMs, [](int64_t t) { return t >= 10 * kS; });
  StrictRtoResult strict = CheckStrictRto(h, CheckOptions{});
  EXPECT_TRUE(strict.never_recovered);
  EXPECT_FALSE(strict.rto_us.has_value());
  SeedRtoResult seed = CheckSeedRto(h);
  EXPECT_FALSE(seed.recovered);
  EXPECT_FALSE(seed.rto_us.has_value());
  EXPECT_FALSE(seed.by_kind.at("probe").outages[0].end_us.has_value());
  Judgement v = Judge(h);
  const Check* rto = FindCheck(v, "rto");
  EXPECT_TRUE(rto->judged);
  EXPECT_FALSE(rto->pass);
  EXPECT_EQ(v.exit_code, kExitFail);
  EXPECT_EQ(v.phases.bounds.recovery_source, "none");
}

TEST(Rto, OpenLoopOrderIsByIntendedStart) {
  // The op meant for t=1 s ran late and succeeded after the t=2 s op had failed.
  History h;
  h.ops = {MakeOp("search", 0), MakeOp("search", 2 * kS, Outcome::kUnknown, 1 * kS),
           MakeOp("search", 1 * kS, Outcome::kOk, 5 * kS), MakeOp("search", 3 * kS, Outcome::kOk, 10 * kMs)};
  SeedRtoResult seed = CheckSeedRto(h);
  EXPECT_EQ(seed.rto_us, 1 * kS + 10 * kMs);
  EXPECT_EQ(seed.by_kind.at("search").outages[0].unknown, 1);
}

// ---------------------------------------------------------------- latency, recall, phases

TEST(Latency, CorrectedCountsFromTheIntendedStart) {
  History h;
  for (int i = 0; i < 100; ++i) {
    Op op = MakeOp("search", i * 10 * kMs, Outcome::kOk, 10 * kMs);
    if (i == 99) op.start_us = op.intended_us + 490 * kMs, op.end_us = op.start_us + 10 * kMs;  // queued 490 ms
    h.ops.push_back(op);
  }
  h.ops.push_back(MakeOp("search", 0, Outcome::kFail, 900 * kMs));  // failures are not timed
  LatencyResult r = CheckLatency(h);
  const KindLatency& k = r.by_kind.at("search");
  EXPECT_EQ(k.corrected.count, 100);
  EXPECT_EQ(k.corrected.max_us, 500 * kMs);
  EXPECT_EQ(k.raw.max_us, 10 * kMs);
  EXPECT_EQ(k.raw.p99_us, 10 * kMs);
  EXPECT_NEAR(static_cast<double>(k.corrected.p50_us), 10 * kMs, 10);
  EXPECT_DOUBLE_EQ(k.corrected.mean_us, (99 * 10 * kMs + 500 * kMs) / 100.0);
  EXPECT_EQ(r.all.corrected.count, 100);
  EXPECT_EQ(ToJson(r)["by_kind"]["search"]["corrected"]["max_us"], 500 * kMs);
}

TEST(Recall, MeanAndMinPerPhase) {
  History h;
  h.events = {{10 * kS, kEventFaultStart, ""}, {20 * kS, kEventFaultEnd, ""}};
  auto search = [](int64_t t, double recall) {
    Op op = MakeOp("search", t);
    op.recall = recall;
    return op;
  };
  h.ops = {search(1 * kS, 1.0),  search(2 * kS, 0.9),  search(11 * kS, 0.5),
           search(21 * kS, 0.8), search(22 * kS, 0.9), MakeOp("search", 23 * kS)};
  PhaseBounds b = FindPhaseBounds(h, CheckOptions{});
  RecallResult r = CheckRecall(h, b);
  EXPECT_EQ(r.by_phase[0].count, 2);
  EXPECT_DOUBLE_EQ(r.by_phase[0].mean, 0.95);
  EXPECT_DOUBLE_EQ(r.by_phase[0].min, 0.9);
  EXPECT_EQ(r.by_phase[1].count, 1);
  EXPECT_DOUBLE_EQ(r.by_phase[2].mean, 0.85);
  EXPECT_DOUBLE_EQ(r.by_phase[2].min, 0.8);
  EXPECT_EQ(r.all.count, 5);
  // after-phase mean 0.85 < 0.9: the recall check fails the run.
  Judgement v = Judge(h);
  EXPECT_FALSE(FindCheck(v, "recall_after")->pass);
  EXPECT_EQ(v.exit_code, kExitFail);
}

// ---------------------------------------------------------------- availability

TEST(Availability, FiguresAndTheSeedsGradeBoundaries) {
  struct Case {
    int64_t good, total;
    Grade grade;
  } cases[] = {{10000, 10000, Grade::kFourNines}, {9999, 10000, Grade::kFourNines}, {99989, 100000, Grade::kThreeNines},
               {999, 1000, Grade::kThreeNines},   {998, 1000, Grade::kTwoNines},    {99, 100, Grade::kTwoNines},
               {989, 1000, Grade::kBelow99},      {0, 10, Grade::kBelow99}};
  for (const Case& c : cases) {
    AvailabilityFigure f = MakeAvailabilityFigure(c.good, c.total);
    EXPECT_TRUE(f.judgeable);
    EXPECT_EQ(f.grade, c.grade) << c.good << "/" << c.total << " = " << f.pct;
  }
  AvailabilityFigure f = MakeAvailabilityFigure(999, 1000);
  EXPECT_DOUBLE_EQ(f.pct, 99.9);
  EXPECT_NEAR(f.nines, 3.0, 1e-9);
  EXPECT_NEAR(f.downtime_min_per_year, 525.6, 1e-9);
  EXPECT_EQ(MakeAvailabilityFigure(0, 10).nines, 0.0);
  EXPECT_FALSE(MakeAvailabilityFigure(0, 0).judgeable);
  EXPECT_STREQ(GradeName(Grade::kThreeNines), "three nines");
  EXPECT_STREQ(GradeName(Grade::kBelow99), "below 99%");
}

TEST(Availability, RequestAndTimeBased) {
  History h;
  // 10 windows of 100 ops; window 3 loses 2 ops, window 7 loses 1.
  AddProbes(&h, 0, 10 * kS, 10 * kMs, [](int64_t t) { return t == 3 * kS || t == 3 * kS + 10 * kMs || t == 7 * kS; });
  h.ops.push_back(FinalRead({}));  // not workload: not counted
  AvailabilityResult r = CheckAvailability(h, CheckOptions{});
  EXPECT_EQ(r.request.total, 1000);
  EXPECT_EQ(r.request.good, 997);
  EXPECT_DOUBLE_EQ(r.request.pct, 99.7);
  EXPECT_EQ(r.time.total, 10);
  EXPECT_EQ(r.time.good, 9);  // window 7 at 99 % still counts as up
  EXPECT_DOUBLE_EQ(r.time.pct, 90.0);
  EXPECT_EQ(r.time.grade, Grade::kBelow99);
  nlohmann::json j = ToJson(r);
  EXPECT_EQ(j["request"]["grade"], "two nines");
  EXPECT_DOUBLE_EQ(j["time"]["pct"].get<double>(), 90.0);
}

// ---------------------------------------------------------------- suite level

TEST(SuiteAnalysis, RtoAnalysisMatchesTheSeedsArithmetic) {
  RtoAnalysisResult r = RtoAnalysis({3, 12, 7, 20, 40, 4.5, 5, NAN});
  EXPECT_EQ(r.count, 7);
  EXPECT_DOUBLE_EQ(r.mean_s, 91.5 / 7);
  EXPECT_EQ(r.min_s, 3);
  EXPECT_EQ(r.max_s, 40);
  EXPECT_EQ(r.median_s, 7);  // sorted {3,4.5,5,7,12,20,40}[7 // 2]
  ASSERT_EQ(r.buckets.size(), 5u);
  const int64_t counts[] = {2, 2, 1, 1, 1};  // 5 falls in [5, 10), as start <= rto < end
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.buckets[i].count, counts[i]) << i;
    EXPECT_DOUBLE_EQ(r.buckets[i].percent, static_cast<double>(counts[i]) / 7 * 100);
  }
  EXPECT_FALSE(r.buckets[4].hi_s.has_value());
  // Even count: the seed takes the upper middle, not the average.
  EXPECT_EQ(RtoAnalysis({1, 2, 3, 4}).median_s, 3);
  RtoAnalysisResult none = RtoAnalysis({});
  EXPECT_EQ(none.count, 0);
  EXPECT_TRUE(ToJson(none)["median_s"].is_null());
  EXPECT_EQ(ToJson(r)["buckets"][4]["hi_s"], nullptr);
}

TEST(SuiteAnalysis, AvailabilityAnalysisMatchesTheSeed) {
  AvailabilityAnalysisResult r = AvailabilityAnalysis(6000, 5999);
  ASSERT_TRUE(r.judgeable);
  EXPECT_EQ(r.failed, 1);
  EXPECT_DOUBLE_EQ(r.availability_pct, 5999.0 / 6000 * 100);
  EXPECT_EQ(r.grade, Grade::kThreeNines);  // 99.98333..
  EXPECT_NEAR(r.downtime_min_per_year, 87.6, 1e-6);
  EXPECT_NEAR(r.downtime_hours_per_year, 1.46, 1e-6);
  nlohmann::json j = ToJson(r);
  EXPECT_DOUBLE_EQ(j["availability_pct"].get<double>(), 99.9833);
  EXPECT_DOUBLE_EQ(j["downtime_min_per_year"].get<double>(), 87.6);
  EXPECT_EQ(j["grade"], "three nines");
  EXPECT_EQ(AvailabilityAnalysis(10000, 9999).grade, Grade::kFourNines);
  EXPECT_FALSE(AvailabilityAnalysis(0, 0).judgeable);
}

}  // namespace
}  // namespace mdrill::drill
