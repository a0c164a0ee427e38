// The wall clock: Unix time in milliseconds.
//
// For timestamps people and other machines read (histories, journals, reports, fault
// ids). It can step backwards or jump (NTP, an operator); measure intervals with
// std::chrono::steady_clock instead. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace mdrill {

// Milliseconds since 1970-01-01T00:00:00Z, from std::chrono::system_clock.
inline int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mdrill
