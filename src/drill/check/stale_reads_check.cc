// Check "stale_reads": Strong point lookups of an acknowledged id must find its row.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> StaleReadsRule(const CheckInput& in) {
  int64_t lookups = 0, missing = 0;
  for (const auto& op : in.history.ops)
    if (op.kind == kKindQuery && op.ok() && !op.ids.empty()) {
      ++lookups;
      missing += op.value == 0;
    }
  if (lookups == 0) return {};
  return {Titled(MakeCheck("stale_reads", static_cast<double>(missing), 0, "<=",
                           "Strong point lookups of an acknowledged id that answered ok without the row (" +
                               std::to_string(lookups) + " lookups)"),
                 "Stale reads", "陈旧读取", kCount)};
}

const RegisterCheck kRegistered(70, &StaleReadsRule);

}  // namespace
}  // namespace mdrill::drill
