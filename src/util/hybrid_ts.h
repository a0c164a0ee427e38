// Hybrid timestamps as Milvus uses them: (unix milliseconds << 18) | logical counter.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "util/wall_clock.h"

namespace mdrill {

inline constexpr int kLogicalBits = 18;

inline uint64_t ComposeTs(uint64_t physical_ms, uint64_t logical) {
  return (physical_ms << kLogicalBits) | (logical & ((1u << kLogicalBits) - 1));
}
inline uint64_t PhysicalMs(uint64_t ts) { return ts >> kLogicalBits; }

inline uint64_t NowMs() { return static_cast<uint64_t>(UnixMs()); }

// Hands out strictly increasing hybrid timestamps, never below a floor set from
// recovered state (so a restart after a clock step backwards cannot go back in time).
// Thread-safe.
class TsOracle {
 public:
  // Every later Next() returns a value greater than `ts`.
  void Observe(uint64_t ts) {
    std::lock_guard<std::mutex> lock(mu_);
    if (ts > last_) last_ = ts;
  }
  uint64_t Next() {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t now = ComposeTs(NowMs(), 0);
    last_ = now > last_ ? now : last_ + 1;
    return last_;
  }
  uint64_t Last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  uint64_t last_ = 0;
};

}  // namespace mdrill
