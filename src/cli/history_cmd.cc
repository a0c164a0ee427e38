#include "cli/history_cmd.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "report/console.h"
#include "report/history_store.h"
#include "report/i18n.h"
#include "report/trend.h"
#include "util/utc_time.h"

namespace mdrill::cli {

namespace {

using report::Lang;
using report::Tr;

struct HistoryFlags {
  std::string db, out_dir = "./milvus-drill-runs", scenario, html, runs, lang = "en", import, label;
  int limit = 20, last = 0;
  int64_t run = 0;
};

std::string UtcListing(int64_t unix_ms) { return UtcTime(unix_ms, "%Y-%m-%d %H:%M:%S"); }

std::string Sec(const std::optional<double>& s, bool never, Lang lang) {
  if (never) return Tr(lang, "never");
  if (!s) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, Tr(lang, "%.2f s"), *s);
  return buf;
}

const char* Verdict(int exit_code, Lang lang) {
  return Tr(lang, exit_code == 0 ? "PASS" : exit_code == 1 ? "FAIL" : "COULD NOT JUDGE");
}

// Opens the database, reporting why not on stderr.
std::unique_ptr<report::HistoryStore> Open(const HistoryFlags& f, const char* cmd) {
  std::string path = f.db.empty() ? report::DefaultHistoryPath(f.out_dir) : f.db;
  std::ifstream probe(path);
  if (!probe) {
    std::fprintf(stderr, "%s: no history database at %s (runs record there; --history FILE names another)\n", cmd,
                 path.c_str());
    return nullptr;
  }
  auto s = report::HistoryStore::Open(path);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", cmd, s.status().reason().c_str());
    return nullptr;
  }
  return std::move(s.value());
}

bool ParseRuns(const std::string& text, std::vector<int64_t>* out) {
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    char* end = nullptr;
    long long v = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || v <= 0) return false;
    out->push_back(v);
  }
  return !out->empty();
}

// Records a run from its `run --json` file (a run made with --no-history, or copied
// from elsewhere). Time, target and address come from the first test's history
// meta line (where the run wrote it, else next to the JSON file), else from the JSON
// file's time.
int Import(const HistoryFlags& f, Lang lang) {
  std::ifstream in(f.import);
  auto run = nlohmann::json::parse(in, nullptr, false);
  if (!in.is_open() || run.is_discarded() || !run.contains("tests") || !run["tests"].is_array() ||
      run["tests"].empty()) {
    std::fprintf(stderr, "history: %s is not the JSON file of a run (`run --json FILE`)\n", f.import.c_str());
    return 2;
  }
  report::RunInfo info;
  info.label = f.label;
  std::vector<nlohmann::json> results(run["tests"].begin(), run["tests"].end());
  for (const auto& r : results) {
    // Where the run wrote it, else next to the JSON file (artifacts copied together).
    std::filesystem::path recorded = r.value("history", std::string());
    std::ifstream h(recorded);
    if (!h) h.open(std::filesystem::path(f.import).parent_path() / recorded.filename());
    std::string first;
    if (!std::getline(h, first)) continue;
    auto meta = nlohmann::json::parse(first, nullptr, false);
    if (meta.is_discarded() || meta.value("type", "") != "meta") continue;
    info.started_unix_ms = meta.value("unix_ms", int64_t{0});
    info.target = meta.value("target", std::string());
    info.address = meta.value("address", std::string());
    break;
  }
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(f.import, ec);
  int64_t file_ms = ec ? 0
                       : std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                             .count();
  if (info.started_unix_ms == 0) info.started_unix_ms = file_ms;
  info.finished_unix_ms = std::max(file_ms, info.started_unix_ms);
  info.out_dir = std::filesystem::absolute(std::filesystem::path(f.import).parent_path(), ec).string();
  info.config = {{"imported_from", std::filesystem::absolute(f.import, ec).string()}};
  std::string path = f.db.empty() ? report::DefaultHistoryPath(f.out_dir) : f.db;
  auto store = report::HistoryStore::Open(path);
  if (!store.ok()) return std::fprintf(stderr, "history: %s\n", store.status().reason().c_str()), 2;
  auto id = store.value()->AddRun(info, run.value("exit_code", 2), results);
  if (!id.ok()) return std::fprintf(stderr, "history: %s\n", id.status().reason().c_str()), 2;
  std::printf("%s %lld: %s\n", Tr(lang, "run recorded in the history as run"), static_cast<long long>(id.value()),
              path.c_str());
  return 0;
}

