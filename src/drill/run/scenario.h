// Scenarios: what a run does. A scenario is one or more tests; a test is a
// collection, a workload, a duration and the faults to inject at given times.
//
// The seed's four scenarios (coordinator, worker, concurrent, partition) are built
// in and shipped as YAML in scenarios/; any other is a YAML file of the same shape:
//
//   name: coordinator
//   title: Root coordinator failover
//   tests:
//     - name: coordinator
//       collection: coordinator_failover_test
//       duration: 120s
//       expect: active-change        # target check: the active coordinator changes
//       faults:
//         - {action: kill, selector: role=coordinator, mode: active, at: 20s}
//       workload: {search_rate: 10, insert_rate: 10, query_rate: 10, probe_rate: 0, connect_rate: 5,
//                  sdk_probe_rate: 5, keyed_rate: 0, ddl_rate: 0, deadline: 5s}
//       thresholds: {rto_max: 15s, failed_max: 10, availability_min: 99.9, lost_max: 0}
//
// A selector "role=R" names a role (coordinator, proxy, querynode, datanode,
// streamingnode, etcd), which the run's deployment turns into labels
// (drill/nemesis/deployment.h); any other selector is used as written. An optional
// top-level `roles: {proxy: "app=my-proxy", ...}` maps roles the user's own way.
//
// Durations are "500ms", "20s", "2m". Every key is checked: an unknown key or a bad
// value is an InvalidArgument naming the file, test and key.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drill/nemesis/nemesis.h"
#include "util/status.h"

namespace mdrill::drill {

struct FaultStep {
  FaultSpec spec;
  double at_s = 15;  // seconds after the workload starts
};

struct TestPlan {
  std::string name;        // "coordinator", "worker.proxy", ...
  std::string collection;  // created by the run, dropped after it
  double duration_s = 60;  // workload time, fault included
  std::string expect;      // "" or "active-change"
  std::vector<FaultStep> faults;
  // Overrides of the run's workload and thresholds; unset = the run's.
  std::optional<double> search_rate, insert_rate, query_rate, probe_rate, connect_rate, sdk_probe_rate, deadline_s;
  std::optional<double> keyed_rate;  // each keyed kind per second (drill/run/keyed.h); off by default
  std::optional<double> ddl_rate;    // DDL churn steps per second (drill/run/ddl.h); off by default
  std::optional<double> rto_max_s, availability_min_pct;
  std::optional<int64_t> failed_max, lost_max;
};

struct Scenario {
  std::string name;
  std::string title;
  std::map<std::string, std::string> roles;  // role -> selector, the file's own mapping
  std::vector<TestPlan> tests;
};

// "500ms" / "20s" / "2m" / "1.5" (seconds) -> seconds; false when malformed or < 0.
bool ParseSeconds(const std::string& text, double* seconds);

Result<Scenario> ParseScenarioYaml(const std::string& yaml_text, const std::string& origin);
Result<Scenario> LoadScenarioFile(const std::string& path);

// The seed's scenarios: "coordinator", "worker", "concurrent", "partition".
std::vector<std::string> BuiltinScenarioNames();
Result<Scenario> BuiltinScenario(const std::string& name);
// The YAML text of a built-in scenario (what scenarios/<name>.yaml holds).
std::string BuiltinScenarioYaml(const std::string& name);

}  // namespace mdrill::drill
