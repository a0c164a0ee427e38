// Checks "crashes", "faults_outlived", "not_serving_at_end" and "resource_growth":
// what the target's platform says of its processes (CheckCensus), whenever the
// drill could take censuses. Each must be 0; a failing one names the components.
// Censuses the platform would not give leave what they feed not judged.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::string List(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < 10; ++i) out += (i ? "; " : ": ") + items[i];
  if (items.size() > 10) out += "; and " + std::to_string(items.size() - 10) + " more";
  return out;
}

std::vector<Check> CensusRule(const CheckInput& in) {
  const CensusResult& c = in.figures.census;
  if (!c.ran && c.missed.empty()) return {};
  struct Spec {
    const char* name;
    const char* title;
    const char* title_zh;
    const std::vector<std::string>* items;
    const char* what;
  };
  const Spec specs[] = {
      {"crashes", "Crashes beyond the kills", "注入之外的崩溃", &c.crashes,
       "components the platform restarted more often than the drill killed them"},
      {"faults_outlived", "Faults outliving their end", "超出时限的故障", &c.outlived,
       "components still stopped, paused, cut off or held by a fault a few seconds after every fault ended"},
      {"not_serving_at_end", "Not serving at the end", "结束时未在服务", &c.not_serving,
       "components not healthy in the last census"},
      {"resource_growth", "Resource growth", "资源增长", &c.growth,
       "processes whose descriptors or resident memory more than doubled from the first quarter of the test to its "
       "end (+64 descriptors, +256 MiB)"},
  };
  std::vector<Check> checks;
  for (const Spec& s : specs) {
    std::optional<double> measured = static_cast<double>(s.items->size());
    std::string definition = std::string(s.what) + List(*s.items);
    // Without the first or last census nothing compares; a fault whose census the
    // platform would not give may have outlived its end unseen: none found is no
    // proof then.
    if (!c.ran || (s.items == &c.outlived && !c.missed.empty() && c.outlived.empty())) {
      measured.reset();
      definition += "; not judged, censuses missing" + List(c.missed);
    }
    checks.push_back(Titled(MakeCheck(s.name, measured, 0, "<=", definition), s.title, s.title_zh, kCount));
  }
  return checks;
}

const RegisterCheck kRegistered(47, &CensusRule);

}  // namespace
}  // namespace mdrill::drill
