#include "lab/supervisor/topology.h"

#include <sstream>

#include "lab/supervisor/netlab.h"

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

// A component named `name` in `role`, labelled as Kubernetes would label its pod,
// logging to DATA_DIR/logs/NAME.log.
ComponentPlan Component(const TopologyOptions& o, const std::string& name, const std::string& role,
                        const std::string& app) {
  ComponentPlan p;
  p.name = name;
  p.role = role;
  p.labels = {{"app", app}, {"component", role}, {"instance", name}};
  p.log_path = o.data_dir + "/logs/" + name + ".log";
  return p;
}

// The etcd members. Every member's host is assigned before any command line is
// built, since each names all its peers.
void PlanEtcdMembers(const TopologyOptions& o, HostPlanner* hosts, std::vector<EtcdMember>* etcd,
                     std::vector<ComponentPlan>* out) {
  *etcd = PlanEtcd(o.etcd, o.base_port, o.data_dir + "/etcd");
  for (auto& m : *etcd) {
    ComponentPlan p = Component(o, m.name, "etcd", "etcd");
    hosts->Assign(&p);
    m.host = p.ip;
    m.quota_bytes = o.etcd_quota_bytes;
    out->push_back(std::move(p));
  }
  for (size_t i = 0; i < etcd->size(); ++i) {
    const auto& m = (*etcd)[i];
    ComponentPlan& p = (*out)[out->size() - etcd->size() + i];
    p.address = m.endpoint();
    p.argv = EtcdArgv(m, *etcd);
  }
}

// The lab's own components (`milvus-drill lab component ROLE`), each on the next port.
class ComponentPlanner {
 public:
  ComponentPlanner(const TopologyOptions& o, HostPlanner* hosts, const std::vector<EtcdMember>& etcd)
      : o_(o), hosts_(hosts), port_(o.base_port + 2 * o.etcd) {
    for (const auto& e : Endpoints(etcd)) endpoints_ += (endpoints_.empty() ? "" : ",") + e;
  }

  ComponentPlan Coordinator(int i) {
    ComponentPlan p = Next("coordinator-" + std::to_string(i), "coordinator", "milvus-rootcoord");
    p.argv = {o_.drill_binary, "lab",
              "component",     "coordinator",
              "--id",          p.name,
              "--listen",      p.address,
              "--etcd",        endpoints_,
              "--lease-ttl",   std::to_string(o_.lease_ttl_seconds),
              "--storage",     o_.data_dir + "/storage"};
    return p;
  }

  ComponentPlan QueryNode(int i) {
    ComponentPlan p = Next("querynode-" + std::to_string(i), "querynode", "milvus-querynode");
    p.argv = {o_.drill_binary,
              "lab",
              "component",
              "querynode",
              "--id",
              p.name,
              "--node-id",
              std::to_string(i + 1),
              "--listen",
              p.address,
              "--etcd",
              endpoints_,
              "--lease-ttl",
              std::to_string(o_.lease_ttl_seconds),
              "--graceful-time",
              std::to_string(o_.graceful_time_ms),
              "--log-poll",
              std::to_string(o_.log_poll_ms)};
    if (!o_.log_watch) p.argv.push_back("--no-log-watch");
    p.argv.insert(p.argv.end(), {"--storage", o_.data_dir + "/storage"});
    return p;
  }

  ComponentPlan Proxy(int i) {
    ComponentPlan p = Next("proxy-" + std::to_string(i), "proxy", "milvus-proxy");
    p.argv = {o_.drill_binary, "lab",     "component", "proxy",    "--id",        p.name,
              "--listen",      p.address, "--etcd",    endpoints_, "--lease-ttl", std::to_string(o_.lease_ttl_seconds)};
    if (o_.auth_enabled) p.argv.push_back("--auth");
    if (!o_.tls_cert_file.empty())
      p.argv.insert(p.argv.end(), {"--tls-cert", o_.tls_cert_file, "--tls-key", o_.tls_key_file});
    return p;
  }

 private:
  ComponentPlan Next(const std::string& name, const std::string& role, const std::string& app) {
    ComponentPlan p = Component(o_, name, role, app);
    hosts_->Assign(&p);
    p.address = p.ip + ":" + std::to_string(port_++);
    return p;
  }

  const TopologyOptions& o_;
  HostPlanner* hosts_;
  int port_;
  std::string endpoints_;  // etcd's client endpoints, comma-separated
};

}  // namespace

std::vector<ComponentPlan> PlanTopology(const TopologyOptions& o, std::vector<EtcdMember>* etcd) {
  std::vector<ComponentPlan> out;
  HostPlanner hosts{o};
  PlanEtcdMembers(o, &hosts, etcd, &out);
  ComponentPlanner components(o, &hosts, *etcd);
  for (int i = 0; i < o.coordinators; ++i) out.push_back(components.Coordinator(i));
  for (int i = 0; i < o.querynodes; ++i) out.push_back(components.QueryNode(i));
  for (int i = 0; i < o.proxies; ++i) out.push_back(components.Proxy(i));
  if (o.proxies > 0) {
    ComponentPlan p = Component(o, "frontdoor", "frontdoor", "haproxy");
    p.address = o.front_door;
    p.argv = {"haproxy", "-f", HaproxyConfigPath(o), "-db"};
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
      "  bind " +
      o.front_door +
      "\n"
      "  default_backend proxies\n"
      "backend proxies\n"
      "  balance roundrobin\n";
  for (const auto& p : plans)
    if (p.role == "proxy") cfg += "  server " + p.name + " " + p.address + " check inter 300ms fall 2 rise 1\n";
  return cfg;
}

}  // namespace mdrill::lab
