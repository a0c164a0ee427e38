// A collection: schema, segments, deletes and the vector index.
//
// Rows arrive in growing segments; a growing segment is sealed when it reaches
// `segment_max_rows` or on Seal(), and sealed segments are indexed with the
// collection's IndexSpec by BuildPendingIndex(), which the owner calls from a thread
// of its own (the engine has none). Deletes are tombstones keyed by primary key with
// a timestamp: a row is hidden when a delete of its key is newer than the row.
// Compact() merges small sealed segments into one (compaction.cc); the engine only
// proposes what to merge (CompactionCandidates, GrowingExpired): the owner decides
// and logs it, so every replica applies the same merges in the same order.
//
// Thread-safe: reads (Search, Query, counters) run concurrently; mutations take an
// exclusive lock; index builds run outside the lock and are swapped in under it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/expr.h"
#include "engine/index.h"
#include "engine/schema.h"
#include "util/status.h"

namespace mdrill::engine {

// Where a built segment index is kept for the other copies of the same segment
// (the HA lab's query nodes apply one log, so a segment id names the same rows on
// every node; upstream likewise builds each index once and every query node loads
// it). Keys name the collection, the segment, the index and its rows. Thread-safe.
class IndexStore {
 public:
  virtual ~IndexStore() = default;
  // The index stored under `key`, or nullptr (none, or one that does not read).
  virtual std::unique_ptr<VectorIndex> Load(const std::string& key, const IndexSpec& spec, size_t rows, int dim) = 0;
  // True when this copy should build `key`: no live copy has claimed it.
  virtual bool Claim(const std::string& key) = 0;
  // Keeps a built index (and releases the claim).
  virtual void Store(const std::string& key, const VectorIndex& index) = 0;
  // Gives a claim up without an index (the build failed).
  virtual void Release(const std::string& key) = 0;
  // The collection was dropped: its indexes will never be asked for again.
  virtual void Forget(int64_t /*collection_id*/) {}
  // The segment was merged into another: its indexes will never be asked for again
  // (a copy that has yet to apply the merge builds one for itself).
  virtual void ForgetSegment(int64_t /*collection_id*/, int64_t /*segment_id*/) {}
  // The index stored under `key` will never be asked for again: its spec was dropped,
  // or changed while it was built. (A copy that applies a drop late may remove an
  // index another copy stored for the same spec created again: that costs a build.)
  virtual void ForgetIndex(const std::string& /*key*/) {}
};

struct CollectionOptions {
  // Rows at which a growing segment is sealed (and then indexed).
  size_t segment_max_rows = 262144;
  // Segments smaller than this are searched exactly instead of through an index
  // (upstream: minSegmentNumRowsToEnableIndex = 1024).
  size_t min_rows_to_index = 1024;
  // Segments that already have their index are merged only once this many of them
  // are small (see CompactionCandidates).
  size_t indexed_segments_to_merge = 4;
  // A coordinator's copy: the rows' keys, scalars and timestamps, the segments and
  // the index spec, but no vectors and no index builds. A sealed segment big enough
  // to index counts as indexed as soon as an index is specified (the query nodes
  // build it), for progress and compaction; searches and queries are refused.
  bool metadata_only = false;
  // Built indexes are shared through this store: loaded when another copy built
  // them, built (and stored) when this copy claims them, else waited for. nullptr:
  // every copy builds its own.
  std::shared_ptr<IndexStore> index_store;
};

struct SearchArgs {
  std::vector<float> queries;  // nq * dim floats, row-major
  size_t nq = 0;
  SearchKnobs knobs;
  std::string filter;
  std::vector<std::string> output_fields;
};

struct SearchOutput {
  size_t nq = 0;
  int topk = 0;
  std::vector<int64_t> topks;      // hits per query
  std::vector<float> scores;       // concatenated hits of every query
  Column ids;                      // primary keys, same order as scores
  std::vector<int> output_fields;  // schema indexes of the returned fields
  std::vector<Column> fields;      // one per output field, same order as scores
};

struct QueryArgs {
  std::string filter;
  std::vector<std::string> output_fields;
  int64_t limit = -1;  // -1: no limit
  int64_t offset = 0;
};

struct QueryOutput {
  bool is_count = false;
  int64_t count = 0;
  std::vector<int> output_fields;
  std::vector<Column> fields;
};

struct SegmentInfo {
  int64_t id = 0;
  bool sealed = false;
  bool indexed = false;
  int64_t rows = 0;
  size_t mem_bytes = 0;
};

struct IndexProgress {
  int64_t indexed_rows = 0;
  int64_t total_rows = 0;
  int64_t pending_rows = 0;
  bool failed = false;
  std::string fail_reason;
};

class Collection {
 public:
  Collection(int64_t id, CollectionSchema schema, CollectionOptions options);
  Collection(const Collection&) = delete;
  Collection& operator=(const Collection&) = delete;

