#include "lab/supervisor/netlab.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "util/subprocess.h"

namespace mdrill::lab {

namespace {

constexpr std::chrono::milliseconds kCommandTimeout{10000};

// Runs a command; Internal error naming the command and its output on failure.
Status Run(const std::vector<std::string>& argv) {
  std::string out;
  int rc = RunCapture(argv, &out, kCommandTimeout, /*merge_stderr=*/true);
  if (rc == 0) return Status::OK();
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return Status::Internal("`" + cmd + "` failed (exit " + std::to_string(rc) + "): " + out);
}

void RunQuiet(const std::vector<std::string>& argv) {
  std::string out;
  RunCapture(argv, &out, kCommandTimeout, true);
}

std::string Table(int base_port) { return "mdrill_" + std::to_string(base_port); }

// nftables chain holding the loss rule of one veth ("mdv19600-3" -> "l_19600_3").
std::string LossChain(const std::string& veth) {
  std::string c = "l_" + veth.substr(3);
  for (char& ch : c)
    if (ch == '-') ch = '_';
  return c;
}

// The bridge's alias names the supervisor that built it: "milvus-drill pid=P dir=D".
std::string OwnerAlias(const std::string& data_dir) {
  return "milvus-drill pid=" + std::to_string(::getpid()) + " dir=" + data_dir;
}

}  // namespace

std::string LabSubnetPrefix(int base_port) {
  return "10." + std::to_string(100 + (base_port >> 12) % 100) + "." + std::to_string((base_port >> 4) & 255) + ".";
}

std::string LabBridge(int base_port) { return "mdb" + std::to_string(base_port); }

// The live lab that owns the bridge of `base_port`, as "DIR (supervisor pid P)";
// empty when there is no bridge, no owner recorded, or the owner is gone.
std::string LabNetworkOwner(int base_port) {
  std::ifstream alias("/sys/class/net/" + LabBridge(base_port) + "/ifalias");
  std::string line;
  if (!std::getline(alias, line) || line.rfind("milvus-drill pid=", 0) != 0) return "";
  long pid = std::strtol(line.c_str() + 17, nullptr, 10);
  size_t dir = line.find(" dir=");
  if (pid <= 0 || pid == ::getpid()) return "";
  // Alive and still a milvus-drill (a recycled pid is not an owner).
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::stringstream text;
  text << cmdline.rdbuf();
  if (text.str().find("milvus-drill") == std::string::npos) return "";
  return (dir == std::string::npos ? std::string("?") : line.substr(dir + 5)) + " (supervisor pid " +
         std::to_string(pid) + ")";
}

std::vector<std::string> InNetns(const std::string& netns, const std::vector<std::string>& argv) {
  std::vector<std::string> out = {"ip", "netns", "exec", netns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool NetnsAvailable(std::string* why) {
  if (::geteuid() != 0) {
    *why = "network namespaces need root (this lab runs on loopback; partitions are unavailable)";
    return false;
  }
  std::string probe = "mdrill-probe-" + std::to_string(::getpid());
  Status s = Run({"ip", "netns", "add", probe});
  if (!s.ok()) {
    *why = "cannot create a network namespace: " + s.reason();
    return false;
  }
  RunQuiet({"ip", "netns", "del", probe});
  return true;
}

bool NetemAvailable() {
  if (::geteuid() != 0) return false;
  // On the loopback of a namespace of its own: nothing else is touched.
  std::string probe = "mdrill-netem-" + std::to_string(::getpid());
  if (!Run({"ip", "netns", "add", probe}).ok()) return false;
  const bool ok =
      Run({"ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"}).ok();
  RunQuiet({"ip", "netns", "del", probe});
  return ok;
}

Status SetUpLabNetwork(const TopologyOptions& o, const std::vector<ComponentPlan>& plans) {
  std::vector<std::string> namespaces;
  for (const auto& p : plans)
    if (!p.netns.empty()) namespaces.push_back(p.netns);
  // The names derive from the port range: a live lab on the same range owns them.
  // Removing them would cut that lab off under its running supervisor.
  if (std::string owner = LabNetworkOwner(o.base_port); !owner.empty())
    return Status::InvalidArgument("the network of ports " + std::to_string(o.base_port) + "+ (bridge " +
                                   LabBridge(o.base_port) + ") belongs to the running lab at " + owner +
                                   ": choose another --base-port, or `lab down` that lab first");
  TearDownLabNetwork(o.base_port, namespaces);  // leftovers of a lab that died
  std::string bridge = LabBridge(o.base_port);
  std::string prefix = LabSubnetPrefix(o.base_port);
  std::vector<std::vector<std::string>> steps = {
      {"ip", "link", "add", bridge, "type", "bridge"},
      {"ip", "addr", "add", prefix + "1/24", "dev", bridge},
      {"ip", "link", "set", bridge, "up"},
      {"ip", "link", "set", bridge, "alias", OwnerAlias(o.data_dir)},
  };
  for (const auto& p : plans) {
    if (p.netns.empty()) continue;
    std::string peer = "mdp" + p.host_veth.substr(3);
    std::vector<std::vector<std::string>> more = {
        {"ip", "netns", "add", p.netns},
        {"ip", "link", "add", p.host_veth, "type", "veth", "peer", "name", peer},
        {"ip", "link", "set", peer, "netns", p.netns},
        {"ip", "-n", p.netns, "link", "set", peer, "name", "eth0"},
        {"ip", "-n", p.netns, "addr", "add", p.ip + "/24", "dev", "eth0"},
        {"ip", "-n", p.netns, "link", "set", "eth0", "up"},
        {"ip", "-n", p.netns, "link", "set", "lo", "up"},
        {"ip", "link", "set", p.host_veth, "master", bridge},
        {"ip", "link", "set", p.host_veth, "up"},
    };
    steps.insert(steps.end(), more.begin(), more.end());
  }
  for (const auto& step : steps) {
    Status s = Run(step);
    if (!s.ok()) {
      TearDownLabNetwork(o.base_port, namespaces);
      return s;
    }
  }
  return Status::OK();
}

// The host's links whose names start with `prefix` (from `ip -o link show`, whose
// lines read "12: mdv19600-0@if11: <...>").
std::vector<std::string> HostLinks(const std::string& prefix) {
  std::string out;
  std::vector<std::string> links;
  if (RunCapture({"ip", "-o", "link", "show"}, &out, kCommandTimeout, true) != 0) return links;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto start = line.find(": ");
    if (start == std::string::npos) continue;
    std::string name = line.substr(start + 2, line.find_first_of("@:", start + 2) - start - 2);
    if (name.rfind(prefix, 0) == 0) links.push_back(name);
  }
  return links;
}

void TearDownLabNetwork(int base_port, const std::vector<std::string>& namespaces) {
  for (const auto& ns : namespaces) RunQuiet({"ip", "netns", "del", ns});
  // The kernel destroys a deleted namespace, and the veth pair with it, in the
  // background; until it has, the host end still exists and the next lab's `ip link
  // add` of the same name fails ("File exists"). Delete the host ends here and wait
  // (at most 5 s) until they are gone.
  const std::string veth_prefix = "mdv" + std::to_string(base_port) + "-";
  for (int i = 0; i < 50; ++i) {
    auto links = HostLinks(veth_prefix);
    if (links.empty()) break;
    for (const auto& l : links) RunQuiet({"ip", "link", "del", l});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  RunQuiet({"ip", "link", "del", LabBridge(base_port)});
  RunQuiet({"nft", "delete", "table", "bridge", Table(base_port)});
}

Status SetLinkUp(const std::string& host_veth, bool up) {
  return Run({"ip", "link", "set", host_veth, up ? "up" : "down"});
}

Status SetLinkLoss(int base_port, const std::string& host_veth, int loss_pct) {
  if (loss_pct < 0 || loss_pct > 100) return Status::InvalidArgument("loss must be 0..100 percent");
  std::string t = Table(base_port), chain = LossChain(host_veth);
  std::string probe;
  bool have_chain = RunCapture({"nft", "list", "chain", "bridge", t, chain}, &probe, kCommandTimeout, true) == 0;
  if (!have_chain) {
    if (loss_pct == 0) return Status::OK();
    std::string out;
    if (RunCapture({"nft", "--version"}, &out, kCommandTimeout, true) != 0)
      return Status::Internal("packet loss needs nftables (`nft`, Debian package nftables), which is not installed");
    for (const char* hook : {"forward", "input", "output"}) {
      Status s = Run({"nft", "add", "table", "bridge", t});
      if (s.ok())
        s = Run(
            {"nft", "add", "chain", "bridge", t, hook, "{", "type", "filter", "hook", hook, "priority", "0", ";", "}"});
      if (!s.ok()) return s;
    }
    Status s = Run({"nft", "add", "chain", "bridge", t, chain});
    for (const char* hook : {"forward", "input", "output"})
      for (const char* dir : {"iifname", "oifname"})
        if (s.ok()) s = Run({"nft", "add", "rule", "bridge", t, hook, dir, host_veth, "jump", chain});
    if (!s.ok()) return s;
  }
  Status s = Run({"nft", "flush", "chain", "bridge", t, chain});
  if (s.ok() && loss_pct == 100)
    s = Run({"nft", "add", "rule", "bridge", t, chain, "drop"});
  else if (s.ok() && loss_pct > 0)
    s = Run({"nft", "add", "rule", "bridge", t, chain, "numgen", "random", "mod", "100", "lt", std::to_string(loss_pct),
             "drop"});
  return s;
}

Status SetLinkDelay(const std::string& netns, const std::string& host_veth, int delay_ms) {
  if (delay_ms < 0) return Status::InvalidArgument("delay must be >= 0 ms");
  if (delay_ms == 0) {
    RunQuiet({"tc", "qdisc", "del", "dev", host_veth, "root"});
    RunQuiet({"ip", "netns", "exec", netns, "tc", "qdisc", "del", "dev", "eth0", "root"});
    return Status::OK();
  }
  std::string d = std::to_string(delay_ms) + "ms";
  Status s = Run({"tc", "qdisc", "replace", "dev", host_veth, "root", "netem", "delay", d});
  if (!s.ok()) {
    if (s.reason().find("qdisc kind is unknown") != std::string::npos)
      return Status::Internal(
          "network delay needs the kernel's netem qdisc (CONFIG_NET_SCH_NETEM, module sch_netem), "
          "which this kernel does not have; partitions and packet loss still work");
    return s;
  }
  s = Run({"ip", "netns", "exec", netns, "tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay", d});
  if (!s.ok()) RunQuiet({"tc", "qdisc", "del", "dev", host_veth, "root"});
  return s;
}

}  // namespace mdrill::lab
