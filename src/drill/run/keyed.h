// The keyed workload: what the auto_id insert workload cannot show. A side
// collection "<test collection>_keys" (id INT64 primary key chosen by the client,
// version INT64, embedding FLOAT_VECTOR(8)) takes:
//   key_insert  rows with new, unique keys (version 0)
//   upsert      an acknowledged even key with a new version (one write per key
//               in flight at a time, so versions of a key grow with time)
//   delete      an acknowledged odd key ("id in [k]"); never written again
//   key_lookup  a point lookup, alternately of a live even key and of a key
//               whose delete was acknowledged, at a level drawn from Strong,
//               Session (guarantee_timestamp = the newest write timestamp this
//               drill was acknowledged, as pymilvus sends it), Bounded and
//               Eventually; the level goes in op->level
// and at the end "key_final": every stored (key, version), read in key ranges.
// The keyed checker (drill/check/keyed.h) judges the history alone; the
// workload's own bookkeeping only chooses what to send.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "drill/history/history.h"
#include "milvus/client.h"

namespace mdrill::drill {

class RunClock;  // drill/run/workload.h

inline constexpr int kKeyedDim = 8;

inline std::string KeyedCollection(const std::string& test_collection) { return test_collection + "_keys"; }

// Creates the side collection, FLAT-indexed and loaded with `replicas` replicas.
// Refuses one that exists already (it is not ours).
Status CreateKeyedCollection(milvus::MilvusClient* c, const std::string& name, int replicas);

// What the workload knows of its keys. Keys start at 1 and are never reused.
class KeyState {
 public:
  // Reserves `n` new keys; returns the first.
  int64_t Reserve(int n);
  int64_t next_key() const;
  // An ok key_insert: even keys become upsertable and readable, odd ones deletable.
  void Acknowledged(const std::vector<int64_t>& keys);
  // An even key no upsert is writing now; Release when the upsert ended.
  bool TakeForUpsert(std::mt19937_64* rng, int64_t* key);
  void Release(int64_t key);
  int64_t NextVersion();
  // A write's acknowledged timestamp; the newest one is what a Session read must see.
  void WriteAcknowledged(uint64_t ts);
  uint64_t last_write_ts() const;
  // An odd key, removed for good (a failed delete returns it).
  bool TakeForDelete(std::mt19937_64* rng, int64_t* key);
  void DeleteEnded(int64_t key, Outcome outcome);
  bool PickLive(std::mt19937_64* rng, int64_t* key) const;
  bool PickDeleted(std::mt19937_64* rng, int64_t* key) const;

 private:
  mutable std::mutex mu_;
  int64_t next_key_ = 1;
  int64_t next_version_ = 1;
  uint64_t last_write_ts_ = 0;
  std::vector<int64_t> live_, deletable_, deleted_;
  std::set<int64_t> writing_;
};

// One keyed operation of `op->kind` (key_insert, upsert, delete, key_lookup):
// fills op->ids (the keys), op->values (versions written or read) and op->value
// (rows a lookup returned).
Status KeyedCall(milvus::MilvusClient* c, const std::string& collection, int rows, KeyState* keys, std::mt19937_64* rng,
                 milvus::Deadline deadline, Op* op);

// The final read of the side collection: every stored row with a key in
// [1, next_key) and beyond it, as (ids, values). Retried until `timeout_s`.
Result<Op> KeyedFinalRead(const milvus::ConnectOptions& connect, const std::string& collection, int64_t next_key,
                          double timeout_s, const RunClock& clock);

}  // namespace mdrill::drill
