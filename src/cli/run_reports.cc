#include "cli/run_reports.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "report/history_store.h"
#include "report/html.h"
#include "report/junit.h"
#include "util/utc_time.h"
#include "util/wall_clock.h"

namespace mdrill::cli {

namespace {

using namespace mdrill::drill;

// The run's settings as the reports show them.
nlohmann::json RunConfig(const RunFlags& f, const RunOptions& o) {
  return {
      {"target", f.target},
      {"address", o.connect.address},
      {"tests", f.file.empty() ? f.test : f.file},
      {"search_rate", f.search_rate},
      {"insert_rate", f.insert_rate},
      {"query_rate", f.query_rate},
      {"probe_rate", f.probe_rate},
      {"connect_rate", f.connect_rate},
      {"sdk_probe_rate", f.sdk_probe_rate},
      {"deadline", f.deadline},
      {"duration", f.duration.empty() ? "scenario's" : f.duration},
      {"fault_at", f.fault_at.empty() ? "scenario's" : f.fault_at},
      {"fault_for", f.fault_for.empty() ? "scenario's" : f.fault_for},
      {"replicas", f.replicas},
      {"rows", f.rows},
      {"dim", f.dim},
      {"rto_max_s", f.thresholds.rto_max_s},
      {"failed_max", f.thresholds.failed_max ? nlohmann::json(*f.thresholds.failed_max) : nlohmann::json(nullptr)},
      {"availability_min_pct", f.thresholds.availability_min_pct ? nlohmann::json(*f.thresholds.availability_min_pct)
                                                                 : nlohmann::json(nullptr)},
      {"lost_max", f.thresholds.lost_max},
      {"label", f.label}};
}

std::string IsoTime(int64_t unix_ms) { return UtcTime(unix_ms, "%Y-%m-%dT%H:%M:%SZ"); }

bool WriteFile(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (out) return true;
  std::fprintf(stderr, "run: cannot write the %s to %s\n", what, path.c_str());
  return false;
}

}  // namespace

bool WriteReports(const RunFlags& f, const RunOptions& o, report::Lang lang, int64_t started_ms, int exit_code,
                  const std::vector<TestResult>& results, const nlohmann::json& all) {
  bool ok = true;
  std::vector<nlohmann::json> each(all.begin(), all.end());
  if (!f.json.empty())
    ok &= WriteFile(f.json, nlohmann::json{{"tests", all}, {"exit_code", exit_code}}.dump(2) + "\n", "JSON result");
  if (!f.junit.empty())
    ok &= WriteFile(f.junit, report::RenderJunit(each, "milvus-drill", IsoTime(started_ms)), "JUnit XML");
  if (!f.html.empty()) {
    std::vector<report::HtmlTest> tests;
    for (size_t i = 0; i < results.size(); ++i) {
      report::HtmlTest t;
      t.result = each[i];
      if (!results[i].history_path.empty()) (void)ReadHistory(results[i].history_path, &t.history);
      tests.push_back(std::move(t));
    }
    report::HtmlOptions h;
    h.lang = lang;
    h.config = RunConfig(f, o);
    h.config["started"] = IsoTime(started_ms);
    ok &= WriteFile(f.html, report::RenderHtml(tests, h), "HTML report");
  }
  if (!f.no_history && !results.empty()) {
    std::string path = f.history_db.empty() ? report::DefaultHistoryPath(f.out_dir) : f.history_db;
    auto store = report::HistoryStore::Open(path);
    report::RunInfo info;
    info.started_unix_ms = started_ms;
    info.finished_unix_ms = mdrill::UnixMs();
    info.target = f.target;
    info.address = o.connect.address;
    info.label = f.label;
    info.out_dir = std::filesystem::absolute(f.out_dir).string();
    info.config = RunConfig(f, o);
    auto id = store.ok() ? store.value()->AddRun(info, exit_code, each) : Result<int64_t>(store.status());
    if (id.ok()) {
      std::printf("%s %lld: %s\n", report::Tr(lang, "run recorded in the history as run"),
                  static_cast<long long>(id.value()), path.c_str());
    } else {
      std::fprintf(stderr, "run: %s\n", id.status().reason().c_str());
      ok = false;
    }
  }
  return ok;
}

}  // namespace mdrill::cli
