#include "drill/run/docker_census.h"

#include <sstream>

#include "drill/nemesis/run_with_input.h"
#include "util/subprocess.h"

namespace mdrill::drill {

using nlohmann::json;

namespace {

const json& Field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

bool Flag(const json& j, const char* key) { return Field(j, key).is_boolean() && Field(j, key).get<bool>(); }

std::string Text(const json& j, const char* key) {
  return Field(j, key).is_string() ? Field(j, key).get<std::string>() : std::string();
}

CensusEntry FromContainer(const json& c) {
  CensusEntry e;
  e.name = Text(c, "Name");
  if (!e.name.empty() && e.name[0] == '/') e.name.erase(0, 1);
  const json& labels = Field(Field(c, "Config"), "Labels");
  e.role = Text(labels, kServiceLabel);
  if (e.role.empty()) e.role = e.name;
  const json& st = Field(c, "State");
  const bool running = Flag(st, "Running");
  e.pid = running && Field(st, "Pid").is_number_integer() ? Field(st, "Pid").get<int>() : 0;
  e.state = Flag(st, "Paused") ? "paused" : Flag(st, "Restarting") ? "restarting" : running ? "running" : "stopped";
  // Cut off: running on no network at all, though its network mode is one it
  // joins (not another container's stack, the host's or none).
  const std::string mode = Text(Field(c, "HostConfig"), "NetworkMode");
  const bool own_networks =
      mode.rfind("container:", 0) != 0 && mode.rfind("service:", 0) != 0 && mode != "host" && mode != "none";
  const json& networks = Field(Field(c, "NetworkSettings"), "Networks");
  if (running && own_networks && networks.is_object() && networks.empty()) {
    e.state = "partitioned";
    e.fault = "network disconnected";
  }
  const std::string health = Text(Field(st, "Health"), "Status");
  e.healthy = e.state == "running" && (health.empty() || health == "healthy");
  e.restarts = Field(c, "RestartCount").is_number_integer() ? Field(c, "RestartCount").get<int>() : 0;
  return e;
}

// Not a component: `compose run` one-offs, and containers that ran to completion
// (exit 0, never restarted: an init job). One the drill killed exited 137.
bool Incidental(const json& c) {
  if (Text(Field(Field(c, "Config"), "Labels"), "com.docker.compose.oneoff") == "True") return true;
  const json& st = Field(c, "State");
  return Text(st, "Status") == "exited" && Field(st, "ExitCode") == 0 && Field(c, "RestartCount") == 0;
}

}  // namespace

std::vector<CensusEntry> CensusFromInspect(const json& containers) {
  std::vector<CensusEntry> out;
  if (!containers.is_array()) return out;
  for (const auto& c : containers)
    if (c.is_object() && !Text(c, "Name").empty() && !Incidental(c)) out.push_back(FromContainer(c));
  return out;
}

std::function<Result<std::vector<CensusEntry>>()> DockerCensus(const DockerOptions& o) {
  return [o]() -> Result<std::vector<CensusEntry>> {
    std::vector<std::string> ps = {o.docker, "ps", "-a"};
    if (!o.project.empty()) ps.insert(ps.end(), {"--filter", "label=" + std::string(kProjectLabel) + "=" + o.project});
    ps.insert(ps.end(), {"--format", "{{.ID}}"});
    auto listing = RunToLook(ps, o.timeout);
    if (!listing.ok()) return listing.status();
    if (listing->exit_code != 0) return Status::Internal(ShellJoin(ps) + ": " + listing->err);
    std::vector<std::string> inspect = {o.docker, "inspect", "--type", "container"};
    std::stringstream ids(listing->out);
    for (std::string id; ids >> id;) {
      if (!IsDockerName(id)) return Status::Internal(ShellJoin(ps) + " listed an unexpected id: " + id.substr(0, 80));
      inspect.push_back(id);
    }
    if (inspect.size() == 4) return std::vector<CensusEntry>{};
    auto r = RunToLook(inspect, o.timeout);
    if (!r.ok()) return r.status();
    // A container removed between the two calls makes inspect fail for it alone.
    json j = json::parse(r->out, nullptr, false);
    if (j.is_discarded() || !j.is_array())
      return Status::Internal(ShellJoin({o.docker, "inspect"}) + ": not a JSON array: " + r->err.substr(0, 200));
    return CensusFromInspect(j);
  };
}

}  // namespace mdrill::drill
