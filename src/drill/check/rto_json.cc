// The RTO figures (rto.cc) as JSON: phases, the seed's and the strict RTO.
#include "drill/check/checkers.h"
#include "drill/check/checkers_internal.h"

namespace mdrill::drill {
namespace {

using internal::OrNull;
using internal::UsToS;
using nlohmann::json;

json OutcomeCountsJson(const OutcomeCounts& c) {
  return {{"count", c.count},
          {"ok", c.ok},
          {"fail", c.fail},
          {"unknown", c.unknown},
          {"success_rate", internal::NonNegOrNull(c.SuccessRate())}};
}

}  // namespace

json ToJson(const PhaseBounds& b) {
  return {{"fault_start_us", OrNull(b.fault_start_us)},
          {"recovery_us", OrNull(b.recovery_us)},
          {"recovery_source", b.recovery_source}};
}

json ToJson(const PhasesResult& r) {
  json phases = json::object();
  for (size_t i = 0; i < r.phases.size(); ++i) {
    json kinds = json::object();
    for (const auto& [kind, c] : r.phases[i].by_kind) kinds[kind] = OutcomeCountsJson(c);
    phases[PhaseName(static_cast<Phase>(i))] = {{"all", OutcomeCountsJson(r.phases[i].all)}, {"by_kind", kinds}};
  }
  return {{"bounds", ToJson(r.bounds)}, {"phases", phases}, {"definition", r.definition}};
}

json ToJson(const SeedRtoResult& r) {
  json kinds = json::object();
  for (const auto& [kind, k] : r.by_kind) {
    json outages = json::array();
    for (const Outage& o : k.outages) {
      std::optional<int64_t> duration;
      if (o.end_us) duration = *o.end_us - o.start_us;
      outages.push_back({{"start_us", o.start_us},
                         {"end_us", OrNull(o.end_us)},
                         {"duration_s", UsToS(duration)},
                         {"uncertainty_us", o.uncertainty_us},
                         {"failed", o.failed},
                         {"unknown", o.unknown}});
    }
    kinds[kind] = {{"rto_us", OrNull(k.rto_us)},         {"rto_s", UsToS(k.rto_us)},
                   {"uncertainty_us", k.uncertainty_us}, {"recovered", k.recovered},
                   {"outage_count", k.outages.size()},   {"outages", outages}};
  }
  return {{"rto_us", OrNull(r.rto_us)}, {"rto_s", UsToS(r.rto_us)}, {"uncertainty_us", r.uncertainty_us},
          {"recovered", r.recovered},   {"by_kind", kinds},         {"definition", r.definition}};
}

json ToJson(const StrictRtoResult& r) {
  json kinds = json::object();
  for (const auto& [kind, k] : r.by_kind) {
    kinds[kind] = {{"rto_us", OrNull(k.rto_us)},
                   {"rto_s", UsToS(k.rto_us)},
                   {"never_recovered", k.never_recovered},
                   {"uncertainty_us", k.uncertainty_us},
                   {"impact_seen", k.impact_seen},
                   {"bad_ops", k.bad_ops},
                   {"first_impaired_us", OrNull(k.first_impaired_us)},
                   {"last_impaired_us", OrNull(k.last_impaired_us)},
                   {"recovered_at_us", OrNull(k.recovered_at_us)},
                   {"resolution_us", k.resolution_us},
                   {"latency_bound_us", k.latency_bound_us}};
  }
  json faults = json::array();
  for (const FaultRto& f : r.by_fault)
    faults.push_back({{"fault_start_us", f.fault_start_us},
                      {"injected_us", f.injected_us},
                      {"faults", f.faults},
                      {"rto_us", OrNull(f.rto_us)},
                      {"rto_s", UsToS(f.rto_us)},
                      {"uncertainty_us", f.uncertainty_us},
                      {"never_recovered", f.never_recovered},
                      {"restart", f.restart},
                      {"kind", f.kind}});
  return {{"fault_start_us", OrNull(r.fault_start_us)},
          {"injected_us", OrNull(r.injected_us)},
          {"by_fault", faults},
          {"rto_us", OrNull(r.rto_us)},
          {"rto_s", UsToS(r.rto_us)},
          {"uncertainty_us", r.uncertainty_us},
          {"restart_rto_s", UsToS(r.restart_rto_us)},
          {"restart_uncertainty_us", r.restart_uncertainty_us},
          {"never_recovered", r.never_recovered},
          {"sustain_us", r.sustain_us},
          {"sustain_ops", r.sustain_ops},
          {"by_kind", kinds},
          {"definition", r.definition}};
}

}  // namespace mdrill::drill
