// The HA lab's network: one Linux network namespace per component, joined to a
// bridge by a veth pair, so that a partition is real (the component's link goes
// down: nothing in or out, etcd included) and so is packet loss (nftables rules on
// the component's link).
//
// Layout for a lab whose ports start at B: bridge "mdb<B>" with the host address
// 10.X.Y.1/24 (X.Y derived from B, see LabSubnetPrefix); component i of the plan
// runs in namespace "mdrill-<B>-<name>" as 10.X.Y.(10+i) on its "eth0", whose peer
// on the host is "mdv<B>-<i>". HAProxy (the front door) stays in the host's
// namespace on its loopback address and reaches the proxies over the bridge.
//
// Everything here shells out to iproute2 (`ip`) and nftables (`nft`) by argv; it
// needs root. Functions are thread-compatible (callers serialise).
#pragma once

#include <string>
#include <vector>

#include "lab/supervisor/topology.h"
#include "util/status.h"

namespace mdrill::lab {

// True when this process may build the lab's namespaces (root, `ip` present and a
// probe namespace could be created and removed). Otherwise false with `why` set to
// a sentence an operator can act on.
bool NetnsAvailable(std::string* why);

// "10.X.Y." for the lab whose ports start at `base_port`: X = 100 + (B >> 12) % 100,
// Y = (B >> 4) & 255, so labs on distinct 16-port ranges get distinct subnets.
std::string LabSubnetPrefix(int base_port);
std::string LabBridge(int base_port);

// The live lab whose supervisor built the bridge of `base_port`, as "DIR
// (supervisor pid P)"; empty when there is no such bridge or its owner is gone.
std::string LabNetworkOwner(int base_port);

// True when this process can add a netem qdisc (tried on the loopback of a probe
// namespace): the kernel has sch_netem, so `delay` faults work.
bool NetemAvailable();

// Builds the bridge and, for each plan with a namespace, the namespace, its veth
// pair and addresses. Refuses (InvalidArgument, naming the owner) when the bridge
// of this port range belongs to another live lab (the bridge's alias records the
// supervisor's pid and data directory); otherwise removes leftovers of an earlier
// run with the same names first. On failure everything built so far is removed and
// the Status says which command failed and what it printed.
Status SetUpLabNetwork(const TopologyOptions& o, const std::vector<ComponentPlan>& plans);

// Best effort: deletes the namespaces (their veths go with them), the bridge and
// the lab's nftables table. Safe to call when nothing exists.
void TearDownLabNetwork(int base_port, const std::vector<std::string>& namespaces);

// Partition: sets the host side of a component's veth down (cut both ways) or up.
Status SetLinkUp(const std::string& host_veth, bool up);

// Drops `loss_pct` percent of the packets to and from `host_veth` (nftables, bridge
// family, random per packet); loss_pct 0 removes the rule. `base_port` names the
// lab's table.
Status SetLinkLoss(int base_port, const std::string& host_veth, int loss_pct);

// Delays every packet leaving `host_veth` and the component's own eth0 by
// `delay_ms` (tc netem, both directions); 0 removes it. Fails with a clear reason on
// kernels without the netem qdisc.
Status SetLinkDelay(const std::string& netns, const std::string& host_veth, int delay_ms);

// The argv that starts `argv` inside `netns` (`ip netns exec` keeps the pid).
std::vector<std::string> InNetns(const std::string& netns, const std::vector<std::string>& argv);

// The faults that need the network namespaces: partition, loss, delay.
inline bool IsNetworkFault(const std::string& action) {
  return action == "partition" || action == "loss" || action == "delay";
}

}  // namespace mdrill::lab
