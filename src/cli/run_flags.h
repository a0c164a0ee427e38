// The flags of `milvus-drill run | check | heal`, shared by run_cmd.cc (which
// defines them) and run_reports.cc (which records them with a run).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "drill/check/checkers.h"
#include "lab/supervisor/topology.h"

namespace mdrill::cli {

// Every flag of `run`, `check` and `heal`. Where a flag sets an option struct's field
// directly (thresholds, the lab's data directory), its default is that struct's.
struct RunFlags {
  std::string test = "all";
  std::string file;  // -f run.yaml
  std::string target = "lab";
  std::string host = "127.0.0.1";
  int port = 19530;
  std::string user, password, token;
  std::string soak_mix;  // soak -f: a mix file
  bool tls = false;
  std::string ca, tls_server_name;
  std::string ns = "milvus", context, kubectl = "kubectl", docker = "docker", project;
  bool chaos_mesh = false;
  std::string lab_dir = lab::TopologyOptions{}.data_dir;
  bool keep = false;
  int lab_base_port = 0;  // --lab-base-port: 0 = lab up's default
  bool dry_run = false;
  double search_rate = 10, insert_rate = 10, query_rate = 10, probe_rate = 0, connect_rate = 5, sdk_probe_rate = 5;
  std::string deadline = "5s", duration, fault_at, fault_for;
  int replicas = 3, rows = 1000, dim = 128;
  drill::Thresholds thresholds;  // --rto-max, --failed-max, --availability-min, --lost-max (run and check)
  std::string out_dir = "./milvus-drill-runs";
  std::string json, html, junit, history_db, label;
  std::string lang = "en";
  std::string etcd, etcd_root = "by-dev";
  std::string coord_role;  // empty: the deployment's coordinator (rootcoord or mixcoord)
  // k8s and docker: which pods play each role (drill/nemesis/deployment.h)
  std::string deployment, release, milvus;
  std::vector<std::string> roles;  // --role ROLE=SELECTOR
  bool no_history = false;
  // check
  std::string history;
  // soak
  bool soak = false;
  std::string soak_duration = "1h", fault_every = "30s", max_fault = "10s";
  double keyed_rate = 5;  // soak: each keyed kind per second
  double ddl_rate = 1;    // soak: DDL churn steps per second
  int max_at_once = 2;    // soak: faults in force at once
  uint64_t seed = 1;
  bool no_pause = false, no_partition = false, no_etcd = false, no_network_faults = false;
  bool no_supervisor = false;
};

}  // namespace mdrill::cli
