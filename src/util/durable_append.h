// Durable writes to files: appends that are on disk before they return
// (DurableAppendFile), and whole-file replacement (WriteFileAtomically).
//
// For the records milvus-drill must find again after a crash of the process or of the
// machine once they were acknowledged: the fault journals (the drill's and the lab
// supervisor's) and the standalone server's write-ahead log. The framing of a record
// (a JSON line, a length and a CRC) stays with its owner; this only moves bytes to
// disk.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mdrill {

// A file that only grows, one fdatasync per Append.
//
// Thread-safe: appends from several threads are serialized, so each one lands whole
// and contiguous. Other processes appending to the same file are not coordinated
// with (O_APPEND keeps each of our writes at the end, but a short write retried may
// be split by theirs). Not copyable.
class DurableAppendFile {
 public:
  DurableAppendFile() = default;
  ~DurableAppendFile();  // closes the file; nothing is lost, every Append synced
  DurableAppendFile(const DurableAppendFile&) = delete;
  DurableAppendFile& operator=(const DurableAppendFile&) = delete;

  // Opens `path` for appending (O_APPEND | O_CLOEXEC). When the file does not exist
  // it is created (mode 0644) and its directory fsynced, so the new name survives a
  // power loss as well as the bytes. Internal, naming the path and the system's
  // reason, when it cannot be opened (a missing directory, no permission) or the
  // directory cannot be synced; InvalidArgument when this object is already open.
  Status Open(const std::string& path);

  // Writes every byte of `data` at the end of the file (retrying short writes and
  // EINTR), then fdatasyncs. OK means the bytes are on disk. Internal, naming the
  // path, on failure or when not open; the file may then end with a prefix of
  // `data` (see Truncate).
  Status Append(std::string_view data);

  // Appends `line` and a '\n', as Append. When the file's last byte is not '\n' (a
  // torn line left by a crash mid-append) a '\n' goes first, so the new line is
  // not glued to the fragment and a reader loses only the fragment.
  Status AppendLine(std::string_view line);

  // Cuts the file to its first `size` bytes and fdatasyncs: how a caller that
  // tracks its record boundaries drops a partial append. Internal on failure.
  Status Truncate(uint64_t size);

  // Closes the file (idempotent). Internal when close(2) reports an error.
  Status Close();

  bool is_open() const;
  const std::string& path() const { return path_; }

 private:
  Status AppendLocked(std::string_view data);

  mutable std::mutex mu_;
  int fd_ = -1;
  std::string path_;
};

// Replaces the file at `path` with `bytes`, atomically and durably: writes PATH.tmp
// (truncating any leftover), fsyncs it, renames it over `path` and fsyncs the
// directory. After a crash `path` holds the old content or the new one, never a
// part. Internal, naming the step and the system's reason, on failure.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace mdrill
