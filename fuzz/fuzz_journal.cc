// The drill's fault journal as a crash (or anything else) may leave it:
// PendingFaults answers the faults still open or an error, never a crash.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "drill/nemesis/fault_journal.h"
#include "fuzz_temp_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = FuzzTempDir("journal");
  const std::string path = dir + "/faults.journal";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  int skipped = 0;
  auto pending = mdrill::drill::PendingFaults(path, &skipped);
  if (pending.ok() && skipped < 0) __builtin_trap();
  return 0;
}
