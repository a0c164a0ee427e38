// The run's deployment: which pods play the roles its scenarios name.
//   lab     the lab's own labels.
//   docker  the seed's labels (app=milvus-*), matched to compose service names.
//   k8s     --deployment helm --release NAME | operator --milvus NAME | seed, or,
//           without --deployment, recognised from the namespace's pods.
// --role ROLE=SELECTOR and a scenario's `roles:` map win over the profile.
#pragma once

#include <string>
#include <vector>

#include "cli/run_flags.h"
#include "drill/nemesis/deployment.h"
#include "drill/nemesis/docker.h"
#include "drill/nemesis/k8s.h"
#include "drill/nemesis/nemesis.h"
#include "drill/run/runner.h"
#include "drill/run/scenario.h"

namespace mdrill::cli {

// The deployment for the flags' target. For k8s without --deployment, lists the
// namespace's pods (kubectl get pods -o json) and recognises it; *pods keeps that
// listing (null when none was read). Prints what was recognised.
Result<drill::Deployment> RunDeployment(const RunFlags& f, nlohmann::json* pods);

// Rewrites every fault's "role=R" selector into the deployment's selector (the
// scenario's own `roles:` first, then `d`); InvalidArgument naming the scenario and
// role when one cannot be named.
Status ApplyRoles(const drill::Deployment& d, std::vector<drill::Scenario>* scenarios);

// Before any fault: every selector the scenarios use must match a running pod.
// Each is resolved (mode all) and listed as "role selector: pods"; *report gets the
// listing. An error names the selector and the label sets seen in `pods` (when
// read), so the run stops before breaking anything.
Status CheckSelectorsMatch(const std::vector<drill::Scenario>& scenarios, drill::Nemesis* nemesis,
                           const nlohmann::json& pods, std::string* report);

// The kubectl backend's options from the flags (the census runs kubectl as it does).
drill::KubectlOptions KubectlOptionsFrom(const RunFlags& f, drill::ActiveResolver active = nullptr);
// The docker backend's options from the flags (--docker, --project).
drill::DockerOptions DockerOptionsFrom(const RunFlags& f);
// The kubectl ("kubernetes") or docker backend, configured from the flags.
std::unique_ptr<drill::Nemesis> CliBackend(const RunFlags& f, const std::string& backend,
                                           drill::ActiveResolver active = nullptr);

// Prints the deployment, the pods each selector resolves to now, and every test's
// plan; touches nothing. 0 when every fault can be resolved as things stand, else
// kExitCannotJudge.
int DryRun(const RunFlags& f, const drill::RunOptions& o, const std::vector<drill::Scenario>& scenarios,
           drill::Nemesis* nemesis, const drill::Deployment& d, const nlohmann::json& pods);

}  // namespace mdrill::cli
