// Check "rto": the RTO the thresholds name (strict by default) < rto_max_s, with
// its uncertainty.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

// Milliseconds are what an RTO can be trusted to; three decimals show them.
const CheckUnit kRtoSeconds{"s", 3};

std::optional<double> UsToSeconds(const std::optional<int64_t>& us) {
  if (!us) return std::nullopt;
  return static_cast<double>(*us) / 1e6;
}

std::vector<Check> RtoRule(const CheckInput& in) {
  const Thresholds& t = in.options.thresholds;
  const Judgement& j = in.figures;
  const bool strict = t.rto_basis == RtoBasis::kStrict && j.strict_rto.fault_start_us.has_value();
  const bool recovered = strict ? !j.strict_rto.never_recovered : j.seed_rto.recovered;
  const std::optional<int64_t> rto = strict ? j.strict_rto.rto_us : j.seed_rto.rto_us;
  std::string def = strict
                        ? "strict RTO (the fault's injection to sustained recovery, from operations), slowest op kind"
                        : "seed RTO (first failure to first success after it), slowest op kind";
  if (t.rto_basis == RtoBasis::kStrict && !strict) def += "; no fault.start event, so the seed definition";
  Check c = Titled(MakeCheck("rto", UsToSeconds(rto), t.rto_max_s, "<", def), "RTO", "RTO", kRtoSeconds);
  if (rto) c.uncertainty = static_cast<double>(strict ? j.strict_rto.uncertainty_us : j.seed_rto.uncertainty_us) / 1e6;
  if (!recovered) {
    // Never recovering is the worst RTO there is, not a reason to abstain.
    c.judged = true;
    c.pass = false;
    c.definition += "; never recovered";
  } else if (!rto) {
    c.judged = true;
    c.pass = true;
    c.definition += "; nothing failed, nothing to recover from";
  }
  std::vector<Check> out = {c};
  // Whole-target restarts (a kill of the lab's supervisor), apart: back within restart_max_s.
  if (j.strict_rto.restart_rto_us) {
    Check r = Titled(MakeCheck("restart_rto", UsToSeconds(j.strict_rto.restart_rto_us), t.restart_max_s, "<",
                               "strict RTO of the slowest restart of the whole target (the lab's supervisor killed: "
                               "every component started cold from its data), apart from the failovers' rto"),
                     "Restart RTO", "重启 RTO", kRtoSeconds);
    r.uncertainty = static_cast<double>(j.strict_rto.restart_uncertainty_us) / 1e6;
    out.push_back(r);
  }
  return out;
}

const RegisterCheck kRegistered(10, &RtoRule);

}  // namespace
}  // namespace mdrill::drill
