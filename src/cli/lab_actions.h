// What the `milvus-drill lab ...` commands do, apart from their flag definitions
// (lab_cmd.cc). Each function prints what it did to stdout, why it failed to stderr,
// and returns the command's exit code. Not thread-safe: one command per process.
#pragma once

#include <string>
#include <vector>

#include "lab/ha/coordinator.h"
#include "lab/ha/proxy.h"
#include "lab/ha/querynode.h"
#include "lab/server/standalone.h"
#include "lab/supervisor/topology.h"

namespace mdrill::cli {

// Every `lab` flag. Defaults are the option structs' own; the lab's data directory
// is lab::TopologyOptions's, for every topology and command.
struct LabFlags {
  std::string topology = "ha";
  std::string data_dir = lab::TopologyOptions{}.data_dir;
  lab::StandaloneOptions standalone;  // data_dir is taken from `data_dir`
  lab::TopologyOptions ha;            // data_dir is taken from `data_dir`
  bool foreground = false;
  bool auth = false;           // both topologies: check every request's user and password
  bool tls = false;            // both topologies: serve clients over TLS (lab/server/tls_cert.h)
  std::string deliberate_bug;  // lab/server/deliberate_bug.h; testing only
  int timeout_s = 20;
  // faults
  std::string selector, mode = "one", duration = "0s";
  std::string fault_id;  // --id
  bool no_restart = false;
  int loss_pct = 0, delay_ms = 0;
  std::string network = "auto";
  // logs
  std::string component;
  int log_lines = 50;
  // repair-wal
  std::string wal_path;
  uint64_t truncate_at = 0;
  // components (their etcd endpoints come comma-separated in `etcd_list`)
  lab::CoordinatorOptions coord;
  lab::QueryNodeOptions qn;
  lab::ProxyOptions proxy;
  std::string etcd_list;
};

// `lab repair-wal`: cuts the log at --truncate-at when that is the end of an intact
// record, saying how many bytes it dropped; 0 done, 1 refused (nothing changed).
int RepairWal(const LabFlags& f);

// `lab up --topology standalone`: one server process, daemonized (or in this process
// with --foreground); 0 once it answers, 1 when one already runs on the data
// directory or it does not answer within --timeout (it is then killed).
int UpStandalone(LabFlags& f);

// `lab up --topology ha`: the supervisor, daemonized (or in this process with
// --foreground); 0 once every component is healthy and one coordinator active, 1
// when a lab already runs there, the network cannot be set up, or it is not ready
// within --timeout (it is then shut down).
int UpHa(LabFlags& f);

// `lab down`: asks the supervisor to stop everything; when none answers, kills the
// components it recorded (by pid), else stops a standalone server. 0 also when
// nothing ran.
int Down(const LabFlags& f);

// `lab status`: components, then replica placement; 1 when no supervisor answers.
int LabStatus(const LabFlags& f);

// `lab logs [COMPONENT]`: lists the logs, or prints the last f.log_lines lines of
// one; 1 when there is no such log.
int Logs(const LabFlags& f);

// `lab kill|pause|partition|loss|delay|heal`: asks the supervisor to apply `action`.
// 0 applied, 1 no supervisor or it refused, 2 --for is not a duration (util/durations.h).
int Fault(const LabFlags& f, const std::string& action);

// f.etcd_list ("host:port,host:port") as a list; empty entries are skipped.
std::vector<std::string> SplitList(const std::string& s);

}  // namespace mdrill::cli
