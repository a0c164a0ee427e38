#include "drill/nemesis/k8s.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace mdrill::drill {
namespace {

// Kubernetes object names (DNS-1123 subdomains): lower-case letters, digits, '-', '.'.
bool IsK8sName(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

// A double-quoted YAML scalar, so that names such as "on" or "0123" stay strings.
std::string Q(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string Ms(int64_t ms) { return std::to_string(ms) + "ms"; }

std::string Percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p);
  return buf;
}

// The Chaos Mesh NetworkChaos action for a delay/loss spec.
std::string NetworkChaosAction(const FaultSpec& spec) {
  if (spec.latency_ms > 0 && spec.loss_pct > 0) return "netem";
  return spec.latency_ms > 0 ? "delay" : "loss";
}

}  // namespace

std::string K8sObjectName(const std::string& fault_id) { return "milvus-drill-" + fault_id; }

KubectlNemesis::KubectlNemesis(KubectlOptions options)
    : CliNemesis(options.kubectl, options.timeout, options.seed), o_(std::move(options)) {}

std::vector<std::string> KubectlGlobalArgs(const KubectlOptions& o) {
  std::vector<std::string> g;
  if (!o.context.empty()) g = {"--context", o.context};
  g.push_back("-n");
  g.push_back(o.namespace_);
  return g;
}

std::vector<std::string> KubectlNemesis::Global() const { return KubectlGlobalArgs(o_); }

Command KubectlNemesis::Cmd(std::vector<std::string> args, std::string input) const {
  Command c{Global(), std::move(input)};
  c.args.insert(c.args.end(), args.begin(), args.end());
  return c;
}

Status KubectlNemesis::CheckSupported(const FaultSpec& spec) const {
  Status v = ValidateSpec(spec);
  if (!v.ok()) return v;
  if (o_.namespace_.empty() || !IsK8sName(o_.namespace_))
    return Status::InvalidArgument("kubernetes backend: give the namespace Milvus runs in (got '" + o_.namespace_ +
                                   "')");
  if (spec.action == "pause" && !o_.chaos_mesh)
    return Unsupported(
        "kubernetes backend: pause is not possible with kubectl alone (Kubernetes has no pause, and SIGSTOP sent "
        "to a container's PID 1 from inside it is ignored by the kernel); enable chaos_mesh to use a Chaos Mesh "
        "PodChaos pod-failure, or use kill");
  if ((spec.action == "delay" || spec.action == "loss") && !o_.chaos_mesh)
    return Unsupported("kubernetes backend: " + spec.action +
                       " needs Chaos Mesh (NetworkChaos); enable chaos_mesh once it is installed in the cluster");
  auto mode = ParseMode(spec.mode);
  if ((mode->kind == Mode::kActive || mode->kind == Mode::kStandby) && !o_.active_resolver)
    return Unsupported(
        "kubernetes backend: mode " + spec.mode +
        " needs to know which coordinator is active; Milvus (with enableActiveStandby) records that in etcd "
        "(session key <rootPath>/meta/session/<role>), which kubectl cannot read. Give an active_resolver, or use "
        "mode one/all/N");
  return Status::OK();
}

