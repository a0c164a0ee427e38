// Scenarios: the built-in ones are the shipped YAML and keep the seed's facts; the
// parser accepts the documented shape and names the file and key of every error.
#include "drill/run/scenario.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "drill/run/runner.h"

namespace mdrill::drill {
namespace {

// The source tree: CTest sets MDRILL_SOURCE_DIR; by hand, set it to the checkout.
std::string SourceDir() {
  const char* dir = std::getenv("MDRILL_SOURCE_DIR");
  return dir == nullptr ? "" : dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectSameFault(const FaultStep& a, const FaultStep& b) {
  EXPECT_EQ(a.spec.action, b.spec.action);
  EXPECT_EQ(a.spec.selector, b.spec.selector);
  EXPECT_EQ(a.spec.mode, b.spec.mode);
  EXPECT_EQ(a.spec.duration, b.spec.duration);
  EXPECT_EQ(a.spec.latency_ms, b.spec.latency_ms);
  EXPECT_EQ(a.spec.loss_pct, b.spec.loss_pct);
  EXPECT_EQ(a.spec.id, b.spec.id);
  EXPECT_EQ(a.at_s, b.at_s);
}

void ExpectSamePlan(const TestPlan& a, const TestPlan& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.collection, b.collection);
  EXPECT_EQ(a.duration_s, b.duration_s);
  EXPECT_EQ(a.expect, b.expect);
  EXPECT_EQ(a.search_rate, b.search_rate);
  EXPECT_EQ(a.insert_rate, b.insert_rate);
  EXPECT_EQ(a.query_rate, b.query_rate);
  EXPECT_EQ(a.probe_rate, b.probe_rate);
  EXPECT_EQ(a.deadline_s, b.deadline_s);
  EXPECT_EQ(a.rto_max_s, b.rto_max_s);
  EXPECT_EQ(a.availability_min_pct, b.availability_min_pct);
  EXPECT_EQ(a.failed_max, b.failed_max);
  EXPECT_EQ(a.lost_max, b.lost_max);
  ASSERT_EQ(a.faults.size(), b.faults.size());
  for (size_t i = 0; i < a.faults.size(); ++i) {
    SCOPED_TRACE("fault " + std::to_string(i));
    ExpectSameFault(a.faults[i], b.faults[i]);
  }
}

void ExpectSameScenario(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.title, b.title);
  ASSERT_EQ(a.tests.size(), b.tests.size());
  for (size_t i = 0; i < a.tests.size(); ++i) {
    SCOPED_TRACE("test " + a.tests[i].name);
    ExpectSamePlan(a.tests[i], b.tests[i]);
  }
}

Scenario Builtin(const std::string& name) {
  Result<Scenario> sc = BuiltinScenario(name);
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return sc.value();
}

// ---------------------------------------------------------------- built-in scenarios

TEST(BuiltinScenarios, AreExactlyTheShippedFiles) {
  const std::string dir = SourceDir();
  ASSERT_FALSE(dir.empty()) << "set MDRILL_SOURCE_DIR to the source tree (CTest does)";
  std::set<std::string> shipped;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/scenarios"))
    if (e.path().extension() == ".yaml") shipped.insert(e.path().stem().string());
  std::vector<std::string> names = BuiltinScenarioNames();
  EXPECT_EQ(names, (std::vector<std::string>{"coordinator", "worker", "concurrent", "partition"}));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), shipped);

  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const std::string path = dir + "/scenarios/" + name + ".yaml";
    EXPECT_EQ(BuiltinScenarioYaml(name), ReadFile(path));  // embedded byte for byte
    Result<Scenario> built_in = BuiltinScenario(name);
    ASSERT_TRUE(built_in.ok()) << built_in.status().ToString();
    Result<Scenario> file = LoadScenarioFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(built_in->name, name);
    EXPECT_FALSE(built_in->tests.empty());
    ExpectSameScenario(built_in.value(), file.value());
  }
}

