// The soak: one long test with a seeded random schedule of faults, judged by the
// same checkers as every test (acknowledged writes, duplicates, split-brain
// signals, stale reads, failures no fault explains, recovery after each fault).
//
// The schedule is a pure function of SoakOptions: the same seed gives the same
// faults at the same times on the same kinds of target (which instance a mode
// "one" picks is the nemesis's seeded choice). A lasting fault may get a companion
// (with max_at_once 2: real clusters fail in combinations): a second fault on
// another kind of component, injected while the first holds and over by the time it
// ends (the pair is judged as one outage). After each fault (or
// pair) comes a gap for the cluster to recover; the last one ends at least `tail_s`
// before the end, so the final read sees a recovered cluster.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "drill/run/scenario.h"

namespace mdrill::drill {

// One entry of the mix: a fault and how often it is drawn.
struct SoakFault {
  std::string action;
  std::string selector;
  std::string mode;
  bool lasting = false;  // has a duration (pause, partition, loss, delay)
  int weight = 1;
  int latency_ms = 0;   // delay: added each way
  double loss_pct = 0;  // loss: packets dropped each way
};

struct SoakOptions {
  double duration_s = 3600;
  uint64_t seed = 1;
  double fault_every_s = 30;       // mean gap between one fault's end and the next one's start
  double max_fault_s = 10;         // lasting faults (pause, partition) last 1 s to this
  double first_fault_s = 15;       // warm-up before the first fault
  double tail_s = 20;              // quiet time after the last fault
  bool pause = true;               // the backend can pause (lab, docker; k8s with Chaos Mesh)
  bool partition = true;           // the backend can partition (lab as root, k8s, docker)
  bool etcd = true;                // etcd members as targets (the lab: its members are labelled app=etcd)
  bool supervisor = false;         // the lab's supervisor as a target (a kill crashes the whole lab)
  bool network = true;             // packet loss and delay (the lab as root: nftables and netem)
  bool delay = true;               // the kernel has netem (without it, loss only)
  double keyed_rate = 5;           // each keyed kind per second (drill/run/keyed.h); 0 turns them off
  double ddl_rate = 1;             // DDL churn steps per second (drill/run/ddl.h); 0 turns it off
  int max_at_once = 2;             // faults in force at once: 1 or 2
  double companion_chance = 0.25;  // a lasting fault gets a companion (max_at_once 2)
  std::vector<SoakFault> mix;      // a mix file's faults (ParseSoakMix); empty: the built-in mix
};

// The built-in mix: kills of the active and the standby coordinator, a query node
// and a proxy; pauses of a query node and a proxy; a partition of the active
// coordinator; a kill and a pause of one etcd member (the leader or a follower, as
// drawn); 200 ms of delay on a query node and 20 % packet loss on a proxy; on the
// lab, a kill of its supervisor (the whole lab crashes and is started again, see
// drill/nemesis/lab_supervisor.h). Entries the options rule out are left out.
std::vector<SoakFault> SoakMix(const SoakOptions& o);

// A mix file (`soak -f FILE`): the faults drawn and how often, and optionally the
// pacing, replacing the built-in mix; the options' exclusions (no pauses, no
// partitions, no etcd, no network faults) still apply to it. For example:
//
//   fault_every: 20s        # optional: mean gap between faults
//   max_fault: 8s           # optional: lasting faults last 1 s to this
//   max_at_once: 1          # optional: 1 or 2
//   faults:
//     - {action: kill, selector: role=coordinator, mode: active, weight: 3}
//     - {action: pause, selector: role=querynode, weight: 1}
//     - {action: delay, selector: role=proxy, latency: 100ms}
//     - {action: loss, selector: role=proxy, loss: 10}
//
// Actions: kill, pause, partition, delay, loss; mode one (default), all, N, active,
// standby; weight >= 1 (default 1). InvalidArgument naming the entry and what is
// wrong; `o` is changed only when the whole file reads.
Status ParseSoakMix(const std::string& yaml_text, const std::string& origin, SoakOptions* o);
Status LoadSoakMixFile(const std::string& path, SoakOptions* o);

// The soak as a scenario of one test named "soak"; InvalidArgument when the
// duration leaves no room for a fault.
Result<Scenario> SoakScenario(const SoakOptions& o);

}  // namespace mdrill::drill
