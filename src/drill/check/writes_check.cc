// Checks "lost_writes" and "duplicated_writes": acknowledged inserts against the
// final read (CheckConsistency), whenever inserts ran or a final read was made.
#include <algorithm>

#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> WritesRule(const CheckInput& in) {
  const ConsistencyResult& c = in.figures.consistency;
  const Thresholds& t = in.options.thresholds;
  const auto& ops = in.history.ops;
  bool any_final = std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.kind == kKindFinal; });
  if (c.insert_ops == 0 && !any_final) return {};
  std::optional<double> lost, dup;
  if (c.judgeable) {
    lost = static_cast<double>(c.lost.size());
    dup = static_cast<double>(c.duplicated.size());
  }
  std::string why = c.judgeable ? "" : "; cannot judge: " + c.why_not;
  std::vector<Check> checks;
  checks.push_back(Titled(MakeCheck("lost_writes", lost, static_cast<double>(t.lost_max),
                                    "<=", "acknowledged pks absent from the final read" + why),
                          "Lost writes", "丢失的写入", kCount));
  if (t.duplicated_max) {
    checks.push_back(Titled(MakeCheck("duplicated_writes", dup, static_cast<double>(*t.duplicated_max),
                                      "<=", "pks acknowledged twice or stored more often than written" + why),
                            "Duplicated writes", "重复的写入", kCount));
  }
  return checks;
}

const RegisterCheck kRegistered(40, &WritesRule);

}  // namespace
}  // namespace mdrill::drill