int ListRuns(const HistoryFlags& f, Lang lang) {
  if (!f.import.empty()) return Import(f, lang);
  auto store = Open(f, "history");
  if (!store) return 2;
  if (f.run > 0) {
    report::TestFilter filter;
    filter.run_ids = {f.run};
    auto tests = store->Tests(filter);
    if (!tests.ok()) return std::fprintf(stderr, "history: %s\n", tests.status().reason().c_str()), 2;
    if (tests->empty()) return std::fprintf(stderr, "history: no run %lld\n", static_cast<long long>(f.run)), 1;
    std::printf(Tr(lang, "%-18s %-12s %-12s %8s %8s %13s %6s  %s\n"), Tr(lang, "test"), Tr(lang, "strict RTO"),
                Tr(lang, "seed RTO"), Tr(lang, "failed"), Tr(lang, "requests"), Tr(lang, "availability"),
                Tr(lang, "lost"), Tr(lang, "verdict"));
    for (const auto& t : tests.value()) {
      const auto& p = t.point;
      std::printf("%-18s %-12s %-12s %8lld %8lld %12.4f%% %6lld  %s\n", p.test.c_str(),
                  Sec(p.strict_rto_s, p.never_recovered, lang).c_str(), Sec(p.seed_rto_s, false, lang).c_str(),
                  static_cast<long long>(p.failed), static_cast<long long>(p.total), p.availability_pct,
                  static_cast<long long>(p.lost), Verdict(p.exit_code, lang));
    }
    return 0;
  }
  auto runs = store->Runs(f.limit);
  if (!runs.ok()) return std::fprintf(stderr, "history: %s\n", runs.status().reason().c_str()), 2;
  if (runs->empty()) {
    std::printf("%s\n", Tr(lang, "no runs recorded yet"));
    return 0;
  }
  std::printf(Tr(lang, "%5s  %-19s  %-6s  %-22s  %5s %5s %5s %5s  %-15s %s\n"), Tr(lang, "run"),
              Tr(lang, "started (UTC)"), Tr(lang, "target"), Tr(lang, "address"), Tr(lang, "tests"), Tr(lang, "pass"),
              Tr(lang, "fail"), Tr(lang, "n/j"), Tr(lang, "verdict"), Tr(lang, "label"));
  for (const auto& r : runs.value())
    std::printf("%5lld  %-19s  %-6s  %-22s  %5d %5d %5d %5d  %-15s %s\n", static_cast<long long>(r.id),
                UtcListing(r.info.started_unix_ms).c_str(), r.info.target.c_str(), r.info.address.c_str(), r.tests,
                r.passed, r.failed, r.cannot_judge, Verdict(r.exit_code, lang), r.info.label.c_str());
  return 0;
}

// The tests `--scenario` and `--last` ask for.
report::TestFilter FilterOf(const HistoryFlags& f) {
  report::TestFilter filter;
  filter.scenario = f.scenario;
  if (f.last > 0) filter.last_runs = f.last;
  return filter;
}

int Trend(const HistoryFlags& f, Lang lang) {
  auto store = Open(f, "trend");
  if (!store) return 2;
  report::TestFilter filter = FilterOf(f);
  auto tests = store->Tests(filter);
  if (!tests.ok()) return std::fprintf(stderr, "trend: %s\n", tests.status().reason().c_str()), 2;
  if (tests->empty()) {
    std::fprintf(stderr, "trend: no stored test of scenario '%s'\n", f.scenario.c_str());
    return 1;
  }
  std::printf(Tr(lang, "trend of %s: %zu tests\n"), f.scenario.c_str(), tests->size());
  std::printf(Tr(lang, "%5s  %-19s  %-18s %-12s %-12s %8s %13s %6s  %-15s %s\n"), Tr(lang, "run"),
              Tr(lang, "started (UTC)"), Tr(lang, "test"), Tr(lang, "strict RTO"), Tr(lang, "seed RTO"),
              Tr(lang, "failed"), Tr(lang, "availability"), Tr(lang, "lost"), Tr(lang, "verdict"), Tr(lang, "label"));
  std::vector<report::TrendPoint> points;
  for (const auto& t : tests.value()) {
    const auto& p = t.point;
    points.push_back(p);
    std::printf("%5lld  %-19s  %-18s %-12s %-12s %8lld %12.4f%% %6lld  %-15s %s\n", static_cast<long long>(p.run_id),
                UtcListing(p.started_unix_ms).c_str(), p.test.c_str(),
                Sec(p.strict_rto_s, p.never_recovered, lang).c_str(), Sec(p.seed_rto_s, false, lang).c_str(),
                static_cast<long long>(p.failed), p.availability_pct, static_cast<long long>(p.lost),
                Verdict(p.exit_code, lang), p.label.c_str());
  }
  if (!f.html.empty()) {
    std::ofstream out(f.html, std::ios::binary | std::ios::trunc);
    out << report::RenderTrendHtml(f.scenario, points, lang);
    out.close();
    if (!out) return std::fprintf(stderr, "trend: cannot write %s\n", f.html.c_str()), 2;
    std::printf(Tr(lang, "trend chart: %s\n"), f.html.c_str());
  }
  return 0;
}

