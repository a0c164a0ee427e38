#include "lab/supervisor/journal.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "lab.pb.h"
#include "lab/supervisor/netlab.h"
#include "util/durable_append.h"
#include "util/hybrid_ts.h"
#include "util/subprocess.h"

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
    // Only a process still the one paused (its start time recorded with it): a
    // pid reused since belongs to someone else.
    if (j.value("action", "") == "pause" && j.contains("pids") && j["pids"].is_array() && j.contains("starts") &&
        j["starts"].is_array() && j["starts"].size() == j["pids"].size())
      for (size_t i = 0; i < j["pids"].size(); ++i) {
        const auto& pid = j["pids"][i];
        const auto& start = j["starts"][i];
        if (pid.is_number_integer() && pid.get<int>() > 0 && start.is_number_integer() &&
            ProcessStartTicks(pid.get<int>()) == start.get<int64_t>())
          ::kill(pid.get<int>(), SIGCONT);
      }
    AppendJournal(path, {{"id", id}, {"healed_unix_ms", NowMs()}, {"by", "supervisor start"}});
  }
}

Status CheckFaultRequest(const ::milvusdrill::lab::FaultRequest& req, bool network_up,
                         const std::string& network_reason, const std::set<std::string>& open_ids) {
  const std::string& action = req.action();
  bool network_fault = IsNetworkFault(action);
  if (action != "kill" && action != "pause" && !network_fault)
    return Status::InvalidArgument("unknown fault action '" + action + "' (kill, pause, partition, loss, delay, heal)");
  if (req.duration_ms() <= 0 && (action != "kill" || req.no_restart()))
    return Status::InvalidArgument(action + " needs a positive duration (--for)");
  if (network_fault && !network_up)
    return Status(code::kParameterInvalid, legacy::kIllegalArgument,
                  action + " needs the lab's network namespaces, and this lab runs on loopback (" + network_reason +
                      "); start it as root with `--network netns`");
  const std::string& id = req.fault_id();
  if (id.size() > 100 || !std::all_of(id.begin(), id.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
      }))
    return Status::InvalidArgument("a fault id is at most 100 letters, digits, '.', '_' or '-'");
  if (open_ids.count(id)) return Status::InvalidArgument("fault " + id + " is already in force");
  if (action == "loss" && (req.loss_pct() < 1 || req.loss_pct() > 100))
    return Status::InvalidArgument("loss needs --loss between 1 and 100 percent");
  if (action == "delay" && req.delay_ms() < 1) return Status::InvalidArgument("delay needs --delay >= 1 ms");
  return Status::OK();
}

}  // namespace mdrill::lab
