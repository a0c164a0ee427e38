#include "drill/nemesis/deployment.h"

#include <algorithm>
#include <set>

namespace mdrill::drill {
namespace {

using json = nlohmann::json;

constexpr const char* kInstance = "app.kubernetes.io/instance";
constexpr const char* kName = "app.kubernetes.io/name";
constexpr const char* kComponent = "app.kubernetes.io/component";
constexpr const char* kManagedBy = "app.kubernetes.io/managed-by";

// Labels that differ between revisions or pods of one role, left out of what is shown.
bool PerPodLabel(const std::string& key) {
  return key == "pod-template-hash" || key == "controller-revision-hash" ||
         key == "statefulset.kubernetes.io/pod-name" || key == "apps.kubernetes.io/pod-index" ||
         key.rfind("milvus-drill/", 0) == 0;
}

std::map<std::string, std::string> Labels(const json& pod) {
  std::map<std::string, std::string> out;
  if (!pod.is_object()) return out;
  auto meta = pod.find("metadata");
  if (meta == pod.end() || !meta->is_object()) return out;
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return out;
  for (const auto& [k, v] : labels->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::vector<std::map<std::string, std::string>> AllLabels(const json& pods) {
  std::vector<std::map<std::string, std::string>> out;
  if (!pods.is_object() || !pods.contains("items") || !pods["items"].is_array()) return out;
  for (const auto& pod : pods["items"]) out.push_back(Labels(pod));
  return out;
}

std::string Get(const std::map<std::string, std::string>& l, const char* key) {
  auto it = l.find(key);
  return it == l.end() ? "" : it->second;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// The one instance among `found`, or the one asked for; an error otherwise.
Result<std::string> PickInstance(const std::set<std::string>& found, const std::string& wanted, const char* what,
                                 const char* flag) {
  if (!wanted.empty()) {
    if (found.count(wanted)) return wanted;
    return Status::InvalidArgument(std::string("no ") + what + " named '" + wanted + "' here (found: " + Join(found) +
                                   ")");
  }
  if (found.size() == 1) return *found.begin();
  return Status::InvalidArgument(std::string("several ") + what + "s run here (" + Join(found) + "): pass " + flag +
                                 " NAME");
}

}  // namespace

const std::vector<std::string>& Roles() {
  static const std::vector<std::string> roles = {"coordinator", "proxy",         "querynode",
                                                 "datanode",    "streamingnode", "etcd"};
  return roles;
}

Result<std::string> Deployment::Selector(const std::string& role) const {
  if (role == "supervisor") {  // the lab's own process, not a Milvus role
    if (profile == "lab") return std::string("app=milvus-drill-supervisor");
    return Status::InvalidArgument("role supervisor: only the lab has a supervisor to kill");
  }
  if (std::find(Roles().begin(), Roles().end(), role) == Roles().end())
    return Status::InvalidArgument("unknown role '" + role + "' (roles: coordinator, proxy, querynode, datanode, " +
                                   "streamingnode, etcd)");
  if (auto it = overrides.find(role); it != overrides.end()) return it->second;
  const std::string component = role == "coordinator" ? coordinator : role;
  if (profile == "seed" || profile == "lab") {
    if (role == "etcd") return std::string("app=etcd");
    return "app=milvus-" + component;
  }
  if (profile == "helm") {
    if (role == "etcd") return std::string(kName) + "=etcd," + kInstance + "=" + instance;
    return std::string(kInstance) + "=" + instance + "," + kName + "=milvus,component=" + component;
  }
  if (profile == "operator") {
    if (role == "etcd") {
      if (etcd_instance.empty())
        return Status::InvalidArgument(
            "the Milvus Operator deployment's etcd pods were not found: give their selector with --role etcd=SELECTOR");
      return std::string(kName) + "=etcd," + kInstance + "=" + etcd_instance;
    }
    return std::string(kInstance) + "=" + instance + "," + kName + "=milvus," + kComponent + "=" + component;
  }
  return Status::InvalidArgument("unknown deployment profile '" + profile + "'");
}

Result<std::string> Deployment::Resolve(const std::string& selector) const {
  if (selector.rfind("role=", 0) != 0) return selector;
  return Selector(selector.substr(5));
}

std::string Deployment::Describe() const {
  std::string s = profile == "helm"       ? "Helm release '" + instance + "'"
                  : profile == "operator" ? "Milvus Operator instance '" + instance + "'"
                  : profile == "lab"      ? std::string("the lab")
                                          : std::string("the seed's labels (app=milvus-*)");
  return s + " (coordinator: " + coordinator + ")";
}

Result<Deployment> MakeDeployment(const std::string& profile, const std::string& instance,
                                  const std::string& coordinator) {
  if (profile != "seed" && profile != "lab" && profile != "helm" && profile != "operator")
    return Status::InvalidArgument("--deployment: '" + profile + "' is not one of seed, lab, helm, operator");
  if ((profile == "helm" || profile == "operator") && instance.empty())
    return Status::InvalidArgument(profile == "helm" ? "--deployment helm needs --release NAME"
                                                     : "--deployment operator needs --milvus NAME");
  if (!coordinator.empty() && coordinator != "rootcoord" && coordinator != "mixcoord")
    return Status::InvalidArgument("the coordinator is rootcoord or mixcoord, not '" + coordinator + "'");
  Deployment d;
  d.profile = profile;
  d.instance = instance;
  if (!coordinator.empty()) d.coordinator = coordinator;
  return d;
}

Status AddRoleOverride(const std::string& text, Deployment* d) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    return Status::InvalidArgument("--role: '" + text + "' is not ROLE=SELECTOR (e.g. proxy=app=my-proxy)");
  const std::string role = text.substr(0, eq);
  if (std::find(Roles().begin(), Roles().end(), role) == Roles().end())
    return Status::InvalidArgument("--role: unknown role '" + role + "'");
  d->overrides[role] = text.substr(eq + 1);
  return Status::OK();
}

std::vector<std::string> LabelSetsSeen(const json& pods, size_t max) {
  std::set<std::string> seen;
  for (const auto& labels : AllLabels(pods)) {
    std::string s;
    for (const auto& [k, v] : labels)
      if (!PerPodLabel(k)) s += (s.empty() ? "" : ",") + k + "=" + v;
    seen.insert(s.empty() ? "(no labels)" : s);
  }
  std::vector<std::string> out(seen.begin(), seen.end());
  if (out.size() > max) out.resize(max);
  return out;
}

Result<Deployment> DetectDeployment(const json& pods, const std::string& instance) {
  std::set<std::string> operator_instances, helm_releases, etcd_instances;
  bool seed = false;
  const auto all = AllLabels(pods);
  for (const auto& l : all) {
    if (Get(l, kName) == "etcd" && !Get(l, kInstance).empty()) etcd_instances.insert(Get(l, kInstance));
    if (Get(l, kName) != "milvus") {
      seed = seed || Get(l, "app").rfind("milvus-", 0) == 0;
      continue;
    }
    if (Get(l, kManagedBy) == "milvus-operator" && !Get(l, kComponent).empty())
      operator_instances.insert(Get(l, kInstance));
    else if (!Get(l, "component").empty())
      helm_releases.insert(Get(l, kInstance));
  }
  Deployment d;
  const char* component_key = "component";
  if (!operator_instances.empty()) {
    auto m = PickInstance(operator_instances, instance, "Milvus Operator instance", "--milvus");
    if (!m.ok()) return m.status();
    d.profile = "operator";
    d.instance = m.value();
    component_key = kComponent;
    // The operator installs etcd as a release of its own; its pods are found by name.
    if (etcd_instances.size() == 1) d.etcd_instance = *etcd_instances.begin();
    for (const auto& e : etcd_instances)
      if (e.rfind(d.instance, 0) == 0) d.etcd_instance = e;
  } else if (!helm_releases.empty()) {
    auto r = PickInstance(helm_releases, instance, "Helm release", "--release");
    if (!r.ok()) return r.status();
    d.profile = "helm";
    d.instance = r.value();
  } else if (seed) {
    d.profile = "seed";
  } else {
    std::string seen;
    for (const auto& s : LabelSetsSeen(pods)) seen += "\n  " + s;
    return Status::InvalidArgument(
        "no Milvus deployment recognised among " + std::to_string(all.size()) +
        " pods (neither Milvus Operator, Helm-chart nor app=milvus-* labels); give --deployment and the instance, or "
        "--role ROLE=SELECTOR. Labels seen:" +
        (seen.empty() ? std::string(" none") : seen));
  }
  for (const auto& l : all) {
    const bool ours = d.profile == "seed" ? Get(l, "app") == "milvus-mixcoord" : Get(l, kInstance) == d.instance;
    if (ours && (Get(l, component_key) == "mixcoord" || Get(l, "app") == "milvus-mixcoord")) d.coordinator = "mixcoord";
  }
  return d;
}

}  // namespace mdrill::drill
