// The recorded run in tests/data/recorded-run (see its README): each test's result
// JSON and the path of its history, in the order the tests ran.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mdrill::testing {

struct RecordedTest {
  nlohmann::json result;     // <stem>.result.json
  std::string history_path;  // <stem>.history.jsonl
};

inline std::string RecordedRunDir() {
  const char* src = std::getenv("MDRILL_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/tests/data/recorded-run/out";
}

// Every <stem>.result.json of the recorded run, oldest first (the stems end in the
// test's start time, YYYYmmdd-HHMMSS). Empty when the directory cannot be read; a
// result that does not parse is kept as a discarded JSON value, for the test to see.
inline std::vector<RecordedTest> RecordedRun() {
  namespace fs = std::filesystem;
  const std::string suffix = ".result.json";
  std::vector<std::string> stems;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(RecordedRunDir(), ec)) {
    std::string path = entry.path().string();
    if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
      stems.push_back(path.substr(0, path.size() - suffix.size()));
  }
  auto when = [](const std::string& stem) { return stem.size() >= 15 ? stem.substr(stem.size() - 15) : stem; };
  std::sort(stems.begin(), stems.end(), [&](const auto& a, const auto& b) { return when(a) < when(b); });
  std::vector<RecordedTest> out;
  for (const auto& stem : stems) {
    std::ifstream in(stem + suffix);
    out.push_back({nlohmann::json::parse(in, nullptr, false), stem + ".history.jsonl"});
  }
  return out;
}

}  // namespace mdrill::testing
