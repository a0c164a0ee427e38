#include "util/durations.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace mdrill {
namespace {

enum class Unit { kMilliseconds, kSeconds, kMinutes, kHours };

// Splits `text` into its number and unit as durations.h describes; false when refused.
bool Split(const std::string& text, double* value, Unit* unit) {
  // Plain decimal only: strtod would also take " 5", "+5", "0x10", "nan" and "inf".
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.')) return false;
  if (text.find_first_of("xXpP") != std::string::npos) return false;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || v < 0 || !std::isfinite(v) || v > 1e7) return false;
  const std::string suffix(end);
  if (suffix == "ms")
    *unit = Unit::kMilliseconds;
  else if (suffix == "s" || suffix.empty())
    *unit = Unit::kSeconds;
  else if (suffix == "m")
    *unit = Unit::kMinutes;
  else if (suffix == "h")
    *unit = Unit::kHours;
  else
    return false;
  *value = v;
  return true;
}

Status Refused(const std::string& text) {
  return Status::InvalidArgument("'" + text + "' is not a duration (500ms, 20s, 2m, 1h)");
}

}  // namespace

Result<double> ParseDurationSeconds(const std::string& text) {
  double v = 0;
  Unit unit{};
  if (!Split(text, &v, &unit)) return Refused(text);
  switch (unit) {
    case Unit::kMilliseconds:
      return v / 1000;
    case Unit::kSeconds:
      return v;
    case Unit::kMinutes:
      return v * 60;
    case Unit::kHours:
      return v * 3600;
  }
  return Refused(text);
}

Result<int64_t> ParseDurationMs(const std::string& text) {
  double v = 0;
  Unit unit{};
  if (!Split(text, &v, &unit)) return Refused(text);
  switch (unit) {
    case Unit::kMilliseconds:
      return static_cast<int64_t>(v);
    case Unit::kSeconds:
      return static_cast<int64_t>(v * 1000);
    case Unit::kMinutes:
      return static_cast<int64_t>(v * 60000);
    case Unit::kHours:
      return static_cast<int64_t>(v * 3600000);
  }
  return Refused(text);
}

}  // namespace mdrill
