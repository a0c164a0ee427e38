#include "lab/supervisor/state_file.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lab/supervisor/client.h"
#include "util/subprocess.h"

namespace mdrill::lab {

void WriteLabState(const std::string& data_dir, bool stopped, int base_port, const std::vector<std::string>& netns,
                   const std::vector<ComponentState>& components) {
  nlohmann::json j;
  j["stopped"] = stopped;
  j["supervisor_pid"] = ::getpid();
  j["supervisor_start"] = ProcessStartTicks(::getpid());
  j["base_port"] = base_port;
  j["netns"] = netns;
  j["components"] = nlohmann::json::array();
  for (const auto& c : components)
    j["components"].push_back({{"name", c.name},
                               {"pid", c.pid},
                               {"start", c.pid > 0 ? ProcessStartTicks(c.pid) : -1},
                               {"restarts", c.restarts}});
  std::string tmp = StateFile(data_dir) + ".tmp";
  std::ofstream(tmp) << j.dump(2) << "\n";
  std::rename(tmp.c_str(), StateFile(data_dir).c_str());
}

std::map<std::string, int> RestartsLeftByCrash(const std::string& data_dir) {
  std::ifstream in(StateFile(data_dir));
  auto j = nlohmann::json::parse(in, nullptr, false);
  std::map<std::string, int> counts;
  // A file without the mark predates it: nothing to carry.
  if (j.is_discarded() || !j.is_object() || !j.contains("stopped") || !j["stopped"].is_boolean() ||
      j["stopped"].get<bool>() || !j.contains("components") || !j["components"].is_array())
    return counts;
  for (const auto& c : j["components"])
    if (c.is_object() && c.contains("name") && c["name"].is_string() && c.contains("restarts") &&
        c["restarts"].is_number_integer() && c["restarts"].get<int>() >= 0)
      counts[c["name"].get<std::string>()] = c["restarts"].get<int>();
  return counts;
}

}  // namespace mdrill::lab