  int64_t id() const { return id_; }
  const CollectionSchema& schema() const { return schema_; }

  // Checks client rows against the schema: every field present once with the right
  // type and row count, vectors of the right dimension with finite values, strings
  // within max_length. The primary key column must be absent when autoID is on.
  Status ValidateInsert(const Batch& batch) const;

  // Appends rows (primary keys included) stamped `ts`. Never fails for a batch that
  // passed ValidateInsert with its primary keys filled in.
  void Insert(const Batch& batch, uint64_t ts);

  // Primary keys of the live rows matching `expr` (not empty: deleting everything
  // needs an explicit expression).
  Status MatchDelete(const std::string& expr, std::vector<Value>* keys) const;
  // Hides the live rows with these keys; returns how many rows were hidden.
  int64_t Delete(const std::vector<Value>& keys, uint64_t ts);

  // Sets or removes the vector index. SetIndex with the same spec is a no-op; a
  // different one while an index exists is an error (drop it first, as upstream).
  Status SetIndex(const IndexSpec& spec);
  Status DropIndex();
  std::optional<IndexSpec> index() const;
  IndexProgress GetIndexProgress() const;
  // Builds (or loads from the index store) the index of one sealed segment that
  // lacks it; false when none is pending, or every pending one is another copy's to
  // build and not stored yet.
  bool BuildPendingIndex();

  // Seals the growing segment (if it holds rows).
  void Seal();

  // Merges the sealed segments `segment_ids` (at least one, each once) into one new
  // sealed, unindexed segment `new_segment_id`, placed where the first of them was.
  // Rows hidden by a delete are dropped (tombstones only grow, so they could never
  // come back); every kept row keeps its own timestamp, so later deletes and
  // re-inserts see it exactly as before. When no row survives, the segments are just
  // removed. Deterministic: the same call on the same state gives the same segments.
  // Errors (unknown or growing segment, duplicate ids, `new_segment_id` not above
  // every id in use) leave the collection unchanged.
  Status Compact(const std::vector<int64_t>& segment_ids, int64_t new_segment_id);
  // Sealed segments with fewer than `small_rows` rows to merge, in collection order,
  // taken while their rows add up to at most `max_rows`. Two tiers, so that a big
  // segment is not re-merged and re-indexed for every small flush: segments searched
  // exactly (no index, and none on the way) as soon as two qualify; otherwise segments
  // that have their index, once `indexed_segments_to_merge` qualify. A segment whose
  // index is being built is never taken (the build would be wasted). Empty: nothing to do.
  std::vector<int64_t> CompactionCandidates(size_t small_rows, size_t max_rows) const;
  // True when the growing segment holds rows and its last insert is at least
  // `max_idle_ms` before `now_ts`, or its first insert at least `max_life_ms` before
  // (hybrid timestamps: the rows' own, so every replica would answer alike).
  bool GrowingExpired(uint64_t now_ts, uint64_t max_idle_ms, uint64_t max_life_ms) const;
  // The id a new segment would take next. A merge takes it through its log record.
  int64_t next_segment_id() const;

