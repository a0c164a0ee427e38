// Check "ddl_violations": the DDL churn's invariants (drill/run/ddl.h), whenever it
// ran, from the history alone. Each side collection k:
//   lost         a ddl_has that began after k's create was acknowledged, and ended
//                before any drop of k began, answered that k does not exist;
//   resurrected  a ddl_has that began after k's drop was acknowledged answered that
//                k exists, or the final listing holds k;
//   vanished     the final listing lacks k, whose create was acknowledged (or that a
//                ddl_has found) and whose drop never began;
//   stuck        DDL steps were tried after the last fault ended, and none succeeded
//                (the DDL path never came back).
// A create or drop with an unknown outcome may have landed or not: only ddl_has
// answers after it are held against what was acknowledged, and a collection with an
// unknown create is never called resurrected (that create may land late).
#include <algorithm>
#include <map>
#include <optional>

#include "drill/check/check.h"
#include "drill/check/checkers.h"

namespace mdrill::drill {
namespace {

struct Life {
  // The end of the first acknowledged create (or of a ddl_has that found it, for the
  // end's check), the start of the first drop, the end of the first acknowledged drop.
  std::optional<int64_t> created_us, seen_us, drop_began_us, dropped_us;
  bool unknown_create = false;  // may land late, even after a drop
};

std::string At(const Op& op) { return " at t=" + std::to_string(op.start_us / 1000) + " ms"; }

std::vector<Check> DdlRule(const CheckInput& in) {
  const History& h = in.history;
  std::map<int64_t, Life> lives;
  const Op* final_op = nullptr;
  bool any = false;
  for (const Op& op : h.ops) {
    if (!IsDdlKind(op.kind)) continue;
    any = true;
    if (op.kind == "ddl_final") {
      if (op.ok()) final_op = &op;
      continue;
    }
    if (op.ids.empty()) continue;
    Life& l = lives[op.ids[0]];
    auto first = [](std::optional<int64_t>* t, int64_t v) { *t = *t ? std::min(**t, v) : v; };
    if (op.kind == "ddl_create" && op.ok()) first(&l.created_us, op.end_us);
    if (op.kind == "ddl_create" && op.outcome == Outcome::kUnknown) l.unknown_create = true;
    if (op.kind == "ddl_has" && op.ok() && op.value == 1) first(&l.seen_us, op.end_us);
    if (op.kind == "ddl_drop") first(&l.drop_began_us, op.start_us);
    if (op.kind == "ddl_drop" && op.ok()) first(&l.dropped_us, op.end_us);
  }
  if (!any) return {};
  std::vector<std::string> found;
  for (const Op& op : h.ops) {
    if (op.kind != "ddl_has" || !op.ok() || op.ids.empty()) continue;
    const int64_t k = op.ids[0];
    const Life& l = lives[k];
    if (op.value == 0 && l.created_us && op.start_us > *l.created_us &&
        (!l.drop_began_us || op.end_us < *l.drop_began_us))
      found.push_back("lost: collection " + std::to_string(k) + " not found" + At(op) + ", its create acknowledged");
    if (op.value == 1 && l.dropped_us && op.start_us > *l.dropped_us && !l.unknown_create)
      found.push_back("resurrected: collection " + std::to_string(k) + " found" + At(op) + ", its drop acknowledged");
  }
  if (final_op != nullptr) {
    for (const auto& [k, l] : lives) {
      const bool present = std::count(final_op->ids.begin(), final_op->ids.end(), k) > 0;
      if (!present && (l.created_us || l.seen_us) && !l.drop_began_us)
        found.push_back("vanished: collection " + std::to_string(k) + " missing at the end, its create " +
                        (l.created_us ? "acknowledged" : "seen"));
      if (present && l.dropped_us && !l.unknown_create)
        found.push_back("resurrected: collection " + std::to_string(k) + " present at the end, its drop acknowledged");
    }
  }
  std::optional<int64_t> last_end;
  for (const Event& e : h.events)
    if (e.name == kEventFaultEnd) last_end = std::max(last_end.value_or(e.t_us), e.t_us);
  int tried = 0, succeeded = 0;
  for (const Op& op : h.ops)
    if (last_end && IsDdlKind(op.kind) && op.kind != "ddl_final" && op.start_us > *last_end) {
      ++tried;
      succeeded += op.ok() ? 1 : 0;
    }
  if (tried >= 3 && succeeded == 0)
    found.push_back("stuck: " + std::to_string(tried) + " DDL steps after the last fault ended, none succeeded");
  std::string def =
      "DDL churn on side collections (create, has, index, load, count, release, drop, has): collections whose "
      "acknowledged create a later read did not find (lost) or the end lacks (vanished), whose acknowledged drop a "
      "later read or the end still found (resurrected), and a DDL path that never came back after the last fault "
      "(stuck)";
  if (final_op == nullptr) def += "; no final listing was recorded, so the end was not checked";
  if (!found.empty()) {
    def += ": ";
    for (size_t i = 0; i < found.size() && i < 5; ++i) def += (i ? "; " : "") + found[i];
    if (found.size() > 5) def += "; and " + std::to_string(found.size() - 5) + " more";
  }
  return {Titled(MakeCheck("ddl_violations", static_cast<double>(found.size()), 0, "<=", def), "DDL violations",
                 "DDL 违规", kCount)};
}

const RegisterCheck kRegistered(46, &DdlRule);

}  // namespace
}  // namespace mdrill::drill
