#include "drill/run/soak.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace mdrill::drill {

std::vector<SoakFault> SoakMix(const SoakOptions& o) {
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
  double at = o.first_fault_s;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  while (true) {
    const SoakFault& f = mix[pick(rng)];
    // Whole milliseconds, so the schedule prints and replays exactly.
    const double lasts = f.lasting ? std::round(length(rng) * 1000) / 1000 : 0;
    if (at + lasts + o.tail_s > o.duration_s) break;
    t.faults.push_back(Step(f, at, lasts));
    double over = t.faults.back().at_s + lasts;
    if (o.max_at_once > 1 && f.lasting && lasts >= 2 && unit(rng) < o.companion_chance) {
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
