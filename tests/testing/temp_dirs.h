// Temporary directories of tests, removed when the test program exits (a lab's data
// directory holds etcd's database: hundreds of MiB each, which would fill the disk
// over many runs). Set MDRILL_KEEP_TEST_DIRS=1 to keep them for a look afterwards.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace mdrill::testing {

inline void RemoveAtExit(const std::string& dir) {
  static std::mutex mu;
  static std::vector<std::string>* dirs = [] {
    auto* v = new std::vector<std::string>();
    std::atexit([] {
      const char* keep = std::getenv("MDRILL_KEEP_TEST_DIRS");
      if (keep != nullptr && *keep != '\0' && *keep != '0') return;
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& d : *dirs) {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
      }
    });
    return v;
  }();
  std::lock_guard<std::mutex> lock(mu);
  dirs->push_back(dir);
}

}  // namespace mdrill::testing
