// The lab's supervisor: its kubelet and chaos daemon.
//
// Starts every component of the topology as a child process, restarts one that
// exits after the restart delay (as Kubernetes restarts a pod), and applies faults
// on request through its control API (lab.proto Supervisor): kill (SIGKILL,
// optionally held down until the fault's deadline), pause (SIGSTOP, SIGCONT at
// the deadline), and, when each component has its own network namespace
// (lab/netlab.h), partition, packet loss and delay until the deadline. Every fault is appended to
// DATA_DIR/faults.journal and fsynced before it is applied, and carries an expiry that the supervisor enforces whatever
// happens to the caller; on start the supervisor heals whatever an earlier run left
// in the journal. Components are addressed by pid only.
#pragma once

#include <string>

#include "lab/supervisor/client.h"
#include "lab/supervisor/topology.h"

namespace mdrill::lab {

struct SupervisorOptions {
  TopologyOptions topology;
  std::string control_address = "127.0.0.1:0";  // port 0: pick one; written to DATA_DIR/supervisor.addr
};

// Runs until Shutdown (API) or SIGINT/SIGTERM, then stops every component and
// returns the exit code.
int RunSupervisor(const SupervisorOptions& options);

}  // namespace mdrill::lab
