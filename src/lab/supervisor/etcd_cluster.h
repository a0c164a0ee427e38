// How the lab runs etcd (Debian's etcd-server): member names, loopback ports, data
// directories and the exact command line of each member of an N-member cluster.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mdrill::lab {

struct EtcdMember {
  std::string name;  // etcd-0, etcd-1, ...
  std::string host = "127.0.0.1";
  int client_port = 0;
  int peer_port = 0;
  std::string data_dir;
  int64_t quota_bytes = int64_t{4} << 30;  // --quota-backend-bytes

  std::string endpoint() const { return host + ":" + std::to_string(client_port); }
};

// Members etcd-0..n-1 with client ports base, base+2, ... and peer ports one above.
std::vector<EtcdMember> PlanEtcd(int n, int base_port, const std::string& root_dir);

// The etcd command line for `self` within `all`. Heartbeat 50 ms / election 500 ms
// (loopback latencies), which lets leases as short as 1 s be granted.
std::vector<std::string> EtcdArgv(const EtcdMember& self, const std::vector<EtcdMember>& all);

std::vector<std::string> Endpoints(const std::vector<EtcdMember>& all);

}  // namespace mdrill::lab
