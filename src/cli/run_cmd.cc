#include "cli/run_cmd.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "drill/fault_journal.h"
#include "lab.pb.h"
#include "drill/lab_nemesis.h"
#include "drill/milvus_sessions.h"
#include "lab/etcd_client.h"
#include "drill/nemesis_docker.h"
#include "drill/nemesis_k8s.h"
#include "drill/runner.h"
#include "lab/supervisor.h"
#include "report/console.h"
#include "report/history_store.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/progress.h"
#include "util/subprocess.h"
#include "util/utc_time.h"

namespace mdrill::cli {

namespace {

using namespace mdrill::drill;

struct RunFlags {
  std::string test = "all";
  std::string file;  // -f run.yaml
  std::string target = "lab";
  std::string host = "127.0.0.1";
  int port = 19530;
  std::string user, password;
  std::string ns = "milvus", context, kubectl = "kubectl", docker = "docker", project;
  bool chaos_mesh = false;
  std::string lab_dir = "./milvus-drill-data";
  bool keep = false;
  bool dry_run = false;
  double search_rate = 10, insert_rate = 10, query_rate = 10, probe_rate = 0;
  std::string deadline = "5s", duration, fault_at, fault_for;
  int replicas = 3, rows = 1000, dim = 128;
  double rto_max = 15, availability_min = 99.9;
  int64_t failed_max = 10, lost_max = 0;
  std::string out_dir = "./milvus-drill-runs";
  std::string json, html, junit, history_db, label;
  std::string lang = "en";
  std::string etcd, etcd_root = "by-dev", coord_role = "rootcoord";
  bool no_history = false;
  // check
  std::string history;
};

std::string SelfBinary() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "milvus-drill" : p.string();
}

std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted = true; }

bool Seconds(const std::string& text, const char* flag, std::optional<double>* out) {
  if (text.empty()) return true;
  double v = 0;
  if (!ParseSeconds(text, &v)) {
    std::fprintf(stderr, "run: %s '%s' is not a duration (500ms, 20s, 2m)\n", flag, text.c_str());
    return false;
  }
  *out = v;
  return true;
}

