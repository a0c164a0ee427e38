// The census: what the target's own platform says of its processes, taken by the
// drill at the start of a test, 3 s after each fault's end when no fault is in
// force (recorded once every component is up and healthy, or as it stands 10 s
// later), and at the end (kEventCensus events; on the lab, from the
// supervisor's status and /proc). From the censuses, CheckCensus measures what only
// the platform can tell:
//
//   crashes beyond the kills  per component, restarts counted by the platform over
//                             the test minus the kills the drill aimed at it;
//   faults outliving expiry   a component still paused, partitioned, killed or held
//                             by a fault in a census taken after every fault ended;
//   not serving at the end    a component not healthy in the last census (taken
//                             once all are up and healthy, or 30 s after the last
//                             fault's end: the liveness bound);
//   growth                    a process alive from the first quarter of the test to
//                             its end whose descriptors more than doubled (+64) or
//                             whose resident memory more than doubled (+256 MiB).
//
// Pure functions of the history; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drill/history/history.h"

namespace mdrill::drill {

// One process as the platform sees it.
struct CensusEntry {
  std::string name, role;
  int pid = 0;        // 0: not running
  std::string state;  // running | active | standby | paused | partitioned | killed | stopped
  bool healthy = false;
  int restarts = 0;      // restarts the platform made since it started the target
  std::string fault;     // the fault holding it, if any
  int64_t rss_kib = -1;  // -1: unknown
  int fds = -1;          // -1: unknown
};

nlohmann::json CensusJson(const std::vector<CensusEntry>& entries);
// False when `j` is not an array of such objects.
bool ParseCensus(const nlohmann::json& j, std::vector<CensusEntry>* entries);

// True when every component runs, is held by no fault, and is healthy.
bool CensusSettled(const std::vector<CensusEntry>& entries);

struct CensusResult {
  bool ran = false;  // at least a start and an end census
  int censuses = 0;
  std::vector<std::string> crashes;   // "querynode-1: 3 restarts, 2 kills"
  std::vector<std::string> outlived;  // "proxy-0 paused 3.0 s after pause-... ended"
  std::vector<std::string> missed;    // censuses the platform would not give: "after F: REASON"
  std::vector<std::string> not_serving;
  std::vector<std::string> growth;  // "proxy-1 (pid 42): 13 -> 300 descriptors"
  int kills = 0, restarts = 0;
  std::map<std::string, int64_t> peak_rss_kib;  // by role
  std::map<std::string, int> peak_fds;          // by role
};

CensusResult CheckCensus(const History& history);
nlohmann::json ToJson(const CensusResult& r);

}  // namespace mdrill::drill
