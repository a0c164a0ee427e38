#include "lab/supervisor/journal.h"

#include <signal.h>

#include <fstream>

#include "util/durable_append.h"
#include "util/hybrid_ts.h"

namespace mdrill::lab {

bool AppendJournal(const std::string& path, const nlohmann::json& record) {
  DurableAppendFile journal;
  return journal.Open(path).ok() && journal.AppendLine(record.dump()).ok();
}

std::map<std::string, nlohmann::json> OpenFaults(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, nlohmann::json> open;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string()) continue;
    const std::string id = j["id"].get<std::string>();
    if (j.contains("healed_unix_ms"))
      open.erase(id);
    else
      open[id] = std::move(j);
  }
  return open;
}

void HealJournal(const std::string& path) {
  for (auto& [id, j] : OpenFaults(path)) {
    if (j.value("action", "") == "pause" && j.contains("pids") && j["pids"].is_array())
      for (auto& pid : j["pids"])
        if (pid.is_number_integer() && pid.get<int>() > 0) ::kill(pid.get<int>(), SIGCONT);
    AppendJournal(path, {{"id", id}, {"healed_unix_ms", NowMs()}, {"by", "supervisor start"}});
  }
}

}  // namespace mdrill::lab
