// Check "availability": request-based availability >= availability_min_pct.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> AvailabilityRule(const CheckInput& in) {
  std::optional<double> pct;
  if (in.figures.availability.request.judgeable) pct = in.figures.availability.request.pct;
  return {Titled(MakeCheck("availability", pct, in.options.thresholds.availability_min_pct,
                           ">=", "request-based availability, % of workload ops ok"),
                 "Availability", "可用性", kPercent)};
}

const RegisterCheck kRegistered(30, &AvailabilityRule);

}  // namespace
}  // namespace mdrill::drill
