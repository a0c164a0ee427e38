#include "lab/topology.h"

#include <sstream>

namespace mdrill::lab {

std::vector<ComponentPlan> PlanTopology(const TopologyOptions& o, std::vector<EtcdMember>* etcd) {
  *etcd = PlanEtcd(o.etcd, o.base_port, o.data_dir + "/etcd");
  std::vector<ComponentPlan> out;
  for (const auto& m : *etcd) {
    ComponentPlan p;
    p.name = m.name;
    p.role = "etcd";
    p.labels = {{"app", "etcd"}, {"component", "etcd"}, {"instance", m.name}};
    p.address = m.endpoint();
    p.argv = EtcdArgv(m, *etcd);
    p.log_path = o.data_dir + "/logs/" + m.name + ".log";
    out.push_back(std::move(p));
  }
  std::string endpoints;
  for (const auto& e : Endpoints(*etcd)) endpoints += (endpoints.empty() ? "" : ",") + e;
  int port = o.base_port + 2 * o.etcd;
  for (int i = 0; i < o.coordinators; ++i) {
    ComponentPlan p;
    p.name = "coordinator-" + std::to_string(i);
    p.role = "coordinator";
    p.labels = {{"app", "milvus-rootcoord"}, {"component", "coordinator"}, {"instance", p.name}};
    p.address = "127.0.0.1:" + std::to_string(port++);
    p.argv = {o.drill_binary, "lab", "component", "coordinator", "--id", p.name, "--listen", p.address,
              "--etcd", endpoints, "--lease-ttl", std::to_string(o.lease_ttl_seconds)};
    p.log_path = o.data_dir + "/logs/" + p.name + ".log";
    out.push_back(std::move(p));
  }
  return out;
}

bool MatchSelector(const std::string& selector, const std::map<std::string, std::string>& labels, bool* match,
                   std::string* error) {
  *match = true;
  std::stringstream ss(selector);
  for (std::string term; std::getline(ss, term, ',');) {
    if (term.empty()) continue;
    auto eq = term.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "malformed selector term '" + term + "': expected key=value";
      return false;
    }
    auto it = labels.find(term.substr(0, eq));
    if (it == labels.end() || it->second != term.substr(eq + 1)) *match = false;
  }
  return true;
}

}  // namespace mdrill::lab
