#include "drill/nemesis/lab_supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "lab/supervisor/client.h"
#include "util/selector.h"
#include "util/subprocess.h"

namespace mdrill::drill {

bool SelectsSupervisor(const std::string& selector) {
  if (selector.empty()) return false;
  const std::map<std::string, std::string> labels = {
      {"app", "milvus-drill-supervisor"}, {"role", "supervisor"}, {"instance", "supervisor"}};
  bool match = false;
  std::string err;
  return MatchSelector(selector, labels, &match, &err) && match;
}

bool IsSupervisorKill(const AppliedFault& fault) {
  return fault.backend == "lab" && fault.targets.size() == 1 && fault.targets[0].name == "supervisor";
}

namespace {

std::vector<std::string> CmdLine(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  return argv;
}

// The variables of `pid`'s environment that shape the lab: PATH (where etcd and
// haproxy are found) and MDRILL_* (deliberate bugs, test settings). Nothing else:
// the command is journaled, and an environment may hold secrets.
std::vector<std::string> LabEnvironment(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::vector<std::string> out;
  for (std::string kv; std::getline(in, kv, '\0');)
    if (kv.rfind("PATH=", 0) == 0 || kv.rfind("MDRILL_", 0) == 0) out.push_back(kv);
  return out;
}

std::string Link(pid_t pid, const char* what) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/" + what, ec);
  return ec ? "" : target.string();
}

bool SameProcess(pid_t pid, int64_t start) { return pid > 0 && PidAlive(pid) && ProcessStartTicks(pid) == start; }

}  // namespace

Result<SupervisorProcess> FindSupervisor(const std::string& data_dir) {
  std::ifstream in(lab::StateFile(data_dir));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("no lab supervisor: " + lab::StateFile(data_dir) + " is missing or unreadable");
  SupervisorProcess s;
  try {
    s.pid = j.value("supervisor_pid", 0);
    s.start_ticks = j.value("supervisor_start", int64_t{-1});
    for (const auto& c : j.value("components", nlohmann::json::array()))
      if (c.is_object() && c.value("pid", 0) > 0) s.components.emplace_back(c.value("pid", 0), c.value("start", -1));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(lab::StateFile(data_dir) + " is damaged: " + e.what());
  }
  if (!SameProcess(s.pid, s.start_ticks))
    return Status::InvalidArgument("no lab supervisor runs for " + data_dir + " (pid " + std::to_string(s.pid) +
                                   " in its state.json is gone)");
  std::vector<std::string> argv = CmdLine(s.pid);
  const std::string cwd = Link(s.pid, "cwd"), exe = Link(s.pid, "exe");
  if (argv.size() < 3 || argv[1] != "lab" || argv[2] != "up" || cwd.empty() || exe.empty())
    return Status::InvalidArgument("the lab supervisor (pid " + std::to_string(s.pid) +
                                   ") was not started by `lab up`: cannot tell how to restart it");
  // A binary replaced since it started reads "PATH (deleted)": run the path anew.
  const std::string deleted = " (deleted)";
  if (cwd.ends_with(deleted))
    return Status::InvalidArgument("the lab supervisor's working directory " + cwd + " is gone: cannot restart it");
  s.restart = {"env", "-i", "-C", cwd};
  for (auto& kv : LabEnvironment(s.pid)) s.restart.push_back(std::move(kv));
  s.restart.push_back(exe.ends_with(deleted) ? exe.substr(0, exe.size() - deleted.size()) : exe);
  for (size_t i = 1; i < argv.size(); ++i)
    if (argv[i] != "--foreground") s.restart.push_back(argv[i]);
  return s;
}

Status KillSupervisor(const SupervisorProcess& s, std::chrono::milliseconds patience) {
  if (!SameProcess(s.pid, s.start_ticks))
    return Status::InvalidArgument("the lab supervisor (pid " + std::to_string(s.pid) + ") is already gone");
  if (::kill(s.pid, SIGKILL) != 0) return Status::Internal("kill -KILL " + std::to_string(s.pid) + " failed");
  const auto until = std::chrono::steady_clock::now() + patience;
  while (true) {
    int alive = SameProcess(s.pid, s.start_ticks) ? 1 : 0;
    for (const auto& [pid, start] : s.components) alive += SameProcess(pid, start) ? 1 : 0;
    if (alive == 0) return Status::OK();
    if (std::chrono::steady_clock::now() >= until)
      return Status::Internal(std::to_string(alive) + " processes of the lab outlived its killed supervisor");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status RestartSupervisor(const std::vector<std::string>& restart, std::chrono::milliseconds timeout) {
  CommandOptions o;
  o.stderr_to = CommandOptions::Stderr::kToStdout;
  auto out = RunCommand(restart, o, timeout);
  if (!out.ok()) return out.status();
  if (out->exit_code != 0)
    return Status::Internal(ShellJoin(restart) + " exited " + std::to_string(out->exit_code) + ": " + out->out);
  return Status::OK();
}

}  // namespace mdrill::drill
