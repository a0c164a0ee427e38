#include "drill/nemesis/nemesis.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <nlohmann/json.hpp>

namespace mdrill::drill {

// ---------------------------------------------------------------- Nemesis

Result<AppliedFault> Nemesis::Apply(const FaultSpec& spec) {
  auto plan = Plan(spec);
  if (!plan.ok()) return plan.status();
  Status injected = Inject(plan.value());
  if (injected.ok()) return plan;
  Status healed = Heal(plan.value());
  std::string reason =
      injected.reason() + (healed.ok() ? "; what had been applied was undone"
                                       : "; undoing what had been applied failed too: " + healed.reason());
  if (injected.IsTransport()) return Status::Transport(injected.transport_code(), reason);
  return Status(injected.code(), injected.error_code(), reason);
}

// ---------------------------------------------------------------- CliNemesis

CliNemesis::CliNemesis(std::string binary, std::chrono::milliseconds timeout, uint64_t seed)
    : binary_(std::move(binary)), timeout_(timeout), seed_(seed), rng_(seed) {}

std::string CliNemesis::CommandLine(const Command& c) const {
  std::vector<std::string> argv{binary_};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  return ShellJoin(argv) + (c.input.empty() ? "" : " (with a manifest on stdin)");
}

Result<CommandOutput> CliNemesis::Run(const Command& c) {
  std::vector<std::string> argv{binary_};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  auto out = RunWithInput(argv, c.input, timeout_);
  if (!out.ok()) return out.status();
  if (out->exit_code != 0) {
    std::string err = out->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return Status::Internal(CommandLine(c) + " failed (exit " + std::to_string(out->exit_code) +
                            "): " + (err.empty() ? std::string("no message on stderr") : err));
  }
  return out;
}

Status CliNemesis::Inject(const AppliedFault& fault) {
  if (fault.backend != Backend())
    return Status::InvalidArgument("fault " + fault.id + " belongs to the " + fault.backend + " backend, not " +
                                   Backend());
  for (const auto& step : fault.steps) {
    auto r = Run(step);
    if (!r.ok()) return r.status();
  }
  return Status::OK();
}

Status CliNemesis::Heal(const AppliedFault& fault) {
  if (fault.backend != Backend())
    return Status::InvalidArgument("fault " + fault.id + " belongs to the " + fault.backend + " backend, not " +
                                   Backend());
  std::string failures;
  for (const auto& step : fault.undo) {
    std::vector<std::string> argv{binary_};
    argv.insert(argv.end(), step.args.begin(), step.args.end());
    auto out = RunWithInput(argv, step.input, timeout_);
    if (out.ok() && (out->exit_code == 0 || AlreadyUndone(out.value()))) continue;
    std::string why = out.ok() ? "exit " + std::to_string(out->exit_code) + ": " + out->err : out.status().reason();
    while (!why.empty() && why.back() == '\n') why.pop_back();
    failures += (failures.empty() ? "" : "; ") + CommandLine(step) + " failed (" + why + ")";
  }
  if (failures.empty()) return Status::OK();
  return Status::Internal("healing fault " + fault.id + ": " + failures);
}

// ---------------------------------------------------------------- modes and specs

Result<Mode> ParseMode(const std::string& mode) {
  Mode m;
  auto positive = [](const std::string& s, int max, int* out) {
    if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    *out = std::stoi(s);
    return *out >= 1 && *out <= max;
  };
  if (mode.empty() || mode == "one") return m;
  if (mode == "all") return Mode{Mode::kAll, 0};
  if (mode == "active") return Mode{Mode::kActive, 1};
  if (mode == "standby") return Mode{Mode::kStandby, 1};
  if (mode.rfind("percent:", 0) == 0) {
    if (!positive(mode.substr(8), 100, &m.value))
      return Status::InvalidArgument("mode '" + mode + "': the percentage must be an integer in 1..100");
    m.kind = Mode::kPercent;
    return m;
  }
  if (positive(mode, 100000, &m.value)) {
    m.kind = Mode::kCount;
    return m;
  }
  return Status::InvalidArgument("unknown mode '" + mode + "' (one, all, a count N, percent:P, active, standby)");
}

Status ValidateSpec(const FaultSpec& spec) {
  static const char* kActions[] = {"kill", "pause", "partition", "delay", "loss"};
  if (std::find(std::begin(kActions), std::end(kActions), spec.action) == std::end(kActions))
    return Status::InvalidArgument("unknown fault action '" + spec.action + "' (kill, pause, partition, delay, loss)");
  if (spec.selector.empty()) return Status::InvalidArgument("the fault has no target selector");
  if (spec.duration.count() < 0) return Status::InvalidArgument("negative fault duration");
  if (spec.latency_ms < 0 || spec.loss_pct < 0 || spec.loss_pct > 100)
    return Status::InvalidArgument("latency must be >= 0 ms and loss within 0..100 %");
  if (spec.action == "delay" && spec.latency_ms <= 0)
    return Status::InvalidArgument("a delay fault needs latency_ms > 0");
  if (spec.action == "loss" && spec.loss_pct <= 0) return Status::InvalidArgument("a loss fault needs loss_pct > 0");
  if (!spec.id.empty() && !IsDnsLabel(spec.id, 40))
    return Status::InvalidArgument("fault id '" + spec.id +
                                   "' must be lower-case letters, digits and '-', at most 40 characters");
  auto mode = ParseMode(spec.mode);
  return mode.ok() ? Status::OK() : mode.status();
}

Result<std::vector<Target>> SelectTargets(const std::vector<Target>& candidates, const Mode& mode,
                                          const std::string& active, uint64_t seed, std::mt19937_64* rng,
                                          const std::string& what) {
  if (candidates.empty()) return Status::InvalidArgument("no running " + what);
  std::vector<Target> pool = candidates;
  if (mode.kind == Mode::kActive || mode.kind == Mode::kStandby) {
    auto it = std::find_if(pool.begin(), pool.end(), [&](const Target& t) { return t.name == active; });
    if (it == pool.end())
      return Status::InvalidArgument("the active one, '" + active + "', is not among the running " + what);
    if (mode.kind == Mode::kActive) return std::vector<Target>{*it};
    pool.erase(it);
    if (pool.empty()) return Status::InvalidArgument("no standby among the running " + what);
  }
  size_t n = 1;
  if (mode.kind == Mode::kAll) n = pool.size();
  if (mode.kind == Mode::kCount) n = static_cast<size_t>(mode.value);
  if (mode.kind == Mode::kPercent)
    n = std::max<size_t>(1, static_cast<size_t>(std::ceil(pool.size() * mode.value / 100.0)));
  if (n > pool.size())
    return Status::InvalidArgument("mode asks for " + std::to_string(n) + " targets but only " +
                                   std::to_string(pool.size()) + " " + what + " are running");
  if (seed != 0 && n < pool.size()) {
    std::shuffle(pool.begin(), pool.end(), *rng);
    pool.resize(n);
    std::sort(pool.begin(), pool.end(), [](const Target& a, const Target& b) { return a.name < b.name; });
  }
  pool.resize(n);
  return pool;
}

std::string DescribeTargets(const std::string& mode, const std::string& selector) {
  auto m = ParseMode(mode);
  if (!m.ok()) return "<" + mode + " of " + selector + ">";
  switch (m->kind) {
    case Mode::kOne:
      return "<one of " + selector + ">";
    case Mode::kAll:
      return "<each of " + selector + ">";
    case Mode::kCount:
      return "<" + std::to_string(m->value) + " of " + selector + ">";
    case Mode::kPercent:
      return "<" + std::to_string(m->value) + "% of " + selector + ">";
    case Mode::kActive:
      return "<the active one of " + selector + ">";
    case Mode::kStandby:
      return "<one standby of " + selector + ">";
  }
  return selector;
}

std::string FaultId(const FaultSpec& spec) {
  if (!spec.id.empty()) return spec.id;
  static std::atomic<uint64_t> next{1};
  return spec.action + "-" + std::to_string(UnixMs()) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(next.fetch_add(1));
}

bool IsDnsLabel(const std::string& s, size_t max_len) {
  if (s.empty() || s.size() > max_len || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// ---------------------------------------------------------------- JSON

nlohmann::json ToJson(const FaultSpec& s) {
  return {{"action", s.action},         {"selector", s.selector}, {"mode", s.mode}, {"duration_ms", s.duration.count()},
          {"latency_ms", s.latency_ms}, {"loss_pct", s.loss_pct}, {"id", s.id}};
}

nlohmann::json ToJson(const AppliedFault& f) {
  nlohmann::json j = {
      {"id", f.id}, {"backend", f.backend}, {"spec", ToJson(f.spec)}, {"planned_unix_ms", f.planned_unix_ms}};
  j["targets"] = nlohmann::json::array();
  for (const auto& t : f.targets) j["targets"].push_back({{"name", t.name}, {"detail", t.detail}});
  for (const char* key : {"steps", "undo"}) {
    j[key] = nlohmann::json::array();
    for (const auto& c : (std::string(key) == "steps" ? f.steps : f.undo)) {
      nlohmann::json cj = {{"args", c.args}};
      if (!c.input.empty()) cj["input"] = c.input;
      j[key].push_back(cj);
    }
  }
  return j;
}

namespace {

// An integer field of a journaled fault, `fallback` when absent. A number outside
// int64 (or not whole) is refused: nlohmann converts a floating-point JSON number
// with a plain cast, undefined behaviour when it does not fit (found by fuzz_journal).
int64_t IntegerField(const nlohmann::json& j, const char* key, int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    const double d = it->get<double>();
    if (std::isfinite(d) && d >= -9.2e18 && d <= 9.2e18 && d == std::trunc(d)) return static_cast<int64_t>(d);
  }
  throw nlohmann::json::type_error::create(302, std::string(key) + " is not an integer", &*it);
}

}  // namespace

Result<FaultSpec> FaultSpecFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("fault spec is not a JSON object");
  FaultSpec s;
  try {
    s.action = j.value("action", "");
    s.selector = j.value("selector", "");
    s.mode = j.value("mode", "one");
    s.duration = std::chrono::milliseconds(IntegerField(j, "duration_ms", 0));
    const int64_t latency = IntegerField(j, "latency_ms", 0);
    if (latency < 0 || latency > 3600000) return Status::InvalidArgument("fault spec: latency_ms out of range");
    s.latency_ms = static_cast<int>(latency);
    s.loss_pct = j.value("loss_pct", 0.0);
    s.id = j.value("id", "");
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("fault spec: ") + e.what());
  }
  return s;
}

Result<AppliedFault> AppliedFaultFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("spec"))
    return Status::InvalidArgument("applied fault: not an object with id and spec");
  AppliedFault f;
  try {
    f.id = j.at("id").get<std::string>();
    f.backend = j.value("backend", "");
    auto spec = FaultSpecFromJson(j.at("spec"));
    if (!spec.ok()) return spec.status();
    f.spec = spec.value();
    f.planned_unix_ms = IntegerField(j, "planned_unix_ms", 0);
    for (const auto& t : j.value("targets", nlohmann::json::array()))
      f.targets.push_back({t.value("name", ""), t.value("detail", "")});
    for (const char* key : {"steps", "undo"}) {
      auto& out = std::string(key) == "steps" ? f.steps : f.undo;
      for (const auto& c : j.value(key, nlohmann::json::array()))
        out.push_back({c.at("args").get<std::vector<std::string>>(), c.value("input", "")});
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("applied fault: ") + e.what());
  }
  return f;
}

}  // namespace mdrill::drill
