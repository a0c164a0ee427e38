// The HA lab's replicated log: every committed catalog record is a key under
// PREFIX/log/ in etcd (the record inline when small, else a pointer to a file in the
// storage directory, fsynced before the key is written). The active coordinator
// appends, fenced by its election lease; every coordinator and query node tails the
// log in commit (etcd revision) order and applies it to its own Catalog. Keys are
// the records' timestamps, and the active coordinator commits in timestamp order,
// so key order is commit order: a tailer reads pages from the key after the last
// one it applied. The active coordinator moves old runs of the log out of etcd into
// segment files (log_archive.h); a tailer that fell behind reads those first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "etcd/client.h"
#include "etcd/watch.h"
#include "lab/ha/allocator.h"
#include "lab/ha/defaults.h"
#include "lab/server/catalog.h"

namespace mdrill::lab {

struct EtcdLogOptions {
  std::string prefix = kDefaultEtcdRoot;
  std::string storage_dir;          // shared "object storage"
  size_t inline_limit = 32 * 1024;  // larger records go to files
  // Wake on the log's etcd watch: a record is applied as soon as it is committed.
  // Off, the tailer reads the log only every `poll` and when a reader pokes it.
  bool watch = true;
  // Idle polling, besides the watch (which may be down for a while): every reader
  // that needs a newer revision pokes the tailer (WaitApplied does), so this bounds
  // how stale an Eventually read can be without the watch, and how old the
  // serviceable time gets on an idle log; not how long a Strong read waits.
  std::chrono::milliseconds poll{kDefaultLogPollMs};
};

// Applies the log to a catalog in commit order. Thread-safe; one thread of its own.
class LogTailer {
 public:
  LogTailer(etcd::EtcdClient* etcd, Catalog* catalog, EtcdLogOptions options);
  ~LogTailer();
  void Start();
  void Stop();
  void Poke();  // read the log now instead of at the next poll
  // Waits until everything committed at or before etcd revision `rev` is applied.
  bool WaitApplied(int64_t rev, std::chrono::steady_clock::time_point until);
  // Returns true once everything committed before the call is applied (etcd is
  // asked its revision until it answers), or false once `*stopping` is set.
  bool CatchUpToCurrent(const std::atomic<bool>* stopping = nullptr);
  int64_t applied_revision() const { return applied_.load(); }
  // Wall-clock ms (Unix) such that every record committed before it is applied:
  // the start of the last read of the log that found nothing more to apply. A
  // query node's "serviceable time", held against Bounded and Session reads.
  int64_t serviceable_unix_ms() const { return serviceable_ms_.load(); }
  // The highest timestamp of an applied record. The active coordinator commits
  // records in timestamp order (one writer at a time, fenced by its lease; a new
  // active starts above every timestamp issued before), so every record with a
  // timestamp at or below this one is applied.
  uint64_t max_applied_ts() const { return max_ts_.load(); }
  int64_t records_applied() const { return records_.load(); }

 private:
  // Records per read of the log: inline records are at most 32 KiB, so a page
  // stays within gRPC's 4 MiB reply limit and well within its deadline.
  static constexpr int64_t kLogPage = 64;
  static constexpr int64_t kArchivePage = 4;  // segments (files) per read
  void Loop();
  bool ReadPage();
  bool ApplySegments(const etcd::EtcdClient::Page& archive);
  bool ApplyOne(const std::string& key, const std::string& value, int64_t mod_revision);
  bool Load(const std::string& value, milvusdrill::lab::WalRecord* rec) const;

  etcd::EtcdClient* etcd_;
  Catalog* catalog_;
  const EtcdLogOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false, poked_ = false;
  std::atomic<int64_t> applied_{0};
  // The tailer's thread only: the last applied record's key, and where the next
  // read of the log starts (just after it).
  std::string last_key_, next_key_;
  std::atomic<int64_t> records_{0};
  std::atomic<int64_t> serviceable_ms_{0};
  std::atomic<uint64_t> max_ts_{0};
  std::unique_ptr<etcd::Watcher> watcher_;
  std::thread thread_;
};

// The active coordinator's side: timestamps and ids from the fenced allocator,
// appends fenced by the election lease, returning once the local tailer applied.
class EtcdLog final : public CatalogLog {
 public:
  EtcdLog(etcd::EtcdClient* etcd, FencedAllocator* alloc, const Election* election, std::string election_key,
          LogTailer* tailer, EtcdLogOptions options);
  Result<uint64_t> Timestamp() override { return alloc_->Timestamps(1); }
  Result<int64_t> Ids(uint32_t count) override { return alloc_->Ids(count); }
  Status Append(milvusdrill::lab::WalRecord* record) override;
  bool replicated() const override { return true; }

 private:
  etcd::EtcdClient* etcd_;
  FencedAllocator* alloc_;
  const Election* election_;
  const std::string election_key_;
  LogTailer* tailer_;
  const EtcdLogOptions options_;
};

}  // namespace mdrill::lab
