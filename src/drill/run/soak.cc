#include "drill/run/soak.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "drill/nemesis/lab_supervisor.h"
#include "drill/run/yaml_load.h"
#include "util/durations.h"
#include "util/read_file.h"

namespace mdrill::drill {

std::vector<SoakFault> SoakMix(const SoakOptions& o) {
  if (!o.mix.empty()) {
    std::vector<SoakFault> mix;
    for (const auto& f : o.mix) {
      if (f.action == "pause" && !o.pause) continue;
      if (f.action == "partition" && !o.partition) continue;
      if ((f.action == "loss" || f.action == "delay") && !o.network) continue;
      if (f.action == "delay" && !o.delay) continue;
      if (f.selector.find("etcd") != std::string::npos && !o.etcd) continue;
      if (SelectsSupervisor(f.selector) && !o.supervisor) continue;
      mix.push_back(f);
    }
    return mix;
  }
  std::vector<SoakFault> mix = {
      {"kill", "role=coordinator", "active", false, 2},
      {"kill", "role=coordinator", "standby", false, 1},
      {"kill", "role=querynode", "one", false, 2},
      {"kill", "role=proxy", "one", false, 2},
  };
  if (o.pause) {
    mix.push_back({"pause", "role=querynode", "one", true, 1});
    mix.push_back({"pause", "role=proxy", "one", true, 1});
  }
  if (o.partition) mix.push_back({"partition", "role=coordinator", "active", true, 2});
  if (o.etcd) {
    mix.push_back({"kill", "role=etcd", "one", false, 1});
    if (o.pause) mix.push_back({"pause", "role=etcd", "one", true, 1});
  }
  if (o.supervisor) mix.push_back({"kill", "role=supervisor", "one", true, 1});
  if (o.network) {
    if (o.delay) mix.push_back({"delay", "role=querynode", "one", true, 1, 200, 0});
    mix.push_back({"loss", "role=proxy", "one", true, 1, 0, 20});
  }
  return mix;
}

namespace {

FaultStep Step(const SoakFault& f, double at_s, double lasts_s) {
  FaultStep step;
  step.at_s = std::round(at_s * 1000) / 1000;
  step.spec.action = f.action;
  step.spec.selector = f.selector;
  step.spec.mode = f.mode;
  step.spec.duration = std::chrono::milliseconds(static_cast<int64_t>(std::llround(lasts_s * 1000)));
  step.spec.latency_ms = f.latency_ms;
  step.spec.loss_pct = f.loss_pct;
  return step;
}

}  // namespace

namespace {

Status MixError(const std::string& origin, const std::string& where, const std::string& why) {
  return Status::InvalidArgument(origin + ": " + where + ": " + why);
}

// One entry of `faults:`, checked whole.
Status ParseMixFault(const YAML::Node& n, const std::string& origin, const std::string& where, SoakFault* f) {
  if (!n.IsMap()) return MixError(origin, where, "a map with action and selector");
  f->mode = "one";
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key == "action") {
      f->action = kv.second.as<std::string>();
    } else if (key == "selector") {
      f->selector = kv.second.as<std::string>();
    } else if (key == "mode") {
      f->mode = kv.second.as<std::string>();
    } else if (key == "weight") {
      f->weight = kv.second.as<int>();
      if (f->weight < 1 || f->weight > 1000) return MixError(origin, where, "weight must be 1 to 1000");
    } else if (key == "latency") {
      auto ms = ParseDurationMs(kv.second.as<std::string>());
      if (!ms.ok() || ms.value() <= 0 || ms.value() > 10000)
        return MixError(origin, where, "latency must be 1 ms to 10 s");
      f->latency_ms = static_cast<int>(ms.value());
    } else if (key == "loss") {
      f->loss_pct = kv.second.as<double>();
      if (!(f->loss_pct > 0 && f->loss_pct <= 100))
        return MixError(origin, where, "loss must be a percentage above 0, at most 100");
    } else {
      return MixError(origin, where, "unknown key '" + key + "' (action, selector, mode, weight, latency, loss)");
    }
  }
  static const std::set<std::string> kActions = {"kill", "pause", "partition", "delay", "loss"};
  if (!kActions.count(f->action))
    return MixError(origin, where, "action must be kill, pause, partition, delay or loss");
  const bool count = !f->mode.empty() && f->mode.size() < 4 &&
                     f->mode.find_first_not_of("0123456789") == std::string::npos && std::stoi(f->mode) > 0;
  if (!count && f->mode != "one" && f->mode != "all" && f->mode != "active" && f->mode != "standby")
    return MixError(origin, where, "mode must be one, all, a count, active or standby");
  if (f->selector.empty() || f->selector.find('=') == std::string::npos)
    return MixError(origin, where, "a selector such as role=querynode or app=milvus-proxy");
  if ((f->action == "delay") != (f->latency_ms > 0))
    return MixError(origin, where, "delay, and only delay, takes a latency");
  if ((f->action == "loss") != (f->loss_pct > 0)) return MixError(origin, where, "loss, and only loss, takes a loss");
  // The lab's supervisor stays down for the fault's length (lab_supervisor.h).
  f->lasting = f->action != "kill" || SelectsSupervisor(f->selector);
  return Status::OK();
}

