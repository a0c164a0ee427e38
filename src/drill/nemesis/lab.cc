#include "drill/nemesis/lab.h"

#include <grpcpp/grpcpp.h>

#include <fstream>

#include "drill/nemesis/lab_supervisor.h"
#include "lab.grpc.pb.h"
#include "lab/supervisor/client.h"
#include "util/selector.h"

namespace mdrill::drill {

namespace rec = ::milvusdrill::lab;

namespace {

std::string Seconds(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

// The id the supervisor knows the fault's part on one target by.
std::string SupervisorFaultId(const AppliedFault& fault, const Target& t) { return fault.id + "." + t.name; }

}  // namespace

LabNemesis::LabNemesis(std::string data_dir, uint64_t seed) : data_dir_(std::move(data_dir)), seed_(seed), rng_(seed) {}
LabNemesis::~LabNemesis() = default;

Result<rec::StatusResponse> LabNemesis::LabStatus() {
  auto stub = lab::ConnectSupervisor(data_dir_);
  if (!stub.ok()) return stub.status();
  return lab::SupervisorStatus(stub.value().get());
}

Result<std::string> LabNemesis::ActiveCoordinator() {
  auto st = LabStatus();
  if (!st.ok()) return st.status();
  for (const auto& c : st->components())
    if (c.role() == "coordinator" && c.state() == "active") return c.name() + " (pid " + std::to_string(c.pid()) + ")";
  return std::string();
}

Result<std::vector<Target>> LabNemesis::Resolve(const FaultSpec& spec) {
  if (Status s = ValidateSpec(spec); !s.ok()) return s;
  auto mode = ParseMode(spec.mode);
  if (!mode.ok()) return mode.status();
  if (SelectsSupervisor(spec.selector)) {
    if (spec.action != "kill") return Unsupported("the lab's supervisor can be killed, not " + spec.action);
    if (mode->kind == Mode::kActive || mode->kind == Mode::kStandby)
      return Status::InvalidArgument("mode " + spec.mode + " applies to coordinators only");
    auto sup = FindSupervisor(data_dir_);
    if (!sup.ok()) return sup.status();
    return std::vector<Target>{{"supervisor", "pid " + std::to_string(sup->pid)}};
  }
  auto st = LabStatus();
  if (!st.ok()) return st.status();
  std::vector<Target> candidates;
  std::string active;
  for (const auto& c : st->components()) {
    std::map<std::string, std::string> labels(c.labels().begin(), c.labels().end());
    bool match = false;
    std::string err;
    if (!MatchSelector(spec.selector, labels, &match, &err)) return Status::InvalidArgument(err);
    if (!match || c.pid() == 0 || c.state() == "paused" || c.state() == "partitioned") continue;
    if (c.state() == "active") active = c.name();
    candidates.push_back({c.name(), c.address()});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Target& a, const Target& b) { return a.name < b.name; });
  if ((mode->kind == Mode::kActive || mode->kind == Mode::kStandby) && active.empty())
    return Status::InvalidArgument("no active coordinator among " + spec.selector);
  return SelectTargets(candidates, mode.value(), active, seed_, &rng_, "lab component matching " + spec.selector);
}

Result<AppliedFault> LabNemesis::Plan(const FaultSpec& spec) {
  auto targets = Resolve(spec);
  if (!targets.ok()) return targets.status();
  AppliedFault f;
  f.id = FaultId(spec);
  f.backend = Backend();
  f.spec = spec;
  f.targets = targets.value();
  f.planned_unix_ms = UnixMs();
  if (IsSupervisorKill(f)) {
    if (spec.duration.count() <= 0)
      return Status::InvalidArgument(
          "a kill of the lab's supervisor needs a duration: how long the lab stays down before it is started again");
    auto sup = FindSupervisor(data_dir_);
    if (!sup.ok()) return sup.status();
    f.steps.push_back({{"kill", "-KILL", std::to_string(sup->pid)}, ""});
    f.undo.push_back({sup->restart, ""});  // Heal, once the duration is over
    return f;
  }
  for (const auto& t : f.targets) {
    Command c{{"lab", spec.action, "-l", "instance=" + t.name, "--mode", "all", "--data-dir", data_dir_}, ""};
    if (spec.duration.count() > 0) c.args.insert(c.args.end(), {"--for", Seconds(spec.duration)});
    if (spec.action == "kill" && spec.duration.count() > 0) c.args.push_back("--no-restart");
    c.args.insert(c.args.end(), {"--id", SupervisorFaultId(f, t)});
    f.steps.push_back(c);
    f.undo.push_back({{"lab", "heal", "--id", SupervisorFaultId(f, t), "--data-dir", data_dir_}, ""});
  }
  return f;
}

Status LabNemesis::Send(const std::string& action, const std::string& selector, const FaultSpec& spec,
                        const std::string& fault_id) {
  auto stub = lab::ConnectSupervisor(data_dir_);
  if (!stub.ok()) return stub.status();
  rec::FaultRequest req;
  req.set_action(action);
  req.set_selector(selector);
  req.set_mode("all");
  req.set_duration_ms(spec.duration.count());
  req.set_no_restart(action == "kill" && spec.duration.count() > 0);
  req.set_loss_pct(static_cast<int>(spec.loss_pct));
  req.set_delay_ms(spec.latency_ms);
  req.set_fault_id(fault_id);
  return lab::SendFault(stub.value().get(), req);
}

// The whole lab's crash (see lab_supervisor.h): the supervisor is killed here and
// started again by Heal, with the command in the plan's undo, once the fault's
// duration is over.
Status LabNemesis::InjectSupervisorKill(const AppliedFault& fault) {
  auto sup = FindSupervisor(data_dir_);
  if (!sup.ok()) return sup.status();
  if (fault.steps.empty() || fault.steps[0].args.back() != std::to_string(sup->pid))
    return Status::InvalidArgument("the lab supervisor changed since the fault was planned (now pid " +
                                   std::to_string(sup->pid) + ")");
  return KillSupervisor(sup.value());
}

Status LabNemesis::Inject(const AppliedFault& fault) {
  if (IsSupervisorKill(fault)) return InjectSupervisorKill(fault);
  for (const auto& t : fault.targets)
    if (Status s = Send(fault.spec.action, "instance=" + t.name, fault.spec, SupervisorFaultId(fault, t)); !s.ok())
      return s;
  return Status::OK();
}

// Undoes this fault only: another one in force (a companion) keeps its own deadline.
Status LabNemesis::Heal(const AppliedFault& fault) {
  if (IsSupervisorKill(fault)) {
    if (FindSupervisor(data_dir_).ok() || fault.undo.empty()) return Status::OK();  // already back
    return RestartSupervisor(fault.undo[0].args);
  }
  if (fault.spec.action == "kill" && fault.spec.duration.count() == 0) return Status::OK();  // restarts by itself
  FaultSpec none;
  Status healed = Status::OK();
  for (const auto& t : fault.targets)
    if (Status s = Send("heal", "", none, SupervisorFaultId(fault, t)); !s.ok() && healed.ok()) healed = s;
  return healed;
}

std::string LabNemesis::Describe(const FaultSpec& spec) const {
  if (SelectsSupervisor(spec.selector))
    return "kill -KILL <the lab supervisor of " + data_dir_ + ">, then `lab up` as it was started after " +
           Seconds(spec.duration);
  std::string d = "milvus-drill lab " + spec.action + " " + DescribeTargets(spec.mode, spec.selector);
  if (spec.action == "loss") d += " --loss " + std::to_string(static_cast<int>(spec.loss_pct));
  if (spec.action == "delay") d += " --delay " + std::to_string(spec.latency_ms);
  if (spec.duration.count() > 0) d += " --for " + Seconds(spec.duration);
  return d + " --data-dir " + data_dir_;
}

}  // namespace mdrill::drill
