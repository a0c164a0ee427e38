// DATA_DIR/state.json: what `lab down` and the drill need when the supervisor does
// not answer (its pid, its components' pids with their start times, the network
// namespaces), and each component's restart count. Written whole (a temporary file
// renamed over it) by the supervisor on every change.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mdrill::lab {

struct ComponentState {
  std::string name;
  pid_t pid = 0;  // 0: not running
  int restarts = 0;
};

// Writes the file; `stopped`: the supervisor stopped every component on purpose.
void WriteLabState(const std::string& data_dir, bool stopped, int base_port, const std::vector<std::string>& netns,
                   const std::vector<ComponentState>& components);

// Each component's restarts as a supervisor that crashed left them (its file is not
// marked stopped), by name; empty after a clean stop, or with no readable file.
std::map<std::string, int> RestartsLeftByCrash(const std::string& data_dir);

}  // namespace mdrill::lab
