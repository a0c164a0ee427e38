#include "drill/check/census.h"

#include <algorithm>
#include <sstream>

namespace mdrill::drill {

using nlohmann::json;

json CensusJson(const std::vector<CensusEntry>& entries) {
  json a = json::array();
  for (const auto& e : entries)
    a.push_back({{"name", e.name},
                 {"role", e.role},
                 {"pid", e.pid},
                 {"state", e.state},
                 {"healthy", e.healthy},
                 {"restarts", e.restarts},
                 {"fault", e.fault},
                 {"rss_kib", e.rss_kib},
                 {"fds", e.fds}});
  return a;
}

bool ParseCensus(const json& j, std::vector<CensusEntry>* entries) {
  if (!j.is_array()) return false;
  entries->clear();
  for (const auto& o : j) {
    if (!o.is_object() || !o.contains("name") || !o["name"].is_string()) return false;
    CensusEntry e;
    try {
      e.name = o.at("name").get<std::string>();
      e.role = o.value("role", "");
      e.pid = o.value("pid", 0);
      e.state = o.value("state", "");
      e.healthy = o.value("healthy", false);
      e.restarts = o.value("restarts", 0);
      e.fault = o.value("fault", "");
      e.rss_kib = o.value("rss_kib", int64_t{-1});
      e.fds = o.value("fds", -1);
    } catch (const json::exception&) {
      return false;  // a field of the wrong type
    }
    entries->push_back(std::move(e));
  }
  return true;
}

namespace {

struct Census {
  int64_t t_us = 0;
  std::string label;
  std::map<std::string, CensusEntry> by_name;
};

// The censuses taken, and "LABEL: REASON" for those the platform would not give.
std::vector<Census> Censuses(const History& h, std::vector<std::string>* missed) {
  std::vector<Census> out;
  for (const Event& e : h.events) {
    if (e.name != kEventCensus || !e.data.is_object()) continue;
    const auto error = e.data.find("error");
    if (error != e.data.end() && error->is_string()) {
      missed->push_back(e.data.value("label", std::string("?")) + ": " + error->get<std::string>());
      continue;
    }
    std::vector<CensusEntry> entries;
    if (!ParseCensus(e.data.value("components", json()), &entries)) continue;
    const auto label = e.data.find("label");
    Census c{e.t_us, label != e.data.end() && label->is_string() ? label->get<std::string>() : std::string(), {}};
    for (auto& x : entries) c.by_name[x.name] = std::move(x);
    out.push_back(std::move(c));
  }
  return out;
}

// Kills aimed at each component, from "ID: kill NAME NAME..." fault.start events.
std::map<std::string, int> KillsByName(const History& h, int* total) {
  std::map<std::string, int> kills;
  for (const Event& e : h.events) {
    if (e.name != kEventFaultStart) continue;
    const size_t colon = e.detail.find(": ");
    if (colon == std::string::npos) continue;
    std::istringstream words(e.detail.substr(colon + 2));
    std::string action, name;
    if (!(words >> action) || action != "kill") continue;
    while (words >> name) {
      ++kills[name];
      ++*total;
    }
  }
  return kills;
}

bool Stopped(const CensusEntry& e) {
  return e.pid == 0 || e.state == "paused" || e.state == "partitioned" || e.state == "killed" || e.state == "stopped" ||
         !e.fault.empty();
}

std::string Seconds(int64_t us) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << us / 1e6;
  return s.str();
}

}  // namespace

bool CensusSettled(const std::vector<CensusEntry>& entries) {
  for (const auto& e : entries)
    if (Stopped(e) || !e.healthy) return false;
  return true;
}

namespace {

void CheckGrowth(const Census& quarter, const Census& end, CensusResult* r) {
  for (const auto& [name, last] : end.by_name) {
    auto it = quarter.by_name.find(name);
    if (it == quarter.by_name.end() || it->second.pid == 0 || it->second.pid != last.pid) continue;
    const CensusEntry& first = it->second;
    const std::string who = name + " (pid " + std::to_string(last.pid) + "): ";
    if (first.fds >= 0 && last.fds > 2 * first.fds + 64)
      r->growth.push_back(who + std::to_string(first.fds) + " -> " + std::to_string(last.fds) + " descriptors");
    if (first.rss_kib >= 0 && last.rss_kib > 2 * first.rss_kib + 256 * 1024)
      r->growth.push_back(who + std::to_string(first.rss_kib / 1024) + " -> " + std::to_string(last.rss_kib / 1024) +
                          " MiB resident");
  }
}

}  // namespace

CensusResult CheckCensus(const History& h) {
  CensusResult r;
  const std::vector<Census> all = Censuses(h, &r.missed);
  r.censuses = static_cast<int>(all.size());
  if (all.size() < 2 || all.front().label != "start" || all.back().label != "end") return r;
  r.ran = true;
  const Census &start = all.front(), &end = all.back();
  const std::map<std::string, int> kills = KillsByName(h, &r.kills);
  for (const auto& [name, last] : end.by_name) {
    auto first = start.by_name.find(name);
    if (first == start.by_name.end()) continue;
    const int restarts = last.restarts - first->second.restarts;
    r.restarts += std::max(0, restarts);
    const int killed = kills.count(name) ? kills.at(name) : 0;
    if (restarts > killed)
      r.crashes.push_back(name + ": " + std::to_string(restarts) + " restarts, " + std::to_string(killed) + " kills");
  }
  for (const Census& c : all) {
    for (const auto& [name, e] : c.by_name) {
      if (e.rss_kib > r.peak_rss_kib[e.role]) r.peak_rss_kib[e.role] = e.rss_kib;
      if (e.fds > r.peak_fds[e.role]) r.peak_fds[e.role] = e.fds;
      if (&c != &start && Stopped(e))
        r.outlived.push_back(name + " " + (e.fault.empty() ? e.state : e.state + " (" + e.fault + ")") +
                             " at t=" + Seconds(c.t_us) + " s, census " + c.label);
    }
  }
  for (const auto& [name, e] : end.by_name)
    if (!e.healthy) r.not_serving.push_back(name + " (" + e.state + ")");
  const int64_t quarter_us = start.t_us + (end.t_us - start.t_us) / 4;
  for (const Census& c : all) {
    if (c.t_us < quarter_us || &c == &end) continue;
    CheckGrowth(c, end, &r);
    break;
  }
  return r;
}

json ToJson(const CensusResult& r) {
  return {
      {"ran", r.ran},         {"censuses", r.censuses},         {"kills", r.kills},      {"restarts", r.restarts},
      {"crashes", r.crashes}, {"outlived", r.outlived},         {"missed", r.missed},    {"not_serving", r.not_serving},
      {"growth", r.growth},   {"peak_rss_kib", r.peak_rss_kib}, {"peak_fds", r.peak_fds}};
}

}  // namespace mdrill::drill
