// Checks "lost_keys", "duplicated_keys", "resurrected_keys", "stale_keyed_reads"
// and "phantom_keys": the keyed workload's invariants (CheckKeyed), whenever it
// ran. Each must be 0; a failing one names its keys, and the result's "keyed"
// examples give the ops and faults around them.
#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

std::vector<Check> KeyedRule(const CheckInput& in) {
  const KeyedResult& k = in.figures.keyed;
  if (!k.ran && !k.judgeable) return {};
  struct Spec {
    const char* name;
    const char* title;
    const char* title_zh;
    const std::vector<int64_t>* keys;
    const char* what;
  };
  const Spec specs[] = {
      {"lost_keys", "Lost keys", "丢失的键", &k.lost, "acknowledged keys absent from the final read"},
      {"duplicated_keys", "Duplicated keys", "重复的键", &k.duplicated, "keys stored more than once"},
      {"resurrected_keys", "Resurrected keys", "复活的键", &k.resurrected,
       "keys seen again after their delete was acknowledged"},
      {"stale_keyed_reads", "Stale keyed reads", "陈旧的键读取", &k.stale,
       "keys a read that must see an acknowledged write (by its consistency level) missed or saw older"},
      {"phantom_keys", "Phantom keys", "幻影键", &k.phantom,
       "keys stored that no successful or unknown write carried, or unknown batches landed in part"},
  };
  std::vector<Check> checks;
  for (const Spec& s : specs) {
    std::optional<double> measured;
    std::string why;
    if (k.judgeable) {
      measured = static_cast<double>(s.keys->size());
      if (!s.keys->empty()) why = ": " + KeyList(*s.keys);
    } else if (!s.keys->empty()) {
      // Lookups proved it; the final read was not needed.
      measured = static_cast<double>(s.keys->size());
      why = ": " + KeyList(*s.keys) + " (from lookups; the final read: " + k.why_not + ")";
    } else {
      why = "; cannot judge: " + k.why_not;
    }
    checks.push_back(
        Titled(MakeCheck(s.name, measured, 0, "<=", std::string(s.what) + why), s.title, s.title_zh, kCount));
  }
  return checks;
}

const RegisterCheck kRegistered(45, &KeyedRule);

}  // namespace
}  // namespace mdrill::drill