// The pacing settings a mix file may name.
Status ParseMixSetting(const std::string& key, const YAML::Node& v, const std::string& origin, SoakOptions* o) {
  if (key == "fault_every" || key == "max_fault") {
    auto s = ParseDurationSeconds(v.as<std::string>());
    if (!s.ok() || !(s.value() > 0)) return MixError(origin, key, "a positive duration (20s, 1m)");
    (key == "fault_every" ? o->fault_every_s : o->max_fault_s) = s.value();
    return Status::OK();
  }
  if (key == "max_at_once") {
    o->max_at_once = v.as<int>();
    if (o->max_at_once < 1 || o->max_at_once > 2) return MixError(origin, key, "1 or 2");
    return Status::OK();
  }
  return MixError(origin, "top level", "unknown key '" + key + "' (fault_every, max_fault, max_at_once, faults)");
}

}  // namespace

Status ParseSoakMix(const std::string& yaml_text, const std::string& origin, SoakOptions* o) {
  auto root = LoadYaml(yaml_text, origin);
  if (!root.ok()) return root.status();
  try {
    if (!root->IsMap()) return MixError(origin, "top level", "a map with a list `faults`");
    SoakOptions next = *o;
    for (const auto& kv : *root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "faults") continue;
      if (Status s = ParseMixSetting(key, kv.second, origin, &next); !s.ok()) return s;
    }
    const YAML::Node faults = (*root)["faults"];
    if (!faults || !faults.IsSequence() || faults.size() == 0)
      return MixError(origin, "faults", "a non-empty list of faults");
    next.mix.clear();
    for (size_t i = 0; i < faults.size(); ++i) {
      SoakFault f;
      if (Status s = ParseMixFault(faults[i], origin, "faults[" + std::to_string(i) + "]", &f); !s.ok()) return s;
      next.mix.push_back(f);
    }
    *o = next;
    return Status::OK();
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin + ": " + e.what());
  }
}

Status LoadSoakMixFile(const std::string& path, SoakOptions* o) {
  std::string text;
  if (!ReadWholeFile(path, &text)) return Status::InvalidArgument("cannot read the soak mix file " + path);
  return ParseSoakMix(text, path, o);
}

Result<Scenario> SoakScenario(const SoakOptions& o) {
  if (!(o.duration_s > o.first_fault_s + o.tail_s))
    return Status::InvalidArgument("soak: a duration of " + std::to_string(o.duration_s) +
                                   " s leaves no room for a fault (warm-up " + std::to_string(o.first_fault_s) +
                                   " s, quiet tail " + std::to_string(o.tail_s) + " s)");
  if (!(o.fault_every_s > 0) || !(o.max_fault_s >= 1))
    return Status::InvalidArgument("soak: the gap between faults must be > 0 and the longest fault >= 1 s");
  if (o.max_at_once < 1 || o.max_at_once > 2)
    return Status::InvalidArgument("soak: faults at once must be 1 or 2, not " + std::to_string(o.max_at_once));
  const std::vector<SoakFault> mix = SoakMix(o);
  if (mix.empty())
    return Status::InvalidArgument(
        "soak: every fault of the mix is ruled out here (pauses, partitions, etcd or "
        "network faults this target cannot do)");
  std::vector<int> weights;
  for (const auto& m : mix) weights.push_back(m.weight);
  std::mt19937_64 rng(o.seed);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  std::uniform_real_distribution<double> length(1.0, o.max_fault_s);
  std::uniform_real_distribution<double> gap(0.5 * o.fault_every_s, 1.5 * o.fault_every_s);

  TestPlan t;
  t.name = "soak";
  t.collection = "soak_test";
  t.duration_s = o.duration_s;
  if (o.keyed_rate > 0) t.keyed_rate = o.keyed_rate;
  if (o.ddl_rate > 0) t.ddl_rate = o.ddl_rate;
  double at = o.first_fault_s;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  while (true) {
    const SoakFault& f = mix[pick(rng)];
    // Whole milliseconds, so the schedule prints and replays exactly.
    const double lasts = f.lasting ? std::round(length(rng) * 1000) / 1000 : 0;
    if (at + lasts + o.tail_s > o.duration_s) break;
    t.faults.push_back(Step(f, at, lasts));
    double over = t.faults.back().at_s + lasts;
    // The lab is wholly down while its supervisor is, with nothing left to fault:
    // a supervisor kill may be a companion (the lab crashes mid-fault), never have one.
    if (o.max_at_once > 1 && f.lasting && lasts >= 2 && !SelectsSupervisor(f.selector) &&
        unit(rng) < o.companion_chance) {
      // A companion on another kind of component, never a second etcd member (the
      // quorum stays), injected while the first holds.
      const SoakFault& g = mix[pick(rng)];
      const double starts = t.faults.back().at_s + 0.5 + std::round(unit(rng) * (lasts - 1.0) * 1000) / 1000;
      // It ends when the first does at the latest: the pair is one outage, judged
      // against the same RTO bound as a single fault.
      const double g_lasts = g.lasting ? std::min(std::round(length(rng) * 1000) / 1000, over - starts) : 0;
      if (g.selector != f.selector) t.faults.push_back(Step(g, starts, g_lasts));
    }
    at = over + gap(rng);
  }
  if (t.faults.empty()) return Status::InvalidArgument("soak: the duration leaves no room for a fault");
  Scenario s;
  s.name = "soak";
  s.title = "Soak: " + std::to_string(t.faults.size()) + " seeded random faults (seed " + std::to_string(o.seed) + ")";
  s.tests.push_back(std::move(t));
  return s;
}

}  // namespace mdrill::drill