TEST(BuiltinScenarios, UnknownNameIsAnErrorNamingIt) {
  EXPECT_EQ(BuiltinScenarioYaml("nope"), "");
  Result<Scenario> sc = BuiltinScenario("nope");
  ASSERT_FALSE(sc.ok());
  EXPECT_EQ(sc.status().code(), code::kParameterInvalid);
  EXPECT_NE(sc.status().reason().find("'nope'"), std::string::npos) << sc.status().reason();
}

TEST(BuiltinScenarios, MissingFileIsAnErrorNamingThePath) {
  Result<Scenario> sc = LoadScenarioFile("/nonexistent/dir/x.yaml");
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().reason().find("/nonexistent/dir/x.yaml"), std::string::npos);
}

TEST(BuiltinScenarios, CoordinatorKillsTheActiveRootcoordAt20sOf120s) {
  Scenario sc = Builtin("coordinator");
  ASSERT_EQ(sc.tests.size(), 1u);
  const TestPlan& t = sc.tests[0];
  EXPECT_EQ(t.name, "coordinator");
  EXPECT_EQ(t.collection, "coordinator_failover_test");
  EXPECT_EQ(t.duration_s, 120);
  EXPECT_EQ(t.expect, "active-change");
  ASSERT_EQ(t.faults.size(), 1u);
  EXPECT_EQ(t.faults[0].spec.action, "kill");
  EXPECT_EQ(t.faults[0].spec.selector, "role=coordinator");
  EXPECT_EQ(t.faults[0].spec.mode, "active");
  EXPECT_EQ(t.faults[0].spec.duration.count(), 0);
  EXPECT_EQ(t.faults[0].at_s, 20);
}

TEST(BuiltinScenarios, WorkerKillsOneProxyThenOneQuerynodeInSubTests) {
  Scenario sc = Builtin("worker");
  ASSERT_EQ(sc.tests.size(), 2u);
  const std::string selectors[] = {"role=proxy", "role=querynode"};
  const std::string names[] = {"worker.proxy", "worker.querynode"};
  for (size_t i = 0; i < 2; ++i) {
    const TestPlan& t = sc.tests[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, names[i]);
    EXPECT_EQ(t.duration_s, 60);
    EXPECT_EQ(t.expect, "");
    ASSERT_EQ(t.faults.size(), 1u);
    EXPECT_EQ(t.faults[0].spec.action, "kill");
    EXPECT_EQ(t.faults[0].spec.selector, selectors[i]);
    EXPECT_EQ(t.faults[0].spec.mode, "one");
    EXPECT_EQ(t.faults[0].at_s, 15);
  }
}

TEST(BuiltinScenarios, ConcurrentKillsAProxyAndAQuerynodeAtTheSameMoment) {
  Scenario sc = Builtin("concurrent");
  ASSERT_EQ(sc.tests.size(), 1u);
  const TestPlan& t = sc.tests[0];
  EXPECT_EQ(t.duration_s, 120);
  ASSERT_EQ(t.faults.size(), 2u);
  std::set<std::string> selectors;
  for (const auto& f : t.faults) {
    EXPECT_EQ(f.spec.action, "kill");
    EXPECT_EQ(f.spec.mode, "one");
    EXPECT_EQ(f.at_s, 20);
    selectors.insert(f.spec.selector);
  }
  EXPECT_EQ(selectors, (std::set<std::string>{"role=proxy", "role=querynode"}));
}

TEST(BuiltinScenarios, PartitionCutsTheActiveRootcoordForALifetime) {
  Scenario sc = Builtin("partition");
  ASSERT_EQ(sc.tests.size(), 1u);
  const TestPlan& t = sc.tests[0];
  EXPECT_EQ(t.expect, "active-change");
  ASSERT_EQ(t.faults.size(), 1u);
  const FaultStep& f = t.faults[0];
  EXPECT_EQ(f.spec.action, "partition");
  EXPECT_EQ(f.spec.selector, "role=coordinator");
  EXPECT_EQ(f.spec.mode, "active");
  EXPECT_GT(f.spec.duration.count(), 0);
  EXPECT_LT(f.at_s, t.duration_s);
  EXPECT_LE(f.at_s + f.spec.duration.count() / 1000.0, t.duration_s);  // healed before the end
}

// ---------------------------------------------------------------- ParseSeconds

