#include "cli/lab_cmd.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lab.grpc.pb.h"
#include "lab/coordinator.h"
#include "lab/netlab.h"
#include "lab/proxy.h"
#include "lab/querynode.h"
#include "lab/standalone.h"
#include "lab/supervisor.h"
#include "milvus/client.h"
#include "util/subprocess.h"

namespace mdrill::cli {

namespace {

namespace rec = ::milvusdrill::lab;

struct LabFlags {
  std::string topology = "ha";
  std::string data_dir = "./milvus-drill-data";
  lab::StandaloneOptions standalone;
  lab::TopologyOptions ha;
  bool foreground = false;
  int timeout_s = 20;
  // faults
  std::string selector, mode = "one", duration = "0s";
  bool no_restart = false;
  int loss_pct = 0, delay_ms = 0;
  std::string network = "auto";
  std::string component;  // logs
  lab::CoordinatorOptions coord;
  lab::QueryNodeOptions qn;
  lab::ProxyOptions proxy;
  std::string etcd_list;
};

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string e; std::getline(ss, e, ',');)
    if (!e.empty()) out.push_back(e);
  return out;
}

std::string StandalonePid(const std::string& dir) { return dir + "/standalone.pid"; }

// "500ms", "5s", "2m" -> milliseconds; -1 when malformed.
int64_t ParseDuration(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit(end);
  if (end == s.c_str() || v < 0) return -1;
  if (unit == "ms") return static_cast<int64_t>(v);
  if (unit == "s" || unit.empty()) return static_cast<int64_t>(v * 1000);
  if (unit == "m") return static_cast<int64_t>(v * 60000);
  return -1;
}

std::string SelfBinary() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "milvus-drill" : p.string();
}

std::unique_ptr<rec::Supervisor::Stub> SupervisorStub(const std::string& dir) {
  std::ifstream in(lab::SupervisorAddressFile(dir));
  std::string addr;
  if (!(in >> addr)) return nullptr;
  return rec::Supervisor::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
}

bool SupervisorStatus(rec::Supervisor::Stub* stub, rec::StatusResponse* resp, int ms = 5000) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
  return stub->Status(&ctx, rec::StatusRequest(), resp).ok();
}

void PrintStatus(const rec::StatusResponse& s) {
  std::printf("%-15s %-12s %-22s %-8s %-22s %-8s %-8s %s\n", "NAME", "ROLE", "APP", "PID", "ADDRESS", "STATE",
              "HEALTHY", "RESTARTS");
  for (const auto& c : s.components()) {
    auto app = c.labels().count("app") ? c.labels().at("app") : "";
    std::printf("%-15s %-12s %-22s %-8d %-22s %-8s %-8s %d%s\n", c.name().c_str(), c.role().c_str(), app.c_str(),
                c.pid(), c.address().c_str(), c.state().c_str(), c.healthy() ? "yes" : "no", c.restarts(),
                c.fault().empty() ? "" : ("  fault " + c.fault()).c_str());
  }
  std::printf("etcd endpoints: %s\ndata: %s\nnetwork: %s\n", s.etcd_endpoints().c_str(), s.data_dir().c_str(),
              s.network() == "netns" ? "a network namespace per component (partitions available)"
                                     : "loopback (no partitions)");
}

