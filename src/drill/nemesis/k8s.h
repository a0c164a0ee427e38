// KubectlNemesis: faults on Milvus running in Kubernetes, through the kubectl CLI.
//
// Every command starts with the same global flags, `[--context C] -n NAMESPACE`, and is
// run as an argv (never through a shell). G below stands for those flags.
//
//   Resolve    kubectl G get pods -l SELECTOR -o json
//              keeps pods in phase Running with no metadata.deletionTimestamp (a pod
//              being deleted is already on its way out), sorted by name, then applies
//              the mode: one / N / percent pick the first ones by name (or a seeded
//              random choice), all takes every one. Never more than the mode asks for:
//              the seed script's `kubectl delete pod -l SELECTOR` killed every match.
//   kill       kubectl G delete pod NAME --grace-period=0 --force --wait=false   (each pod)
//              nothing to undo: the pod's controller (StatefulSet, Deployment) replaces it.
//   partition  kubectl G label pod NAME milvus-drill/isolate=ID --overwrite      (each pod)
//              kubectl G apply -f -   <- NetworkPolicy milvus-drill-ID: podSelector
//                                        milvus-drill/isolate=ID, policyTypes Ingress and
//                                        Egress, no rules: all traffic in and out denied
//              undo: kubectl G delete networkpolicy milvus-drill-ID --ignore-not-found
//                    kubectl G label pod NAME milvus-drill/isolate-              (each pod)
//              A NetworkPolicy only takes effect when the cluster's CNI enforces
//              NetworkPolicies (Calico, Cilium, Antrea, ...); with one that does not
//              (e.g. flannel alone) the policy is accepted and nothing is isolated.
//              The drill's before/after checks are what tell.
//              Pods are selected by a label added for the fault because Deployments'
//              pods have no per-pod label (statefulset.kubernetes.io/pod-name exists
//              for StatefulSets only) and the component label would isolate every
//              replica.
//   pause      Kubernetes has no pause. With chaos_mesh: kubectl G apply -f - <- a Chaos
//              Mesh PodChaos (action pod-failure, mode all, the selected pods by name,
//              duration when given); undo: kubectl G delete podchaos.chaos-mesh.org
//              milvus-drill-ID --ignore-not-found. pod-failure swaps the containers'
//              image for a pause image, so the pod is unavailable and its process
//              restarts afterwards: "down for a while", not a SIGSTOP freeze. Without
//              chaos_mesh: Unsupported.
//   delay,     with chaos_mesh: a NetworkChaos (action delay, loss, or netem for both) on
//   loss       the selected pods' egress, undone by deleting networkchaos.chaos-mesh.org
//              milvus-drill-ID. Without chaos_mesh: Unsupported.
//   active,    modes that need to know which coordinator is active: Milvus (with
//   standby    enableActiveStandby) records it in etcd (session key <root>/meta/session/
//              <role>), which kubectl cannot read. They work only when options give an
//              active_resolver; otherwise Resolve answers Unsupported.
//
// RBAC needed in the namespace: pods get, list, delete, patch (label); networkpolicies
// (networking.k8s.io) get, create, patch, delete (apply reads, then creates or patches);
// with chaos_mesh, podchaos and networkchaos (chaos-mesh.org) get, create, patch, delete.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "drill/nemesis/nemesis.h"

namespace mdrill::drill {

struct KubectlOptions {
  std::string kubectl = "kubectl";           // binary, searched in PATH
  std::string namespace_;                    // required: the namespace Milvus runs in (-n)
  std::string context;                       // empty: kubectl's current context; else --context C
  std::chrono::milliseconds timeout{30000};  // per kubectl invocation
  uint64_t seed = 0;                         // 0: modes pick the first pods by name; else a seeded random choice
  bool chaos_mesh = false;                   // pause/delay/loss through Chaos Mesh CRDs (must be installed)
  // For modes active/standby: the active pod's name, or its IP (IP:port), which is
  // matched to the running pod with that podIP (milvus_sessions.h reads it from etcd).
  ActiveResolver active_resolver;
};

class KubectlNemesis final : public CliNemesis {
 public:
  explicit KubectlNemesis(KubectlOptions options);

  std::string Backend() const override { return "kubernetes"; }
  Result<std::vector<Target>> Resolve(const FaultSpec& spec) override;
  Result<AppliedFault> Plan(const FaultSpec& spec) override;
  std::string Describe(const FaultSpec& spec) const override;

  // The manifests Plan sends to `kubectl apply -f -` (YAML, every scalar quoted).
  static std::string NetworkPolicyYaml(const std::string& name, const std::string& ns, const std::string& id);
  static std::string ChaosYaml(const std::string& kind, const std::string& name, const std::string& ns,
                               const FaultSpec& spec, const std::vector<Target>& pods);

 protected:
  bool AlreadyUndone(const CommandOutput& out) const override;

 private:
  std::vector<std::string> Global() const;  // [--context C] -n NS
  Command Cmd(std::vector<std::string> args, std::string input = "") const;
  Status CheckSupported(const FaultSpec& spec) const;

  KubectlOptions o_;
};

// kubectl's global flags for these options: [--context C] -n NAMESPACE.
std::vector<std::string> KubectlGlobalArgs(const KubectlOptions& o);

// Name of the Kubernetes objects a fault creates: "milvus-drill-" + fault id.
std::string K8sObjectName(const std::string& fault_id);
inline constexpr const char* kIsolateLabel = "milvus-drill/isolate";

}  // namespace mdrill::drill
