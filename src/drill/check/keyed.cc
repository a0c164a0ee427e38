#include "drill/check/keyed.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "drill/check/checkers_internal.h"

namespace mdrill::drill {
namespace {

constexpr const char* kDefinition =
    "keyed workload, per key: lost = an ok key_insert or upsert, no ok or unknown delete, absent from the final "
    "read; duplicated = stored more than once; resurrected = an ok delete, then seen by the final read or by a "
    "lookup that must see it (unless a write of the key ended after the delete began, and began before that "
    "lookup ended); stale = a lookup that must see an ok write found no row or an older version (Strong "
    "and Session lookups must see what was acknowledged before they began, Bounded ones what was acknowledged "
    "more than 6 s before: the 5 s gracefulTime and 1 s of slack; Eventually ones nothing), or the final read holds an "
    "older version than the last ok write (unless an unknown "
    "write carried it: it may take effect late); phantom = stored "
    "though no write carried it or every write of it failed, or an unknown batch that landed in part";
constexpr size_t kExamplesPerInvariant = 5;

struct KeyOps {
  std::vector<const Op*> writes, deletes, lookups;
  int64_t found = 0;
  int64_t final_version = -1;  // the newest version among its stored copies
};

bool IsKeyWrite(const Op& op) { return op.kind == kKindKeyInsert || op.kind == kKindUpsert; }

int64_t VersionOf(const Op& op, size_t i) {
  if (op.kind == kKindKeyInsert) return 0;
  return i < op.values.size() ? op.values[i] : 0;
}

// An unknown write may take effect after it ended, even after a later ok write
// of the key: a version only such a write carried is explained, if the write
// began before `before_us` (a read that ended then cannot see a later one).
bool UnknownWrote(const KeyOps& k, int64_t key, int64_t version, int64_t before_us = INT64_MAX) {
  for (const Op* w : k.writes)
    if (w->outcome == Outcome::kUnknown && w->start_us < before_us)
      for (size_t i = 0; i < w->ids.size(); ++i)
        if (w->ids[i] == key && VersionOf(*w, i) == version) return true;
  return false;
}

std::string Secs(int64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(us) / 1e6);
  return b;
}

std::string Describe(const Op& op) {
  std::string s = op.kind + " " + OutcomeName(op.outcome) + " [" + Secs(op.start_us) + "-" + Secs(op.end_us) + " s]";
  if (!op.error.empty()) s += " (" + op.error + ")";
  return s;
}

// The key's ops and the faults begun up to 10 s before its first op or during
// its ops: enough to find the moment again with the seed.
std::string Context(const KeyOps& k, const History& h) {
  std::vector<const Op*> ops = k.writes;
  ops.insert(ops.end(), k.deletes.begin(), k.deletes.end());
  ops.insert(ops.end(), k.lookups.begin(), k.lookups.end());
  std::sort(ops.begin(), ops.end(), [](const Op* a, const Op* b) { return a->start_us < b->start_us; });
  std::string s;
  for (size_t i = 0; i < ops.size() && i < 8; ++i) s += (i ? "; " : "") + Describe(*ops[i]);
  if (ops.size() > 8) s += "; +" + std::to_string(ops.size() - 8) + " more ops";
  if (ops.empty()) return s;
  const int64_t from = ops.front()->start_us - 10'000'000, to = ops.back()->end_us;
  for (const Event& e : h.events)
    if (e.name == kEventFaultStart && e.t_us >= from && e.t_us <= to)
      s += "; fault at " + Secs(e.t_us) + " s: " + e.detail;
  return s;
}

void Flag(KeyedResult* r, std::vector<int64_t>* list, const char* invariant, int64_t key, const std::string& why,
          const KeyOps& k, const History& h) {
  list->push_back(key);
  size_t same = 0;
  for (const auto& e : r->examples) same += e.invariant == invariant;
  if (same < kExamplesPerInvariant) r->examples.push_back({invariant, key, why + "; " + Context(k, h)});
}

// How stale a Bounded read may be: Milvus's common.gracefulTime (5 s) and 1 s of
// slack between the drill's clock and the server's.
constexpr int64_t kBoundedStalenessUs = 6'000'000;

// A lookup of `key`: what it must have seen, from the writes and deletes
// acknowledged before `since` (drill/run/keyed.h: the levels).
void JudgeLookup(const Op& l, int64_t key, const KeyOps& k, const History& h, KeyedResult* r) {
  if (l.level == "Eventually") return;
  const int64_t since = l.level == "Bounded" ? l.start_us - kBoundedStalenessUs : l.start_us;
  const std::string who = (l.level.empty() ? std::string("Strong") : l.level) + " lookup [" + Secs(l.start_us) + " s]";
  int64_t newest_ok = -1;
  for (const Op* w : k.writes)
    if (w->ok() && w->end_us < since)
      for (size_t i = 0; i < w->ids.size(); ++i)
        if (w->ids[i] == key) newest_ok = std::max(newest_ok, VersionOf(*w, i));
  bool delete_began = false, deleted_before = false;
  int64_t first_ok_delete_start = INT64_MAX;
  for (const Op* d : k.deletes) {
    if (d->outcome != Outcome::kFail && d->start_us < l.end_us) delete_began = true;
    if (d->ok() && d->end_us < since) {
      deleted_before = true;
      first_ok_delete_start = std::min(first_ok_delete_start, d->start_us);
    }
  }
  const int64_t seen = l.values.empty() ? -1 : *std::max_element(l.values.begin(), l.values.end());
  if (newest_ok >= 0 && !delete_began &&
      (l.value == 0 || (seen < newest_ok && !UnknownWrote(k, key, seen, l.end_us)))) {
    Flag(r, &r->stale, "stale", key,
         who + " found " + (l.value == 0 ? std::string("no row") : "version " + std::to_string(seen)) +
             " after version " + std::to_string(newest_ok) + " was acknowledged",
         k, h);
    return;
  }
  if (!deleted_before || l.value == 0) return;
  // Written again: a write that ended after the delete began and began before
  // this lookup ended (a later one cannot have put the row it saw).
  for (const Op* w : k.writes)
    if (w->outcome != Outcome::kFail && w->end_us >= first_ok_delete_start && w->start_us < l.end_us) return;
  Flag(r, &r->resurrected, "resurrected", key, who + " found the key after its delete was acknowledged", k, h);
}

void JudgeFinal(int64_t key, const KeyOps& k, const History& h, KeyedResult* r) {
  bool ok_write = false, only_failed = !k.writes.empty(), ok_delete = false, any_delete = false;
  int64_t newest_ok = -1, ok_delete_start = INT64_MAX;
  for (const Op* w : k.writes) {
    if (w->outcome != Outcome::kFail) only_failed = false;
    if (!w->ok()) continue;
    ok_write = true;
    for (size_t i = 0; i < w->ids.size(); ++i)
      if (w->ids[i] == key) newest_ok = std::max(newest_ok, VersionOf(*w, i));
  }
  for (const Op* d : k.deletes) {
    if (d->outcome != Outcome::kFail) any_delete = true;
    if (d->ok()) {
      ok_delete = true;
      ok_delete_start = std::min(ok_delete_start, d->start_us);
    }
  }
  if (k.found > 1) Flag(r, &r->duplicated, "duplicated", key, "stored " + std::to_string(k.found) + " times", k, h);
  if (k.found > 0 && (k.writes.empty() || only_failed))
    Flag(r, &r->phantom, "phantom", key,
         k.writes.empty() ? "stored, but no write carried it" : "stored, but every write of it failed", k, h);
  if (ok_write && !any_delete && k.found == 0)
    Flag(r, &r->lost, "lost", key, "acknowledged, absent from the final read", k, h);
  if (ok_delete && k.found > 0) {
    bool rewritten = false;
    for (const Op* w : k.writes) rewritten |= w->outcome != Outcome::kFail && w->end_us >= ok_delete_start;
    if (!rewritten) Flag(r, &r->resurrected, "resurrected", key, "deleted (acknowledged), yet in the final read", k, h);
  }
  if (k.found > 0 && !any_delete && newest_ok >= 0 && k.final_version < newest_ok &&
      !UnknownWrote(k, key, k.final_version))
    Flag(r, &r->stale, "stale", key,
         "the final read holds version " + std::to_string(k.final_version) + ", version " + std::to_string(newest_ok) +
             " was acknowledged",
         k, h);
}

// An unknown key_insert lands whole or not at all.
void JudgePartialBatches(const History& h, const std::unordered_map<int64_t, KeyOps>& keys, KeyedResult* r) {
  for (const Op& op : h.ops) {
    if (op.kind != kKindKeyInsert || op.outcome != Outcome::kUnknown || op.ids.size() < 2) continue;
    size_t found = 0;
    for (int64_t id : op.ids) {
      auto it = keys.find(id);
      found += it != keys.end() && it->second.found > 0;
    }
    if (found > 0 && found < op.ids.size())
      Flag(r, &r->phantom, "phantom", op.ids.front(),
           "an unknown key_insert of " + std::to_string(op.ids.size()) + " keys landed " + std::to_string(found) +
               " of them",
           keys.at(op.ids.front()), h);
  }
}

}  // namespace

