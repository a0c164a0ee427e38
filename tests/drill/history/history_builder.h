// Hand-made histories for the checker tests: ops at chosen times with chosen outcomes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "drill/check/checkers.h"
#include "drill/history/history.h"

namespace mdrill::drill::testing {

inline constexpr int64_t kMs = 1000;
inline constexpr int64_t kS = 1'000'000;

inline Op MakeOp(const std::string& kind, int64_t intended_us, Outcome outcome = Outcome::kOk,
                 int64_t latency_us = 2 * kMs, std::vector<int64_t> ids = {}) {
  Op op;
  op.kind = kind;
  op.intended_us = intended_us;
  op.start_us = intended_us;
  op.end_us = intended_us + latency_us;
  op.outcome = outcome;
  if (outcome != Outcome::kOk) {
    op.code = outcome == Outcome::kUnknown ? 4 : 503;
    op.error = "injected";
  }
  op.ids = std::move(ids);
  return op;
}

inline Op Insert(int64_t start_us, int64_t end_us, std::vector<int64_t> ids, Outcome outcome = Outcome::kOk,
                 uint64_t ts = 0) {
  Op op = MakeOp("insert", start_us, outcome, end_us - start_us, std::move(ids));
  op.ts = ts;
  return op;
}

inline Op FinalRead(std::vector<int64_t> ids, int64_t at_us = 100 * kS) {
  return MakeOp("final", at_us, Outcome::kOk, 10 * kMs, std::move(ids));
}

// Probes every `period_us` in [from_us, to_us); `bad` says which intended times fail.
inline void AddProbes(History* h, int64_t from_us, int64_t to_us, int64_t period_us,
                      const std::function<bool(int64_t)>& bad, const std::string& kind = "probe") {
  for (int64_t t = from_us; t < to_us; t += period_us) {
    h->ops.push_back(bad(t) ? MakeOp(kind, t, Outcome::kFail, 1 * kMs) : MakeOp(kind, t));
  }
}

inline const Check* FindCheck(const Judgement& j, const std::string& name) {
  for (const Check& c : j.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace mdrill::drill::testing
