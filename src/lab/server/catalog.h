// Catalog: the standalone server's state. Collections with their load and index
// state, the timestamp oracle and the auto_id allocator, made durable through a
// write-ahead log in the data directory.
//
// Every mutation is built as a log record (ids and timestamps assigned), appended
// and fsynced, and only then applied through the same Apply() that replays the log
// at start-up: what was acknowledged is exactly what comes back after a crash.
// A background thread builds pending segment indexes.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/collection.h"
#include "lab/server/wal.h"
#include "util/hybrid_ts.h"
#include "util/status.h"

namespace mdrill::lab {

// When the writer seals idle growing segments and merges small sealed ones (see
// Catalog::CompactOnce and compactor.h). Upstream's dataCoord keys and defaults in
// brackets; the lab's are shorter so a small lab reaches its steady state quickly.
struct CompactionOptions {
  // Sealed segments under small_proportion * segment_max_rows rows are merged, at
  // most segment_max_rows rows per merge (dataCoord.segment.smallProportion, 0.5).
  double small_proportion = 0.5;
  // A growing segment is sealed after this long without an insert
  // (dataCoord.segment.maxIdleTime, 600 s) ...
  std::chrono::milliseconds max_idle{10000};
  // ... or this long after its first insert (dataCoord.segment.maxLife, 86400 s).
  std::chrono::milliseconds max_life{600000};
  // How often the writer looks (dataCoord.compaction.mix.triggerInterval, 60 s).
  std::chrono::milliseconds interval{2000};
};

struct CatalogOptions {
  engine::CollectionOptions collection;  // segment sizes
  CompactionOptions compaction;
};

// What one CompactOnce pass committed.
struct CompactionReport {
  int sealed = 0;  // idle or old growing segments sealed (Flush records)
  int merges = 0;  // Compact records
  int64_t merged_segments = 0;
  int64_t merged_rows = 0;  // rows in the merged segments before dropping deleted ones
};

// Where a catalog's committed records go and who assigns their timestamps and
// ids: a local write-ahead log (standalone) or the lab's replicated log in etcd and
// the storage directory (HA, see etcd_log.h).
class CatalogLog {
 public:
  virtual ~CatalogLog() = default;
  virtual Result<uint64_t> Timestamp() = 0;
  virtual Result<int64_t> Ids(uint32_t count) = 0;
  // Returns once the record is durable. A replicated log also returns only after
  // the record came back through Catalog::ApplyReplicated, so Commit does not
  // apply it a second time.
  virtual Status Append(milvusdrill::lab::WalRecord* record) = 0;
  virtual bool replicated() const { return false; }
};

// The standalone server's log: DATA_DIR/wal.log, a local timestamp oracle and id
// counter, both recovered from the log.
class LocalWalLog final : public CatalogLog {
 public:
  // Replays DATA_DIR/wal.log into `catalog` and opens it for appends.
  Status Open(const std::string& data_dir, class Catalog* catalog);
  Result<uint64_t> Timestamp() override { return ts_.Next(); }
  Result<int64_t> Ids(uint32_t count) override;
  Status Append(milvusdrill::lab::WalRecord* record) override;
  uint64_t bytes() const { return wal_.bytes(); }

 private:
  Wal wal_;
  TsOracle ts_;
  std::mutex mu_;
  int64_t next_id_ = 0;
};

// A snapshot of one collection's metadata with a handle on its data.
struct CollectionView {
  int64_t id = 0;
  std::string name;
  uint64_t created_ts = 0;
  int shards = 1;
  int consistency = 2;  // Bounded, as upstream's default
  bool loaded = false;
  int replicas = 0;
  std::string index_name;
  std::string index_field;
  std::shared_ptr<engine::Collection> data;
};

struct MutationOutcome {
  engine::Column keys;  // primary keys inserted or deleted
  int64_t count = 0;    // rows inserted, or rows deleted
  uint64_t ts = 0;
};

class Catalog {
 public:
  // `log` may be null: a read-only replica fed through ApplyReplicated.
  Catalog(CatalogOptions options, CatalogLog* log);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  void SetLog(CatalogLog* log) { log_ = log; }
  // Starts the index builder.
  void Start();
  // Applies a record committed elsewhere (log replay, the replicated log's tail).
  Status ApplyReplicated(const milvusdrill::lab::WalRecord& record) { return Apply(record); }

  // Creating an existing collection with the same schema succeeds (as upstream);
  // with a different schema it fails.
  Status CreateCollection(engine::CollectionSchema schema, int shards, int consistency);
  Status DropCollection(const std::string& name);
  Result<CollectionView> Get(const std::string& name) const;
  std::vector<CollectionView> List() const;

  // Validates, assigns autoIDs and a timestamp, logs, applies.
  Result<MutationOutcome> Insert(const std::string& name, const engine::Batch& rows, bool upsert);
  Result<MutationOutcome> Delete(const std::string& name, const std::string& expr);

  Status CreateIndex(const std::string& name, const std::string& field, const std::string& index_name,
                     const std::map<std::string, std::string>& params);
  Status DropIndex(const std::string& name);
  // Load requires an index on the vector field (code 700 otherwise), as upstream.
  Status SetLoaded(const std::string& name, bool loaded, int replicas);
  // Seals growing segments; returns the sealed segment ids and the flush timestamp.
  Status Flush(const std::string& name, std::vector<int64_t>* segments, uint64_t* ts);

  Result<uint64_t> AllocTimestamp();

  // The writer's maintenance pass (compactor.cc): for each collection, seals the
  // growing segment when idle or old and merges small sealed segments, each as a
  // record committed like any write, so every replica applies the same change at
  // the same point of the log. Only the owner of the log calls it; on a read-only
  // replica it commits nothing and fails like any write.
  Status CompactOnce(CompactionReport* report);

 private:
  struct Entry;
  Status Commit(milvusdrill::lab::WalRecord* record);  // under write_mu_
  Status CommitWrite(milvusdrill::lab::WalRecord* record, const engine::Column& keys, bool upsert);
  // Applies a committed record: one function per record kind.
  Status Apply(const milvusdrill::lab::WalRecord& record);
  Status ApplyCreateCollection(const milvusdrill::lab::WalRecord& record);
  Status ApplyDropCollection(const milvusdrill::lab::WalRecord& record);
  Status ApplyInsert(const milvusdrill::lab::WalRecord& record, Entry& e);
  Status ApplyDelete(const milvusdrill::lab::WalRecord& record, Entry& e);
  Status ApplyCreateIndex(const milvusdrill::lab::WalRecord& record, Entry& e);
  Status ApplyDropIndex(Entry& e);
  Status ApplyLoad(const milvusdrill::lab::WalRecord& record, Entry& e);
  Status ApplyFlush(Entry& e);
  Status ApplyCompact(const milvusdrill::lab::WalRecord& record, Entry& e);
  std::shared_ptr<Entry> Find(const std::string& name) const;
  std::shared_ptr<Entry> FindId(int64_t id) const;
  static CollectionView View(const Entry& e);
  void BuildLoop();

  const CatalogOptions options_;
  mutable std::mutex mu_;  // guards entries_ and Entry metadata
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::mutex write_mu_;  // serializes log appends with their application
  CatalogLog* log_;

  std::mutex build_mu_;
  std::condition_variable build_cv_;
  bool stopping_ = false;
  std::thread builder_;
};

}  // namespace mdrill::lab
