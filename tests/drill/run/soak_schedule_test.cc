// The soak's schedule: a pure function of its options.
#include <gtest/gtest.h>

#include "drill/run/soak.h"

namespace mdrill::drill {
namespace {

std::vector<std::string> Describe(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& f : s.tests.at(0).faults)
    out.push_back(std::to_string(f.at_s) + " " + f.spec.action + " " + f.spec.selector + " " + f.spec.mode + " " +
                  std::to_string(f.spec.duration.count()));
  return out;
}

TEST(SoakSchedule, TheSameSeedGivesTheSameFaultsAndAnotherSeedOthers) {
  SoakOptions o;
  o.duration_s = 3600;
  auto a = SoakScenario(o), b = SoakScenario(o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Describe(a.value()), Describe(b.value()));
  o.seed = 2;
  auto c = SoakScenario(o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(Describe(a.value()), Describe(c.value()));
}

// Over many seeds: one fault at a time, inside the warm-up and the quiet tail,
// lasting faults 1 s to max_fault, every kind of the mix drawn, none it excludes.
TEST(SoakSchedule, FaultsNeverOverlapAndStayInsideTheRun) {
  std::map<std::string, int> drawn;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SoakOptions o;
    o.seed = seed;
    o.duration_s = 600;
    o.max_at_once = 1;
    o.partition = seed % 2 == 0;
    o.network = seed % 3 != 0;
    o.etcd = seed % 5 != 0;
    o.delay = seed % 7 != 0;
    auto s = SoakScenario(o);
    ASSERT_TRUE(s.ok()) << seed;
    const auto& faults = s.value().tests.at(0).faults;
    ASSERT_FALSE(faults.empty());
    double free_at = o.first_fault_s;
    for (const auto& f : faults) {
      const double lasts = f.spec.duration.count() / 1000.0;
      EXPECT_GE(f.at_s, free_at) << seed;
      EXPECT_LE(f.at_s + lasts + o.tail_s, o.duration_s) << seed;
      if (f.spec.action == "kill") {
        EXPECT_EQ(lasts, 0) << seed;
      } else {
        EXPECT_GE(lasts, 1.0) << seed;
        EXPECT_LE(lasts, o.max_fault_s) << seed;
      }
      if (!o.partition) {
        EXPECT_NE(f.spec.action, "partition") << seed;
      }
      if (!o.network) {
        EXPECT_TRUE(f.spec.action != "loss" && f.spec.action != "delay") << seed;
      }
      if (!o.delay) {
        EXPECT_NE(f.spec.action, "delay") << seed;
      }
      if (!o.etcd) {
        EXPECT_NE(f.spec.selector, "role=etcd") << seed;
      }
      if (f.spec.action == "delay") {
        EXPECT_EQ(f.spec.latency_ms, 200) << seed;
      }
      if (f.spec.action == "loss") {
        EXPECT_EQ(f.spec.loss_pct, 20) << seed;
      }
      free_at = f.at_s + lasts + 0.5 * o.fault_every_s;
      ++drawn[f.spec.action + " " + f.spec.selector + " " + f.spec.mode];
    }
  }
  SoakOptions all;
  EXPECT_EQ(drawn.size(), SoakMix(all).size());
}

// Two at once: a companion starts while a lasting fault holds, on another kind of
// component (so never two etcd members), and ends by the time the first does;
// never three at once; the quiet tail stays.
TEST(SoakSchedule, CompanionsJoinALastingFaultOnAnotherComponent) {
  int pairs = 0, faults_seen = 0;
  std::map<std::string, int> companions;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SoakOptions o;
    o.seed = seed;
    o.duration_s = 900;
    auto s = SoakScenario(o);
    ASSERT_TRUE(s.ok()) << seed;
    const auto& faults = s.value().tests.at(0).faults;
    faults_seen += static_cast<int>(faults.size());
    for (size_t i = 0; i < faults.size(); ++i) {
      const auto& f = faults[i];
      const double f_end = f.at_s + f.spec.duration.count() / 1000.0;
      EXPECT_LE(f_end + o.tail_s, o.duration_s) << seed;
      int holding = 0;  // earlier faults still in force when this one starts
      for (size_t j = 0; j < i; ++j) {
        const auto& e = faults[j];
        EXPECT_LE(e.at_s, f.at_s) << seed;
        if (e.at_s + e.spec.duration.count() / 1000.0 <= f.at_s) continue;
        ++holding;
        EXPECT_NE(e.spec.selector, f.spec.selector) << seed << " at " << f.at_s;
        EXPECT_GE(f.at_s, e.at_s + 0.5) << seed;
        EXPECT_LE(f_end, e.at_s + e.spec.duration.count() / 1000.0 + 1e-9) << seed << ": outlasts the fault it joined";
        ++pairs;
        ++companions[f.spec.action + " " + f.spec.selector];
      }
      EXPECT_LE(holding, 1) << seed << ": three faults at once at " << f.at_s;
    }
  }
  // About a quarter of the lasting faults of 2 s or more get one.
  EXPECT_GT(pairs, faults_seen / 20);
  EXPECT_LT(pairs, faults_seen / 4);
  EXPECT_GE(companions.size(), 6u);
  SoakOptions bad;
  bad.max_at_once = 3;
  EXPECT_FALSE(SoakScenario(bad).ok());
}

TEST(SoakSchedule, ADurationWithNoRoomForAFaultIsRefused) {
  SoakOptions o;
  o.duration_s = 30;  // 15 s warm-up + 20 s tail
  EXPECT_FALSE(SoakScenario(o).ok());
  o.duration_s = -1;  // a malformed --duration
  EXPECT_FALSE(SoakScenario(o).ok());
  o.duration_s = 600;
  o.max_fault_s = 0.5;
  EXPECT_FALSE(SoakScenario(o).ok());
}

}  // namespace
}  // namespace mdrill::drill