// The replica placement of every loaded collection, asked through the front door
// like any client would (GetReplicas), with each node's component name.
void PrintReplicas(const rec::StatusResponse& s) {
  std::string front;
  std::map<int64_t, std::string> names;  // node id -> querynode-N
  for (const auto& c : s.components()) {
    if (c.role() == "frontdoor") front = c.address();
    if (c.role() == "querynode" && c.name().rfind("querynode-", 0) == 0)
      names[std::strtoll(c.name().c_str() + 10, nullptr, 10) + 1] = c.name();
  }
  if (front.empty()) return;
  milvus::MilvusClient client;
  milvus::ConnectOptions o;
  o.address = front;
  auto collections = client.Connect(o, milvus::Deadline(2000)).ok() ? client.ListCollections(milvus::Deadline(2000))
                                                                      : Result<std::vector<std::string>>(Status::Internal(""));
  if (!collections.ok()) {
    std::printf("replicas: the front door %s does not answer\n", front.c_str());
    return;
  }
  int loaded = 0;
  for (const auto& name : collections.value()) {
    auto replicas = client.GetReplicas(name, milvus::Deadline(2000));
    if (!replicas.ok()) continue;  // not loaded
    ++loaded;
    std::printf("replicas of %s:", name.c_str());
    for (const auto& r : replicas.value()) {
      if (r.node_ids.empty()) {
        std::printf("  %lld on no node (waiting for one)", static_cast<long long>(r.id));
        continue;
      }
      auto n = names.find(r.node_ids[0]);
      std::printf("  %lld on node %lld (%s)", static_cast<long long>(r.id), static_cast<long long>(r.node_ids[0]),
                  n == names.end() ? "?" : n->second.c_str());
    }
    std::printf("\n");
  }
  if (loaded == 0) std::printf("replicas: no collection is loaded\n");
}

// Forks `body` into its own session with output to `log`; returns the child pid.
pid_t Daemonize(const std::string& log, const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::_exit(body());
}

bool ConnectOk(const std::string& address) {
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = address;
  Status s = c.Connect(o, milvus::Deadline(500));
  return s.ok() || (s.IsTransport() && s.transport_code() == grpc::StatusCode::UNAUTHENTICATED);
}

int UpStandalone(LabFlags& f) {
  f.standalone.data_dir = f.data_dir;
  if (f.foreground) return lab::RunStandalone(f.standalone);
  std::filesystem::create_directories(f.data_dir);
  std::ifstream old(StandalonePid(f.data_dir));
  pid_t old_pid = 0;
  if (old >> old_pid && old_pid > 0 && ::kill(old_pid, 0) == 0) {
    std::fprintf(stderr, "lab up: a standalone server (pid %d) already runs on %s; `milvus-drill lab down` first\n",
                 old_pid, f.data_dir.c_str());
    return 1;
  }
  std::string log = f.data_dir + "/standalone.log";
  pid_t pid = Daemonize(log, [&] {
    std::ofstream(StandalonePid(f.data_dir)) << ::getpid() << "\n";
    return lab::RunStandalone(f.standalone);
  });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(f.timeout_s);
  while (std::chrono::steady_clock::now() < until && ::kill(pid, 0) == 0 && !ConnectOk(f.standalone.listen))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!ConnectOk(f.standalone.listen)) {
    std::fprintf(stderr, "lab up: the server did not come up within %d s; see %s\n", f.timeout_s, log.c_str());
    ::kill(pid, SIGKILL);
    return 1;
  }
  std::printf("lab up: standalone serving on %s\n  pid   %d\n  data  %s\n  log   %s\n", f.standalone.listen.c_str(), pid,
              f.data_dir.c_str(), log.c_str());
  return 0;
}