TEST(ParseSeconds, UnitsAndBareSeconds) {
  double s = -1;
  ASSERT_TRUE(ParseSeconds("500ms", &s));
  EXPECT_DOUBLE_EQ(s, 0.5);
  ASSERT_TRUE(ParseSeconds("20s", &s));
  EXPECT_DOUBLE_EQ(s, 20);
  ASSERT_TRUE(ParseSeconds("2m", &s));
  EXPECT_DOUBLE_EQ(s, 120);
  ASSERT_TRUE(ParseSeconds("1.5", &s));
  EXPECT_DOUBLE_EQ(s, 1.5);
  ASSERT_TRUE(ParseSeconds("0s", &s));
  EXPECT_DOUBLE_EQ(s, 0);
}

TEST(ParseSeconds, RejectsMalformedAndNegativeAndLeavesTheOutputAlone) {
  for (const char* bad :
       {"", "abc", "-1s", "5d", "s", "10 s", "10sec", "ms", "nan", "nanms", "inf", "infs", "1e400", "0x10s", " 5s"}) {
    SCOPED_TRACE(bad);
    double s = 7;
    EXPECT_FALSE(ParseSeconds(bad, &s));
    EXPECT_EQ(s, 7);
  }
}

// ---------------------------------------------------------------- ParseScenarioYaml

const char kMinimal[] = R"(name: t
tests:
  - name: a
    collection: c
    duration: 30s
    faults:
      - {action: kill, selector: app=x, at: 5s}
)";

TEST(ParseScenarioYaml, MinimalScenarioAndItsDefaults) {
  Result<Scenario> sc = ParseScenarioYaml(kMinimal, "my.yaml");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(sc->name, "t");
  EXPECT_EQ(sc->title, "t");  // title defaults to the name
  ASSERT_EQ(sc->tests.size(), 1u);
  const TestPlan& t = sc->tests[0];
  EXPECT_EQ(t.duration_s, 30);
  EXPECT_EQ(t.expect, "");
  ASSERT_EQ(t.faults.size(), 1u);
  EXPECT_EQ(t.faults[0].spec.mode, "one");  // the default mode
  EXPECT_EQ(t.faults[0].spec.duration.count(), 0);
  EXPECT_EQ(t.faults[0].at_s, 5);
  EXPECT_FALSE(t.search_rate || t.insert_rate || t.query_rate || t.probe_rate || t.deadline_s);
  EXPECT_FALSE(t.rto_max_s || t.availability_min_pct || t.failed_max || t.lost_max);

  Result<Scenario> bare = ParseScenarioYaml("name: b\ntests: [{name: x, collection: y}]\n", "b.yaml");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->tests[0].duration_s, 60);  // the default duration
  EXPECT_TRUE(bare->tests[0].faults.empty());
}

TEST(ParseScenarioYaml, LastingFaultFields) {
  Result<Scenario> sc = ParseScenarioYaml(R"(name: d
title: Delay
tests:
  - name: a
    collection: c
    duration: 1m
    faults:
      - {action: delay, selector: app=x, mode: "percent:50", at: 1500ms, for: 10s, delay: 200ms, loss: 2.5}
      - {action: pause, selector: app=y, mode: all, at: 2s, for: 500ms}
)",
                                          "d.yaml");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(sc->title, "Delay");
  const TestPlan& t = sc->tests[0];
  EXPECT_EQ(t.duration_s, 60);
  ASSERT_EQ(t.faults.size(), 2u);
  EXPECT_EQ(t.faults[0].spec.action, "delay");
  EXPECT_EQ(t.faults[0].spec.mode, "percent:50");
  EXPECT_DOUBLE_EQ(t.faults[0].at_s, 1.5);
  EXPECT_EQ(t.faults[0].spec.duration, std::chrono::milliseconds(10000));
  EXPECT_EQ(t.faults[0].spec.latency_ms, 200);
  EXPECT_DOUBLE_EQ(t.faults[0].spec.loss_pct, 2.5);
  EXPECT_EQ(t.faults[1].spec.mode, "all");
  EXPECT_EQ(t.faults[1].spec.duration, std::chrono::milliseconds(500));
}

