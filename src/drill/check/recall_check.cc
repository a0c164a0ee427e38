// Check "recall_after": mean recall@k of the searches after recovery >= recall_min.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> RecallRule(const CheckInput& in) {
  const RecallStats& after = in.figures.recall.by_phase[static_cast<size_t>(Phase::kAfter)];
  const auto& min = in.options.thresholds.recall_min;
  if (!min || after.count == 0) return {};
  return {Titled(MakeCheck("recall_after", after.mean, *min, ">=", "mean recall@k of searches in the after phase"),
                 "Recall after recovery", "恢复后召回率", kRatio)};
}

const RegisterCheck kRegistered(60, &RecallRule);

}  // namespace
}  // namespace mdrill::drill
