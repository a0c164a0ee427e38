#include "cli/lab_cmd.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/lab_actions.h"
#include "lab/server/deliberate_bug.h"

namespace mdrill::cli {

namespace {

// The commands `lab` has, as AddLabCommands wires them; null until added.
struct LabCommands {
  CLI::App* up = nullptr;
  CLI::App* down = nullptr;
  CLI::App* status = nullptr;
  CLI::App* logs = nullptr;
  CLI::App* repair = nullptr;
  std::vector<std::pair<std::string, CLI::App*>> faults;  // action, command
  CLI::App* coord = nullptr;
  CLI::App* qn = nullptr;
  CLI::App* proxy = nullptr;
};

void AddDataDir(CLI::App* c, LabFlags* f) {
  c->add_option("--data-dir", f->data_dir, "the lab's data directory")->capture_default_str();
}

CLI::App* AddUpCommand(CLI::App* lab_cmd, LabFlags* f) {
  auto* up = lab_cmd->add_subcommand("up", "start the lab and return once it serves");
  AddDataDir(up, f);
  up->add_option("--topology", f->topology,
                 "standalone (one process) or ha (etcd, coordinators, query nodes, proxies, HAProxy)")
      ->capture_default_str()
      ->check(CLI::IsMember({"standalone", "ha"}));
  up->add_option("--listen", f->standalone.listen, "standalone: address of the Milvus API")->capture_default_str();
  up->add_flag("--auth", f->auth,
               "check every request's user and password (root / Milvus until changed, users managed as upstream)");
  up->add_flag("--tls", f->tls,
               "serve clients over TLS with a self-signed certificate made in DATA_DIR/tls (clients: --tls --ca "
               "DATA_DIR/tls/server.pem)");
  up->add_flag("--foreground", f->foreground,
               "serve (standalone) or supervise (ha) in this process until SIGINT/SIGTERM");
  up->add_option("--segment-rows", f->standalone.collection.segment_max_rows, "rows at which a segment is sealed")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 26));
  up->add_option("--etcd", f->ha.etcd, "ha: etcd members")->capture_default_str()->check(CLI::Range(1, 7));
  up->add_option("--etcd-quota-bytes", f->ha.etcd_quota_bytes,
                 "ha: etcd's space quota (--quota-backend-bytes); writes are refused beyond it")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1} << 20, int64_t{8} << 30));
  up->add_option("--coordinators", f->ha.coordinators, "ha: coordinators")
      ->capture_default_str()
      ->check(CLI::Range(1, 5));
  up->add_option("--querynodes", f->ha.querynodes, "ha: query nodes")->capture_default_str()->check(CLI::Range(1, 8));
  up->add_option("--proxies", f->ha.proxies, "ha: proxies behind the front door")
      ->capture_default_str()
      ->check(CLI::Range(0, 8));
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
                 "ha: query nodes' idle log poll besides the log's watch, ms (without the watch, how stale an "
                 "Eventually read may be)")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  up->add_flag("--no-log-watch{false}", f->ha.log_watch,
               "ha: query nodes read the log only every --log-poll ms and when a read needs it");
  up->add_option("--timeout", f->timeout_s, "seconds to wait for the lab to serve")->capture_default_str();
  up->add_option("--network", f->network,
                 "ha: netns (a network namespace per component, needs root; partitions work), loopback, or auto "
                 "(netns when possible)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "netns", "loopback"}));
  up->add_option("--deliberate-bug", f->deliberate_bug,
                 "for testing the drill only: lose-inserts, duplicate-inserts, ignore-deletes, ignore-upserts, "
                 "ignore-drops (comma-separated): every 10th such write misbehaves, and the server logs what")
      ->check([](const std::string& v) {
        bool on[static_cast<int>(lab::Bug::kCount)] = {};
        std::string bad;
        return lab::DeliberateBugs::Parse(v, on, &bad) ? std::string() : "unknown deliberate bug '" + bad + "'";
      });
  return up;
}