// Runs `milvus-drill lab ARGS --data-dir DIR`, echoing its output.
int LabCli(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {SelfBinary(), "lab"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--data-dir", dir});
  std::string out;
  int rc = RunCapture(argv, &out, std::chrono::seconds(120), true);
  std::fputs(out.c_str(), stdout);
  return rc;
}

Result<std::vector<Scenario>> Scenarios(const RunFlags& f) {
  std::vector<Scenario> out;
  if (!f.file.empty()) {
    auto s = LoadScenarioFile(f.file);
    if (!s.ok()) return s.status();
    out.push_back(s.value());
    return out;
  }
  std::vector<std::string> names = f.test == "all" ? BuiltinScenarioNames() : std::vector<std::string>{f.test};
  for (const auto& n : names) {
    auto s = BuiltinScenario(n);
    if (!s.ok()) return s.status();
    out.push_back(s.value());
  }
  return out;
}

// The kubectl ("kubernetes") or docker backend, configured from the flags.
std::unique_ptr<Nemesis> CliBackend(const RunFlags& f, const std::string& backend, ActiveResolver active = nullptr) {
  if (backend == "kubernetes") {
    KubectlOptions k;
    k.active_resolver = std::move(active);
    k.kubectl = f.kubectl;
    k.namespace_ = f.ns;
    k.context = f.context;
    k.chaos_mesh = f.chaos_mesh;
    return std::make_unique<KubectlNemesis>(k);
  }
  DockerOptions d;
  d.docker = f.docker;
  d.project = f.project;
  return std::make_unique<DockerNemesis>(d);
}

// The run's settings as the reports show them.
nlohmann::json RunConfig(const RunFlags& f, const RunOptions& o) {
  return {{"target", f.target},
          {"address", o.connect.address},
          {"tests", f.file.empty() ? f.test : f.file},
          {"search_rate", f.search_rate},
          {"insert_rate", f.insert_rate},
          {"query_rate", f.query_rate},
          {"probe_rate", f.probe_rate},
          {"deadline", f.deadline},
          {"duration", f.duration.empty() ? "scenario's" : f.duration},
          {"fault_at", f.fault_at.empty() ? "scenario's" : f.fault_at},
          {"fault_for", f.fault_for.empty() ? "scenario's" : f.fault_for},
          {"replicas", f.replicas},
          {"rows", f.rows},
          {"dim", f.dim},
          {"rto_max_s", f.rto_max},
          {"failed_max", f.failed_max},
          {"availability_min_pct", f.availability_min},
          {"lost_max", f.lost_max},
          {"label", f.label}};
}

std::string IsoTime(int64_t unix_ms) { return UtcTime(unix_ms, "%Y-%m-%dT%H:%M:%SZ"); }

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool WriteFile(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (out) return true;
  std::fprintf(stderr, "run: cannot write the %s to %s\n", what, path.c_str());
  return false;
}

// The reports a finished run writes besides the console's: JSON, JUnit, HTML, and
// the run appended to the history database. False when one could not be written.
bool WriteReports(const RunFlags& f, const RunOptions& o, report::Lang lang, int64_t started_ms, int exit_code,
                  const std::vector<TestResult>& results, const nlohmann::json& all) {
  bool ok = true;
  std::vector<nlohmann::json> each(all.begin(), all.end());
  if (!f.json.empty())
    ok &= WriteFile(f.json, nlohmann::json{{"tests", all}, {"exit_code", exit_code}}.dump(2) + "\n", "JSON result");
  if (!f.junit.empty()) ok &= WriteFile(f.junit, report::RenderJunit(each, "milvus-drill", IsoTime(started_ms)), "JUnit XML");
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
    info.finished_unix_ms = NowUnixMs();
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

int Run(const RunFlags& f) {
  auto lang = report::ParseLang(f.lang);
  if (!lang) {
    std::fprintf(stderr, "run: --lang '%s': use en or zh\n", f.lang.c_str());
    return kExitCannotJudge;
  }
  const int64_t started_ms = NowUnixMs();
  auto scenarios = Scenarios(f);
  if (!scenarios.ok()) {
    std::fprintf(stderr, "run: %s\n", scenarios.status().reason().c_str());
    return kExitCannotJudge;
  }
  RunOptions o;
  o.target = f.target;
  o.connect.address = f.host + ":" + std::to_string(f.port);
  o.connect.user = f.user;
  o.connect.password = f.password;
  o.workload.search_rate = f.search_rate;
  o.workload.insert_rate = f.insert_rate;
  o.workload.query_rate = f.query_rate;
  o.workload.probe_rate = f.probe_rate;
  std::optional<double> deadline;
  if (!Seconds(f.deadline, "--deadline", &deadline) || !Seconds(f.duration, "--duration", &o.duration_s) ||
      !Seconds(f.fault_at, "--fault-at", &o.fault_at_s) || !Seconds(f.fault_for, "--fault-for", &o.fault_for_s))
    return kExitCannotJudge;
  o.workload.deadline_ms = static_cast<int>(deadline.value_or(5) * 1000);
  o.data.dim = f.dim;
  o.data.base_rows = f.rows;
  o.replicas = f.replicas;
  o.check.thresholds.rto_max_s = f.rto_max;
  o.check.thresholds.failed_max = f.failed_max;
  o.check.thresholds.availability_min_pct = f.availability_min;
  o.check.thresholds.lost_max = f.lost_max;
  o.out_dir = f.out_dir;
  o.interrupted = [] { return g_interrupted.load(); };
  auto live = std::make_shared<report::LiveProgress>(stdout, ::isatty(STDOUT_FILENO) == 1, *lang);
  o.progress = [live](const std::string& line) { live->Line(line); };
  o.tick = [live](const LiveStatus& s) { live->Update(s); };

  std::unique_ptr<Nemesis> nemesis;
  bool started_lab = false;
  std::string lab_dir = std::filesystem::absolute(f.lab_dir).string();
  if (f.target == "lab") {
    auto lab = std::make_unique<LabNemesis>(lab_dir);
    if (!lab->LabStatus().ok()) {
      if (f.dry_run) {
        std::printf("dry run: no lab runs from %s; `run` would start one (lab up --front-door %s)\n", lab_dir.c_str(),
                    o.connect.address.c_str());
      } else {
        std::printf("no lab runs from %s: starting one\n", lab_dir.c_str());
        if (LabCli(lab_dir, {"up", "--front-door", o.connect.address}) != 0) {
          std::fprintf(stderr, "run: could not start the lab\n");
          return kExitCannotJudge;
        }
        started_lab = true;
      }
    }
    LabNemesis* raw = lab.get();
    o.active_coordinator = [raw] { return raw->ActiveCoordinator(); };
    nemesis = std::move(lab);
  } else {
    ActiveResolver resolver;
    if (!f.etcd.empty()) {
      // Milvus's own record of its active coordinator (milvus_sessions.h).
      SessionOptions so;
      so.root = f.etcd_root;
      so.role = f.coord_role;
      for (size_t from = 0; from <= f.etcd.size();) {
        size_t to = f.etcd.find(',', from);
        if (to == std::string::npos) to = f.etcd.size();
        if (to > from) so.etcd.push_back(f.etcd.substr(from, to - from));
        from = to + 1;
      }
      auto etcd = std::make_shared<lab::EtcdClient>(so.etcd);
      auto read = [etcd, so]() { return ReadActiveSession(etcd.get(), so); };
      resolver = [read, so](const FaultSpec&) -> Result<std::string> {
        auto s = read();
        if (!s.ok()) return s.status();
        if (!s->has_value()) return Status::Internal("no coordinator holds " + SessionKey(so) + " now");
        return s.value()->address;
      };
      o.active_coordinator = [read]() -> Result<std::string> {
        auto s = read();
        if (!s.ok()) return s.status();
        return s->has_value() ? s.value()->Describe() : std::string();
      };
    }
    nemesis = CliBackend(f, f.target == "k8s" ? "kubernetes" : "docker", resolver);
  }

  if (f.dry_run) {
    std::printf("dry run against %s (%s): nothing will be touched\n", o.connect.address.c_str(), f.target.c_str());
    bool resolvable = true;
    for (const auto& sc : scenarios.value()) {
      std::printf("scenario %s: %s\n", sc.name.c_str(), sc.title.c_str());
      for (const auto& t : sc.tests) {
        std::string plan = DescribePlan(t, o, nemesis.get());
        resolvable = resolvable && plan.find("cannot resolve now") == std::string::npos;
        std::printf("%s", plan.c_str());
      }
    }
    if (!resolvable) std::printf("dry run: some faults cannot be applied as things stand (see above)\n");
    return resolvable ? 0 : kExitCannotJudge;
  }

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::vector<TestResult> results;
  for (const auto& sc : scenarios.value()) {
    std::printf("\n=== %s: %s ===\n", sc.name.c_str(), sc.title.c_str());
    for (const auto& t : sc.tests) {
      if (g_interrupted) break;
      results.push_back(RunTest(t, o, nemesis.get()));
      live->Clear();
      report::PrintTest(stdout, results.back(), *lang);
    }
  }
  report::PrintSuite(stdout, results, *lang);
  int exit_code = kExitPass;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : results) {
    if (r.exit_code == kExitCannotJudge) exit_code = kExitCannotJudge;
    else if (r.exit_code == kExitFail && exit_code == kExitPass) exit_code = kExitFail;
    std::ifstream in(r.result_path);
    auto j = nlohmann::json::parse(in, nullptr, false);
    all.push_back(j.is_discarded() ? nlohmann::json{{"test", r.test}, {"error", r.error}} : j);
  }
  if (results.empty()) exit_code = kExitCannotJudge;
  // A report that could not be written leaves the verdict as it is, but says so.
  (void)WriteReports(f, o, *lang, started_ms, exit_code, results, all);
  if (started_lab && !f.keep) LabCli(lab_dir, {"down"});
  if (g_interrupted) std::printf("interrupted: faults healed, collections dropped\n");
  return exit_code;
}

int Check(const RunFlags& f) {
  auto lang = report::ParseLang(f.lang);
  if (!lang) {
    std::fprintf(stderr, "check: --lang '%s': use en or zh\n", f.lang.c_str());
    return kExitCannotJudge;
  }
  History h;
  if (Status s = ReadHistory(f.history, &h); !s.ok()) {
    std::fprintf(stderr, "check: %s\n", s.reason().c_str());
    return kExitCannotJudge;
  }
  CheckOptions c;
  c.thresholds.rto_max_s = f.rto_max;
  c.thresholds.failed_max = f.failed_max;
  c.thresholds.availability_min_pct = f.availability_min;
  c.thresholds.lost_max = f.lost_max;
  Judgement j = JudgeFile(h, c);
  std::printf("history %s: %zu operations, %zu events%s\n", f.history.c_str(), h.ops.size(), h.events.size(),
              h.truncated ? " (last line torn: the run was cut short)" : "");
  report::PrintJudgement(stdout, j, *lang);
  if (!f.json.empty()) std::ofstream(f.json) << ToJson(j).dump(2) << "\n";
  return j.exit_code;
}

int Heal(const RunFlags& f) {
  int rc = 0;
  std::string journal = f.out_dir + "/faults.journal";
  auto pending = PendingFaults(journal);
  if (!pending.ok()) {
    std::fprintf(stderr, "heal: %s\n", pending.status().reason().c_str());
    return 1;
  }
  for (const auto& e : pending.value()) {
    std::unique_ptr<Nemesis> n;
    if (e.fault.backend == "lab") n = std::make_unique<LabNemesis>(std::filesystem::absolute(f.lab_dir).string());
    else n = CliBackend(f, e.fault.backend);
    Status s = n->Heal(e.fault);
    if (s.ok()) (void)JournalHealed(journal, e.fault.id, "milvus-drill heal");
    std::printf("heal %s (%s %s): %s\n", e.fault.id.c_str(), e.fault.backend.c_str(), e.fault.spec.action.c_str(),
                s.ok() ? "healed" : s.reason().c_str());
    if (!s.ok()) rc = 1;
  }
  if (pending->empty()) std::printf("heal: nothing pending in %s\n", journal.c_str());
  return rc;
}

}  // namespace

