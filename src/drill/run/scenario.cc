#include "drill/run/scenario.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "drill/run/yaml_load.h"
#include "util/durations.h"
#include "util/read_file.h"

namespace mdrill::drill {

// Defined in the generated builtin_scenarios.cc: scenarios/*.yaml, embedded.
extern const std::map<std::string, std::string>& EmbeddedScenarios();

bool ParseSeconds(const std::string& text, double* seconds) {
  auto v = ParseDurationSeconds(text);
  if (!v.ok()) return false;
  *seconds = v.value();
  return true;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  Status Error(const std::string& where, const std::string& why) const {
    return Status::InvalidArgument(origin_ + ": " + where + ": " + why);
  }

  Status Keys(const YAML::Node& n, const std::string& where, const std::set<std::string>& allowed) const {
    if (!n.IsMap()) return Error(where, "expected a mapping");
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (!allowed.count(k)) return Error(where, "unknown key '" + k + "'");
    }
    return Status::OK();
  }

  Status Seconds(const YAML::Node& n, const std::string& where, double* out) const {
    if (!n.IsScalar() || !ParseSeconds(n.as<std::string>(), out))
      return Error(where, "expected a duration such as 500ms, 20s or 2m");
    return Status::OK();
  }

  Status Number(const YAML::Node& n, const std::string& where, double* out) const {
    try {
      *out = n.as<double>();
    } catch (const YAML::Exception&) {
      return Error(where, "expected a number");
    }
    if (!std::isfinite(*out)) return Error(where, "expected a finite number");
    if (*out < 0) return Error(where, "must not be negative");
    return Status::OK();
  }

  Status Fault(const YAML::Node& n, const std::string& where, FaultStep* f) const {
    if (Status s = Keys(n, where, {"action", "selector", "mode", "at", "for", "delay", "loss"}); !s.ok()) return s;
    if (!n["action"] || !n["selector"]) return Error(where, "a fault needs action and selector");
    f->spec.action = n["action"].as<std::string>();
    static const std::set<std::string> actions = {"kill", "pause", "partition", "delay", "loss"};
    if (!actions.count(f->spec.action))
      return Error(where, "action '" + f->spec.action + "' is not one of kill, pause, partition, delay, loss");
    f->spec.selector = n["selector"].as<std::string>();
    if (n["mode"]) f->spec.mode = n["mode"].as<std::string>();
    if (n["at"])
      if (Status s = Seconds(n["at"], where + ".at", &f->at_s); !s.ok()) return s;
    if (n["for"]) {
      double d = 0;
      if (Status s = Seconds(n["for"], where + ".for", &d); !s.ok()) return s;
      f->spec.duration = std::chrono::milliseconds(static_cast<int64_t>(d * 1000));
    }
    if (n["delay"]) {
      double d = 0;
      if (Status s = Seconds(n["delay"], where + ".delay", &d); !s.ok()) return s;
      f->spec.latency_ms = static_cast<int>(d * 1000);
    }
    if (n["loss"])
      if (Status s = Number(n["loss"], where + ".loss", &f->spec.loss_pct); !s.ok()) return s;
    if (f->spec.action != "kill" && f->spec.duration.count() == 0)
      return Error(where, f->spec.action + " needs `for:` (how long the fault lasts)");
    return Status::OK();
  }

