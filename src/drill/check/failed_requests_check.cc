// Check "failed_requests": failed + unknown workload operations < failed_max.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> FailedRequestsRule(const CheckInput& in) {
  const auto& phases = in.figures.phases.phases;
  const double bad = static_cast<double>(phases[0].all.bad() + phases[1].all.bad() + phases[2].all.bad());
  return {Titled(MakeCheck("failed_requests", bad, static_cast<double>(in.options.thresholds.failed_max), "<",
                           "failed + unknown workload ops, all kinds (the seed's budget assumed 1 search/s)"),
                 "Failed requests", "失败请求数", kCount)};
}

const RegisterCheck kRegistered(20, &FailedRequestsRule);

}  // namespace
}  // namespace mdrill::drill