int UpHa(LabFlags& f) {
  f.ha.data_dir = std::filesystem::absolute(f.data_dir).string();
  f.ha.drill_binary = SelfBinary();
  std::filesystem::create_directories(f.ha.data_dir + "/logs");
  if (auto stub = SupervisorStub(f.ha.data_dir)) {
    rec::StatusResponse s;
    if (SupervisorStatus(stub.get(), &s, 1000)) {
      std::fprintf(stderr, "lab up: a lab already runs on %s; `milvus-drill lab down` first\n", f.data_dir.c_str());
      return 1;
    }
  }
  ::unlink(lab::SupervisorAddressFile(f.ha.data_dir).c_str());
  std::string why;
  if (f.network == "netns" && !lab::NetnsAvailable(&why)) {
    std::fprintf(stderr, "lab up: --network netns: %s\n", why.c_str());
    return 1;
  }
  f.ha.network = f.network == "loopback" || (f.network == "auto" && !lab::NetnsAvailable(&why)) ? "loopback" : "netns";
  f.ha.network_reason = f.network == "loopback" ? "started with --network loopback" : why;
  if (f.ha.network == "netns") {
    if (std::string owner = lab::LabNetworkOwner(f.ha.base_port); !owner.empty()) {
      std::fprintf(stderr,
                   "lab up: ports %d+ are the running lab's at %s (its network namespaces have these names): "
                   "choose another --base-port, or `lab down` that lab first\n",
                   f.ha.base_port, owner.c_str());
      return 1;
    }
  }
  lab::SupervisorOptions so;
  so.topology = f.ha;
  if (f.foreground) return lab::RunSupervisor(so);  // supervise from this process until SIGTERM
  auto start = std::chrono::steady_clock::now();
  pid_t pid = Daemonize(f.ha.data_dir + "/logs/supervisor.log", [&] { return lab::RunSupervisor(so); });
  auto until = start + std::chrono::seconds(f.timeout_s);
  rec::StatusResponse s;
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < until && ::kill(pid, 0) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto stub = SupervisorStub(f.ha.data_dir);
    s.Clear();
    if (!stub || !SupervisorStatus(stub.get(), &s)) continue;
    int healthy = 0, active = 0;
    for (const auto& c : s.components()) {
      healthy += c.role() != "coordinator" && c.healthy();
      active += c.state() == "active";
    }
    int expected = f.ha.etcd + f.ha.querynodes + f.ha.proxies + (f.ha.proxies > 0 ? 1 : 0);
    ready = healthy == expected && active == 1 && (f.ha.proxies == 0 || ConnectOk(f.ha.front_door));
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!ready) {
    std::fprintf(stderr, "lab up: the lab did not become ready within %d s; logs in %s/logs\n", f.timeout_s,
                 f.ha.data_dir.c_str());
    if (auto stub = SupervisorStub(f.ha.data_dir)) {
      grpc::ClientContext ctx;
      rec::ShutdownResponse r;
      stub->Shutdown(&ctx, rec::ShutdownRequest(), &r);
    }
    return 1;
  }
  std::printf("lab up: ready in %.1f s (supervisor pid %d)\n", took, pid);
  PrintStatus(s);
  return 0;
}

int Down(const LabFlags& f) {
  if (auto stub = SupervisorStub(f.data_dir)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    rec::ShutdownResponse r;
    std::ifstream state(lab::StateFile(f.data_dir));
    auto j = nlohmann::json::parse(state, nullptr, false);
    pid_t sup = j.is_discarded() ? 0 : j.value("supervisor_pid", 0);
    if (stub->Shutdown(&ctx, rec::ShutdownRequest(), &r).ok()) {
      for (int i = 0; i < 300 && (PidAlive(sup) || std::filesystem::exists(lab::SupervisorAddressFile(f.data_dir))); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::printf("lab down: supervisor stopped every component\n");
      return 0;
    }
  }
  // A supervisor that died leaves its children: stop them by the pids it recorded.
  std::ifstream state(lab::StateFile(f.data_dir));
  auto j = nlohmann::json::parse(state, nullptr, false);
  if (!j.is_discarded() && j.contains("components")) {
    for (auto& c : j["components"])
      if (c["pid"].get<int>() > 0) ::kill(c["pid"].get<int>(), SIGKILL);
    // Not when another live lab has since built its network on the same range.
    if (j.contains("netns") && !j["netns"].empty() && lab::LabNetworkOwner(j.value("base_port", 0)).empty())
      lab::TearDownLabNetwork(j.value("base_port", 0), j["netns"].get<std::vector<std::string>>());
    ::unlink(lab::SupervisorAddressFile(f.data_dir).c_str());
    std::printf("lab down: killed the components recorded in %s\n", lab::StateFile(f.data_dir).c_str());
    return 0;
  }
  std::ifstream in(StandalonePid(f.data_dir));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0 || ::kill(pid, SIGTERM) != 0) {
    std::printf("lab down: nothing running from %s\n", f.data_dir.c_str());
    ::unlink(StandalonePid(f.data_dir).c_str());
    return 0;
  }
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  ::unlink(StandalonePid(f.data_dir).c_str());
  std::printf("lab down: stopped pid %d\n", pid);
  return 0;
}