  Status Test(const YAML::Node& n, const std::string& where, TestPlan* t) const {
    if (Status s = Keys(n, where, {"name", "collection", "duration", "expect", "faults", "workload", "thresholds"});
        !s.ok())
      return s;
    if (!n["name"] || !n["collection"]) return Error(where, "a test needs name and collection");
    t->name = n["name"].as<std::string>();
    t->collection = n["collection"].as<std::string>();
    if (n["duration"])
      if (Status s = Seconds(n["duration"], where + ".duration", &t->duration_s); !s.ok()) return s;
    if (n["expect"]) {
      t->expect = n["expect"].as<std::string>();
      if (t->expect != "active-change") return Error(where + ".expect", "only 'active-change' is known");
    }
    if (n["faults"]) {
      if (!n["faults"].IsSequence()) return Error(where + ".faults", "expected a list");
      for (size_t i = 0; i < n["faults"].size(); ++i) {
        FaultStep f;
        if (Status s = Fault(n["faults"][i], where + ".faults[" + std::to_string(i) + "]", &f); !s.ok()) return s;
        if (f.at_s >= t->duration_s)
          return Error(where, "a fault at " + std::to_string(f.at_s) + " s is past the duration");
        t->faults.push_back(f);
      }
    }
    if (const auto& w = n["workload"]) {
      if (Status s = Keys(w, where + ".workload",
                          {"search_rate", "insert_rate", "query_rate", "probe_rate", "connect_rate", "sdk_probe_rate",
                           "keyed_rate", "ddl_rate", "deadline"});
          !s.ok())
        return s;
      for (auto [key, field] : {std::pair{"search_rate", &t->search_rate},
                                {"insert_rate", &t->insert_rate},
                                {"query_rate", &t->query_rate},
                                {"probe_rate", &t->probe_rate},
                                {"connect_rate", &t->connect_rate},
                                {"sdk_probe_rate", &t->sdk_probe_rate},
                                {"keyed_rate", &t->keyed_rate},
                                {"ddl_rate", &t->ddl_rate}})
        if (w[key]) {
          double v = 0;
          if (Status s = Number(w[key], where + ".workload." + key, &v); !s.ok()) return s;
          *field = v;
        }
      if (w["deadline"]) {
        double v = 0;
        if (Status s = Seconds(w["deadline"], where + ".workload.deadline", &v); !s.ok()) return s;
        t->deadline_s = v;
      }
    }
    if (const auto& th = n["thresholds"]) {
      if (Status s = Keys(th, where + ".thresholds", {"rto_max", "failed_max", "availability_min", "lost_max"});
          !s.ok())
        return s;
      double v = 0;
      if (th["rto_max"]) {
        if (Status s = Seconds(th["rto_max"], where + ".thresholds.rto_max", &v); !s.ok()) return s;
        t->rto_max_s = v;
      }
      if (th["availability_min"]) {
        if (Status s = Number(th["availability_min"], where + ".thresholds.availability_min", &v); !s.ok()) return s;
        t->availability_min_pct = v;
      }
      if (th["failed_max"]) {
        if (Status s = Number(th["failed_max"], where + ".thresholds.failed_max", &v); !s.ok()) return s;
        t->failed_max = static_cast<int64_t>(v);
      }
      if (th["lost_max"]) {
        if (Status s = Number(th["lost_max"], where + ".thresholds.lost_max", &v); !s.ok()) return s;
        t->lost_max = static_cast<int64_t>(v);
      }
    }
    return Status::OK();
  }

 private:
  std::string origin_;
};

}  // namespace

Result<Scenario> ParseScenarioYaml(const std::string& yaml_text, const std::string& origin) {
  Parser p(origin);
  auto loaded = LoadYaml(yaml_text, origin);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node& root = loaded.value();
  try {
    if (Status s = p.Keys(root, "top level", {"name", "title", "roles", "tests"}); !s.ok()) return s;
    Scenario sc;
    if (!root["name"] || !root["tests"] || !root["tests"].IsSequence() || root["tests"].size() == 0)
      return p.Error("top level", "a scenario needs name and a non-empty list of tests");
    sc.name = root["name"].as<std::string>();
    sc.title = root["title"] ? root["title"].as<std::string>() : sc.name;
    if (root["roles"]) {
      if (!root["roles"].IsMap()) return p.Error("roles", "a map of role: selector");
      for (const auto& kv : root["roles"]) sc.roles[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
    for (size_t i = 0; i < root["tests"].size(); ++i) {
      TestPlan t;
      if (Status s = p.Test(root["tests"][i], "tests[" + std::to_string(i) + "]", &t); !s.ok()) return s;
      sc.tests.push_back(std::move(t));
    }
    return sc;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin + ": " + e.what());
  }
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::string text;
  if (!ReadWholeFile(path, &text)) return Status::InvalidArgument("cannot read scenario file " + path);
  return ParseScenarioYaml(text, path);
}

std::vector<std::string> BuiltinScenarioNames() { return {"coordinator", "worker", "concurrent", "partition"}; }

std::string BuiltinScenarioYaml(const std::string& name) {
  auto it = EmbeddedScenarios().find(name);
  return it == EmbeddedScenarios().end() ? "" : it->second;
}

Result<Scenario> BuiltinScenario(const std::string& name) {
  std::string text = BuiltinScenarioYaml(name);
  if (text.empty())
    return Status::InvalidArgument("no built-in scenario '" + name + "' (coordinator, worker, concurrent, partition)");
  return ParseScenarioYaml(text, "scenarios/" + name + ".yaml");
}

}  // namespace mdrill::drill