TEST(ParseScenarioYaml, WorkloadAndThresholdOverrides) {
  Result<Scenario> sc = ParseScenarioYaml(R"(name: o
tests:
  - name: a
    collection: c
    workload: {search_rate: 5, insert_rate: 2.5, query_rate: 0, probe_rate: 20, deadline: 750ms}
    thresholds: {rto_max: 30s, failed_max: 7, availability_min: 99.5, lost_max: 3}
  - name: b
    collection: c
    workload: {insert_rate: 1}
)",
                                          "o.yaml");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  ASSERT_EQ(sc->tests.size(), 2u);
  const TestPlan& a = sc->tests[0];
  EXPECT_EQ(a.search_rate, 5);
  EXPECT_EQ(a.insert_rate, 2.5);
  ASSERT_TRUE(a.query_rate.has_value());  // 0 is a value (turns the kind off), not "unset"
  EXPECT_EQ(*a.query_rate, 0);
  EXPECT_EQ(a.probe_rate, 20);
  ASSERT_TRUE(a.deadline_s.has_value());
  EXPECT_DOUBLE_EQ(*a.deadline_s, 0.75);
  EXPECT_EQ(a.rto_max_s, 30);
  EXPECT_EQ(a.failed_max, int64_t{7});
  EXPECT_EQ(a.availability_min_pct, 99.5);
  EXPECT_EQ(a.lost_max, int64_t{3});
  const TestPlan& b = sc->tests[1];
  EXPECT_EQ(b.insert_rate, 1);
  EXPECT_FALSE(b.search_rate || b.query_rate || b.probe_rate || b.deadline_s);
  EXPECT_FALSE(b.rto_max_s || b.availability_min_pct || b.failed_max || b.lost_max);
}

// The reason of ParseScenarioYaml's error for `yaml` (origin "my.yaml"); "" when it parsed.
std::string ErrorOf(const std::string& yaml) {
  Result<Scenario> sc = ParseScenarioYaml(yaml, "my.yaml");
  if (sc.ok()) return "";
  EXPECT_EQ(sc.status().code(), code::kParameterInvalid);
  return sc.status().reason();
}

// kMinimal with the fault line replaced by `fault`.
std::string WithFault(const std::string& fault) {
  return "name: t\ntests:\n  - name: a\n    collection: c\n    duration: 30s\n    faults:\n      - " + fault + "\n";
}

// kMinimal with `line` added to the test.
std::string WithTestKey(const std::string& line) { return std::string(kMinimal) + "    " + line + "\n"; }