int Status(const LabFlags& f) {
  auto stub = SupervisorStub(f.data_dir);
  rec::StatusResponse s;
  if (!stub || !SupervisorStatus(stub.get(), &s)) {
    std::fprintf(stderr, "lab status: no lab supervisor answers for %s\n", f.data_dir.c_str());
    return 1;
  }
  PrintStatus(s);
  PrintReplicas(s);
  return 0;
}

// Prints the last `lines` lines of a component's log, or lists the logs.
int Logs(const LabFlags& f, int lines) {
  std::string dir = f.data_dir + "/logs";
  if (!std::filesystem::is_directory(dir)) {
    std::string standalone = f.data_dir + "/standalone.log";
    if (!std::filesystem::exists(standalone)) {
      std::fprintf(stderr, "lab logs: no logs under %s\n", f.data_dir.c_str());
      return 1;
    }
    dir = f.data_dir;
  }
  if (f.component.empty()) {
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".log")
        std::printf("%-20s %10lld bytes  %s\n", e.path().stem().c_str(), static_cast<long long>(e.file_size()),
                    e.path().c_str());
    return 0;
  }
  std::ifstream in(dir + "/" + f.component + ".log");
  if (!in) {
    std::fprintf(stderr, "lab logs: no log for component '%s' in %s\n", f.component.c_str(), dir.c_str());
    return 1;
  }
  std::vector<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.erase(tail.begin());
  }
  for (const auto& l : tail) std::printf("%s\n", l.c_str());
  return 0;
}

int Fault(const LabFlags& f, const std::string& action) {
  auto stub = SupervisorStub(f.data_dir);
  if (!stub) {
    std::fprintf(stderr, "lab %s: no lab supervisor for %s\n", action.c_str(), f.data_dir.c_str());
    return 1;
  }
  int64_t ms = ParseDuration(f.duration);
  if (ms < 0) {
    std::fprintf(stderr, "lab %s: --for '%s' is not a duration (500ms, 5s, 2m)\n", action.c_str(), f.duration.c_str());
    return 2;
  }
  rec::FaultRequest req;
  req.set_action(action);
  req.set_selector(f.selector);
  req.set_mode(f.mode);
  req.set_duration_ms(ms);
  req.set_no_restart(f.no_restart);
  req.set_loss_pct(f.loss_pct);
  req.set_delay_ms(f.delay_ms);
  rec::FaultResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status g = stub->Fault(&ctx, req, &resp);
  if (!g.ok() || resp.status().code() != 0) {
    std::fprintf(stderr, "lab %s: %s\n", action.c_str(), g.ok() ? resp.status().reason().c_str() : g.error_message().c_str());
    return 1;
  }
  std::printf("lab %s: %s", action.c_str(), resp.fault_id().c_str());
  for (const auto& t : resp.targets()) std::printf(" %s", t.c_str());
  std::printf("\n");
  return 0;
}

}  // namespace

