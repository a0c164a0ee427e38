#include "drill/run/k8s_census.h"

#include <map>

#include "drill/nemesis/run_with_input.h"
#include "util/selector.h"

namespace mdrill::drill {

using nlohmann::json;

namespace {

std::map<std::string, std::string> Labels(const json& item) {
  std::map<std::string, std::string> out;
  const json& labels = item["metadata"].value("labels", json::object());
  for (const auto& [k, v] : labels.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

// The first role whose selector matches; else, for a pod of the deployment's
// instance (query coordinators, index nodes, MinIO, Pulsar ...), its component or
// name label; "" for a pod that is not the deployment's.
std::string RoleOf(const std::map<std::string, std::string>& labels, const Deployment& d) {
  for (const auto& role : Roles()) {
    auto selector = d.Selector(role);
    bool match = false;
    std::string error;
    if (selector.ok() && MatchSelector(selector.value(), labels, &match, &error) && match) return role;
  }
  auto label = [&](const char* k) { return labels.count(k) ? labels.at(k) : std::string(); };
  if (d.instance.empty() || (label("app.kubernetes.io/instance") != d.instance && label("release") != d.instance))
    return "";
  for (const char* k : {"component", "app.kubernetes.io/component", "app.kubernetes.io/name", "app"})
    if (!label(k).empty()) return label(k);
  return "other";
}

CensusEntry PodEntry(const json& pod, const std::string& role, const std::map<std::string, std::string>& labels) {
  CensusEntry e;
  e.name = pod["metadata"].value("name", "");
  e.role = role;
  e.pid = -1;
  const json& status = pod.value("status", json::object());
  std::string phase = status.value("phase", "Unknown");
  for (auto& c : phase) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  e.state = pod["metadata"].contains("deletionTimestamp") ? "terminating" : phase;
  for (const auto& c : status.value("conditions", json::array()))
    if (c.value("type", "") == "Ready") e.healthy = c.value("status", "") == "True";
  for (const auto& c : status.value("containerStatuses", json::array())) e.restarts += c.value("restartCount", 0);
  if (auto it = labels.find(kIsolateLabel); it != labels.end()) {
    e.state = "partitioned";
    e.fault = std::string(kIsolateLabel) + "=" + it->second;
  }
  return e;
}

}  // namespace

std::vector<CensusEntry> CensusFromPods(const json& pods, const Deployment& d) {
  std::vector<CensusEntry> out;
  if (!pods.is_object() || !pods.contains("items") || !pods["items"].is_array()) return out;
  for (const auto& pod : pods["items"]) {
    if (!pod.is_object() || !pod.contains("metadata")) continue;
    // A Job's pods (a chart's init jobs) end and stay Succeeded or Failed: not a
    // component that should serve.
    bool job = false;
    for (const auto& owner : pod["metadata"].value("ownerReferences", json::array()))
      job = job || owner.value("kind", "") == "Job";
    const std::string phase = pod.value("status", json::object()).value("phase", "");
    if (job || phase == "Succeeded") continue;
    const auto labels = Labels(pod);
    const std::string role = RoleOf(labels, d);
    if (role.empty() && !labels.count(kIsolateLabel)) continue;  // not Milvus's, untouched by the drill
    out.push_back(PodEntry(pod, role, labels));
  }
  return out;
}

std::vector<CensusEntry> CensusFromDrillObjects(const json& list) {
  std::vector<CensusEntry> out;
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) return out;
  for (const auto& item : list["items"]) {
    if (!item.is_object() || !item.contains("metadata")) continue;
    const std::string name = item["metadata"].value("name", "");
    if (name.rfind(K8sObjectName(""), 0) != 0) continue;  // not the drill's
    CensusEntry e;
    e.name = item.value("kind", "object") + "/" + name;
    e.role = "fault";
    e.pid = -1;
    e.state = "partitioned";
    e.healthy = false;
    e.fault = e.name;
    out.push_back(std::move(e));
  }
  return out;
}

CensusFn K8sCensus(const KubectlOptions& o, const Deployment& d) {
  return [o, d]() -> Result<std::vector<CensusEntry>> {
    std::vector<std::string> g = {o.kubectl};
    for (auto& a : KubectlGlobalArgs(o)) g.push_back(std::move(a));
    auto get = [&](const std::string& what) -> Result<json> {
      std::vector<std::string> argv = g;
      argv.insert(argv.end(), {"get", what, "-o", "json"});
      auto r = RunToLook(argv, o.timeout);
      if (!r.ok()) return r.status();
      if (r->exit_code != 0) return Status::Internal(ShellJoin(argv) + ": " + r->err);
      json j = json::parse(r->out, nullptr, false);
      if (j.is_discarded()) return Status::Internal(ShellJoin(argv) + ": not JSON");
      return j;
    };
    auto pods = get("pods");
    if (!pods.ok()) return pods.status();
    std::vector<CensusEntry> out = CensusFromPods(pods.value(), d);
    std::vector<std::string> kinds = {"networkpolicies"};
    if (o.chaos_mesh) kinds.push_back("podchaos.chaos-mesh.org,networkchaos.chaos-mesh.org");
    for (const auto& kind : kinds) {
      auto objects = get(kind);
      if (!objects.ok()) return objects.status();
      for (auto& e : CensusFromDrillObjects(objects.value())) out.push_back(std::move(e));
    }
    return out;
  };
}

}  // namespace mdrill::drill
