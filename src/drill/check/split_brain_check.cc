// Check "split_brain": ids issued twice + timestamps going backwards <= split_brain_max.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> SplitBrainRule(const CheckInput& in) {
  const Thresholds& t = in.options.thresholds;
  if (!t.split_brain_max || in.figures.consistency.insert_ops == 0) return {};
  return {Titled(MakeCheck("split_brain", static_cast<double>(in.figures.split_brain.signals()),
                           static_cast<double>(*t.split_brain_max),
                           "<=", "pks acknowledged twice + inserts whose timestamp went backwards"),
                 "Split-brain signals", "脑裂迹象", kCount)};
}

const RegisterCheck kRegistered(50, &SplitBrainRule);

}  // namespace
}  // namespace mdrill::drill
