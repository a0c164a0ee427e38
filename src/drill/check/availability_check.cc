// Check "availability": request-based availability >= availability_min_pct, when a
// threshold is set (by flag or scenario); without one availability is a figure.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> AvailabilityRule(const CheckInput& in) {
  const auto& min = in.options.thresholds.availability_min_pct;
  if (!min) return {};
  std::optional<double> pct;
  if (in.figures.availability.request.judgeable) pct = in.figures.availability.request.pct;
  return {Titled(MakeCheck("availability", pct, *min, ">=", "request-based availability, % of workload ops ok"),
                 "Availability", "可用性", kPercent)};
}

const RegisterCheck kRegistered(30, &AvailabilityRule);

}  // namespace
}  // namespace mdrill::drill
