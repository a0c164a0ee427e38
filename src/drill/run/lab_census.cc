#include "drill/run/lab_census.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "lab.pb.h"

namespace mdrill::drill {

int64_t ResidentKib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  return -1;
}

int OpenDescriptors(int pid) {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return ec ? -1 : n;
}

Result<std::vector<CensusEntry>> LabCensus(LabNemesis* lab) {
  auto status = lab->LabStatus();
  if (!status.ok()) return status.status();
  std::vector<CensusEntry> out;
  for (const auto& c : status->components()) {
    CensusEntry e;
    e.name = c.name();
    e.role = c.role();
    e.pid = c.pid();
    e.state = c.state();
    e.healthy = c.healthy();
    e.restarts = c.restarts();
    e.fault = c.fault();
    if (e.pid > 0) {
      e.rss_kib = ResidentKib(e.pid);
      e.fds = OpenDescriptors(e.pid);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mdrill::drill
