#include "report/history_store.h"

#include <sqlite3.h>

#include <filesystem>

namespace mdrill::report {

namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 1;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER NOT NULL,
  target TEXT NOT NULL, address TEXT NOT NULL, label TEXT NOT NULL,
  exit_code INTEGER NOT NULL, out_dir TEXT NOT NULL, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tests(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  test TEXT NOT NULL, scenario TEXT NOT NULL, exit_code INTEGER NOT NULL,
  seed_rto_s REAL, strict_rto_s REAL, never_recovered INTEGER NOT NULL,
  failed INTEGER NOT NULL, total INTEGER NOT NULL, availability_pct REAL NOT NULL,
  lost INTEGER NOT NULL, search_total INTEGER NOT NULL, search_ok INTEGER NOT NULL,
  elapsed_s REAL NOT NULL, history_path TEXT NOT NULL, result TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tests_by_scenario ON tests(scenario, run_id);
CREATE TABLE IF NOT EXISTS checks(
  test_id INTEGER NOT NULL REFERENCES tests(id),
  name TEXT NOT NULL, measured REAL, threshold REAL NOT NULL, comparison TEXT NOT NULL,
  judged INTEGER NOT NULL, pass INTEGER NOT NULL);
)sql";

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return s_; }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, const std::optional<double>& v) {
    if (v)
      Bind(i, *v);
    else
      sqlite3_bind_null(s_, i);
  }
  int Step() { return sqlite3_step(s_); }
  int64_t Int(int c) { return sqlite3_column_int64(s_, c); }
  double Real(int c) { return sqlite3_column_double(s_, c); }
  std::optional<double> OptReal(int c) {
    if (sqlite3_column_type(s_, c) == SQLITE_NULL) return std::nullopt;
    return Real(c);
  }
  std::string Text(int c) {
    auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

std::optional<double> OptNumber(const json& j, const char* a, const char* b) {
  if (!j.contains(a) || !j[a].is_object()) return std::nullopt;
  const json& o = j[a];
  if (!o.contains(b) || !o[b].is_number()) return std::nullopt;
  return o[b].get<double>();
}

}  // namespace

std::string ScenarioOf(const std::string& test) { return test.substr(0, test.find('.')); }

std::string DefaultHistoryPath(const std::string& out_dir) {
  return (std::filesystem::path(out_dir) / "history.db").string();
}

StoredTest FromResult(const json& r) {
  StoredTest t;
  TrendPoint& p = t.point;
  p.test = r.value("test", std::string());
  t.scenario = ScenarioOf(p.test);
  p.exit_code = r.value("exit_code", 2);
  p.seed_rto_s = OptNumber(r, "seed_rto", "rto_s");
  p.strict_rto_s = OptNumber(r, "strict_rto", "rto_s");
  if (r.contains("strict_rto") && r["strict_rto"].is_object())
    p.never_recovered = r["strict_rto"].value("never_recovered", false);
  if (r.contains("availability") && r["availability"].contains("request")) {
    const json& a = r["availability"]["request"];
    p.total = a.value("total", int64_t{0});
    p.availability_pct = a.value("pct", 0.0);
    p.failed = p.total - a.value("good", int64_t{0});
  }
  if (r.contains("checks") && r["checks"].is_array())
    for (const auto& c : r["checks"])
      if (c.value("name", "") == "failed_requests" && c.contains("measured") && c["measured"].is_number())
        p.failed = static_cast<int64_t>(c["measured"].get<double>());
  if (r.contains("consistency") && r["consistency"].is_object())
    p.lost = r["consistency"].value("lost_count", int64_t{0});
  if (r.contains("phases") && r["phases"].contains("phases")) {
    for (const auto& [name, ph] : r["phases"]["phases"].items()) {
      (void)name;
      if (!ph.contains("by_kind") || !ph["by_kind"].contains("search")) continue;
      t.search_total += ph["by_kind"]["search"].value("count", int64_t{0});
      t.search_ok += ph["by_kind"]["search"].value("ok", int64_t{0});
    }
  }
  t.elapsed_s = r.value("elapsed_s", 0.0);
  t.history_path = r.value("history", std::string());
  return t;
}

