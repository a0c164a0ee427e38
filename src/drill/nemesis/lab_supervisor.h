// The lab's supervisor as a fault target (selector role=supervisor or
// instance=supervisor, action kill).
//
// Killing the supervisor is a crash of the whole lab: its components die with it
// (they were started with PR_SET_PDEATHSIG), as on a power cut, and the kernel
// state it set up (namespaces, links, loss rules, netem) stays behind. Restarting
// it is what an operator does: `lab up` again, with the command line and working
// directory the dead supervisor had, which rebuilds the network, heals what its
// journal left open and brings every component back from the data directory.
//
// Thread-compatible (no shared state).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "drill/nemesis/nemesis.h"
#include "util/status.h"

namespace mdrill::drill {

// True when `selector` names the supervisor: it matches the supervisor's labels
// (app=milvus-drill-supervisor, role=supervisor, instance=supervisor) and is not
// empty (an empty selector means every component, never the supervisor).
bool SelectsSupervisor(const std::string& selector);

// True when `fault` is a lab fault whose one target is the supervisor.
bool IsSupervisorKill(const AppliedFault& fault);

struct SupervisorProcess {
  pid_t pid = 0;
  int64_t start_ticks = -1;
  // What restarts it: `env -i -C CWD [PATH=...] [MDRILL_*=...] EXE lab up ...` as
  // it was started, less --foreground (so it daemonizes and returns once the lab
  // serves), with its PATH and MDRILL_* variables (no others: it is journaled).
  std::vector<std::string> restart;
  // Its components as state.json recorded them: (pid, start ticks).
  std::vector<std::pair<pid_t, int64_t>> components;
};

// The supervisor serving `data_dir`, from DATA_DIR/state.json and /proc; an error
// when none runs (or the recorded pid is now another process).
Result<SupervisorProcess> FindSupervisor(const std::string& data_dir);

// SIGKILLs it and waits until it and the components it recorded are gone (up to
// `patience`); an error when it was already gone or something outlived it.
Status KillSupervisor(const SupervisorProcess& s,
                      std::chrono::milliseconds patience = std::chrono::milliseconds(10000));

// Runs `restart` until the lab serves again (lab up's own deadline, and
// `timeout`); an error with its output when it failed.
Status RestartSupervisor(const std::vector<std::string>& restart,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(120000));

}  // namespace mdrill::drill