Result<std::vector<Target>> KubectlNemesis::Resolve(const FaultSpec& spec) {
  Status supported = CheckSupported(spec);
  if (!supported.ok()) return supported;
  auto listing = Run(Cmd({"get", "pods", "-l", spec.selector, "-o", "json"}));
  if (!listing.ok()) return listing.status();
  auto j = nlohmann::json::parse(listing->out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("items") || !j["items"].is_array())
    return Status::Internal("kubectl get pods -o json printed something that is not a pod list");
  std::vector<Target> running;
  for (const auto& pod : j["items"]) {
    if (!pod.is_object() || !pod.contains("metadata") || !pod["metadata"].is_object()) continue;
    const auto& meta = pod["metadata"];
    const auto status = pod.value("status", nlohmann::json::object());
    if (meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null()) continue;  // on its way out
    if (!status.is_object() || status.value("phase", "") != "Running") continue;
    std::string name = meta.value("name", "");
    if (!IsK8sName(name)) return Status::Internal("kubectl listed a pod with an unexpected name '" + name + "'");
    running.push_back({name, status.value("podIP", "")});
  }
  std::sort(running.begin(), running.end(), [](const Target& a, const Target& b) { return a.name < b.name; });
  auto mode = ParseMode(spec.mode);
  std::string active;
  if (mode->kind == Mode::kActive || mode->kind == Mode::kStandby) {
    auto a = o_.active_resolver(spec);
    if (!a.ok()) return a.status();
    active = a.value();
    // A resolver that reads Milvus's session answers with the coordinator's IP (or
    // IP:port); the pod is the running one with that IP.
    bool named = std::any_of(running.begin(), running.end(), [&](const Target& t) { return t.name == active; });
    if (!named) {
      std::string ip = active.find(':') != std::string::npos && active.find('.') != std::string::npos
                           ? active.substr(0, active.rfind(':'))
                           : active;
      for (const auto& t : running)
        if (!ip.empty() && t.detail == ip) active = t.name;
    }
  }
  return SelectTargets(running, mode.value(), active, seed_, &rng_,
                       "pods matching " + spec.selector + " in namespace " + o_.namespace_);
}

Result<AppliedFault> KubectlNemesis::Plan(const FaultSpec& spec) {
  Status supported = CheckSupported(spec);
  if (!supported.ok()) return supported;
  auto targets = Resolve(spec);
  if (!targets.ok()) return targets.status();
  AppliedFault f;
  f.id = FaultId(spec);
  if (!IsDnsLabel(f.id, 40)) return Status::InvalidArgument("fault id '" + f.id + "' is not a DNS label");
  f.backend = Backend();
  f.spec = spec;
  f.spec.id = f.id;
  f.targets = targets.value();
  f.planned_unix_ms = UnixMs();
  const std::string object = K8sObjectName(f.id);
  if (spec.action == "kill") {
    for (const auto& t : f.targets)
      f.steps.push_back(Cmd({"delete", "pod", t.name, "--grace-period=0", "--force", "--wait=false"}));
  } else if (spec.action == "partition") {
    for (const auto& t : f.targets)
      f.steps.push_back(Cmd({"label", "pod", t.name, std::string(kIsolateLabel) + "=" + f.id, "--overwrite"}));
    f.steps.push_back(Cmd({"apply", "-f", "-"}, NetworkPolicyYaml(object, o_.namespace_, f.id)));
    f.undo.push_back(Cmd({"delete", "networkpolicy", object, "--ignore-not-found"}));
    for (const auto& t : f.targets) f.undo.push_back(Cmd({"label", "pod", t.name, std::string(kIsolateLabel) + "-"}));
  } else {  // pause, delay, loss: Chaos Mesh (CheckSupported made sure it is enabled)
    const std::string kind = spec.action == "pause" ? "PodChaos" : "NetworkChaos";
    const std::string resource = spec.action == "pause" ? "podchaos.chaos-mesh.org" : "networkchaos.chaos-mesh.org";
    f.steps.push_back(Cmd({"apply", "-f", "-"}, ChaosYaml(kind, object, o_.namespace_, spec, f.targets)));
    f.undo.push_back(Cmd({"delete", resource, object, "--ignore-not-found"}));
  }
  return f;
}

bool KubectlNemesis::AlreadyUndone(const CommandOutput& out) const {
  // `kubectl label pod P key-` on a pod that is gone: Error from server (NotFound): pods "P" not found.
  return out.err.find("(NotFound)") != std::string::npos;
}

