// A simulated store for the keyed checker's tests: plays the keyed workload one
// op at a time with random outcomes (an unknown write lands or not at random),
// optionally with one deliberate bug, and records what the bug broke.
#pragma once

#include <map>
#include <random>
#include <set>
#include <vector>

#include "drill/history/history.h"
#include "drill/history/history_builder.h"

namespace mdrill::drill::testing {

enum class Bug { kNone, kLoseInsert, kIgnoreDelete, kDuplicateInsert, kIgnoreUpsert };

// Plays the keyed workload against an in-memory store, one op at a time, with
// random outcomes (an unknown write lands or not at random), and records what
// the store did wrong on purpose.
struct Sim {
  std::mt19937_64 rng;
  Bug bug;
  std::map<int64_t, std::vector<int64_t>> store;  // key -> versions of its copies
  std::vector<int64_t> live, deletable, deleted;
  int64_t next_key = 1, next_version = 1, t = 0;
  std::set<int64_t> broken;  // keys the bug touched
  History h;

  Sim(uint64_t seed, Bug b) : rng(seed), bug(b) {}

  Outcome Draw() {
    const int r = std::uniform_int_distribution<int>(0, 19)(rng);
    return r == 0 ? Outcome::kFail : r == 1 ? Outcome::kUnknown : Outcome::kOk;
  }
  bool Lands(Outcome o) { return o == Outcome::kOk || (o == Outcome::kUnknown && rng() % 2 == 0); }
  bool Every(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng) == 0; }
  int64_t Pick(const std::vector<int64_t>& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; }
  // Ops start 20 ms apart and last 5 ms, or up to `max_ms` when set: overlapping
  // ops, applied in start order (a linearization real time allows).
  int64_t max_ms = 0;
  Op Next(const char* kind, Outcome o, std::vector<int64_t> ids) {
    t += 20 * kMs;
    const int64_t lasts = max_ms > 0 ? std::uniform_int_distribution<int64_t>(1, max_ms)(rng) * kMs : 5 * kMs;
    return MakeOp(kind, t, o, lasts, std::move(ids));
  }

  void KeyInsert() {
    Outcome o = Draw();
    std::vector<int64_t> keys;
    for (int i = 0; i < 4; ++i) keys.push_back(next_key++);
    Op op = Next(kKindKeyInsert, o, keys);
    op.values.assign(keys.size(), 0);
    const bool lose = bug == Bug::kLoseInsert && o == Outcome::kOk && Every(10);
    const bool twice = bug == Bug::kDuplicateInsert && o == Outcome::kOk && Every(10);
    if (Lands(o) && !lose)
      for (int64_t k : keys) store[k].assign(twice ? 2 : 1, 0);
    if (lose || twice) broken.insert(keys.begin(), keys.end());
    if (o == Outcome::kOk)
      for (int64_t k : keys) (k % 2 == 0 ? live : deletable).push_back(k);
    h.ops.push_back(op);
  }
  void Upsert() {
    if (live.empty()) return KeyInsert();
    const int64_t k = Pick(live), v = next_version++;
    Outcome o = Draw();
    Op op = Next(kKindUpsert, o, {k});
    op.values = {v};
    const bool ignore = bug == Bug::kIgnoreUpsert && o == Outcome::kOk && store.count(k) && Every(5);
    if (Lands(o) && !ignore) store[k].assign(1, v);
    if (ignore) broken.insert(k);
    h.ops.push_back(op);
  }
  void Delete() {
    if (deletable.empty()) return KeyInsert();
    const size_t i = std::uniform_int_distribution<size_t>(0, deletable.size() - 1)(rng);
    const int64_t k = deletable[i];
    deletable.erase(deletable.begin() + static_cast<long>(i));
    Outcome o = Draw();
    const bool ignore = bug == Bug::kIgnoreDelete && o == Outcome::kOk && store.count(k) && Every(5);
    if (Lands(o) && !ignore) store.erase(k);
    if (ignore) broken.insert(k);
    if (o == Outcome::kOk) deleted.push_back(k);
    if (o == Outcome::kFail) deletable.push_back(k);
    h.ops.push_back(Next(kKindDelete, o, {k}));
  }
  void Lookup() {
    const bool of_deleted = rng() % 2 == 0 && !deleted.empty();
    if (!of_deleted && live.empty()) return KeyInsert();
    const int64_t k = of_deleted ? Pick(deleted) : Pick(live);
    Op op = Next(kKindKeyLookup, Outcome::kOk, {k});
    // The level decides how old the state it may answer from is: Strong and Session
    // the present, Bounded up to 5 s back, Eventually any past state.
    static constexpr const char* kLevels[] = {"", "Strong", "Session", "Bounded", "Eventually"};
    op.level = kLevels[rng() % 5];
    const int64_t back = op.level == "Bounded" ? 5 * kS : op.level == "Eventually" ? op.start_us : 0;
    const int64_t from = std::max<int64_t>(0, op.start_us - back);
    const std::map<int64_t, std::vector<int64_t>>* state = &store;
    if (back > 0) {
      std::vector<size_t> allowed;
      for (size_t i = 0; i < past.size(); ++i)
        if (past[i].first >= from) allowed.push_back(i);
      if (!allowed.empty()) state = &past[allowed[rng() % allowed.size()]].second;
    }
    auto it = state->find(k);
    op.values = it == state->end() ? std::vector<int64_t>{} : it->second;
    op.value = static_cast<int64_t>(op.values.size());
    h.ops.push_back(op);
  }
  // The store after each op that ended by then: what stale levels may read.
  std::vector<std::pair<int64_t, std::map<int64_t, std::vector<int64_t>>>> past;
  void Run(int ops) {
    for (int i = 0; i < ops; ++i) {
      past.emplace_back(t + 20 * kMs, store);
      switch (rng() % 4) {
        case 0:
          KeyInsert();
          break;
        case 1:
          Upsert();
          break;
        case 2:
          Delete();
          break;
        default:
          Lookup();
          break;
      }
    }
    Op fin = Next(kKindKeyFinal, Outcome::kOk, {});
    for (const auto& [k, versions] : store)
      for (int64_t v : versions) {
        fin.ids.push_back(k);
        fin.values.push_back(v);
      }
    h.ops.push_back(fin);
  }
};

}  // namespace mdrill::drill::testing
