#include "cli/deployment_cmd.h"

#include <cstdio>
#include <set>

#include "drill/nemesis/docker.h"
#include "drill/nemesis/run_with_input.h"

namespace mdrill::cli {

using drill::Deployment;

namespace {

// kubectl [--context C] -n NS get pods -o json: every pod of the namespace.
Result<nlohmann::json> ListPods(const RunFlags& f) {
  std::vector<std::string> argv = {f.kubectl};
  if (!f.context.empty()) argv.insert(argv.end(), {"--context", f.context});
  argv.insert(argv.end(), {"-n", f.ns, "get", "pods", "-o", "json"});
  auto out = drill::RunWithInput(argv, "", std::chrono::seconds(30));
  if (!out.ok()) return out.status();
  if (out->exit_code != 0)
    return Status::Internal(ShellJoin(argv) + " failed (exit " + std::to_string(out->exit_code) + "): " + out->err);
  auto j = nlohmann::json::parse(out->out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("items"))
    return Status::Internal(ShellJoin(argv) + " printed something that is not a pod list");
  return j;
}

}  // namespace

Result<Deployment> RunDeployment(const RunFlags& f, nlohmann::json* pods) {
  *pods = nullptr;
  Result<Deployment> d = Status::Internal("unset");
  if (f.target == "lab") {
    d = drill::MakeDeployment("lab", "", f.coord_role);
  } else if (!f.deployment.empty()) {
    d = drill::MakeDeployment(f.deployment, f.deployment == "operator" ? f.milvus : f.release, f.coord_role);
    // Read for the message when a selector matches nothing; the run goes on without it.
    if (f.target == "k8s")
      if (auto listing = ListPods(f); listing.ok()) *pods = listing.value();
  } else if (f.target == "docker") {
    d = drill::MakeDeployment("seed", "", f.coord_role);
  } else {
    auto listing = ListPods(f);
    if (!listing.ok())
      return Status::InvalidArgument("cannot recognise the deployment (" + listing.status().reason() +
                                     "); give --deployment helm --release NAME, operator --milvus NAME, or seed");
    *pods = listing.value();
    d = drill::DetectDeployment(*pods, f.release.empty() ? f.milvus : f.release);
    if (d.ok() && !f.coord_role.empty()) d->coordinator = f.coord_role;
    if (d.ok()) std::printf("deployment: recognised %s in namespace %s\n", d->Describe().c_str(), f.ns.c_str());
  }
  if (!d.ok()) return d.status();
  for (const auto& r : f.roles)
    if (Status s = drill::AddRoleOverride(r, &d.value()); !s.ok()) return s;
  return d;
}

Status ApplyRoles(const Deployment& d, std::vector<drill::Scenario>* scenarios) {
  for (auto& sc : *scenarios) {
    Deployment own = d;
    // The scenario file's mapping, unless the command line gave that role.
    for (const auto& [role, selector] : sc.roles)
      if (!d.overrides.count(role))
        if (Status s = drill::AddRoleOverride(role + "=" + selector, &own); !s.ok())
          return Status::InvalidArgument("scenario " + sc.name + ": roles: " + s.reason());
    for (auto& t : sc.tests)
      for (auto& step : t.faults) {
        auto sel = own.Resolve(step.spec.selector);
        if (!sel.ok()) return Status::InvalidArgument("scenario " + sc.name + ": " + sel.status().reason());
        step.spec.selector = sel.value();
      }
  }
  return Status::OK();
}

Status CheckSelectorsMatch(const std::vector<drill::Scenario>& scenarios, drill::Nemesis* nemesis,
                           const nlohmann::json& pods, std::string* report) {
  std::set<std::string> selectors;
  for (const auto& sc : scenarios)
    for (const auto& t : sc.tests)
      for (const auto& step : t.faults) selectors.insert(step.spec.selector);
  for (const auto& sel : selectors) {
    drill::FaultSpec probe;
    probe.action = "kill";
    probe.selector = sel;
    probe.mode = "all";
    auto targets = nemesis->Resolve(probe);
    if (!targets.ok() || targets->empty()) {
      std::string why = targets.ok() ? "no running pods" : targets.status().reason();
      std::string seen;
      if (!pods.is_null())
        for (const auto& s : drill::LabelSetsSeen(pods)) seen += "\n  " + s;
      return Status::InvalidArgument(
          "selector " + sel + " matches nothing to break: " + why +
          (seen.empty() ? "" : "\nlabels seen in the namespace:" + seen) +
          "\nnothing was touched; fix the mapping with --deployment or --role ROLE=SELECTOR");
    }
    std::string names;
    for (const auto& t : targets.value()) names += (names.empty() ? "" : ", ") + t.name;
    *report += "  " + sel + ": " + names + "\n";
  }
  return Status::OK();
}

int DryRun(const RunFlags& f, const drill::RunOptions& o, const std::vector<drill::Scenario>& scenarios,
           drill::Nemesis* nemesis, const Deployment& d, const nlohmann::json& pods) {
  std::printf("dry run against %s (%s): nothing will be touched\n", o.connect.address.c_str(), f.target.c_str());
  std::printf("deployment: %s\n", d.Describe().c_str());
  std::string matched;
  Status s = CheckSelectorsMatch(scenarios, nemesis, pods, &matched);
  std::printf("%s%s", s.ok() ? "the faults' pods now:\n" : "", s.ok() ? matched.c_str() : "");
  if (!s.ok()) std::printf("cannot resolve now: %s\n", s.reason().c_str());
  bool resolvable = s.ok();
  for (const auto& sc : scenarios) {
    std::printf("scenario %s: %s\n", sc.name.c_str(), sc.title.c_str());
    for (const auto& t : sc.tests) {
      std::string plan = drill::DescribePlan(t, o, nemesis);
      resolvable = resolvable && plan.find("cannot resolve now") == std::string::npos;
      std::printf("%s", plan.c_str());
    }
  }
  if (!resolvable) std::printf("dry run: some faults cannot be applied as things stand (see above)\n");
  return resolvable ? 0 : drill::kExitCannotJudge;
}

drill::KubectlOptions KubectlOptionsFrom(const RunFlags& f, drill::ActiveResolver active) {
  drill::KubectlOptions k;
  k.active_resolver = std::move(active);
  k.kubectl = f.kubectl;
  k.namespace_ = f.ns;
  k.context = f.context;
  k.chaos_mesh = f.chaos_mesh;
  return k;
}

drill::DockerOptions DockerOptionsFrom(const RunFlags& f) {
  drill::DockerOptions d;
  d.docker = f.docker;
  d.project = f.project;
  return d;
}

std::unique_ptr<drill::Nemesis> CliBackend(const RunFlags& f, const std::string& backend,
                                           drill::ActiveResolver active) {
  if (backend == "kubernetes") return std::make_unique<drill::KubectlNemesis>(KubectlOptionsFrom(f, std::move(active)));
  return std::make_unique<drill::DockerNemesis>(DockerOptionsFrom(f));
}

}  // namespace mdrill::cli
