// Durations as people type them in flags and scenario files: "500ms", "20s", "2m", "1h".
//
// The one grammar milvus-drill accepts: a plain decimal number, then an optional unit.
//   number  digits with an optional fraction (".5", "1.5", "5.") and an optional
//           decimal exponent ("1e3"); at most 1e7 (in its unit).
//   unit    "ms" (milliseconds), "s" (seconds), "m" (minutes), "h" (hours); none
//           means seconds.
// Refused: the empty string, a sign ("-1s", "+1s"), leading or inner spaces (" 5s",
// "10 s"), hexadecimal ("0x10s"), "inf" and "nan", numbers above 1e7 or that overflow
// ("1e400"), any other unit or trailing text ("5d", "10sec", "ms"). A refusal is
// InvalidArgument with the reason "'<text>' is not a duration (500ms, 20s, 2m, 1h)".
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace mdrill {

// The duration in seconds: "500ms" -> 0.5, "20s" -> 20, "2m" -> 120, "1h" -> 3600, "1.5" -> 1.5.
Result<double> ParseDurationSeconds(const std::string& text);

// The duration in whole milliseconds, truncated: "500ms" -> 500, "1.5s" -> 1500,
// "2m" -> 120000, "0.5ms" -> 0.
Result<int64_t> ParseDurationMs(const std::string& text);

}  // namespace mdrill
