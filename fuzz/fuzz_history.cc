// History files as anything might leave them: ReadHistory answers a History or a
// clear error, never a crash; what it reads writes back (WriteHistory) to a file it
// reads again as the same records.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "drill/history/history.h"
#include "fuzz_temp_dir.h"

using namespace mdrill::drill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = FuzzTempDir("history");
  const std::string path = dir + "/h.jsonl";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  History h;
  mdrill::Status s = ReadHistory(path, &h);
  if (!s.ok()) {
    if (s.reason().empty()) __builtin_trap();
    return 0;
  }
  if (!WriteHistory(path, h).ok()) __builtin_trap();
  History back;
  if (!ReadHistory(path, &back).ok()) __builtin_trap();
  if (back.ops != h.ops || back.events != h.events) __builtin_trap();
  return 0;
}
