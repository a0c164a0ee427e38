// Check "failed_requests". By default: no failure that no fault explains (see
// FailuresResult): the failures a fault causes while it impairs the service are
// the outage, which the RTO judges; one before the first fault or after the
// service had recovered is a problem at any rate. With failed_max set: the seed's
// check, failed + unknown workload ops < failed_max (its budget assumed 1 search/s).
#include <string>

#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> FailedRequestsRule(const CheckInput& in) {
  const Thresholds& t = in.options.thresholds;
  const FailuresResult& f = in.figures.failures;
  if (t.failed_max) {
    return {Titled(MakeCheck("failed_requests", static_cast<double>(f.total), static_cast<double>(*t.failed_max), "<",
                             "failed + unknown workload ops, all kinds (the seed's budget assumed 1 search/s)"),
                   "Failed requests", "失败请求数", kCount)};
  }
  std::string def =
      "failed + unknown workload ops that no fault explains (outside every fault's impairment, "
      "fault.start to sustained recovery); " +
      std::to_string(f.explained) + " of " + std::to_string(f.total) +
      " failed while a fault impaired the service (the RTO judges those)";
  return {Titled(MakeCheck("failed_requests", static_cast<double>(f.unexplained),
                           static_cast<double>(t.unexplained_failed_max), "<=", def),
                 "Unexplained failed requests", "无法由故障解释的失败请求数", kCount)};
}

const RegisterCheck kRegistered(20, &FailedRequestsRule);

}  // namespace
}  // namespace mdrill::drill
