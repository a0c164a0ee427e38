// The writer's background maintenance: every CompactionOptions::interval it runs
// Catalog::CompactOnce, which seals idle growing segments and merges small sealed
// ones through the log. Only the process that owns the log runs one (the standalone
// server; in the HA lab, the active coordinator), so merges are decided once and
// replayed everywhere; query nodes and standbys just apply the records.
//
// Thread-safe; one thread of its own.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "lab/server/catalog.h"

namespace mdrill::lab {

class Compactor {
 public:
  // `may_write` tells whether this process may append to the log right now (always
  // for the standalone server; while active for a coordinator). Asked before every
  // pass, so a standby never tries.
  Compactor(Catalog* catalog, std::chrono::milliseconds interval, std::function<bool()> may_write);
  ~Compactor();
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  void Start();
  void Stop();  // waits for a pass in progress

 private:
  void Loop();

  Catalog* catalog_;
  const std::chrono::milliseconds interval_;
  std::function<bool()> may_write_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mdrill::lab