std::function<int()> AddRunCommands(CLI::App* app) {
  auto f = std::make_shared<RunFlags>();
  auto* run = app->add_subcommand("run", "run the failover suite against Milvus (the lab by default)");
  run->add_option("--test", f->test, "coordinator | worker | concurrent | partition | all")
      ->capture_default_str()
      ->check(CLI::IsMember({"coordinator", "worker", "concurrent", "partition", "all"}));
  run->add_option("-f,--file", f->file, "a scenario YAML file (see scenarios/) instead of --test");
  run->add_option("--target", f->target, "lab | k8s | docker")->capture_default_str()->check(CLI::IsMember({"lab", "k8s", "docker"}));
  run->add_option("--host", f->host, "Milvus proxy host (the lab's front door by default)")->capture_default_str();
  run->add_option("--port", f->port, "Milvus proxy port")->capture_default_str();
  run->add_option("--user", f->user, "user name");
  run->add_option("--password", f->password, "password");
  run->add_option("--namespace", f->ns, "k8s: the namespace Milvus runs in")->capture_default_str();
  run->add_option("--context", f->context, "k8s: kubectl context");
  run->add_flag("--chaos-mesh", f->chaos_mesh, "k8s: pause/delay through Chaos Mesh (must be installed)");
  run->add_option("--project", f->project, "docker: compose project");
  run->add_option("--etcd", f->etcd,
                  "k8s/docker: Milvus's etcd (host:port,...), to learn the active coordinator from its session "
                  "(modes active/standby, the target check)");
  run->add_option("--etcd-root", f->etcd_root, "Milvus's etcd.rootPath")->capture_default_str();
  run->add_option("--coord-role", f->coord_role, "the coordinator's session name: rootcoord, mixcoord, ...")
      ->capture_default_str();
  run->add_option("--lab-dir", f->lab_dir, "lab: its data directory")->capture_default_str();
  run->add_flag("--keep", f->keep, "lab: leave a lab this run started running");
  run->add_flag("--dry-run", f->dry_run, "print the plan (targets, faults, times) and touch nothing");
  run->add_option("--search-rate", f->search_rate, "searches per second")->capture_default_str();
  run->add_option("--insert-rate", f->insert_rate, "inserts per second")->capture_default_str();
  run->add_option("--query-rate", f->query_rate, "queries per second")->capture_default_str();
  run->add_option("--probe-rate", f->probe_rate, "GetVersion probes per second (outage timing)")->capture_default_str();
  run->add_option("--deadline", f->deadline, "per-call deadline")->capture_default_str();
  run->add_option("--duration", f->duration, "override every test's duration (e.g. 30s)");
  run->add_option("--fault-at", f->fault_at, "override when faults are injected (e.g. 10s)");
  run->add_option("--fault-for", f->fault_for, "override how long lasting faults (partition, pause) last");
  run->add_option("--replicas", f->replicas, "replicas of the test collection")->capture_default_str();
  run->add_option("--rows", f->rows, "base rows of the test collection")->capture_default_str();
  run->add_option("--dim", f->dim, "vector dimension")->capture_default_str();
  run->add_option("--out-dir", f->out_dir, "where histories, results and the fault journal go")->capture_default_str();
  run->add_option("--json", f->json, "write every test's figures to this JSON file");
  run->add_option("--html", f->html, "write the HTML report (one self-contained file) here");
  run->add_option("--junit", f->junit, "write JUnit XML (one testcase per check) here");
  run->add_option("--lang", f->lang, "language of the console and HTML reports: en | zh")->capture_default_str();
  run->add_option("--history", f->history_db, "append the run to this SQLite database (default OUT_DIR/history.db)");
  run->add_flag("--no-history", f->no_history, "do not record the run in the history database");
  run->add_option("--label", f->label, "a label stored with the run (a version, a change) for `history` and `trend`");
  for (auto* c : {run}) {
    c->add_option("--rto-max", f->rto_max, "RTO threshold, seconds (pass when below)")->capture_default_str();
    c->add_option("--failed-max", f->failed_max, "failed requests threshold (pass when below)")->capture_default_str();
    c->add_option("--availability-min", f->availability_min, "availability threshold, percent")->capture_default_str();
    c->add_option("--lost-max", f->lost_max, "lost acknowledged writes allowed")->capture_default_str();
  }
  auto* check = app->add_subcommand("check", "judge a saved history file again");
  check->add_option("history", f->history, "a .history.jsonl file written by `run`")->required();
  check->add_option("--rto-max", f->rto_max, "RTO threshold, seconds")->capture_default_str();
  check->add_option("--failed-max", f->failed_max, "failed requests threshold")->capture_default_str();
  check->add_option("--availability-min", f->availability_min, "availability threshold, percent")->capture_default_str();
  check->add_option("--lost-max", f->lost_max, "lost acknowledged writes allowed")->capture_default_str();
  check->add_option("--json", f->json, "write the judgement to this JSON file");
  check->add_option("--lang", f->lang, "en | zh")->capture_default_str();
  auto* heal = app->add_subcommand("heal", "undo the faults a crashed run left (from its fault journal)");
  heal->add_option("--out-dir", f->out_dir, "the run's output directory")->capture_default_str();
  heal->add_option("--lab-dir", f->lab_dir, "lab: its data directory")->capture_default_str();
  heal->add_option("--namespace", f->ns, "k8s: namespace")->capture_default_str();
  heal->add_option("--context", f->context, "k8s: kubectl context");
  return [=]() -> int {
    if (run->parsed()) return Run(*f);
    if (check->parsed()) return Check(*f);
    if (heal->parsed()) return Heal(*f);
    return -1;
  };
}

}  // namespace mdrill::cli
