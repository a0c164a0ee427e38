// The census checks (drill/check/census.h) on histories built here: each finds
// exactly the violation put into an otherwise clean run, over random schedules.
#include <gtest/gtest.h>

#include <random>

#include "drill/check/checkers.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill {
namespace {

using testing::kS;

struct Lab {
  std::vector<CensusEntry> components;
  void Add(const std::string& name, const std::string& role, int pid) {
    CensusEntry e;
    e.name = name;
    e.role = role;
    e.pid = pid;
    e.state = "running";
    e.healthy = true;
    e.rss_kib = 50 * 1024;
    e.fds = 20;
    components.push_back(e);
  }
  CensusEntry& operator[](const std::string& name) {
    for (auto& c : components)
      if (c.name == name) return c;
    throw std::out_of_range(name);
  }
};

void AddCensus(History* h, int64_t t_us, const std::string& label, const Lab& lab) {
  h->events.push_back(
      {t_us, kEventCensus, label, nlohmann::json{{"label", label}, {"components", CensusJson(lab.components)}}});
}

Lab ALab() {
  Lab lab;
  lab.Add("etcd-0", "etcd", 100);
  lab.Add("coordinator-0", "coordinator", 101);
  lab.Add("coordinator-1", "coordinator", 102);
  for (int i = 0; i < 3; ++i) lab.Add("querynode-" + std::to_string(i), "querynode", 110 + i);
  lab.Add("proxy-0", "proxy", 120);
  return lab;
}

// A soak of `faults` random kills and pauses, each followed by a clean census;
// every kill restarts its target once (a new pid).
History RandomSoak(uint64_t seed, int faults, Lab* lab) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  History h;
  AddCensus(&h, 0, "start", *lab);
  int64_t t = 10 * kS;
  int next_pid = 1000;
  for (int i = 0; i < faults; ++i, t += 10 * kS) {
    auto& target = lab->components[rng() % lab->components.size()];
    const bool kill = rng() % 2 == 0;
    const std::string id = "f" + std::to_string(i);
    h.events.push_back({t, kEventFaultStart, id + ": " + (kill ? "kill " : "pause ") + target.name});
    if (kill) {
      ++target.restarts;
      target.pid = next_pid++;
    }
    AddCensus(&h, t + 4 * kS, "after " + id, *lab);
  }
  AddCensus(&h, t, "end", *lab);
  return h;
}

TEST(Census, ACleanRandomSoakHasNoFinding) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Lab lab = ALab();
    CensusResult r = CheckCensus(RandomSoak(seed, 30, &lab));
    ASSERT_TRUE(r.ran);
    EXPECT_EQ(r.kills, r.restarts) << "seed " << seed;
    EXPECT_TRUE(r.crashes.empty() && r.outlived.empty() && r.not_serving.empty() && r.growth.empty())
        << "seed " << seed << ": " << ToJson(r).dump();
  }
}

TEST(Census, ARestartNoKillExplainsIsACrashOfThatComponent) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Lab lab = ALab();
    History h = RandomSoak(seed, 20, &lab);
    h.events.pop_back();  // the end census, redone with one crash more
    auto& victim = lab.components[seed % lab.components.size()];
    ++victim.restarts;
    AddCensus(&h, 999 * kS, "end", lab);
    CensusResult r = CheckCensus(h);
    ASSERT_EQ(r.crashes.size(), 1u) << "seed " << seed;
    EXPECT_EQ(r.crashes[0].rfind(victim.name + ":", 0), 0u) << r.crashes[0];
  }
}

TEST(Census, AComponentStillPausedAfterItsFaultEndedIsFound) {
  Lab lab = ALab();
  History h;
  AddCensus(&h, 0, "start", lab);
  h.events.push_back({10 * kS, kEventFaultStart, "p1: pause proxy-0"});
  lab["proxy-0"].state = "paused";
  lab["proxy-0"].fault = "p1";
  AddCensus(&h, 20 * kS, "after p1", lab);
  lab["proxy-0"].state = "running";
  lab["proxy-0"].fault = "";
  AddCensus(&h, 30 * kS, "end", lab);
  CensusResult r = CheckCensus(h);
  ASSERT_EQ(r.outlived.size(), 1u);
  EXPECT_NE(r.outlived[0].find("proxy-0 paused (p1)"), std::string::npos) << r.outlived[0];
  EXPECT_TRUE(r.crashes.empty());
}

