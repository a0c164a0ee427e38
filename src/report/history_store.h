// The run history: every `milvus-drill run` appended to a SQLite database, so runs
// can be listed (`history`), followed over time (`trend`) and analysed together
// (`analyze`, the seed's RTO distribution and availability analysis).
//
// Tables (schema version 1, PRAGMA user_version):
//   runs(id, started_unix_ms, finished_unix_ms, target, address, label, exit_code,
//        out_dir, config)                       one row per `run`
//   tests(id, run_id, test, scenario, exit_code, seed_rto_s, strict_rto_s,
//         never_recovered, failed, total, availability_pct, lost, search_total,
//         search_ok, elapsed_s, history_path, result)   one row per test of a run;
//         `result` is the whole result JSON, the other columns are taken from it
//   checks(test_id, name, measured, threshold, comparison, judged, pass)
// A run is written in one transaction: it is there whole or not at all.
// Not thread-safe; one HistoryStore per thread (SQLite serialises writers across
// processes, waiting up to 5 s for a lock).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/trend.h"
#include "util/status.h"

struct sqlite3;

namespace mdrill::report {

struct RunInfo {
  int64_t started_unix_ms = 0, finished_unix_ms = 0;
  std::string target, address, label, out_dir;
  nlohmann::json config = nlohmann::json::object();
};

struct StoredRun {
  int64_t id = 0;
  RunInfo info;
  int exit_code = 2;
  int tests = 0, passed = 0, failed = 0, cannot_judge = 0;
};

struct StoredTest {
  TrendPoint point;                         // run id, time, target, label and the test's figures
  std::string scenario;                     // "worker" for "worker.proxy"
  int64_t search_total = 0, search_ok = 0;  // the seed's availability analysis counts searches
  double elapsed_s = 0;
  std::string history_path;
};

// Which tests to read; empty/unset fields do not filter.
struct TestFilter {
  std::string scenario;  // "worker" matches worker.proxy and worker.querynode
  std::vector<int64_t> run_ids;
  std::optional<int> last_runs;  // only the tests of the newest N runs
};

// The scenario of a test name: the part before the first '.'.
std::string ScenarioOf(const std::string& test);

// The figures of one result JSON, as stored (tests other than point.run_id, time,
// target and label are filled).
StoredTest FromResult(const nlohmann::json& result);

// Where the history goes when --history is not given: OUT_DIR/history.db.
std::string DefaultHistoryPath(const std::string& out_dir);

class HistoryStore {
 public:
  // Opens (creating file, parent directory and tables when missing) the database at
  // `path`. Fails with the path and SQLite's reason when the file is not a SQLite
  // database or was written by a newer milvus-drill (higher schema version).
  static Result<std::unique_ptr<HistoryStore>> Open(const std::string& path);
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // Appends a run and its tests' results; returns the run's id.
  Result<int64_t> AddRun(const RunInfo& info, int exit_code, const std::vector<nlohmann::json>& results);

  // Runs, newest first, at most `limit` (0: all).
  Result<std::vector<StoredRun>> Runs(int limit);

  // Tests matching `filter`, oldest run first, in run order within a run.
  Result<std::vector<StoredTest>> Tests(const TestFilter& filter);

  // The stored result JSON of every test of run `run_id`, in run order.
  Result<std::vector<nlohmann::json>> Results(int64_t run_id);

 private:
  explicit HistoryStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);
  Status Error(const std::string& what);
  sqlite3* db_;
  std::string path_;
};

}  // namespace mdrill::report