int Analyze(const HistoryFlags& f, Lang lang) {
  auto store = Open(f, "analyze");
  if (!store) return 2;
  report::TestFilter filter = FilterOf(f);
  if (!f.runs.empty() && !ParseRuns(f.runs, &filter.run_ids)) {
    std::fprintf(stderr, "analyze: --runs '%s': a comma-separated list of run ids (see `history`)\n", f.runs.c_str());
    return 2;
  }
  auto tests = store->Tests(filter);
  if (!tests.ok()) return std::fprintf(stderr, "analyze: %s\n", tests.status().reason().c_str()), 2;
  if (tests->empty()) {
    std::fprintf(stderr, "analyze: no stored test matches\n");
    return 1;
  }
  std::vector<double> rtos;
  int64_t total = 0, ok = 0;
  std::vector<int64_t> runs;
  for (const auto& t : tests.value()) {
    if (t.point.seed_rto_s) rtos.push_back(*t.point.seed_rto_s);
    total += t.search_total;
    ok += t.search_ok;
    if (runs.empty() || runs.back() != t.point.run_id) runs.push_back(t.point.run_id);
  }
  std::printf(Tr(lang, "analysis over %zu tests of %zu runs (the seed's RTO, searches)\n"), tests->size(), runs.size());
  report::PrintAnalysis(stdout, rtos, total, ok, lang);
  return 0;
}

}  // namespace

std::function<int()> AddHistoryCommands(CLI::App* app) {
  auto f = std::make_shared<HistoryFlags>();
  auto common = [f](CLI::App* c) {
    c->add_option("--history", f->db, "the history database (default OUT_DIR/history.db)");
    c->add_option("--out-dir", f->out_dir, "the runs' output directory")->capture_default_str();
    c->add_option("--lang", f->lang, "en | zh")->capture_default_str()->check(CLI::IsMember({"en", "zh"}));
  };
  auto* history = app->add_subcommand("history", "list the runs recorded in the history database");
  common(history);
  history->add_option("--limit", f->limit, "newest N runs (0: all)")->capture_default_str();
  history->add_option("--run", f->run, "show the tests of this run");
  history->add_option("--import", f->import, "record a run from its `run --json` file");
  history->add_option("--label", f->label, "with --import: the label stored with the run");
  auto* trend = app->add_subcommand("trend", "RTO, failures and availability of a scenario over the stored runs");
  common(trend);
  trend->add_option("--scenario", f->scenario, "coordinator | worker | concurrent | partition | a file's scenario")
      ->required();
  trend->add_option("--last", f->last, "only the newest N runs");
  trend->add_option("--html", f->html, "also write the trend as an HTML chart");
  auto* analyze = app->add_subcommand("analyze", "the seed's RTO distribution and availability over stored runs");
  common(analyze);
  analyze->add_option("--scenario", f->scenario, "only this scenario");
  analyze->add_option("--runs", f->runs, "only these runs (ids, comma-separated)");
  analyze->add_option("--last", f->last, "only the newest N runs");
  return [=]() -> int {
    Lang lang = report::ParseLang(f->lang).value_or(Lang::kEn);
    if (history->parsed()) return ListRuns(*f, lang);
    if (trend->parsed()) return Trend(*f, lang);
    if (analyze->parsed()) return Analyze(*f, lang);
    return -1;
  };
}

}  // namespace mdrill::cli
