// Wall-clock times as text, in UTC (reports and listings are read across time zones).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace mdrill {

// `unix_ms` formatted with strftime's `format` in UTC ("%Y-%m-%dT%H:%M:%SZ": ISO 8601).
inline std::string UtcTime(int64_t unix_ms, const char* format) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  return std::strftime(buf, sizeof buf, format, &tm) > 0 ? std::string(buf) : std::string();
}

}  // namespace mdrill
