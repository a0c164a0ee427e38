// Compaction of the HA lab's replicated log. Left in etcd, the log grows without
// end (every insert's rows ride in it: ~1.6 GB of etcd after an hour of the soak's
// traffic), and etcd has a space quota. Milvus keeps only metadata in etcd and the
// data in object storage; the lab does the same with its log: the active
// coordinator moves full runs of applied records into segment files in the shared
// storage directory and deletes them from etcd, keeping the newest records there.
//
//   1. read the oldest `segment_records` records (or `segment_bytes`), only when
//      more records follow them (the tail always stays in etcd);
//   2. write them to STORAGE/log-archive/<first>-<last>.seg (magic, CRC-32,
//      LogArchiveSegment), fsynced and renamed into place;
//   3. put PREFIX/log-archive/<last> = that path, only while this coordinator's
//      election lease holds;
//   4. delete the archived keys from etcd (etcd's auto-compaction then frees them).
//
// A tailer reads the archive's keys and the log in one etcd transaction (one
// revision), so a record deleted from the log between two reads is never missed:
// at any revision it is either still in the log or in a segment already listed.
// Segments may overlap (a coordinator deposed between steps 3 and 4, whose keys
// the next one archives again): tailers apply only records after the last one they
// applied. Segment files are kept; an archived log costs local disk, not etcd.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "etcd/client.h"
#include "lab.pb.h"
#include "lab/ha/election.h"
#include "util/status.h"

namespace mdrill::lab {

// A segment file's bytes: "MDLA", CRC-32 of the rest (little-endian), the message.
std::string EncodeLogSegment(const milvusdrill::lab::LogArchiveSegment& segment);
// Parses a segment file's bytes; InvalidArgument naming what is wrong.
Status DecodeLogSegment(const std::string& bytes, milvusdrill::lab::LogArchiveSegment* segment);
// Reads and decodes the segment file at `path`.
Status ReadLogSegment(const std::string& path, milvusdrill::lab::LogArchiveSegment* segment);

struct LogArchiveOptions {
  std::string prefix;       // the lab's etcd root
  std::string storage_dir;  // segments go to STORAGE/log-archive/
  // A pass costs two small etcd reads when there is nothing to move; often enough
  // that the log's live part stays within a few segments even when etcd's quota is
  // small (writes refused at the quota include the archive's own: it must never
  // fall that far behind).
  std::chrono::milliseconds interval{1000};
  int64_t segment_records = 512;
  size_t segment_bytes = 2u << 20;
  int max_segments_per_pass = 8;
};

// What one pass moved.
struct ArchiveReport {
  int segments = 0;
  int64_t records = 0;
  int64_t bytes = 0;
};

// The active coordinator's archiver. One thread of its own; Start/Stop from one thread.
class LogArchiver {
 public:
  // `may_write`: whether this process is the active coordinator, asked before each pass.
  LogArchiver(etcd::EtcdClient* etcd, const Election* election, std::string election_key, LogArchiveOptions options,
              std::function<bool()> may_write);
  ~LogArchiver();
  void Start();
  void Stop();
  // One pass: archives every full segment (at most max_segments_per_pass).
  Result<ArchiveReport> ArchiveOnce();

 private:
  void Loop();
  // Archives the oldest full run of records; false when there is none.
  Result<bool> ArchiveOneSegment(ArchiveReport* report);

  etcd::EtcdClient* etcd_;
  const Election* election_;
  const std::string election_key_;
  const LogArchiveOptions options_;
  std::function<bool()> may_write_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mdrill::lab