  Status Search(const SearchArgs& args, SearchOutput* out) const;
  Status Query(const QueryArgs& args, QueryOutput* out) const;

  int64_t LiveRows() const;
  uint64_t last_ts() const { return last_ts_.load(); }
  std::vector<SegmentInfo> Segments() const;
  size_t MemoryBytes() const;

 private:
  struct Segment {
    int64_t id = 0;
    bool sealed = false;
    std::vector<Column> columns;
    std::vector<uint64_t> ts;
    std::vector<float> normalized;  // COSINE: unit-length copies of the vectors
    std::shared_ptr<const VectorIndex> index;
    size_t rows() const { return ts.size(); }
  };
  struct RowRef {
    size_t segment;
    size_t row;
  };

  bool IsLive(const Segment& seg, size_t row) const;
  // Whether `seg` has its index: built, or (metadata only) to be built by others.
  bool Indexed(const Segment& seg) const;
  // The spec `seg`'s index is built with under `spec`: FLAT for an IVF spec over
  // fewer rows than it has clusters.
  static IndexSpec SpecFor(const Segment& seg, IndexSpec spec);
  // The index store's key of `seg`'s index under `spec` (effective type included).
  std::string IndexKey(const Segment& seg, const IndexSpec& spec) const;
  // Whether column `f` is kept (a metadata-only copy drops the vectors).
  bool Kept(size_t f) const { return !options_.metadata_only || static_cast<int>(f) != vec_; }
  Status RefuseReads() const;
  void IndexPk(size_t seg, size_t row);
  void RebuildKeyIndex();  // after segments_ changed shape (compaction)
  std::vector<RowRef> FindKey(const Value& key) const;
  // Rows of `seg` matching `filter` and live, as a bitmap; nullptr-equivalent (empty)
  // when every row qualifies.
  std::vector<uint8_t> Visible(const Segment& seg, const Expr* filter, bool* all) const;
  std::vector<uint8_t> UndeletedRows(const Segment& seg) const;
  Status ResolveOutputs(const std::vector<std::string>& names, std::vector<int>* out, bool* count) const;
  std::vector<Column> EmptyColumns(const std::vector<int>& fields) const;

  // One candidate of a search: its score and where the row lives.
  struct SearchHit {
    float score;
    size_t seg;
    size_t row;
  };
  // Checks the query vectors (count, dimension, finite values), parses the filter
  // into `filter` and resolves the output fields into out->output_fields.
  Status PrepareSearch(const SearchArgs& args, std::unique_ptr<Expr>* filter, SearchOutput* out) const;
  // The best topk + offset live rows matching `filter` of every searched segment, per
  // query, unsorted across segments. `queries` are nq * dim floats, normalized for
  // COSINE. Caller holds mu_ (shared).
  std::vector<std::vector<SearchHit>> SearchSegments(const std::vector<float>& queries, size_t nq,
                                                     const SearchKnobs& knobs, const Expr* filter) const;
  // Ranks each query's hits (stable, best first), skips `offset`, keeps `topk`, rounds
  // the scores and fills `out` (output_fields already resolved). Caller holds mu_.
  void FillSearchOutput(const SearchKnobs& knobs, std::vector<std::vector<SearchHit>>* hits, SearchOutput* out) const;
  void StartSegment();

  const int64_t id_;
  const CollectionSchema schema_;
  const CollectionOptions options_;
  const int pk_;
  const int vec_;

  mutable std::shared_mutex mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // the last one is growing
  int64_t next_segment_id_ = 1;
  std::unordered_map<int64_t, std::vector<RowRef>> int_keys_;
  std::unordered_map<std::string, std::vector<RowRef>> str_keys_;
  std::unordered_map<int64_t, uint64_t> int_deletes_;
  std::unordered_map<std::string, uint64_t> str_deletes_;
  int64_t live_rows_ = 0;
  std::optional<IndexSpec> index_;
  std::string index_error_;
  std::atomic<uint64_t> last_ts_{0};
};

}  // namespace mdrill::engine
