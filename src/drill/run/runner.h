// The runner: one test of a scenario from start to verdict.
//
//   connect -> create the test collection (refusing one the drill did not create)
//   -> load the base data, index it, load it with N replicas -> start the workloads
//   -> warm-up (steady state must hold: no failure before the first fault)
//   -> inject each fault at its time (journaled first), heal those with a lifetime
//   -> keep measuring to the end -> stop the workloads -> final read of every
//   acknowledged row -> drop the collection -> judge the history.
//
// Everything measured goes to the history file; the judgement is computed from
// that file, exactly as `milvus-drill check FILE` would compute it later.
// Not thread-safe; one test at a time.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "drill/check/checkers.h"
#include "drill/nemesis/nemesis.h"
#include "drill/run/dataset.h"
#include "drill/run/scenario.h"
#include "drill/run/workload.h"

namespace mdrill::drill {

// What a test is doing now, for live progress (RunOptions::tick).
struct LiveStatus {
  std::string test;
  std::string phase;  // "warm-up", "fault", "after fault"
  double elapsed_s = 0, total_s = 0;
  int64_t issued = 0;  // workload operations finished so far
  int64_t failed = 0;  // of which failed or unknown
  std::string fault;   // the fault state: "" none yet, else what and when
};

struct RunOptions {
  milvus::ConnectOptions connect;  // the Milvus endpoint under test
  std::string target = "lab";      // lab | k8s | docker (recorded in the history)
  WorkloadOptions workload;        // rates, deadline, rows per insert (collection set per test)
  DatasetOptions data;             // dim 128, 1000 base rows, as the seed
  int replicas = 3;
  std::string index_type = "IVF_FLAT";
  std::string metric_type = "L2";
  std::string index_params = R"({"nlist":128})";
  CheckOptions check;  // thresholds: the seed's unless overridden
  std::string out_dir = "./milvus-drill-runs";
  std::string journal_path;  // fault journal; default OUT_DIR/faults.journal
  // Overrides of every test's timing (flags); unset = the scenario's.
  std::optional<double> duration_s, fault_at_s, fault_for_s;
  double final_read_timeout_s = 60;
  // Who is the active coordinator now ("" none); unset when the target cannot tell.
  std::function<Result<std::string>()> active_coordinator;
  // The target's processes as its platform sees them (drill/check/census.h); unset
  // when the target cannot tell. Taken at the start, after each fault and at the end.
  std::function<Result<std::vector<CensusEntry>>()> census;
  // Polled; true makes the test heal its faults and stop early (Ctrl-C).
  std::function<bool()> interrupted = [] { return false; };
  // Progress lines ("[coordinator] t=20.0s fault: kill coordinator-1").
  std::function<void(const std::string&)> progress = [](const std::string&) {};
  // Called about every 100 ms while the workload runs.
  std::function<void(const LiveStatus&)> tick = [](const LiveStatus&) {};
};

struct TestResult {
  std::string test;
  std::string history_path;
  std::string result_path;  // the JSON result file
  Judgement judgement;
  int exit_code = kExitCannotJudge;
  std::string error;                // why the test could not run (exit code 2)
  std::vector<std::string> faults;  // what was injected, one line each
  // Violations the history proved while the test ran ("t=S s INVARIANT: detail"),
  // each also in the verdict.
  std::vector<std::string> seen_during_run;
  std::optional<std::string> active_before, active_after;
  double elapsed_s = 0;
};

// The effective timing of `plan` under the run's overrides.
TestPlan ApplyOverrides(TestPlan plan, const RunOptions& o);

TestResult RunTest(const TestPlan& plan, const RunOptions& o, Nemesis* nemesis);

// Re-judges a saved history with the run's checks (what `milvus-drill check` does);
// adds the target check when the history recorded one.
Judgement JudgeFile(const History& history, const CheckOptions& options);

// The plan of a test as text, touching nothing: resolved targets and fault times.
std::string DescribePlan(const TestPlan& plan, const RunOptions& o, Nemesis* nemesis);

}  // namespace mdrill::drill
