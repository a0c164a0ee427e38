// Write-ahead log: length- and CRC-framed protobuf records, fsynced before Append
// returns. A torn or corrupt tail (a crash mid-write) is cut off when the log is
// opened, so every record Append acknowledged is replayed and nothing else is.
// Not thread-safe: the owner serializes Append.
#pragma once

#include <functional>
#include <string>

#include "lab.pb.h"
#include "util/durable_append.h"
#include "util/status.h"

namespace mdrill::lab {

class Wal {
 public:
  Wal() = default;
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Opens (creating) the log at `path`, calls `replay` for every intact record in
  // order, truncates anything after the last intact one, and opens it for appends.
  Status Open(const std::string& path, const std::function<Status(const milvusdrill::lab::WalRecord&)>& replay);
  // Appends and fdatasyncs one record. On failure the partial frame is cut off, so
  // the next append starts on a record boundary.
  Status Append(const milvusdrill::lab::WalRecord& record);
  uint64_t bytes() const { return size_; }
  uint64_t records() const { return records_; }
  uint64_t truncated_bytes() const { return truncated_; }

 private:
  DurableAppendFile file_;
  uint64_t size_ = 0;
  uint64_t records_ = 0;
  uint64_t truncated_ = 0;
};

}  // namespace mdrill::lab