TEST(ParseScenarioYaml, ErrorsNameTheOriginAndTheKey) {
  struct Case {
    const char* what;
    std::string yaml;
    std::vector<std::string> says;
  };
  const Case cases[] = {
      {"unknown top-level key", std::string(kMinimal) + "colour: red\n", {"top level", "unknown key 'colour'"}},
      {"unknown test key", WithTestKey("replicas: 2"), {"tests[0]", "unknown key 'replicas'"}},
      {"unknown fault key",
       WithFault("{action: kill, selector: app=x, at: 5s, bogus: 1}"),
       {"tests[0].faults[0]", "unknown key 'bogus'"}},
      {"bad action", WithFault("{action: explode, selector: app=x, at: 5s}"), {"tests[0].faults[0]", "'explode'"}},
      {"fault without selector", WithFault("{action: kill, at: 5s}"), {"tests[0].faults[0]", "selector"}},
      {"partition without for",
       WithFault("{action: partition, selector: app=x, at: 5s}"),
       {"tests[0].faults[0]", "partition", "for"}},
      {"fault past the duration",
       WithFault("{action: kill, selector: app=x, at: 40s}"),
       {"tests[0]", "past the duration"}},
      {"fault at the very end",
       WithFault("{action: kill, selector: app=x, at: 30s}"),
       {"tests[0]", "past the duration"}},
      {"bad fault time", WithFault("{action: kill, selector: app=x, at: soon}"), {"tests[0].faults[0].at"}},
      {"bad fault lifetime",
       WithFault("{action: pause, selector: app=x, at: 1s, for: 3d}"),
       {"tests[0].faults[0].for"}},
      {"faults not a list", "name: t\ntests:\n  - {name: a, collection: c, faults: 3}\n", {"tests[0].faults", "list"}},
      {"tests not a list", "name: t\ntests: {a: 1}\n", {"top level", "tests"}},
      {"no tests", "name: t\ntests: []\n", {"top level", "tests"}},
      {"no name", "tests:\n  - {name: a, collection: c}\n", {"top level", "name"}},
      {"invalid YAML", "name: [unclosed\ntests:\n", {"not valid YAML"}},
      {"bad duration",
       "name: t\ntests:\n  - {name: a, collection: c, duration: 5d}\n",
       {"tests[0].duration", "duration"}},
      {"bad expect", WithTestKey("expect: miracle"), {"tests[0].expect", "active-change"}},
      {"unknown workload key",
       WithTestKey("workload: {search_qps: 1}"),
       {"tests[0].workload", "unknown key 'search_qps'"}},
      {"negative rate", WithTestKey("workload: {insert_rate: -1}"), {"tests[0].workload.insert_rate", "negative"}},
      {"rate not a number", WithTestKey("workload: {query_rate: lots}"), {"tests[0].workload.query_rate"}},
      {"bad deadline", WithTestKey("workload: {deadline: 5d}"), {"tests[0].workload.deadline"}},
      {"unknown threshold key",
       WithTestKey("thresholds: {rpo_max: 1s}"),
       {"tests[0].thresholds", "unknown key 'rpo_max'"}},
      {"bad rto_max", WithTestKey("thresholds: {rto_max: fast}"), {"tests[0].thresholds.rto_max"}},
      {"bad availability_min",
       WithTestKey("thresholds: {availability_min: high}"),
       {"tests[0].thresholds.availability_min"}},
      {"negative lost_max", WithTestKey("thresholds: {lost_max: -2}"), {"tests[0].thresholds.lost_max"}},
      {"error in the second test",
       std::string(kMinimal) + "  - {name: b, collection: c, duration: 10s, faults: [{action: kill, selector: s, "
                               "at: 1s, mode: one, wat: 1}]}\n",
       {"tests[1].faults[0]", "unknown key 'wat'"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    std::string why = ErrorOf(c.yaml);
    ASSERT_FALSE(why.empty()) << "parsed:\n" << c.yaml;
    EXPECT_EQ(why.rfind("my.yaml: ", 0), 0u) << why;
    for (const auto& s : c.says) EXPECT_NE(why.find(s), std::string::npos) << "'" << s << "' not in: " << why;
  }
}

TEST(ParseScenarioYaml, KillNeedsNoLifetimeAndAFaultJustBeforeTheEndIsAccepted) {
  EXPECT_EQ(ErrorOf(WithFault("{action: kill, selector: app=x, at: 29999ms}")), "");
  EXPECT_EQ(ErrorOf(WithFault("{action: loss, selector: app=x, at: 0s, for: 1s, loss: 30}")), "");
}

// ---------------------------------------------------------------- ApplyOverrides

TestPlan TwoFaults() {
  TestPlan p;
  p.name = "p";
  p.collection = "c";
  p.duration_s = 120;
  p.expect = "active-change";
  FaultStep kill;
  kill.spec.action = "kill";
  kill.spec.selector = "app=milvus-proxy";
  kill.at_s = 20;
  FaultStep part;
  part.spec.action = "partition";
  part.spec.selector = "app=milvus-rootcoord";
  part.spec.mode = "active";
  part.spec.duration = std::chrono::milliseconds(20000);
  part.at_s = 15;
  p.faults = {kill, part};
  return p;
}

TEST(ParseScenarioYaml, RolesMapTheUsersOwnSelectors) {
  auto sc = ParseScenarioYaml(R"(name: mine
roles: {proxy: "app=edge-proxy,tier=front", coordinator: "app=my-coord"}
tests:
  - {name: t, collection: c, faults: [{action: kill, selector: role=proxy, mode: one, at: 5s}]}
)",
                              "mine.yaml");
  ASSERT_TRUE(sc.ok()) << sc.status().reason();
  EXPECT_EQ(sc->roles, (std::map<std::string, std::string>{{"proxy", "app=edge-proxy,tier=front"},
                                                           {"coordinator", "app=my-coord"}}));
  EXPECT_EQ(sc->tests[0].faults[0].spec.selector, "role=proxy");  // the run's deployment resolves it
  auto bad = ParseScenarioYaml("name: b\nroles: [proxy]\ntests: [{name: x, collection: y}]\n", "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().reason().find("roles"), std::string::npos) << bad.status().reason();
}

TEST(ApplyOverrides, NoOverridesChangeNothing) {
  TestPlan p = ApplyOverrides(TwoFaults(), RunOptions{});
  ExpectSamePlan(p, TwoFaults());
}

TEST(ApplyOverrides, DurationFaultAtAndFaultForApply) {
  RunOptions o;
  o.duration_s = 90;
  o.fault_at_s = 10;
  o.fault_for_s = 5.5;
  TestPlan p = ApplyOverrides(TwoFaults(), o);
  EXPECT_EQ(p.duration_s, 90);
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(p.collection, "c");
  EXPECT_EQ(p.expect, "active-change");
  ASSERT_EQ(p.faults.size(), 2u);
  EXPECT_EQ(p.faults[0].at_s, 10);
  EXPECT_EQ(p.faults[1].at_s, 10);
  EXPECT_EQ(p.faults[0].spec.duration.count(), 0);  // a kill has no lifetime to override
  EXPECT_EQ(p.faults[1].spec.duration, std::chrono::milliseconds(5500));
  EXPECT_EQ(p.faults[1].spec.selector, "app=milvus-rootcoord");
  EXPECT_EQ(p.faults[1].spec.mode, "active");
}

TEST(ApplyOverrides, EachOverrideAlone) {
  RunOptions o;
  o.fault_for_s = 3;
  TestPlan p = ApplyOverrides(TwoFaults(), o);
  EXPECT_EQ(p.duration_s, 120);
  EXPECT_EQ(p.faults[0].at_s, 20);
  EXPECT_EQ(p.faults[1].at_s, 15);
  EXPECT_EQ(p.faults[0].spec.duration.count(), 0);
  EXPECT_EQ(p.faults[1].spec.duration, std::chrono::milliseconds(3000));

  RunOptions d;
  d.duration_s = 200;
  p = ApplyOverrides(TwoFaults(), d);
  EXPECT_EQ(p.duration_s, 200);
  EXPECT_EQ(p.faults[0].at_s, 20);
  EXPECT_EQ(p.faults[1].spec.duration, std::chrono::milliseconds(20000));
}

}  // namespace
}  // namespace mdrill::drill

