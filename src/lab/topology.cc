#include "lab/topology.h"

#include <sstream>

#include "lab/netlab.h"

namespace mdrill::lab {

namespace {

// The host of the next component: its own address in the lab's subnet when each
// component has a namespace, else loopback.
struct HostPlanner {
  const TopologyOptions& o;
  int index = 0;
  void Assign(ComponentPlan* p) {
    if (o.network != "netns") {
      p->ip = "127.0.0.1";
      return;
    }
    p->netns = "mdrill-" + std::to_string(o.base_port) + "-" + p->name;
    p->host_veth = "mdv" + std::to_string(o.base_port) + "-" + std::to_string(index);
    p->ip = LabSubnetPrefix(o.base_port) + std::to_string(10 + index);
    ++index;
  }
};

}  // namespace

std::vector<ComponentPlan> PlanTopology(const TopologyOptions& o, std::vector<EtcdMember>* etcd) {
  *etcd = PlanEtcd(o.etcd, o.base_port, o.data_dir + "/etcd");
  std::vector<ComponentPlan> out;
  HostPlanner hosts{o};
  for (auto& m : *etcd) {
    ComponentPlan p;
    p.name = m.name;
    hosts.Assign(&p);
    m.host = p.ip;
    out.push_back(std::move(p));
  }
  for (size_t i = 0; i < etcd->size(); ++i) {
    const auto& m = (*etcd)[i];
    ComponentPlan& p = out[i];
    p.role = "etcd";
    p.labels = {{"app", "etcd"}, {"component", "etcd"}, {"instance", m.name}};
    p.address = m.endpoint();
    p.argv = EtcdArgv(m, *etcd);
    p.log_path = o.data_dir + "/logs/" + m.name + ".log";
  }
  std::string endpoints;
  for (const auto& e : Endpoints(*etcd)) endpoints += (endpoints.empty() ? "" : ",") + e;
  int port = o.base_port + 2 * o.etcd;
  for (int i = 0; i < o.coordinators; ++i) {
    ComponentPlan p;
    p.name = "coordinator-" + std::to_string(i);
    p.role = "coordinator";
    p.labels = {{"app", "milvus-rootcoord"}, {"component", "coordinator"}, {"instance", p.name}};
    hosts.Assign(&p);
    p.address = p.ip + ":" + std::to_string(port++);
    p.argv = {o.drill_binary, "lab", "component", "coordinator", "--id", p.name, "--listen", p.address,
              "--etcd", endpoints, "--lease-ttl", std::to_string(o.lease_ttl_seconds), "--storage",
              o.data_dir + "/storage"};
    p.log_path = o.data_dir + "/logs/" + p.name + ".log";
    out.push_back(std::move(p));
  }
  for (int i = 0; i < o.querynodes; ++i) {
    ComponentPlan p;
    p.name = "querynode-" + std::to_string(i);
    p.role = "querynode";
    p.labels = {{"app", "milvus-querynode"}, {"component", "querynode"}, {"instance", p.name}};
    hosts.Assign(&p);
    p.address = p.ip + ":" + std::to_string(port++);
    p.argv = {o.drill_binary, "lab", "component", "querynode", "--id", p.name, "--node-id", std::to_string(i + 1),
              "--listen", p.address, "--etcd", endpoints, "--lease-ttl", std::to_string(o.lease_ttl_seconds),
              "--graceful-time", std::to_string(o.graceful_time_ms), "--log-poll", std::to_string(o.log_poll_ms)};
    p.log_path = o.data_dir + "/logs/" + p.name + ".log";
    out.push_back(std::move(p));
  }
  for (int i = 0; i < o.proxies; ++i) {
    ComponentPlan p;
    p.name = "proxy-" + std::to_string(i);
    p.role = "proxy";
    p.labels = {{"app", "milvus-proxy"}, {"component", "proxy"}, {"instance", p.name}};
    hosts.Assign(&p);
    p.address = p.ip + ":" + std::to_string(port++);
    p.argv = {o.drill_binary, "lab", "component", "proxy", "--id", p.name, "--listen", p.address,
              "--etcd", endpoints, "--lease-ttl", std::to_string(o.lease_ttl_seconds)};
    p.log_path = o.data_dir + "/logs/" + p.name + ".log";
    out.push_back(std::move(p));
  }
  if (o.proxies > 0) {
    ComponentPlan p;
    p.name = "frontdoor";
    p.role = "frontdoor";
    p.labels = {{"app", "haproxy"}, {"component", "frontdoor"}, {"instance", p.name}};
    p.address = o.front_door;
    p.argv = {"haproxy", "-f", HaproxyConfigPath(o), "-db"};
    p.log_path = o.data_dir + "/logs/" + p.name + ".log";
    out.push_back(std::move(p));
  }
  return out;
}

std::string HaproxyConfigPath(const TopologyOptions& o) { return o.data_dir + "/haproxy.cfg"; }

std::string HaproxyConfig(const TopologyOptions& o, const std::vector<ComponentPlan>& plans) {
  std::string cfg =
      "global\n"
      "  maxconn 4096\n"
      "defaults\n"
      "  mode tcp\n"
      "  timeout connect 500ms\n"
      "  timeout client 1h\n"
      "  timeout server 1h\n"
      "  retries 2\n"
      "  option redispatch\n"
      "frontend milvus\n"
      "  bind " + o.front_door + "\n"
      "  default_backend proxies\n"
      "backend proxies\n"
      "  balance roundrobin\n";
  for (const auto& p : plans)
    if (p.role == "proxy") cfg += "  server " + p.name + " " + p.address + " check inter 300ms fall 2 rise 1\n";
  return cfg;
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