Result<std::unique_ptr<HistoryStore>> HistoryStore::Open(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::InvalidArgument("history " + path + ": cannot open: " + why);
  }
  std::unique_ptr<HistoryStore> store(new HistoryStore(db, path));
  sqlite3_busy_timeout(db, 5000);
  int version = 0;
  {
    Stmt s(db, "PRAGMA user_version");
    if (!s.ok() || s.Step() != SQLITE_ROW) return store->Error("not a SQLite database");
    version = static_cast<int>(s.Int(0));
  }
  if (version > kSchemaVersion)
    return Status::InvalidArgument("history " + path + ": written by a newer milvus-drill (schema " +
                                   std::to_string(version) + ", this one knows " + std::to_string(kSchemaVersion) +
                                   ")");
  if (Status s = store->Exec(kSchema); !s.ok()) return s;
  if (Status s = store->Exec("PRAGMA user_version = 1"); !s.ok()) return s;
  return store;
}

HistoryStore::~HistoryStore() { sqlite3_close(db_); }

Status HistoryStore::Error(const std::string& what) {
  return Status::InvalidArgument("history " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status HistoryStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
  std::string why = err ? err : "unknown error";
  sqlite3_free(err);
  return Status::InvalidArgument("history " + path_ + ": " + why);
}

Result<int64_t> HistoryStore::AddRun(const RunInfo& info, int exit_code, const std::vector<json>& results) {
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto fail = [&](const std::string& what) -> Status {
    Status s = Error(what);
    (void)Exec("ROLLBACK");
    return s;
  };
  Stmt run(db_,
           "INSERT INTO runs(started_unix_ms, finished_unix_ms, target, address, label, exit_code, out_dir, config) "
           "VALUES(?,?,?,?,?,?,?,?)");
  if (!run.ok()) return fail("prepare runs");
  run.Bind(1, info.started_unix_ms);
  run.Bind(2, info.finished_unix_ms);
  run.Bind(3, info.target);
  run.Bind(4, info.address);
  run.Bind(5, info.label);
  run.Bind(6, int64_t{exit_code});
  run.Bind(7, info.out_dir);
  run.Bind(8, info.config.dump());
  if (run.Step() != SQLITE_DONE) return fail("insert run");
  int64_t run_id = sqlite3_last_insert_rowid(db_);
  for (const auto& r : results) {
    StoredTest t = FromResult(r);
    Stmt ins(db_,
             "INSERT INTO tests(run_id, test, scenario, exit_code, seed_rto_s, strict_rto_s, never_recovered, failed, "
             "total, availability_pct, lost, search_total, search_ok, elapsed_s, history_path, result) "
             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins.ok()) return fail("prepare tests");
    const TrendPoint& p = t.point;
    ins.Bind(1, run_id);
    ins.Bind(2, p.test);
    ins.Bind(3, t.scenario);
    ins.Bind(4, int64_t{p.exit_code});
    ins.Bind(5, p.seed_rto_s);
    ins.Bind(6, p.strict_rto_s);
    ins.Bind(7, int64_t{p.never_recovered});
    ins.Bind(8, p.failed);
    ins.Bind(9, p.total);
    ins.Bind(10, p.availability_pct);
    ins.Bind(11, p.lost);
    ins.Bind(12, t.search_total);
    ins.Bind(13, t.search_ok);
    ins.Bind(14, t.elapsed_s);
    ins.Bind(15, t.history_path);
    ins.Bind(16, r.dump());
    if (ins.Step() != SQLITE_DONE) return fail("insert test");
    int64_t test_id = sqlite3_last_insert_rowid(db_);
    if (!r.contains("checks") || !r["checks"].is_array()) continue;
    for (const auto& c : r["checks"]) {
      Stmt ck(db_,
              "INSERT INTO checks(test_id, name, measured, threshold, comparison, judged, pass) VALUES(?,?,?,?,?,?,?)");
      if (!ck.ok()) return fail("prepare checks");
      ck.Bind(1, test_id);
      ck.Bind(2, c.value("name", std::string()));
      ck.Bind(3, c.contains("measured") && c["measured"].is_number()
                     ? std::optional<double>(c["measured"].get<double>())
                     : std::nullopt);
      ck.Bind(4, c.value("threshold", 0.0));
      ck.Bind(5, c.value("comparison", std::string()));
      ck.Bind(6, int64_t{c.value("judged", false)});
      ck.Bind(7, int64_t{c.value("pass", false)});
      if (ck.Step() != SQLITE_DONE) return fail("insert check");
    }
  }
  if (Status s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  return run_id;
}

Result<std::vector<StoredRun>> HistoryStore::Runs(int limit) {
  Stmt s(db_,
         "SELECT r.id, r.started_unix_ms, r.finished_unix_ms, r.target, r.address, r.label, r.exit_code, r.out_dir, "
         "r.config, COUNT(t.id), SUM(t.exit_code = 0), SUM(t.exit_code = 1), SUM(t.exit_code = 2) "
         "FROM runs r LEFT JOIN tests t ON t.run_id = r.id GROUP BY r.id ORDER BY r.id DESC LIMIT ?");
  if (!s.ok()) return Error("list runs");
  s.Bind(1, int64_t{limit > 0 ? limit : -1});
  std::vector<StoredRun> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredRun r;
    r.id = s.Int(0);
    r.info.started_unix_ms = s.Int(1);
    r.info.finished_unix_ms = s.Int(2);
    r.info.target = s.Text(3);
    r.info.address = s.Text(4);
    r.info.label = s.Text(5);
    r.exit_code = static_cast<int>(s.Int(6));
    r.info.out_dir = s.Text(7);
    r.info.config = json::parse(s.Text(8), nullptr, false);
    r.tests = static_cast<int>(s.Int(9));
    r.passed = static_cast<int>(s.Int(10));
    r.failed = static_cast<int>(s.Int(11));
    r.cannot_judge = static_cast<int>(s.Int(12));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("list runs");
  return out;
}

Result<std::vector<StoredTest>> HistoryStore::Tests(const TestFilter& f) {
  std::string sql =
      "SELECT t.run_id, r.started_unix_ms, r.target, r.label, t.test, t.scenario, t.exit_code, t.seed_rto_s, "
      "t.strict_rto_s, t.never_recovered, t.failed, t.total, t.availability_pct, t.lost, t.search_total, t.search_ok, "
      "t.elapsed_s, t.history_path FROM tests t JOIN runs r ON r.id = t.run_id WHERE 1";
  if (!f.scenario.empty()) sql += " AND t.scenario = ?1";
  if (!f.run_ids.empty()) {
    sql += " AND t.run_id IN (";
    for (size_t i = 0; i < f.run_ids.size(); ++i) sql += (i ? "," : "") + std::to_string(f.run_ids[i]);
    sql += ")";
  }
  if (f.last_runs) {
    // The newest N runs that have a matching test.
    sql += " AND t.run_id IN (SELECT DISTINCT run_id FROM tests";
    if (!f.scenario.empty()) sql += " WHERE scenario = ?1";
    sql += " ORDER BY run_id DESC LIMIT " + std::to_string(*f.last_runs) + ")";
  }
  sql += " ORDER BY t.run_id, t.id";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return Error("read tests");
  if (!f.scenario.empty()) s.Bind(1, f.scenario);
  std::vector<StoredTest> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredTest t;
    TrendPoint& p = t.point;
    p.run_id = s.Int(0);
    p.started_unix_ms = s.Int(1);
    p.target = s.Text(2);
    p.label = s.Text(3);
    p.test = s.Text(4);
    t.scenario = s.Text(5);
    p.exit_code = static_cast<int>(s.Int(6));
    p.seed_rto_s = s.OptReal(7);
    p.strict_rto_s = s.OptReal(8);
    p.never_recovered = s.Int(9) != 0;
    p.failed = s.Int(10);
    p.total = s.Int(11);
    p.availability_pct = s.Real(12);
    p.lost = s.Int(13);
    t.search_total = s.Int(14);
    t.search_ok = s.Int(15);
    t.elapsed_s = s.Real(16);
    t.history_path = s.Text(17);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return Error("read tests");
  return out;
}

Result<std::vector<json>> HistoryStore::Results(int64_t run_id) {
  Stmt s(db_, "SELECT result FROM tests WHERE run_id = ? ORDER BY id");
  if (!s.ok()) return Error("read results");
  s.Bind(1, run_id);
  std::vector<json> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(json::parse(s.Text(0), nullptr, false));
  if (rc != SQLITE_DONE) return Error("read results");
  return out;
}

}  // namespace mdrill::report