std::string KeyList(const std::vector<int64_t>& keys, size_t max) {
  std::string s;
  for (size_t i = 0; i < keys.size() && i < max; ++i) s += (i ? ", " : "") + std::to_string(keys[i]);
  if (keys.size() > max) s += " (+" + std::to_string(keys.size() - max) + " more)";
  return s;
}

namespace {

// Each key's ops, and the counts of `r`.
std::unordered_map<int64_t, KeyOps> CollectKeys(const History& h, KeyedResult* r_out) {
  KeyedResult& r = *r_out;
  std::unordered_map<int64_t, KeyOps> keys;
  for (const Op& op : h.ops) {
    const bool write = IsKeyWrite(op), del = op.kind == kKindDelete, look = op.kind == kKindKeyLookup;
    if (!write && !del && !look) continue;
    r.ran = true;
    if (op.ok()) {
      ++(op.kind == kKindKeyInsert ? r.key_inserts : op.kind == kKindUpsert ? r.upserts : del ? r.deletes : r.lookups);
      if (op.kind == kKindKeyInsert) r.acknowledged_keys += static_cast<int64_t>(op.ids.size());
      if (del) r.deleted_keys += static_cast<int64_t>(op.ids.size());
    }
    if (op.outcome == Outcome::kUnknown && !look) ++r.unknown_writes;
    for (int64_t id : op.ids) (write ? keys[id].writes : del ? keys[id].deletes : keys[id].lookups).push_back(&op);
  }
  return keys;
}

void SortUnique(KeyedResult* r) {
  for (auto* v : {&r->lost, &r->duplicated, &r->resurrected, &r->stale, &r->phantom}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
}

}  // namespace

KeyedResult CheckKeyedLookups(const History& h, int64_t cutoff_us) {
  KeyedResult r;
  r.definition = kDefinition;
  std::unordered_map<int64_t, KeyOps> keys = CollectKeys(h, &r);
  std::map<int64_t, const KeyOps*> ordered;
  for (const auto& [key, k] : keys) ordered[key] = &k;
  for (const auto& [key, k] : ordered)
    for (const Op* l : k->lookups)
      if (l->ok() && l->end_us < cutoff_us) JudgeLookup(*l, key, *k, h, &r);
  SortUnique(&r);
  return r;
}

KeyedResult CheckKeyed(const History& h) {
  KeyedResult r;
  r.definition = kDefinition;
  std::unordered_map<int64_t, KeyOps> keys = CollectKeys(h, &r);
  bool any_final = false;
  const Op* fin = internal::LastOkOp(h, kKindKeyFinal, &any_final);
  if (!r.ran && !any_final) return r;
  if (fin == nullptr) {
    r.why_not = any_final ? "the keyed final read failed" : "no keyed final read (an op of kind \"key_final\")";
    // What the lookups prove needs no final read (CheckKeyedLookups: the same).
    KeyedResult looked = CheckKeyedLookups(h, INT64_MAX);
    r.stale = std::move(looked.stale);
    r.resurrected = std::move(looked.resurrected);
    r.examples = std::move(looked.examples);
    return r;
  }
  r.judgeable = true;
  r.final_rows = static_cast<int64_t>(fin->ids.size());
  for (size_t i = 0; i < fin->ids.size(); ++i) {
    KeyOps& k = keys[fin->ids[i]];
    ++k.found;
    k.final_version = std::max(k.final_version, i < fin->values.size() ? fin->values[i] : -1);
  }
  std::map<int64_t, const KeyOps*> ordered;  // reports in key order
  for (const auto& [key, k] : keys) ordered[key] = &k;
  for (const auto& [key, k] : ordered) {
    for (const Op* l : k->lookups)
      if (l->ok()) JudgeLookup(*l, key, *k, h, &r);
    JudgeFinal(key, *k, h, &r);
  }
  JudgePartialBatches(h, keys, &r);
  SortUnique(&r);
  return r;
}

nlohmann::json ToJson(const KeyedResult& r) {
  nlohmann::json ex = nlohmann::json::array();
  for (const auto& e : r.examples) ex.push_back({{"invariant", e.invariant}, {"key", e.key}, {"detail", e.detail}});
  return {{"ran", r.ran},
          {"judgeable", r.judgeable},
          {"why_not", r.why_not},
          {"ok_ops",
           {{"key_insert", r.key_inserts}, {"upsert", r.upserts}, {"delete", r.deletes}, {"key_lookup", r.lookups}}},
          {"unknown_writes", r.unknown_writes},
          {"acknowledged_keys", r.acknowledged_keys},
          {"deleted_keys", r.deleted_keys},
          {"final_rows", r.final_rows},
          {"lost", r.lost},
          {"duplicated", r.duplicated},
          {"resurrected", r.resurrected},
          {"stale", r.stale},
          {"phantom", r.phantom},
          {"examples", ex},
          {"definition", r.definition}};
}

}  // namespace mdrill::drill
