// The runner's one test (TestRun), shared by runner.cc (prepare, schedule,
// finish, judge) and test_run_census.cc (the platform's censuses and the
// invariants watched while the test runs). Internal to mdrill_run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "drill/check/so_far.h"
#include "drill/history/history.h"
#include "drill/run/runner.h"
#include "milvus/client.h"

namespace mdrill::drill {

namespace dm = mdrill::milvus;
using Clock = std::chrono::steady_clock;
// Seconds after a fault's end before the census that checks it was undone (the
// lab restarts a killed component after 1 s).
constexpr double kCensusAfterS = 3.0;
// How long a census waits for every component to be up and healthy before it is
// recorded as it stands: after a fault (the scheduler goes on meanwhile), and at
// the end (the liveness bound of `not_serving_at_end`).
constexpr double kCensusPatienceS = 10.0;
constexpr double kEndCensusPatienceS = 30.0;
// How often the history is judged while the test runs (drill/check/so_far.h).
constexpr double kSoFarEveryS = 15.0;

// One test from start to verdict, in three parts: Prepare (collection, history,
// workload), Schedule (inject each fault on time, heal each at its deadline, watch
// the target) and Finish (heal, stop, final read, drop, judge, write the result).
// Any part that fails sets the result's error; the later parts still clean up.
class TestRun {
 public:
  TestRun(TestPlan plan, const RunOptions& o, Nemesis* nemesis, TestResult* res)
      : plan_(std::move(plan)), o_(o), nemesis_(nemesis), res_(res), data_(o.data) {
    journal_ = o.journal_path.empty() ? o.out_dir + "/faults.journal" : o.journal_path;
  }

  ~TestRun() { StopSoFarWatch(); }
  TestRun(const TestRun&) = delete;
  TestRun& operator=(const TestRun&) = delete;

  bool Prepare();
  void Schedule();
  void Finish();

 private:
  struct Pending {
    AppliedFault fault;
    double heal_at_s;
    bool healed = false;
  };

  void Say(const std::string& line) { o_.progress("[" + plan_.name + "] " + line); }
  double NowS() const { return clock_.NowUs() / 1e6; }
  bool InjectNext(double now_s);
  void Heal(Pending& p, const std::string& why);
  void WatchTarget(double now_s);
  void RecordTarget(bool changed, const std::string& detail_tail);
  void Tick();
  void SleepUntilNextWake();
  void Judge();
  Result<std::vector<CensusEntry>> Census(const std::string& label);
  void RecordCensus(const std::string& label, const std::vector<CensusEntry>& entries);
  void RecordCensus(const std::string& label, const Result<std::vector<CensusEntry>>& census);
  void TakeCensus(const std::string& label);
  void CensusIfDue(double now_s);
  void SettledCensus(const std::string& label);
  void StartSoFarWatch(int64_t op_deadline_us);
  void StopSoFarWatch();
  void WatchSoFar(double now_s, bool last);

  TestPlan plan_;
  const RunOptions& o_;
  Nemesis* nemesis_;
  TestResult* res_;
  Dataset data_;
  std::string journal_, stem_;
  dm::MilvusClient admin_;
  std::vector<int64_t> pks_;
  HistoryWriter history_;
  RunClock clock_;
  std::unique_ptr<Workload> workload_;
  std::vector<FaultStep> faults_;
  size_t next_ = 0;
  std::vector<Pending> applied_;
  std::string keyed_;       // the keyed workload's collection, when it runs
  std::string ddl_prefix_;  // the DDL churn's collections, when it runs
  // Censuses due: when, and after which fault.
  std::vector<std::pair<double, std::string>> census_due_;
  double census_deadline_s_ = 0;  // the pending census is recorded as it stands then
  std::string census_failure_;    // the last census's failure, said once
  double last_change_s_ = -1e9;   // the last injection or heal
  bool watching_target_ = false;
  double target_deadline_s_ = 0;
  // The invariants watched while the test runs, every kSoFarEveryS.
  // Judged on a thread of its own (a late poll of a long soak takes a while), its
  // findings said and recorded by the scheduler's thread.
  std::unique_ptr<SoFarWatch> so_far_;
  std::thread so_far_thread_;
  std::mutex so_far_mu_;
  std::condition_variable so_far_cv_;
  bool so_far_stop_ = false;                  // under so_far_mu_
  std::vector<SoFarViolation> so_far_found_;  // under so_far_mu_: not yet said
  Clock::time_point started_ = Clock::now();
};

}  // namespace mdrill::drill
