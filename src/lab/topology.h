// The HA lab's topology: which components run, their names, Kubernetes-style
// labels, addresses and command lines. Pure planning; nothing is started here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lab/etcd_cluster.h"

namespace mdrill::lab {

struct TopologyOptions {
  std::string data_dir = "./milvus-drill-lab";
  std::string drill_binary;   // path of milvus-drill, for the components it runs
  int etcd = 3;
  int coordinators = 2;
  int base_port = 19600;      // etcd from here, then coordinators
  int lease_ttl_seconds = 2;
  int restart_delay_ms = 1000;
};

struct ComponentPlan {
  std::string name;
  std::string role;  // etcd | coordinator
  std::map<std::string, std::string> labels;
  std::string address;
  std::vector<std::string> argv;
  std::string log_path;
};

std::vector<ComponentPlan> PlanTopology(const TopologyOptions& o, std::vector<EtcdMember>* etcd);

// True when `labels` has every key=value of `selector` ("app=etcd,component=x").
// An empty selector matches everything. False with `error` set when malformed.
bool MatchSelector(const std::string& selector, const std::map<std::string, std::string>& labels, bool* match,
                   std::string* error);

}  // namespace mdrill::lab
