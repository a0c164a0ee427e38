// Check "target hit: active coordinator changed": a scenario that expects the
// active coordinator to change (expect: active-change) records the coordinator
// reported active before and after the fault as a "target" event; the check
// passes when they differ.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

// The event's structured "changed" field; histories written before it existed
// carry only the text "... changed: yes|no ...".
bool Changed(const Event& e) {
  if (e.data.is_object() && e.data.contains("changed") && e.data["changed"].is_boolean())
    return e.data["changed"].get<bool>();
  return e.detail.find("changed: yes") != std::string::npos;
}

std::vector<Check> TargetRule(const CheckInput& in) {
  std::vector<Check> checks;
  for (const auto& e : in.history.events) {
    if (e.name != kEventTarget || e.detail.rfind("active coordinator", 0) != 0) continue;
    const bool changed = Changed(e);
    checks.push_back(Titled(
        MakeCheck("target hit: active coordinator changed", changed ? 1 : 0, 1, ">=",
                  "the coordinator reported active after the fault differs from the one before it (" + e.detail + ")"),
        "Target hit: active coordinator changed", "命中目标: 活跃协调者已切换", kCount));
  }
  return checks;
}

const RegisterCheck kRegistered(80, &TargetRule);

}  // namespace
}  // namespace mdrill::drill
