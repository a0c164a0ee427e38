// The HA lab's topology: which components run, their names, Kubernetes-style
// labels, addresses and command lines. Pure planning; nothing is started here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lab/ha/defaults.h"
#include "lab/supervisor/etcd_cluster.h"

namespace mdrill::lab {

struct TopologyOptions {
  std::string data_dir = "./milvus-drill-data";
  std::string drill_binary;  // path of milvus-drill, for the components it runs
  int etcd = 3;
  int64_t etcd_quota_bytes = int64_t{4} << 30;  // etcd's --quota-backend-bytes, as Milvus's deployments
  int coordinators = 2;
  int querynodes = 3;
  int proxies = 2;
  std::string front_door = "127.0.0.1:19530";  // HAProxy in front of the proxies
  int base_port = 19600;                       // etcd from here, then coordinators, query nodes, proxies
  int lease_ttl_seconds = kDefaultLeaseTtlSeconds;
  int restart_delay_ms = 1000;
  int graceful_time_ms = kDefaultGracefulTimeMs;  // query nodes: Bounded staleness (Milvus common.gracefulTime)
  int log_poll_ms = kDefaultLogPollMs;            // query nodes: idle log poll, besides the log's watch
  bool log_watch = true;                          // query nodes apply each record once the watch tells
  bool auth_enabled = false;                      // proxies check every caller's user and password
  std::string tls_cert_file, tls_key_file;        // both set: proxies serve clients over TLS
  // "loopback": every component on 127.0.0.1 (no partitions). "netns": each
  // component in its own network namespace on the lab's bridge (lab/netlab.h).
  std::string network = "loopback";
  std::string network_reason;  // why the lab runs on loopback, for error messages
};

struct ComponentPlan {
  std::string name;
  std::string role;  // etcd | coordinator | querynode | proxy | frontdoor
  std::map<std::string, std::string> labels;
  std::string address;
  std::vector<std::string> argv;  // without the `ip netns exec` prefix
  std::string netns;              // empty on loopback, and for the front door
  std::string host_veth;          // the host side of its veth pair (netns only)
  std::string ip;                 // its address (netns only)
  std::string log_path;
};

std::vector<ComponentPlan> PlanTopology(const TopologyOptions& o, std::vector<EtcdMember>* etcd);

// HAProxy's configuration for the front door: TCP mode, round robin over the
// proxies, health-checked every 300 ms, a failed connection redispatched.
std::string HaproxyConfig(const TopologyOptions& o, const std::vector<ComponentPlan>& plans);
std::string HaproxyConfigPath(const TopologyOptions& o);

}  // namespace mdrill::lab
