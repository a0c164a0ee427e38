#include "drill/nemesis/docker.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mdrill::drill {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

bool IsDockerName(const std::string& s) {
  if (s.empty() || s.size() > 255 || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

DockerNemesis::DockerNemesis(DockerOptions options)
    : CliNemesis(options.docker, options.timeout, options.seed), o_(std::move(options)) {}

Result<std::vector<std::string>> DockerNemesis::SelectorFilters(const std::string& selector) {
  std::vector<std::string> filters;
  std::stringstream terms(selector);
  for (std::string term; std::getline(terms, term, ',');) {
    term = Trim(term);
    size_t eq = term.find('=');
    if (eq == std::string::npos || eq == 0 || term.find("!=") != std::string::npos ||
        term.find(' ') != std::string::npos)
      return Status::InvalidArgument("docker backend: selector term '" + term +
                                     "' is not KEY=VALUE (set-based and != selectors are not supported)");
    std::string key = term.substr(0, eq), value = term.substr(eq + 1);
    if (key == "app" || key == "service") {
      filters.push_back("label=" + std::string(kServiceLabel) + "=" + value);
    } else if (key.find('.') != std::string::npos) {
      filters.push_back("label=" + term);
    } else {
      return Status::InvalidArgument("docker backend: selector key '" + key +
                                     "' is neither app/service (the compose service) nor a docker label (with a '.')");
    }
  }
  if (filters.empty()) return Status::InvalidArgument("docker backend: empty selector");
  return filters;
}

Status DockerNemesis::CheckSupported(const FaultSpec& spec) const {
  Status v = ValidateSpec(spec);
  if (!v.ok()) return v;
  auto filters = SelectorFilters(spec.selector);
  if (!filters.ok()) return filters.status();
  if (spec.action == "delay" || spec.action == "loss")
    return Unsupported("docker backend: " + spec.action +
                       " would need `tc qdisc ... netem` inside the container, which needs iproute2 in the image and "
                       "the NET_ADMIN capability; Milvus's images and compose files provide neither. Use the "
                       "kubernetes backend with Chaos Mesh, or pumba netem");
  auto mode = ParseMode(spec.mode);
  if ((mode->kind == Mode::kActive || mode->kind == Mode::kStandby) && !o_.active_resolver)
    return Unsupported("docker backend: mode " + spec.mode +
                       " needs to know which coordinator is active (Milvus records it in etcd, which docker cannot "
                       "read); give an active_resolver, or use mode one/all/N");
  return Status::OK();
}

Result<std::vector<Target>> DockerNemesis::Resolve(const FaultSpec& spec) {
  Status supported = CheckSupported(spec);
  if (!supported.ok()) return supported;
  Command ps{{"ps", "--filter", "status=running"}, ""};
  if (!o_.project.empty()) {
    ps.args.push_back("--filter");
    ps.args.push_back("label=" + std::string(kProjectLabel) + "=" + o_.project);
  }
  auto filters = SelectorFilters(spec.selector);  // valid: CheckSupported parsed it
  for (const auto& f : filters.value()) {
    ps.args.push_back("--filter");
    ps.args.push_back(f);
  }
  ps.args.push_back("--format");
  ps.args.push_back("{{json .}}");
  auto listing = Run(ps);
  if (!listing.ok()) return listing.status();
  std::vector<Target> running;
  std::stringstream lines(listing->out);
  for (std::string line; std::getline(lines, line);) {
    if (Trim(line).empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Status::Internal("docker ps printed a line that is not JSON: " + line.substr(0, 200));
    std::string name = j.value("Names", ""), id = j.value("ID", "");
    if (name.find(',') != std::string::npos) name = name.substr(0, name.find(','));  // legacy links
    if (!IsDockerName(name) || !IsDockerName(id))
      return Status::Internal("docker ps listed a container with an unexpected name or id: " + line.substr(0, 200));
    running.push_back({name, id});
  }
  std::sort(running.begin(), running.end(), [](const Target& a, const Target& b) { return a.name < b.name; });
  auto mode = ParseMode(spec.mode);
  std::string active;
  if (mode->kind == Mode::kActive || mode->kind == Mode::kStandby) {
    auto a = o_.active_resolver(spec);
    if (!a.ok()) return a.status();
    active = a.value();
  }
  std::string what = "containers matching " + spec.selector;
  if (!o_.project.empty()) what += " in compose project " + o_.project;
  return SelectTargets(running, mode.value(), active, seed_, &rng_, what);
}

Result<AppliedFault> DockerNemesis::Plan(const FaultSpec& spec) {
  Status supported = CheckSupported(spec);
  if (!supported.ok()) return supported;
  auto targets = Resolve(spec);
  if (!targets.ok()) return targets.status();
  AppliedFault f;
  f.id = FaultId(spec);
  f.backend = Backend();
  f.spec = spec;
  f.spec.id = f.id;
  f.targets = targets.value();
  f.planned_unix_ms = UnixMs();
  for (const auto& t : f.targets) {
    const std::string& id = t.detail;
    if (spec.action == "kill") {
      f.steps.push_back({{"kill", "--signal", "KILL", id}, ""});
      f.undo.push_back({{"start", id}, ""});
    } else if (spec.action == "pause") {
      f.steps.push_back({{"pause", id}, ""});
      f.undo.push_back({{"unpause", id}, ""});
    } else {  // partition
      auto inspect = Run({{"inspect", "--format", "{{json .NetworkSettings.Networks}}", id}, ""});
      if (!inspect.ok()) return inspect.status();
      auto nets = nlohmann::json::parse(inspect->out, nullptr, false);
      if (nets.is_discarded() || !nets.is_object())
        return Status::Internal("docker inspect printed no network map for " + t.name);
      if (nets.empty()) return Status::InvalidArgument("container " + t.name + " is on no network: nothing to cut");
      for (const auto& [net, ep] : nets.items()) {  // nlohmann orders keys: sorted networks
        if (!IsDockerName(net)) return Status::Internal("unexpected network name '" + net + "'");
        f.steps.push_back({{"network", "disconnect", net, id}, ""});
        Command connect{{"network", "connect"}, ""};
        if (ep.is_object() && ep.contains("Aliases") && ep["Aliases"].is_array()) {
          for (const auto& alias : ep["Aliases"]) {
            if (!alias.is_string() || !IsDockerName(alias.get<std::string>())) continue;
            connect.args.push_back("--alias");
            connect.args.push_back(alias.get<std::string>());
          }
        }
        if (ep.is_object() && ep.contains("IPAMConfig") && ep["IPAMConfig"].is_object()) {
          std::string ip = ep["IPAMConfig"].value("IPv4Address", "");
          if (!ip.empty()) {
            connect.args.push_back("--ip");
            connect.args.push_back(ip);
          }
        }
        connect.args.push_back(net);
        connect.args.push_back(id);
        f.undo.push_back(connect);
      }
    }
  }
  return f;
}

bool DockerNemesis::AlreadyUndone(const CommandOutput& out) const {
  // The container is gone, was never paused / already resumed, or is already back on the network.
  for (const char* done : {"No such container", "is not paused", "already exists in network"})
    if (out.err.find(done) != std::string::npos) return true;
  return false;
}

std::string DockerNemesis::Describe(const FaultSpec& spec) const {
  Status supported = CheckSupported(spec);
  if (!supported.ok()) return (IsUnsupported(supported) ? "unsupported: " : "invalid: ") + supported.reason();
  std::string sel;
  auto filters = SelectorFilters(spec.selector);
  for (const auto& f : filters.value()) sel += (sel.empty() ? "" : ",") + f;
  if (!o_.project.empty()) sel = "label=" + std::string(kProjectLabel) + "=" + o_.project + "," + sel;
  const std::string who = DescribeTargets(spec.mode, sel);
  const std::string docker = ShellJoin({o_.docker});
  const std::string until = spec.duration.count() > 0 ? " for " + std::to_string(spec.duration.count()) + " ms" : "";
  if (spec.action == "kill") return docker + " kill --signal KILL " + who + "; heal: " + docker + " start";
  if (spec.action == "pause") return docker + " pause " + who + until + "; heal: " + docker + " unpause";
  return docker + " network disconnect <each network of> " + who + until + "; heal: " + docker +
         " network connect (same aliases)";
}

}  // namespace mdrill::drill