std::string KubectlNemesis::Describe(const FaultSpec& spec) const {
  Status supported = CheckSupported(spec);
  if (!supported.ok()) return (IsUnsupported(supported) ? "unsupported: " : "invalid: ") + supported.reason();
  const std::string kubectl = ShellJoin([&] {
    std::vector<std::string> argv{o_.kubectl};
    auto g = Global();
    argv.insert(argv.end(), g.begin(), g.end());
    return argv;
  }());
  const std::string who = DescribeTargets(spec.mode, spec.selector);
  const std::string id = spec.id.empty() ? "<fault id>" : spec.id;
  const std::string until = spec.duration.count() > 0 ? " for " + std::to_string(spec.duration.count()) + " ms" : "";
  if (spec.action == "kill") return kubectl + " delete pod " + who + " --grace-period=0 --force --wait=false";
  if (spec.action == "partition")
    return kubectl + " label pod " + who + " " + kIsolateLabel + "=" + id + " --overwrite; " + kubectl +
           " apply -f - (NetworkPolicy " + K8sObjectName(id) + " denying all ingress and egress of those pods)" + until;
  if (spec.action == "pause") return kubectl + " apply -f - (Chaos Mesh PodChaos pod-failure on " + who + ")" + until;
  std::string what = spec.latency_ms > 0 ? std::to_string(spec.latency_ms) + " ms delay" : "";
  if (spec.loss_pct > 0) what += (what.empty() ? "" : " and ") + Percent(spec.loss_pct) + "% loss";
  return kubectl + " apply -f - (Chaos Mesh NetworkChaos " + NetworkChaosAction(spec) + ": " + what +
         " on the egress of " + who + ")" + until;
}

std::string KubectlNemesis::NetworkPolicyYaml(const std::string& name, const std::string& ns, const std::string& id) {
  std::string y;
  y += "apiVersion: networking.k8s.io/v1\n";
  y += "kind: NetworkPolicy\n";
  y += "metadata:\n";
  y += "  name: " + Q(name) + "\n";
  y += "  namespace: " + Q(ns) + "\n";
  y += "  labels:\n";
  y += "    app.kubernetes.io/managed-by: \"milvus-drill\"\n";
  y += "spec:\n";
  y += "  podSelector:\n";
  y += "    matchLabels:\n";
  y += "      " + std::string(kIsolateLabel) + ": " + Q(id) + "\n";
  y += "  policyTypes:\n";
  y += "    - \"Ingress\"\n";
  y += "    - \"Egress\"\n";
  y += "  ingress: []\n";  // no rule: nothing allowed in
  y += "  egress: []\n";   // nor out
  return y;
}

std::string KubectlNemesis::ChaosYaml(const std::string& kind, const std::string& name, const std::string& ns,
                                      const FaultSpec& spec, const std::vector<Target>& pods) {
  std::string y;
  y += "apiVersion: chaos-mesh.org/v1alpha1\n";
  y += "kind: " + kind + "\n";
  y += "metadata:\n";
  y += "  name: " + Q(name) + "\n";
  y += "  namespace: " + Q(ns) + "\n";
  y += "  labels:\n";
  y += "    app.kubernetes.io/managed-by: \"milvus-drill\"\n";
  y += "spec:\n";
  y += "  action: " + Q(kind == "PodChaos" ? "pod-failure" : NetworkChaosAction(spec)) + "\n";
  y += "  mode: \"all\"\n";  // the pods we chose, listed by name: the mode was applied by Resolve
  y += "  selector:\n";
  y += "    pods:\n";
  y += "      " + Q(ns) + ":\n";
  for (const auto& p : pods) y += "        - " + Q(p.name) + "\n";
  if (kind == "NetworkChaos" && spec.latency_ms > 0) y += "  delay:\n    latency: " + Q(Ms(spec.latency_ms)) + "\n";
  if (kind == "NetworkChaos" && spec.loss_pct > 0) y += "  loss:\n    loss: " + Q(Percent(spec.loss_pct)) + "\n";
  if (spec.duration.count() > 0) y += "  duration: " + Q(Ms(spec.duration.count())) + "\n";  // else: until deleted
  return y;
}

}  // namespace mdrill::drill