TEST(Census, NotHealthyAtTheEndAndGrowthOfOneProcess) {
  Lab lab = ALab();
  History h;
  AddCensus(&h, 0, "start", lab);
  AddCensus(&h, 30 * kS, "after x", lab);  // the first quarter's census
  lab["querynode-1"].healthy = false;
  lab["proxy-0"].fds = 2 * 20 + 65;  // just past the bound
  lab["coordinator-0"].rss_kib = 2 * 50 * 1024 + 256 * 1024 + 1;
  lab["querynode-2"].fds = 2 * 20 + 64;  // at the bound: fine
  lab["coordinator-1"].pid = 999;        // a new process: not compared
  lab["coordinator-1"].fds = 10000;
  AddCensus(&h, 100 * kS, "end", lab);
  CensusResult r = CheckCensus(h);
  ASSERT_EQ(r.not_serving.size(), 1u);
  EXPECT_EQ(r.not_serving[0].rfind("querynode-1", 0), 0u);
  ASSERT_EQ(r.growth.size(), 2u) << ToJson(r).dump();
  EXPECT_EQ(r.growth[0].rfind("coordinator-0", 0), 0u);
  EXPECT_EQ(r.growth[1].rfind("proxy-0", 0), 0u);
  EXPECT_EQ(r.peak_fds["coordinator"], 10000);
}

TEST(Census, ChecksAppearOnlyWithCensusesAndFailOnAFinding) {
  History none;
  EXPECT_FALSE(CheckCensus(none).ran);
  Lab lab = ALab();
  History h = RandomSoak(7, 5, &lab);
  h.events.pop_back();
  lab["etcd-0"].restarts += 2;
  AddCensus(&h, 999 * kS, "end", lab);
  Judgement j = Judge(h);
  bool found = false;
  for (const Check& c : j.checks) {
    if (c.name != "crashes") continue;
    found = true;
    EXPECT_TRUE(c.judged);
    EXPECT_FALSE(c.pass);
    EXPECT_NE(c.definition.find("etcd-0"), std::string::npos) << c.definition;
  }
  EXPECT_TRUE(found);
  for (const Check& c : Judge(none).checks) EXPECT_NE(c.name, "crashes");
}

TEST(Census, AFaultWhoseCensusWasNotGivenLeavesFaultsOutlivedUnjudged) {
  Lab lab = ALab();
  History h;
  AddCensus(&h, 0, "start", lab);
  h.events.push_back({10 * kS, kEventFaultStart, "p1: pause proxy-0"});
  h.events.push_back({20 * kS, kEventCensus, "after p1",
                      nlohmann::json{{"label", "after p1"}, {"error", "kubectl get networkpolicies: forbidden"}}});
  AddCensus(&h, 30 * kS, "end", lab);
  CensusResult r = CheckCensus(h);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0], "after p1: kubectl get networkpolicies: forbidden");
  EXPECT_TRUE(r.outlived.empty());
  auto find = [](const Judgement& j, const std::string& name) {
    for (const Check& c : j.checks)
      if (c.name == name) return c;
    return Check{};
  };
  Judgement j = Judge(h);
  Check outlived = find(j, "faults_outlived");
  EXPECT_EQ(outlived.name, "faults_outlived");
  EXPECT_FALSE(outlived.judged) << outlived.definition;
  EXPECT_NE(outlived.definition.find("forbidden"), std::string::npos) << outlived.definition;
  EXPECT_TRUE(find(j, "crashes").judged);  // the start and end censuses still compare
  // Every census given: judged again.
  h.events[2] = {20 * kS, kEventCensus, "after p1",
                 nlohmann::json{{"label", "after p1"}, {"components", CensusJson(lab.components)}}};
  EXPECT_TRUE(find(Judge(h), "faults_outlived").judged);
}

TEST(Census, MalformedCensusesAreIgnoredNotTrusted) {
  std::vector<CensusEntry> out;
  EXPECT_FALSE(ParseCensus(nlohmann::json::object(), &out));
  EXPECT_FALSE(ParseCensus(nlohmann::json::array({{{"name", 5}}}), &out));
  EXPECT_FALSE(ParseCensus(nlohmann::json::array({{{"name", "x"}, {"pid", "twelve"}}}), &out));
  EXPECT_TRUE(ParseCensus(nlohmann::json::array({{{"name", "x"}}}), &out));
  History h;
  h.events.push_back({0, kEventCensus, "start", nlohmann::json{{"label", "start"}, {"components", "oops"}}});
  h.events.push_back({kS, kEventCensus, "end", nlohmann::json{{"label", "end"}, {"components", 3}}});
  EXPECT_FALSE(CheckCensus(h).ran);
}

}  // namespace
}  // namespace mdrill::drill
