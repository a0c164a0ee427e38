// FencedAllocator: timestamps and ids that stay monotonic and unique across any
// number of coordinator failovers.
//
// Before handing out a value the active coordinator makes sure an upper bound at or
// above it is persisted in etcd, written in a transaction that succeeds only while
// the election key still carries this coordinator's lease. A new leader starts
// above the persisted bound, so nothing it hands out can have been handed out
// before; a deposed leader cannot persist a new bound, so it stops handing out
// values once its window is used up, and stops at once when the election says it
// is no longer leader. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "etcd/client.h"
#include "lab/ha/election.h"
#include "util/status.h"

namespace mdrill::lab {

class FencedAllocator {
 public:
  FencedAllocator(etcd::EtcdClient* etcd, const Election* election, std::string election_key, std::string prefix);

  // Reads the persisted bounds; call after winning the election, before serving.
  Status OnElected();
  // `count` consecutive hybrid timestamps; returns the first.
  Result<uint64_t> Timestamps(uint32_t count);
  // `count` consecutive ids; returns the first.
  Result<int64_t> Ids(uint32_t count);

 private:
  Status Persist(const std::string& key, uint64_t value);
  Status NotLeader() const;

  etcd::EtcdClient* etcd_;
  const Election* election_;
  const std::string election_key_;
  const std::string ts_key_;
  const std::string id_key_;
  std::mutex mu_;
  bool ready_ = false;
  uint64_t last_ts_ = 0, ts_upper_ = 0;
  uint64_t next_id_ = 0, id_upper_ = 0;
};

}  // namespace mdrill::lab
