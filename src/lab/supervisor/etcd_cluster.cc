#include "lab/supervisor/etcd_cluster.h"

namespace mdrill::lab {

std::vector<EtcdMember> PlanEtcd(int n, int base_port, const std::string& root_dir) {
  std::vector<EtcdMember> out;
  for (int i = 0; i < n; ++i) {
    EtcdMember m;
    m.name = "etcd-" + std::to_string(i);
    m.client_port = base_port + 2 * i;
    m.peer_port = base_port + 2 * i + 1;
    m.data_dir = root_dir + "/" + m.name;
    out.push_back(m);
  }
  return out;
}

std::vector<std::string> EtcdArgv(const EtcdMember& self, const std::vector<EtcdMember>& all) {
  std::string cluster;
  for (const auto& m : all)
    cluster += (cluster.empty() ? "" : ",") + m.name + "=http://" + m.host + ":" + std::to_string(m.peer_port);
  std::string client = "http://" + self.host + ":" + std::to_string(self.client_port);
  std::string peer = "http://" + self.host + ":" + std::to_string(self.peer_port);
  return {"etcd", "--name", self.name, "--data-dir", self.data_dir, "--listen-client-urls", client,
          "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", cluster, "--initial-cluster-token", "milvus-drill-lab", "--initial-cluster-state", "new",
          // As Milvus's deployments run etcd: a 4 GiB space quota (unless the lab
          // was given another), history compacted to the last 1000 revisions, so
          // keys rewritten all the time (sessions, allocator bounds) do not grow
          // the database without bound, and a snapshot every 50,000 raft entries
          // (etcd keeps the entries since the last one in memory: at 3.4's default
          // of 100,000 a lab written to for an hour never snapshotted, and each
          // member held 690 MiB).
          "--quota-backend-bytes", std::to_string(self.quota_bytes), "--auto-compaction-mode", "revision",
          "--auto-compaction-retention", "1000", "--snapshot-count", "50000", "--heartbeat-interval", "50",
          "--election-timeout", "500", "--logger", "zap", "--log-level", "warn"};
}

std::vector<std::string> Endpoints(const std::vector<EtcdMember>& all) {
  std::vector<std::string> out;
  for (const auto& m : all) out.push_back(m.endpoint());
  return out;
}

}  // namespace mdrill::lab