std::function<int()> AddLabCommands(CLI::App* app) {
  auto f = std::make_shared<LabFlags>();
  auto* lab_cmd = app->add_subcommand("lab", "run the Milvus-compatible lab on this machine");
  lab_cmd->require_subcommand(1);
  auto data_dir = [&](CLI::App* c) { c->add_option("--data-dir", f->data_dir, "the lab's data directory")->capture_default_str(); };

  auto* up = lab_cmd->add_subcommand("up", "start the lab and return once it serves");
  data_dir(up);
  up->add_option("--topology", f->topology, "standalone (one process) or ha (etcd, coordinators, query nodes, proxies, HAProxy)")
      ->capture_default_str()
      ->check(CLI::IsMember({"standalone", "ha"}));
  up->add_option("--listen", f->standalone.listen, "standalone: address of the Milvus API")->capture_default_str();
  up->add_flag("--auth", f->standalone.auth_enabled, "standalone: require user/password (root / Milvus)");
  up->add_flag("--foreground", f->foreground, "serve (standalone) or supervise (ha) in this process until SIGINT/SIGTERM");
  up->add_option("--segment-rows", f->standalone.collection.segment_max_rows, "rows at which a segment is sealed")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 26));
  up->add_option("--etcd", f->ha.etcd, "ha: etcd members")->capture_default_str()->check(CLI::Range(1, 7));
  up->add_option("--coordinators", f->ha.coordinators, "ha: coordinators")->capture_default_str()->check(CLI::Range(1, 5));
  up->add_option("--querynodes", f->ha.querynodes, "ha: query nodes")->capture_default_str()->check(CLI::Range(1, 8));
  up->add_option("--proxies", f->ha.proxies, "ha: proxies behind the front door")->capture_default_str()->check(CLI::Range(0, 8));
  up->add_option("--front-door", f->ha.front_door, "ha: address HAProxy listens on")->capture_default_str();
  up->add_option("--base-port", f->ha.base_port, "ha: first port of the lab's range")->capture_default_str();
  up->add_option("--lease-ttl", f->ha.lease_ttl_seconds, "ha: session and election lease TTL, seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 60));
  up->add_option("--restart-delay", f->ha.restart_delay_ms, "ha: ms before a dead component is restarted")
      ->capture_default_str();
  up->add_option("--graceful-time", f->ha.graceful_time_ms,
                 "ha: how stale a Bounded read may be, ms (Milvus common.gracefulTime)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  up->add_option("--log-poll", f->ha.log_poll_ms,
                 "ha: query nodes' idle log poll, ms (bounds how stale an Eventually read is)")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  up->add_option("--timeout", f->timeout_s, "seconds to wait for the lab to serve")->capture_default_str();
  up->add_option("--network", f->network,
                 "ha: netns (a network namespace per component, needs root; partitions work), loopback, or auto "
                 "(netns when possible)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "netns", "loopback"}));

  auto* down = lab_cmd->add_subcommand("down", "stop everything `lab up` started");
  data_dir(down);
  auto* status = lab_cmd->add_subcommand("status", "components, roles, pids, health, restarts");
  data_dir(status);
  auto* logs = lab_cmd->add_subcommand("logs", "list the components' logs, or print the end of one");
  data_dir(logs);
  auto log_lines = std::make_shared<int>(50);
  logs->add_option("component", f->component, "a component name from `lab status` (e.g. coordinator-0)");
  logs->add_option("-n,--lines", *log_lines, "how many lines from the end")->capture_default_str();
  std::vector<std::pair<std::string, CLI::App*>> faults;
  const std::map<std::string, std::string> fault_help = {
      {"kill", "SIGKILL components (restarted after the delay)"},
      {"pause", "SIGSTOP components until --for ends"},
      {"partition", "cut components off from everything, both ways, etcd included, until --for ends"},
      {"loss", "drop --loss percent of the packets to and from components until --for ends"},
      {"delay", "delay every packet to and from components by --delay ms until --for ends"},
      {"heal", "undo every fault now"}};
  for (const char* action : {"kill", "pause", "partition", "loss", "delay", "heal"}) {
    auto* c = lab_cmd->add_subcommand(action, fault_help.at(action));
    data_dir(c);
    if (std::string(action) != "heal") {
      c->add_option("-l,--selector", f->selector, "label selector, e.g. app=milvus-rootcoord")->required();
      c->add_option("--mode", f->mode, "one | all | N | active | standby")->capture_default_str();
      c->add_option("--for", f->duration, "the fault's lifetime (pause; kill with --no-restart)")->capture_default_str();
    }
    if (std::string(action) == "kill") c->add_flag("--no-restart", f->no_restart, "keep it down until --for ends");
    if (std::string(action) == "loss")
      c->add_option("--loss", f->loss_pct, "percent of packets dropped")->required()->check(CLI::Range(1, 100));
    if (std::string(action) == "delay")
      c->add_option("--delay", f->delay_ms, "milliseconds added to every packet")->required()->check(CLI::Range(1, 60000));
    faults.emplace_back(action, c);
  }

  auto* comp = lab_cmd->add_subcommand("component", "run one lab component in the foreground (the supervisor does)");
  comp->require_subcommand(1);
  auto* coord = comp->add_subcommand("coordinator", "active/standby coordinator (TSO, ids)");
  coord->add_option("--id", f->coord.id, "this coordinator's name")->capture_default_str();
  coord->add_option("--listen", f->coord.listen, "address of its control API")->capture_default_str();
  coord->add_option("--etcd", f->etcd_list, "comma-separated etcd client endpoints")->required();
  coord->add_option("--lease-ttl", f->coord.lease_ttl_seconds, "election lease TTL, seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 60));
  coord->add_option("--storage", f->coord.storage_dir, "shared storage directory for large log records")->required();
  auto* qn = comp->add_subcommand("querynode", "query node: follows the log, serves reads");
  qn->add_option("--id", f->qn.id, "this query node's name")->capture_default_str();
  qn->add_option("--node-id", f->qn.node_id, "numeric node id (GetReplicas)")->capture_default_str();
  qn->add_option("--listen", f->qn.listen, "address of its Milvus API")->capture_default_str();
  qn->add_option("--etcd", f->etcd_list, "comma-separated etcd client endpoints")->required();
  qn->add_option("--lease-ttl", f->qn.lease_ttl_seconds, "session lease TTL, seconds")->capture_default_str();
  qn->add_option("--graceful-time", f->qn.graceful_time_ms, "Bounded consistency staleness, ms")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  qn->add_option("--log-poll", f->qn.log_poll_ms, "idle log poll, ms")->capture_default_str()->check(CLI::Range(1, 60000));
  auto* px = comp->add_subcommand("proxy", "proxy: the Milvus API, routing writes and reads");
  px->add_option("--id", f->proxy.id, "this proxy's name")->capture_default_str();
  px->add_option("--listen", f->proxy.listen, "address of its Milvus API")->capture_default_str();
  px->add_option("--etcd", f->etcd_list, "comma-separated etcd client endpoints")->required();
  px->add_option("--lease-ttl", f->proxy.lease_ttl_seconds, "session lease TTL, seconds")->capture_default_str();

  return [=]() -> int {
    if (up->parsed()) return f->topology == "ha" ? UpHa(*f) : UpStandalone(*f);
    if (down->parsed()) return Down(*f);
    if (status->parsed()) return Status(*f);
    if (logs->parsed()) return Logs(*f, *log_lines);
    for (const auto& [action, c] : faults)
      if (c->parsed()) return Fault(*f, action);
    if (coord->parsed()) {
      f->coord.etcd = SplitList(f->etcd_list);
      return lab::RunCoordinator(f->coord);
    }
    if (qn->parsed()) {
      f->qn.etcd = SplitList(f->etcd_list);
      return lab::RunQueryNode(f->qn);
    }
    if (px->parsed()) {
      f->proxy.etcd = SplitList(f->etcd_list);
      return lab::RunProxy(f->proxy);
    }
    return -1;
  };
}

}  // namespace mdrill::cli
