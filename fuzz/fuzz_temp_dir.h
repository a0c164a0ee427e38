// A fuzzer's scratch directory, /tmp/mdrill-fuzz-NAME-XXXXXX, removed when the
// fuzzer exits normally (a crash leaves it, with the input that caused it).
// Call once per program.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

inline std::string FuzzTempDir(const char* name) {
  static char path[256];
  std::snprintf(path, sizeof path, "/tmp/mdrill-fuzz-%s-XXXXXX", name);
  if (::mkdtemp(path) == nullptr) {
    std::perror(path);
    std::abort();
  }
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  });
  return path;
}
