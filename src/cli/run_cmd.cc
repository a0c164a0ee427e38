#include "cli/run_cmd.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <tuple>

#include "cli/deployment_cmd.h"
#include "cli/run_flags.h"
#include "cli/run_reports.h"
#include "drill/nemesis/docker.h"
#include "drill/nemesis/fault_journal.h"
#include "drill/nemesis/k8s.h"
#include "drill/nemesis/lab.h"
#include "drill/nemesis/lab_supervisor.h"
#include "drill/nemesis/milvus_sessions.h"
#include "drill/run/docker_census.h"
#include "drill/run/k8s_census.h"
#include "drill/run/lab_census.h"
#include "drill/run/runner.h"
#include "drill/run/soak.h"
#include "etcd/client.h"
#include "lab.pb.h"
#include "lab/supervisor/netlab.h"
#include "report/console.h"
#include "report/progress.h"
#include "util/durations.h"
#include "util/subprocess.h"
#include "util/wall_clock.h"

namespace mdrill::cli {

namespace {

using namespace mdrill::drill;

std::string SelfBinary() { return SelfExecutable(); }

std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted = true; }

// `text` (a flag's value, empty when not given) in seconds into `out`; InvalidArgument
// naming the flag and the value when it is not a duration (util/durations.h).
Status Seconds(const std::string& text, const char* flag, std::optional<double>* out) {
  if (text.empty()) return Status::OK();
  auto v = ParseDurationSeconds(text);
  if (!v.ok()) return Status::InvalidArgument(std::string(flag) + " " + v.status().reason());
  *out = v.value();
  return Status::OK();
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

// The soak's options from its flags; a malformed duration is refused by name.
Result<SoakOptions> SoakOptionsFromFlags(const RunFlags& f) {
  SoakOptions o;
  o.seed = f.seed;
  o.keyed_rate = f.keyed_rate;
  o.ddl_rate = f.ddl_rate;
  o.max_at_once = f.max_at_once;
  for (auto [flag, text, field] : {std::tuple{"--duration", &f.soak_duration, &o.duration_s},
                                   {"--fault-every", &f.fault_every, &o.fault_every_s},
                                   {"--max-fault", &f.max_fault, &o.max_fault_s}})
    if (!ParseSeconds(*text, field))
      return Status::InvalidArgument(std::string(flag) + ": '" + *text + "' is not a duration (20s, 10m, 1h)");
  o.pause = !f.no_pause && (f.target != "k8s" || f.chaos_mesh);
  // The lab partitions only in its network-namespace mode, which needs root.
  o.partition = !f.no_partition && (f.target != "lab" || ::geteuid() == 0);
  // etcd members, packet loss and delay: the lab's (loss and delay need its
  // network-namespace mode); other targets label etcd their own way.
  o.etcd = !f.no_etcd && f.target == "lab";
  o.supervisor = !f.no_supervisor && f.target == "lab";
  o.network = !f.no_network_faults && f.target == "lab" && ::geteuid() == 0;
  o.delay = o.network && lab::NetemAvailable();
  // A mix file replaces the built-in mix; a setting it names replaces its flag.
  if (!f.soak_mix.empty())
    if (Status s = LoadSoakMixFile(f.soak_mix, &o); !s.ok()) return s;
  return o;
}

Result<std::vector<Scenario>> Scenarios(const RunFlags& f) {
  std::vector<Scenario> out;
  if (f.soak) {
    auto o = SoakOptionsFromFlags(f);
    if (!o.ok()) return o.status();
    auto s = SoakScenario(o.value());
    if (!s.ok()) return s.status();
    out.push_back(s.value());
    return out;
  }
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

// The run's options from the flags: endpoint, workload, timing overrides, dataset,
// thresholds, output directory. InvalidArgument naming the flag when a duration flag
// is malformed.
Status RunOptionsFromFlags(const RunFlags& f, RunOptions* o) {
  o->target = f.target;
  o->connect.address = f.host + ":" + std::to_string(f.port);
  o->connect.user = f.user;
  o->connect.password = f.password;
  o->connect.token = f.token;
  o->connect.tls = f.tls || !f.ca.empty();
  o->connect.ca_file = f.ca;
  o->connect.server_name = f.tls_server_name;
  o->workload.search_rate = f.search_rate;
  o->workload.insert_rate = f.insert_rate;
  o->workload.query_rate = f.query_rate;
  o->workload.probe_rate = f.probe_rate;
  o->workload.connect_rate = f.connect_rate;
  o->workload.sdk_probe_rate = f.sdk_probe_rate;
  std::optional<double> deadline;
  Status s = Seconds(f.deadline, "--deadline", &deadline);
  if (s.ok()) s = Seconds(f.duration, "--duration", &o->duration_s);
  if (s.ok()) s = Seconds(f.fault_at, "--fault-at", &o->fault_at_s);
  if (s.ok()) s = Seconds(f.fault_for, "--fault-for", &o->fault_for_s);
  if (!s.ok()) return s;
  o->workload.deadline_ms = static_cast<int>(deadline.value_or(5) * 1000);
  o->data.dim = f.dim;
  o->data.base_rows = f.rows;
  o->replicas = f.replicas;
  o->check.thresholds = f.thresholds;
  o->out_dir = f.out_dir;
  return Status::OK();
}

// The lab at `lab_dir` as the nemesis. When no lab runs there, starts one (`lab up`
// with the run's address as its front door) unless this is a dry run, and sets
// *started_lab. Null when it could not be started.
std::unique_ptr<Nemesis> LabTarget(const RunFlags& f, const std::string& lab_dir, RunOptions* o, bool* started_lab) {
  auto lab = std::make_unique<LabNemesis>(lab_dir);
  if (!lab->LabStatus().ok()) {
    if (f.dry_run) {
      std::printf("dry run: no lab runs from %s; `run` would start one (lab up --front-door %s)\n", lab_dir.c_str(),
                  o->connect.address.c_str());
    } else {
      std::printf("no lab runs from %s: starting one\n", lab_dir.c_str());
      std::vector<std::string> up = {"up", "--front-door", o->connect.address};
      if (f.lab_base_port > 0) up.insert(up.end(), {"--base-port", std::to_string(f.lab_base_port)});
      if (LabCli(lab_dir, up) != 0) {
        std::fprintf(stderr, "run: could not start the lab\n");
        return nullptr;
      }
      *started_lab = true;
    }
  }
  LabNemesis* raw = lab.get();
  o->active_coordinator = [raw] { return raw->ActiveCoordinator(); };
  o->census = [raw] { return LabCensus(raw); };
  return lab;
}

// With --etcd: Milvus's own record of its active coordinator (milvus_sessions.h),
// set as o->active_coordinator and returned as the backend's resolver for modes
// active/standby. Without: an empty resolver, and o is left alone.
ActiveResolver EtcdResolver(const RunFlags& f, RunOptions* o) {
  if (f.etcd.empty()) return nullptr;
  SessionOptions so;
  so.root = f.etcd_root;
  so.role = f.coord_role;
  for (size_t from = 0; from <= f.etcd.size();) {
    size_t to = f.etcd.find(',', from);
    if (to == std::string::npos) to = f.etcd.size();
    if (to > from) so.etcd.push_back(f.etcd.substr(from, to - from));
    from = to + 1;
  }
  auto etcd = std::make_shared<etcd::EtcdClient>(so.etcd);
  auto read = [etcd, so]() { return ReadActiveSession(etcd.get(), so); };
  o->active_coordinator = [read]() -> Result<std::string> {
    auto s = read();
    if (!s.ok()) return s.status();
    return s->has_value() ? s.value()->Describe() : std::string();
  };
  return [read, so](const FaultSpec&) -> Result<std::string> {
    auto s = read();
    if (!s.ok()) return s.status();
    if (!s->has_value()) return Status::Internal("no coordinator holds " + SessionKey(so) + " now");
    return s.value()->address;
  };
}

// Runs the tests of every scenario in order until interrupted, printing each result
// and then the suite's.
std::vector<TestResult> RunScenarios(const std::vector<Scenario>& scenarios, const RunOptions& o, Nemesis* nemesis,
                                     report::LiveProgress* live, report::Lang lang) {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::vector<TestResult> results;
  for (const auto& sc : scenarios) {
    std::printf("\n=== %s: %s ===\n", sc.name.c_str(), sc.title.c_str());
    for (const auto& t : sc.tests) {
      if (g_interrupted) break;
      results.push_back(RunTest(t, o, nemesis));
      live->Clear();
      report::PrintTest(stdout, results.back(), lang);
    }
  }
  report::PrintSuite(stdout, results, lang);
  return results;
}

// The suite's exit code: kExitCannotJudge when a test could not judge or none ran,
// else kExitFail when one failed, else kExitPass. Every test's JSON result (or its
// error) goes to *all, an array.
int SuiteVerdict(const std::vector<TestResult>& results, nlohmann::json* all) {
  int exit_code = kExitPass;
  *all = nlohmann::json::array();
  for (const auto& r : results) {
    if (r.exit_code == kExitCannotJudge)
      exit_code = kExitCannotJudge;
    else if (r.exit_code == kExitFail && exit_code == kExitPass)
      exit_code = kExitFail;
    std::ifstream in(r.result_path);
    auto j = nlohmann::json::parse(in, nullptr, false);
    all->push_back(j.is_discarded() ? nlohmann::json{{"test", r.test}, {"error", r.error}} : j);
  }
  if (results.empty()) exit_code = kExitCannotJudge;
  return exit_code;
}

int Run(const RunFlags& f) {
  auto lang = report::ParseLang(f.lang);
  if (!lang) {
    std::fprintf(stderr, "run: --lang '%s': use en or zh\n", f.lang.c_str());
    return kExitCannotJudge;
  }
  const int64_t started_ms = mdrill::UnixMs();
  auto scenarios = Scenarios(f);
  if (!scenarios.ok()) {
    std::fprintf(stderr, "run: %s\n", scenarios.status().reason().c_str());
    return kExitCannotJudge;
  }
  RunOptions o;
  if (Status s = RunOptionsFromFlags(f, &o); !s.ok()) {
    std::fprintf(stderr, "run: %s\n", s.reason().c_str());
    return kExitCannotJudge;
  }
  o.interrupted = [] { return g_interrupted.load(); };
  auto live = std::make_shared<report::LiveProgress>(stdout, ::isatty(STDOUT_FILENO) == 1, *lang);
  o.progress = [live](const std::string& line) { live->Line(line); };
  o.tick = [live](const LiveStatus& s) { live->Update(s); };

  // Roles into the deployment's selectors; the coordinator's session role with them.
  nlohmann::json pods;
  auto deployment = RunDeployment(f, &pods);
  Status roles = deployment.ok() ? ApplyRoles(deployment.value(), &scenarios.value()) : deployment.status();
  if (!roles.ok()) {
    std::fprintf(stderr, "run: %s\n", roles.reason().c_str());
    return kExitCannotJudge;
  }
  RunFlags g = f;
  if (g.coord_role.empty()) g.coord_role = deployment->coordinator;

  bool started_lab = false;
  std::string lab_dir = std::filesystem::absolute(f.lab_dir).string();
  std::unique_ptr<Nemesis> nemesis =
      f.target == "lab" ? LabTarget(g, lab_dir, &o, &started_lab)
                        : CliBackend(g, f.target == "k8s" ? "kubernetes" : "docker", EtcdResolver(g, &o));
  if (f.target == "k8s") o.census = K8sCensus(KubectlOptionsFrom(g), deployment.value());
  if (f.target == "docker") o.census = DockerCensus(DockerOptionsFrom(g));
  if (!nemesis) return kExitCannotJudge;
  // The lab with --etcd: the target check reads the active coordinator where upstream
  // records it (the session the lab's coordinators write), as against a real cluster.
  if (f.target == "lab" && !g.etcd.empty()) (void)EtcdResolver(g, &o);
  if (f.dry_run) return DryRun(g, o, scenarios.value(), nemesis.get(), deployment.value(), pods);
  if (f.target != "lab") {
    std::string matched;
    if (Status s = CheckSelectorsMatch(scenarios.value(), nemesis.get(), pods, &matched); !s.ok()) {
      std::fprintf(stderr, "run: %s\n", s.reason().c_str());
      return kExitCannotJudge;
    }
    std::printf("deployment: %s; the faults' pods:\n%s", deployment->Describe().c_str(), matched.c_str());
  }

  std::vector<TestResult> results = RunScenarios(scenarios.value(), o, nemesis.get(), live.get(), *lang);
  nlohmann::json all;
  int exit_code = SuiteVerdict(results, &all);
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
  c.thresholds = f.thresholds;
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
  // A killed lab supervisor first: with it down, the lab's other faults cannot be
  // undone (and its restart undoes them all).
  auto faults = pending.value();
  std::stable_partition(faults.begin(), faults.end(), [](const auto& e) { return IsSupervisorKill(e.fault); });
  for (const auto& e : faults) {
    std::unique_ptr<Nemesis> n;
    if (e.fault.backend == "lab")
      n = std::make_unique<LabNemesis>(std::filesystem::absolute(f.lab_dir).string());
    else
      n = CliBackend(f, e.fault.backend);
    Status s = n->Heal(e.fault);
    if (s.ok()) (void)JournalHealed(journal, e.fault.id, "milvus-drill heal");
    std::printf("heal %s (%s %s): %s\n", e.fault.id.c_str(), e.fault.backend.c_str(), e.fault.spec.action.c_str(),
                s.ok() ? "healed" : s.reason().c_str());
    if (!s.ok()) rc = 1;
  }
  if (pending->empty()) std::printf("heal: nothing pending in %s\n", journal.c_str());
  return rc;
}

// The verdict thresholds `run` and `check` share, bound to `t` (defaults: Thresholds's).
void AddThresholdFlags(CLI::App* c, Thresholds* t) {
  c->add_option("--rto-max", t->rto_max_s, "RTO threshold, seconds (pass when below)")->capture_default_str();
  c->add_option_function<int64_t>(
      "--failed-max", [t](const int64_t& v) { t->failed_max = v; },
      "the seed's failed-requests check: pass when failed + unknown ops are below this (default: none; failures "
      "a fault explains are judged by the RTO, any other fails the test)");
  c->add_option_function<double>(
       "--availability-min", [t](const double& v) { t->availability_min_pct = v; },
       "per-test availability threshold, percent (default: none; availability is graded over the suite)")
      ->check(CLI::Range(0.0, 100.0));
  c->add_option("--lost-max", t->lost_max, "lost acknowledged writes allowed")->capture_default_str();
}

}  // namespace

// The flags `run` and `soak` share: the target, the workload, the reports.
void AddTargetAndReportFlags(CLI::App* run, RunFlags* f) {
  run->add_option("--target", f->target, "lab | k8s | docker")
      ->capture_default_str()
      ->check(CLI::IsMember({"lab", "k8s", "docker"}));
  run->add_option("--host", f->host, "Milvus proxy host (the lab's front door by default)")->capture_default_str();
  run->add_option("--port", f->port, "Milvus proxy port")->capture_default_str();
  run->add_option("--user", f->user, "user name");
  run->add_option("--password", f->password, "password");
  run->add_flag("--tls", f->tls, "connect over TLS (the server's certificate checked against --ca, or the system's)");
  run->add_option("--ca", f->ca, "PEM file of the CA that signed the server's certificate (implies --tls)");
  run->add_option("--tls-server-name", f->tls_server_name,
                  "the name the server's certificate is checked for, when not --host");
  run->add_option("--token", f->token, "instead of --user/--password: a token (\"user:password\", or an API key)");
  run->add_option("--namespace", f->ns, "k8s: the namespace Milvus runs in")->capture_default_str();
  run->add_option("--context", f->context, "k8s: kubectl context");
  run->add_flag("--chaos-mesh", f->chaos_mesh, "k8s: pause/delay through Chaos Mesh (must be installed)");
  run->add_option("--project", f->project, "docker: compose project");
  run->add_option("--etcd", f->etcd,
                  "Milvus's etcd (host:port,...), to learn the active coordinator from its session (k8s/docker: "
                  "modes active/standby and the target check; lab: the target check)");
  run->add_option("--etcd-root", f->etcd_root, "Milvus's etcd.rootPath")->capture_default_str();
  run->add_option("--coord-role", f->coord_role,
                  "the coordinator's session name: rootcoord or mixcoord (default: the deployment's coordinator)");
  run->add_option("--deployment", f->deployment,
                  "k8s/docker: which pods play each role: helm (--release), operator (--milvus), seed; k8s default: "
                  "recognised from the namespace's pods")
      ->check(CLI::IsMember({"helm", "operator", "seed"}));
  run->add_option("--release", f->release, "k8s: the Milvus Helm chart's release name");
  run->add_option("--milvus", f->milvus, "k8s: the Milvus Operator's Milvus resource name");
  run->add_option("--role", f->roles,
                  "ROLE=SELECTOR: your own selector for a role (coordinator, proxy, querynode, "
                  "datanode, streamingnode, etcd); repeatable");
  run->add_option("--lab-dir", f->lab_dir, "lab: its data directory")->capture_default_str();
  run->add_flag("--keep", f->keep, "lab: leave a lab this run started running");
  run->add_option("--lab-base-port", f->lab_base_port,
                  "lab: the first of the ports of a lab this run starts (lab up --base-port; 0: its default)");
  run->add_flag("--dry-run", f->dry_run, "print the plan (targets, faults, times) and touch nothing");
  run->add_option("--search-rate", f->search_rate, "searches per second")->capture_default_str();
  run->add_option("--insert-rate", f->insert_rate, "inserts per second")->capture_default_str();
  run->add_option("--query-rate", f->query_rate, "queries per second")->capture_default_str();
  run->add_option("--probe-rate", f->probe_rate, "GetVersion probes per second (outage timing)")->capture_default_str();
  run->add_option("--connect-rate", f->connect_rate, "Connects per second, each on a new connection")
      ->capture_default_str();
  run->add_option("--sdk-probe-rate", f->sdk_probe_rate,
                  "GetVersion probes per second through one channel with the SDKs' default reconnect (client view)")
      ->capture_default_str();
  run->add_option("--deadline", f->deadline, "per-call deadline")->capture_default_str();
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
  AddThresholdFlags(run, &f->thresholds);
}

std::function<int()> AddRunCommands(CLI::App* app) {
  auto f = std::make_shared<RunFlags>();
  auto* run = app->add_subcommand("run", "run the failover suite against Milvus (the lab by default)");
  run->add_option("--test", f->test, "coordinator | worker | concurrent | partition | all")
      ->capture_default_str()
      ->check(CLI::IsMember({"coordinator", "worker", "concurrent", "partition", "all"}));
  run->add_option("-f,--file", f->file, "a scenario YAML file (see scenarios/) instead of --test");
  run->add_option("--duration", f->duration, "override every test's duration (e.g. 30s)");
  run->add_option("--fault-at", f->fault_at, "override when faults are injected (e.g. 10s)");
  run->add_option("--fault-for", f->fault_for, "override how long lasting faults (partition, pause) last");
  AddTargetAndReportFlags(run, f.get());
  auto* soak = app->add_subcommand("soak", "one long test with a seeded random schedule of faults");
  soak->add_option("--duration", f->soak_duration, "how long (e.g. 3m, 1h)")->capture_default_str();
  soak->add_option("--seed", f->seed, "the schedule's seed: the same seed, the same faults at the same times")
      ->capture_default_str();
  soak->add_option("--fault-every", f->fault_every, "mean gap between one fault's end and the next's start")
      ->capture_default_str();
  soak->add_option("--max-fault", f->max_fault, "lasting faults (pause, partition) last 1 s to this")
      ->capture_default_str();
  for (auto [flag, field, help] :
       {std::tuple{"--keyed-rate", &f->keyed_rate,
                   "key inserts, upserts, deletes, key lookups, each per second (0: off)"},
        {"--ddl-rate", &f->ddl_rate, "DDL steps per second on side collections, create to drop (0: off)"}})
    soak->add_option(flag, *field, help)->capture_default_str();
  soak->add_option("--max-at-once", f->max_at_once,
                   "faults in force at once: 1, or 2 (a lasting fault may get a companion on another component)")
      ->capture_default_str();
  soak->add_option("-f,--file", f->soak_mix,
                   "a mix file: the faults drawn, their weights and the pacing, instead of the built-in mix "
                   "(docs/drill.md)");
  soak->add_flag("--no-pause", f->no_pause, "leave pauses out of the mix");
  soak->add_flag("--no-partition", f->no_partition, "leave partitions out of the mix");
  soak->add_flag("--no-etcd", f->no_etcd, "leave etcd members out of the targets");
  soak->add_flag("--no-supervisor", f->no_supervisor, "lab: leave kills of the lab's supervisor out of the mix");
  soak->add_flag("--no-network-faults", f->no_network_faults, "leave packet loss and delay out of the mix");
  AddTargetAndReportFlags(soak, f.get());

  auto* check = app->add_subcommand("check", "judge a saved history file again");
  check->add_option("history", f->history, "a .history.jsonl file written by `run`")->required();
  AddThresholdFlags(check, &f->thresholds);
  check->add_option("--json", f->json, "write the judgement to this JSON file");
  check->add_option("--lang", f->lang, "en | zh")->capture_default_str();
  auto* heal = app->add_subcommand("heal", "undo the faults a crashed run left (from its fault journal)");
  heal->add_option("--out-dir", f->out_dir, "the run's output directory")->capture_default_str();
  heal->add_option("--lab-dir", f->lab_dir, "lab: its data directory")->capture_default_str();
  heal->add_option("--namespace", f->ns, "k8s: namespace")->capture_default_str();
  heal->add_option("--context", f->context, "k8s: kubectl context");
  return [=]() -> int {
    f->soak = soak->parsed();
    if (run->parsed() || soak->parsed()) return Run(*f);
    if (check->parsed()) return Check(*f);
    if (heal->parsed()) return Heal(*f);
    return -1;
  };
}

}  // namespace mdrill::cli