// `down`, `status` and `logs`.
void AddInspectCommands(CLI::App* lab_cmd, LabFlags* f, LabCommands* cmds) {
  cmds->down = lab_cmd->add_subcommand("down", "stop everything `lab up` started");
  AddDataDir(cmds->down, f);
  cmds->status = lab_cmd->add_subcommand("status", "components, roles, pids, health, restarts");
  AddDataDir(cmds->status, f);
  cmds->logs = lab_cmd->add_subcommand("logs", "list the components' logs, or print the end of one");
  AddDataDir(cmds->logs, f);
  cmds->logs->add_option("component", f->component, "a component name from `lab status` (e.g. coordinator-0)");
  cmds->logs->add_option("-n,--lines", f->log_lines, "how many lines from the end")->capture_default_str();
  cmds->repair = lab_cmd->add_subcommand(
      "repair-wal", "cut a damaged write-ahead log at a record boundary the server named (drops what follows)");
  cmds->repair->add_option("--wal", f->wal_path, "the log, e.g. DATA_DIR/wal.log")->required();
  cmds->repair->add_option("--truncate-at", f->truncate_at, "the byte offset the server's error named")->required();
}

// `kill`, `pause`, `partition`, `loss`, `delay` and `heal`.
void AddFaultCommands(CLI::App* lab_cmd, LabFlags* f, LabCommands* cmds) {
  const std::map<std::string, std::string> fault_help = {
      {"kill", "SIGKILL components (restarted after the delay)"},
      {"pause", "SIGSTOP components until --for ends"},
      {"partition", "cut components off from everything, both ways, etcd included, until --for ends"},
      {"loss", "drop --loss percent of the packets to and from components until --for ends"},
      {"delay", "delay every packet to and from components by --delay ms until --for ends"},
      {"heal", "undo every fault now (or, with --id, one)"}};
  for (const char* action : {"kill", "pause", "partition", "loss", "delay", "heal"}) {
    auto* c = lab_cmd->add_subcommand(action, fault_help.at(action));
    AddDataDir(c, f);
    if (std::string(action) != "heal") {
      c->add_option("-l,--selector", f->selector, "label selector, e.g. app=milvus-rootcoord")->required();
      c->add_option("--mode", f->mode, "one | all | N | active | standby")->capture_default_str();
      c->add_option("--for", f->duration, "the fault's lifetime (pause; kill with --no-restart)")
          ->capture_default_str();
    }
    c->add_option(
        "--id", f->fault_id,
        std::string(action) == "heal" ? "undo only the fault of this id" : "the fault's id (default: made up)");
    if (std::string(action) == "kill") c->add_flag("--no-restart", f->no_restart, "keep it down until --for ends");
    if (std::string(action) == "loss")
      c->add_option("--loss", f->loss_pct, "percent of packets dropped")->required()->check(CLI::Range(1, 100));
    if (std::string(action) == "delay")
      c->add_option("--delay", f->delay_ms, "milliseconds added to every packet")
          ->required()
          ->check(CLI::Range(1, 60000));
    cmds->faults.emplace_back(action, c);
  }
}

