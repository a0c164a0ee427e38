#include "cli/lab_actions.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lab.grpc.pb.h"
#include "lab/server/tls_cert.h"
#include "lab/server/wal.h"
#include "lab/supervisor/netlab.h"
#include "lab/supervisor/supervisor.h"
#include "milvus/client.h"
#include "util/durations.h"
#include "util/subprocess.h"

namespace mdrill::cli {

namespace {

namespace rec = ::milvusdrill::lab;

std::string StandalonePid(const std::string& dir) { return dir + "/standalone.pid"; }

std::string SelfBinary() { return SelfExecutable(); }

std::unique_ptr<rec::Supervisor::Stub> SupervisorStub(const std::string& dir) {
  auto stub = lab::ConnectSupervisor(dir);
  return stub.ok() ? std::move(stub.value()) : nullptr;
}

bool SupervisorStatus(rec::Supervisor::Stub* stub, rec::StatusResponse* resp, int ms = 5000) {
  auto s = lab::SupervisorStatus(stub, std::chrono::milliseconds(ms));
  if (s.ok()) *resp = std::move(s.value());
  return s.ok();
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
  if (!s.etcd_alarm().empty())
    std::printf("etcd alarm: %s (writes refused: database space exceeded)\n", s.etcd_alarm().c_str());
  std::printf(
      "etcd endpoints: %s\ndata: %s\nnetwork: %s\n", s.etcd_endpoints().c_str(), s.data_dir().c_str(),
      s.network() == "netns" ? "a network namespace per component (partitions available)" : "loopback (no partitions)");
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
  Status connected = client.Connect(o, milvus::Deadline(2000));
  if (!connected.ok() && std::filesystem::exists(lab::LabCertificateFiles(s.data_dir()).cert)) {
    o.tls = true;  // a lab started with --tls
    o.ca_file = lab::LabCertificateFiles(s.data_dir()).cert;
    connected = client.Connect(o, milvus::Deadline(2000));
  }
  if (connected.IsTransport() && connected.transport_code() == grpc::StatusCode::UNAUTHENTICATED) {
    std::printf("replicas: not shown, the front door %s asks for a password (lab up --auth)\n", front.c_str());
    return;
  }
  auto collections = connected.ok() ? client.ListCollections(milvus::Deadline(2000))
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

// This process's own command line (/proc/self/cmdline).
std::vector<std::string> OwnArgv() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  return argv;
}

// Starts this same command again with --foreground, in its own session with output
// to `log`; returns its pid. A fresh exec, not a fork that goes on running here: a
// forked child inherits gRPC's state without its threads (timers, pollers), and
// this process may have used gRPC already (asking whether a lab runs), after which
// the child's calls would never time out.
pid_t Daemonize(const std::string& log) {
  std::vector<std::string> argv = OwnArgv();
  argv.push_back("--foreground");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string self = SelfBinary();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::execv(self.c_str(), args.data());
  ::_exit(127);
}

// `ca`: the lab's certificate when it serves TLS, else empty.
bool ConnectOk(const std::string& address, const std::string& ca = "") {
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = address;
  o.tls = !ca.empty();
  o.ca_file = ca;
  Status s = c.Connect(o, milvus::Deadline(500));
  return s.ok() || (s.IsTransport() && s.transport_code() == grpc::StatusCode::UNAUTHENTICATED);
}

// An outgoing connection's local end may take any port of the kernel's ephemeral
// range at any moment; a component restarted onto such a port cannot listen again.
void WarnOfEphemeralPorts(const lab::TopologyOptions& t) {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (!(in >> low >> high)) return;
  const int last = t.base_port + 2 * t.etcd + t.coordinators + t.querynodes + t.proxies - 1;
  if (last < low || t.base_port > high) return;
  std::fprintf(stderr,
               "lab up: warning: ports %d-%d overlap the kernel's ephemeral range %d-%d; an outgoing "
               "connection may take one and a restarted component then cannot listen (choose a --base-port "
               "below %d)\n",
               t.base_port, last, low, high, low);
}

}  // namespace

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string e; std::getline(ss, e, ',');)
    if (!e.empty()) out.push_back(e);
  return out;
}

int UpStandalone(LabFlags& f) {
  f.standalone.data_dir = f.data_dir;
  f.standalone.auth_enabled = f.auth;
  if (f.tls) {
    auto files = lab::EnsureLabCertificate(f.data_dir, {f.standalone.listen.substr(0, f.standalone.listen.rfind(':'))});
    if (!files.ok()) {
      std::fprintf(stderr, "lab up: %s\n", files.status().reason().c_str());
      return 1;
    }
    f.standalone.tls_cert_file = files->cert;
    f.standalone.tls_key_file = files->key;
  }
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
  pid_t pid = Daemonize(log);
  if (pid > 0) std::ofstream(StandalonePid(f.data_dir)) << pid << "\n";
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(f.timeout_s);
  const std::string& ca = f.standalone.tls_cert_file;
  while (std::chrono::steady_clock::now() < until && ::kill(pid, 0) == 0 && !ConnectOk(f.standalone.listen, ca))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!ConnectOk(f.standalone.listen, ca)) {
    std::fprintf(stderr, "lab up: the server did not come up within %d s; see %s\n", f.timeout_s, log.c_str());
    ::kill(pid, SIGKILL);
    return 1;
  }
  std::printf("lab up: standalone serving on %s%s\n  pid   %d\n  data  %s\n  log   %s\n", f.standalone.listen.c_str(),
              f.auth ? " (authentication on: root / Milvus until changed)" : "", pid, f.data_dir.c_str(), log.c_str());
  if (f.tls) std::printf("  tls   clients connect with --tls --ca %s\n", ca.c_str());
  return 0;
}

