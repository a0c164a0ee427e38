// The census of a Kubernetes target (drill/check/census.h), from kubectl, with the
// global flags G = [--context C] -n NAMESPACE as the kubectl backend's:
//
//   kubectl G get pods -o json
//       one entry per pod that a role of the deployment selects, or of the
//       deployment's instance (app.kubernetes.io/instance or release: its
//       coordinators, index nodes, MinIO, Pulsar ...), or that carries the drill's isolate label: role, state (running;
//       terminating once deleted; else the phase), healthy (condition Ready), restarts (the containers' restartCount,
//       summed), and "partitioned" with the fault's label when the pod still carries milvus-drill/isolate. Processes
//       are not visible from here: pid -1, memory and descriptors unknown. A
//       Job's pods, and pods that ran to completion, are not components: left out.
//   kubectl G get networkpolicies -o json
//       one entry per NetworkPolicy the drill made (named milvus-drill-*):
//       "partitioned", held by it.
//   with Chaos Mesh: kubectl G get podchaos.chaos-mesh.org,networkchaos.chaos-mesh.org -o json
//       one entry per chaos object the drill made, held by it.
//
// So a census taken after every fault ended names any label, policy or chaos
// object a fault left behind ("faults outliving expiry"), and a pod's own restarts
// beyond the drill's kills ("crashes"; a killed pod is replaced by a new name).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "drill/check/census.h"
#include "drill/nemesis/deployment.h"
#include "drill/nemesis/k8s.h"

namespace mdrill::drill {

// The entries of a `kubectl get pods -o json` listing (pure, for the tests).
std::vector<CensusEntry> CensusFromPods(const nlohmann::json& pods, const Deployment& d);
// The entries of the drill's own objects in a `kubectl get ... -o json` listing.
std::vector<CensusEntry> CensusFromDrillObjects(const nlohmann::json& list);

using CensusFn = std::function<Result<std::vector<CensusEntry>>()>;
// The census as the runner takes it (RunOptions::census).
CensusFn K8sCensus(const KubectlOptions& o, const Deployment& d);

}  // namespace mdrill::drill