namespace mdrill::drill {
namespace {

// While the lab's supervisor is down there is nothing to fault: a plan that
// schedules a fault inside a supervisor kill is refused before anything starts.
TEST(RunTest, AFaultWhileTheLabsSupervisorIsDownIsRefusedUpFront) {
  TestPlan p;
  p.name = "t";
  p.collection = "c";
  p.duration_s = 60;
  FaultStep sup;
  sup.at_s = 10;
  sup.spec.action = "kill";
  sup.spec.selector = "role=supervisor";
  sup.spec.duration = std::chrono::seconds(5);
  FaultStep during = sup;
  during.at_s = 12;
  during.spec.selector = "role=querynode";
  during.spec.duration = std::chrono::seconds(0);
  p.faults = {sup, during};
  TestResult r = RunTest(p, RunOptions{}, nullptr);  // refused before the nemesis is used
  EXPECT_NE(r.error.find("falls while the lab's supervisor is down (10.0-15.0 s)"), std::string::npos) << r.error;
  // Two supervisor kills that overlap: the later starts inside the earlier.
  p.faults[1].at_s = 9;
  p.faults[1].spec.selector = "role=supervisor";
  p.faults[1].spec.duration = std::chrono::seconds(5);
  EXPECT_NE(RunTest(p, RunOptions{}, nullptr).error.find("supervisor is down (9.0-14.0 s)"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::drill