int UpHa(LabFlags& f) {
  f.ha.data_dir = std::filesystem::absolute(f.data_dir).string();
  f.ha.drill_binary = SelfBinary();
  f.ha.auth_enabled = f.auth;
  if (f.tls) {
    auto files = lab::EnsureLabCertificate(f.ha.data_dir, {f.ha.front_door.substr(0, f.ha.front_door.rfind(':'))});
    if (!files.ok()) {
      std::fprintf(stderr, "lab up: %s\n", files.status().reason().c_str());
      return 1;
    }
    f.ha.tls_cert_file = files->cert;
    f.ha.tls_key_file = files->key;
  }
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
  WarnOfEphemeralPorts(f.ha);
  lab::SupervisorOptions so;
  so.topology = f.ha;
  if (f.foreground) return lab::RunSupervisor(so);  // supervise from this process until SIGTERM
  auto start = std::chrono::steady_clock::now();
  pid_t pid = Daemonize(f.ha.data_dir + "/logs/supervisor.log");
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
    ready = healthy == expected && active == 1 && (f.ha.proxies == 0 || ConnectOk(f.ha.front_door, f.ha.tls_cert_file));
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
  if (f.tls) std::printf("TLS: clients connect with --tls --ca %s\n", f.ha.tls_cert_file.c_str());
  PrintStatus(s);
  return 0;
}

int DownChecked(const LabFlags& f);

// `state.json` is written by the supervisor, but a disk or a person may damage it: a
// field of the wrong type is a clear error, not an uncaught exception.
int Down(const LabFlags& f) {
  try {
    return DownChecked(f);
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "lab down: %s is damaged (%s); nothing was killed\n", lab::StateFile(f.data_dir).c_str(),
                 e.what());
    return 1;
  }
}

int DownChecked(const LabFlags& f) {
  if (auto stub = SupervisorStub(f.data_dir)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    rec::ShutdownResponse r;
    std::ifstream state(lab::StateFile(f.data_dir));
    auto j = nlohmann::json::parse(state, nullptr, false);
    pid_t sup = j.is_discarded() ? 0 : j.value("supervisor_pid", 0);
    if (stub->Shutdown(&ctx, rec::ShutdownRequest(), &r).ok()) {
      for (int i = 0; i < 300 && (PidAlive(sup) || std::filesystem::exists(lab::SupervisorAddressFile(f.data_dir)));
           ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::printf("lab down: supervisor stopped every component\n");
      return 0;
    }
  }
  // A supervisor that died leaves its children: stop them by the pids it recorded.
  std::ifstream state(lab::StateFile(f.data_dir));
  auto j = nlohmann::json::parse(state, nullptr, false);
  if (!j.is_discarded() && j.contains("components")) {
    // Only a process that is still the one recorded (same pid, same start time): a
    // pid reused since then belongs to someone else.
    int killed = 0, gone = 0;
    for (auto& c : j["components"]) {
      if (!c.is_object()) continue;
      const pid_t pid = c.value("pid", 0);
      const int64_t start = c.value("start", int64_t{-1});
      if (pid <= 0) continue;
      if (start < 0 || !PidAlive(pid) || ProcessStartTicks(pid) != start) {
        ++gone;
        continue;
      }
      ::kill(pid, SIGKILL);
      ++killed;
    }
    std::printf("lab down: %d recorded components still running were killed, %d were gone\n", killed, gone);
    // Not when another live lab has since built its network on the same range.
    if (j.contains("netns") && !j["netns"].empty() && lab::LabNetworkOwner(j.value("base_port", 0)).empty())
      lab::TearDownLabNetwork(j.value("base_port", 0), j["netns"].get<std::vector<std::string>>());
    ::unlink(lab::SupervisorAddressFile(f.data_dir).c_str());
    // Stopped on purpose: the next `lab up` counts restarts from zero.
    j["stopped"] = true;
    std::ofstream(lab::StateFile(f.data_dir)) << j.dump(2) << "\n";
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

int LabStatus(const LabFlags& f) {
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

int Logs(const LabFlags& f) {
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
    if (static_cast<int>(tail.size()) > f.log_lines) tail.erase(tail.begin());
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
  auto ms = ParseDurationMs(f.duration);
  if (!ms.ok()) {
    std::fprintf(stderr, "lab %s: --for %s\n", action.c_str(), ms.status().reason().c_str());
    return 2;
  }
  rec::FaultRequest req;
  req.set_action(action);
  req.set_selector(f.selector);
  req.set_mode(f.mode);
  req.set_duration_ms(ms.value());
  req.set_no_restart(f.no_restart);
  req.set_loss_pct(f.loss_pct);
  req.set_delay_ms(f.delay_ms);
  req.set_fault_id(f.fault_id);
  rec::FaultResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status g = stub->Fault(&ctx, req, &resp);
  if (!g.ok() || resp.status().code() != 0) {
    std::fprintf(stderr, "lab %s: %s\n", action.c_str(),
                 g.ok() ? resp.status().reason().c_str() : g.error_message().c_str());
    return 1;
  }
  std::printf("lab %s: %s", action.c_str(), resp.fault_id().c_str());
  for (const auto& t : resp.targets()) std::printf(" %s", t.c_str());
  std::printf("\n");
  return 0;
}

int RepairWal(const LabFlags& f) {
  auto dropped = lab::Wal::RepairTruncate(f.wal_path, f.truncate_at);
  if (!dropped.ok()) {
    std::fprintf(stderr, "repair-wal: %s\n", dropped.status().reason().c_str());
    return 1;
  }
  std::printf("%s cut at byte %llu: %llu bytes after it dropped\n", f.wal_path.c_str(),
              static_cast<unsigned long long>(f.truncate_at), static_cast<unsigned long long>(dropped.value()));
  return 0;
}

}  // namespace mdrill::cli
