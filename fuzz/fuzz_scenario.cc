// Scenario YAML as a user might write it: a Scenario or an error naming where,
// never a crash or an exception escaping.
#include <cstdint>
#include <string>

#include "drill/run/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto s = mdrill::drill::ParseScenarioYaml(text, "fuzz.yaml");
  if (!s.ok() && s.status().reason().empty()) __builtin_trap();
  if (s.ok())
    for (const auto& t : s->tests)
      if (!(t.duration_s >= 0)) __builtin_trap();  // NaN or negative slipped through
  return 0;
}
