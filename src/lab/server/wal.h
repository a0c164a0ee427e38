// Write-ahead log: length- and CRC-framed protobuf records, fsynced before Append
// returns. A torn tail (a crash mid-write: a damaged frame with no intact record
// after it) is cut off when the log is opened, so every record Append acknowledged
// is replayed and nothing else is. Damage with intact records after it is not a
// torn write: Open refuses to start, naming the offset and the explicit repair
// (RepairTruncate, `milvus-drill lab repair-wal`), and drops nothing by itself.
// One process at a time: Open takes an exclusive lock on the log. After a failed
// write or fdatasync the log is failed for good (what reached the disk is unknown):
// every later Append is refused until the process restarts and replays.
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
  // Empty while healthy; why appends are refused once a write or sync failed.
  const std::string& failed() const { return failed_; }

  // Cuts the log at `path` to its first `offset` bytes, which must end on a record
  // boundary (checked: every record before it intact). Returns the bytes dropped.
  // InvalidArgument when `offset` is not such a boundary or beyond the end.
  static Result<uint64_t> RepairTruncate(const std::string& path, uint64_t offset);

  ~Wal();

 private:
  DurableAppendFile file_;
  int lock_fd_ = -1;
  std::string failed_;
  uint64_t size_ = 0;
  uint64_t records_ = 0;
  uint64_t truncated_ = 0;
};

}  // namespace mdrill::lab