// `component coordinator|querynode|proxy`: what the supervisor runs.
void AddComponentCommands(CLI::App* lab_cmd, LabFlags* f, LabCommands* cmds) {
  auto* comp = lab_cmd->add_subcommand("component", "run one lab component in the foreground (the supervisor does)");
  comp->require_subcommand(1);
  auto* coord = cmds->coord = comp->add_subcommand("coordinator", "active/standby coordinator (TSO, ids)");
  coord->add_option("--id", f->coord.id, "this coordinator's name")->capture_default_str();
  coord->add_option("--listen", f->coord.listen, "address of its control API")->capture_default_str();
  coord->add_option("--etcd", f->etcd_list, "comma-separated etcd client endpoints")->required();
  coord->add_option("--lease-ttl", f->coord.lease_ttl_seconds, "election lease TTL, seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 60));
  coord->add_option("--storage", f->coord.storage_dir, "shared storage directory for large log records")->required();
  auto* qn = cmds->qn = comp->add_subcommand("querynode", "query node: follows the log, serves reads");
  qn->add_option("--id", f->qn.id, "this query node's name")->capture_default_str();
  qn->add_option("--node-id", f->qn.node_id, "numeric node id (GetReplicas)")->capture_default_str();
  qn->add_option("--listen", f->qn.listen, "address of its Milvus API")->capture_default_str();
  qn->add_option("--etcd", f->etcd_list, "comma-separated etcd client endpoints")->required();
  qn->add_option("--lease-ttl", f->qn.lease_ttl_seconds, "session lease TTL, seconds")->capture_default_str();
  qn->add_option("--graceful-time", f->qn.graceful_time_ms, "Bounded consistency staleness, ms")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  qn->add_option("--log-poll", f->qn.log_poll_ms, "idle log poll besides the watch, ms")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  qn->add_flag("--no-log-watch{false}", f->qn.log_watch, "read the log only every --log-poll ms and when needed");
  qn->add_option("--storage", f->qn.storage_dir, "the lab's storage directory: segment indexes built once, shared");
  auto* px = cmds->proxy = comp->add_subcommand("proxy", "proxy: the Milvus API, routing writes and reads");
  px->add_option("--id", f->proxy.id, "this proxy's name")->capture_default_str();
  px->add_option("--listen", f->proxy.listen, "address of its Milvus API")->capture_default_str();
  px->add_option("--etcd", f->etcd_list, "comma-separated etcd client endpoints")->required();
  px->add_option("--lease-ttl", f->proxy.lease_ttl_seconds, "session lease TTL, seconds")->capture_default_str();
  px->add_flag("--auth", f->proxy.auth_enabled, "check every caller's user and password");
  px->add_option("--tls-cert", f->proxy.tls_cert_file, "serve TLS with this certificate (PEM)");
  px->add_option("--tls-key", f->proxy.tls_key_file, "and this private key (PEM)");
}

// Runs whichever command of `cmds` was parsed; -1 when none was.
int RunParsed(const LabCommands& cmds, LabFlags& f) {
  if (cmds.up->parsed()) {
    // The components inherit it from the supervisor (lab/server/deliberate_bug.h).
    if (!f.deliberate_bug.empty()) ::setenv("MDRILL_DELIBERATE_BUG", f.deliberate_bug.c_str(), 1);
    return f.topology == "ha" ? UpHa(f) : UpStandalone(f);
  }
  if (cmds.down->parsed()) return Down(f);
  if (cmds.status->parsed()) return LabStatus(f);
  if (cmds.logs->parsed()) return Logs(f);
  if (cmds.repair->parsed()) return RepairWal(f);
  for (const auto& [action, c] : cmds.faults)
    if (c->parsed()) return Fault(f, action);
  if (cmds.coord->parsed()) {
    f.coord.etcd = SplitList(f.etcd_list);
    return lab::RunCoordinator(f.coord);
  }
  if (cmds.qn->parsed()) {
    f.qn.etcd = SplitList(f.etcd_list);
    return lab::RunQueryNode(f.qn);
  }
  if (cmds.proxy->parsed()) {
    f.proxy.etcd = SplitList(f.etcd_list);
    return lab::RunProxy(f.proxy);
  }
  return -1;
}

}  // namespace

std::function<int()> AddLabCommands(CLI::App* app) {
  auto f = std::make_shared<LabFlags>();
  auto cmds = std::make_shared<LabCommands>();
  auto* lab_cmd = app->add_subcommand("lab", "run the Milvus-compatible lab on this machine");
  lab_cmd->require_subcommand(1);
  cmds->up = AddUpCommand(lab_cmd, f.get());
  AddInspectCommands(lab_cmd, f.get(), cmds.get());
  AddFaultCommands(lab_cmd, f.get(), cmds.get());
  AddComponentCommands(lab_cmd, f.get(), cmds.get());
  return [f, cmds]() -> int { return RunParsed(*cmds, *f); };
}

}  // namespace mdrill::cli
