// milvus-drill: failover verification for Milvus, and a Milvus-compatible lab.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/demo.h"
#include "lab/coordinator.h"
#include "lab/standalone.h"
#include "milvus/client.h"

namespace {

using namespace mdrill;

struct UpFlags {
  std::string topology = "standalone";
  lab::StandaloneOptions standalone;
  bool foreground = false;
  int timeout_s = 20;
};

std::string PidFile(const std::string& dir) { return dir + "/standalone.pid"; }

// Waits until the endpoint answers Connect, or the child exits, or the timeout.
bool WaitServing(const std::string& address, pid_t child, int timeout_s) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < until) {
    if (child > 0 && ::kill(child, 0) != 0) return false;
    mdrill::milvus::MilvusClient c;
    mdrill::milvus::ConnectOptions o;
    o.address = address;
    Status s = c.Connect(o, mdrill::milvus::Deadline(500));
    if (s.ok() || (s.IsTransport() && s.transport_code() == grpc::StatusCode::UNAUTHENTICATED)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int LabUp(const UpFlags& f) {
  if (f.topology != "standalone") {
    std::fprintf(stderr, "lab up: topology '%s' is not available yet; use --topology standalone\n", f.topology.c_str());
    return 2;
  }
  if (f.foreground) return lab::RunStandalone(f.standalone);
  ::mkdir(f.standalone.data_dir.c_str(), 0755);
  std::ifstream old(PidFile(f.standalone.data_dir));
  pid_t old_pid = 0;
  if (old >> old_pid && old_pid > 0 && ::kill(old_pid, 0) == 0) {
    std::fprintf(stderr, "lab up: a standalone server (pid %d) already runs on %s; `milvus-drill lab down` first\n",
                 old_pid, f.standalone.data_dir.c_str());
    return 1;
  }
  std::string log = f.standalone.data_dir + "/standalone.log";
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }
  if (pid == 0) {
    ::setsid();
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::ofstream(PidFile(f.standalone.data_dir)) << ::getpid() << "\n";
    ::_exit(lab::RunStandalone(f.standalone));
  }
  if (!WaitServing(f.standalone.listen, pid, f.timeout_s)) {
    std::fprintf(stderr, "lab up: the server did not come up within %d s; see %s\n", f.timeout_s, log.c_str());
    ::kill(pid, SIGKILL);
    return 1;
  }
  std::printf("lab up: standalone serving on %s\n  pid   %d\n  data  %s\n  log   %s\n", f.standalone.listen.c_str(), pid,
              f.standalone.data_dir.c_str(), log.c_str());
  return 0;
}

int LabDown(const std::string& dir) {
  std::ifstream in(PidFile(dir));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) {
    std::printf("lab down: nothing recorded as running in %s\n", dir.c_str());
    return 0;
  }
  if (::kill(pid, SIGTERM) != 0) {
    std::printf("lab down: pid %d is not running\n", pid);
    ::unlink(PidFile(dir).c_str());
    return 0;
  }
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  ::unlink(PidFile(dir).c_str());
  std::printf("lab down: stopped pid %d\n", pid);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"milvus-drill: failover verification for Milvus, and a Milvus-compatible lab"};
  app.require_subcommand(1);

  auto* lab_cmd = app.add_subcommand("lab", "run the Milvus-compatible lab on this machine");
  lab_cmd->require_subcommand(1);
  UpFlags up;
  auto* up_cmd = lab_cmd->add_subcommand("up", "start the lab and return once it serves");
  up_cmd->add_option("--topology", up.topology, "standalone (one process)")->capture_default_str();
  up_cmd->add_option("--listen", up.standalone.listen, "address to serve the Milvus API on")->capture_default_str();
  up_cmd->add_option("--data-dir", up.standalone.data_dir, "where data and logs live")->capture_default_str();
  up_cmd->add_flag("--auth", up.standalone.auth_enabled, "require user/password (root / Milvus)");
  up_cmd->add_flag("--foreground", up.foreground, "serve in this process until SIGINT/SIGTERM");
  up_cmd->add_option("--segment-rows", up.standalone.collection.segment_max_rows,
                     "rows at which a growing segment is sealed and indexed")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 26));
  up_cmd->add_option("--timeout", up.timeout_s, "seconds to wait for the lab to serve")->capture_default_str();
  std::string down_dir = up.standalone.data_dir;
  auto* down_cmd = lab_cmd->add_subcommand("down", "stop what `lab up` started");
  down_cmd->add_option("--data-dir", down_dir, "the data directory given to lab up")->capture_default_str();

  // One component of the HA lab, in the foreground (what the lab's supervisor runs).
  auto* comp_cmd = lab_cmd->add_subcommand("component", "run one lab component in the foreground");
  comp_cmd->require_subcommand(1);
  lab::CoordinatorOptions coord;
  std::string coord_etcd;
  auto* coord_cmd = comp_cmd->add_subcommand("coordinator", "active/standby coordinator (TSO, ids)");
  coord_cmd->add_option("--id", coord.id, "this coordinator's name")->capture_default_str();
  coord_cmd->add_option("--listen", coord.listen, "address of its control API")->capture_default_str();
  coord_cmd->add_option("--etcd", coord_etcd, "comma-separated etcd client endpoints")->required();
  coord_cmd->add_option("--lease-ttl", coord.lease_ttl_seconds, "election lease TTL in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 60));

  cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "run a short create/insert/index/load/search/query flow");
  demo_cmd->add_option("--uri", demo.connect.address, "host:port of the Milvus endpoint")->capture_default_str();
  demo_cmd->add_option("--user", demo.connect.user, "user name");
  demo_cmd->add_option("--password", demo.connect.password, "password");
  demo_cmd->add_option("--rows", demo.rows, "rows to insert")->capture_default_str()->check(CLI::Range(10, 1000000));

  app.add_subcommand("version", "print the version")->callback([] { std::printf("milvus-drill 0.1.0\n"); });

  CLI11_PARSE(app, argc, argv);
  if (up_cmd->parsed()) return LabUp(up);
  if (down_cmd->parsed()) return LabDown(down_dir);
  if (demo_cmd->parsed()) return cli::RunDemo(demo);
  if (coord_cmd->parsed()) {
    std::stringstream ss(coord_etcd);
    for (std::string e; std::getline(ss, e, ',');)
      if (!e.empty()) coord.etcd.push_back(e);
    return lab::RunCoordinator(coord);
  }
  return 0;
}
