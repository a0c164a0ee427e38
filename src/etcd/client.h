// EtcdClient: the etcd v3 calls the lab needs, over etcd's gRPC API.
//
// Every call takes a deadline and makes one RPC; nothing retries by itself. The
// channel lists every endpoint and fails over between them (pick_first). Errors
// come back as Status: transport failures carry the gRPC code. Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd.grpc.pb.h"
#include "util/status.h"

namespace mdrill::etcd {

using Deadline = std::chrono::milliseconds;

// How often a lease holder renews a lease of `ttl_seconds`: a quarter of the TTL,
// computed in milliseconds (whole seconds would make it 0 for any TTL under 4 s, a
// renewal loop that never sleeps), and never under 100 ms.
inline std::chrono::milliseconds KeepAliveInterval(int64_t ttl_seconds) {
  return std::max(std::chrono::milliseconds(100), std::chrono::milliseconds(ttl_seconds * 1000 / 4));
}

struct EtcdKv {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

class EtcdClient {
 public:
  // endpoints: "127.0.0.1:2379" etc.
  explicit EtcdClient(const std::vector<std::string>& endpoints);
  // The channel to the cluster, for streams kept by others (etcd/watch.h).
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  Result<std::optional<EtcdKv>> Get(const std::string& key, Deadline d);
  Result<std::vector<EtcdKv>> GetPrefix(const std::string& prefix, Deadline d);
  Status Put(const std::string& key, const std::string& value, int64_t lease, Deadline d);
  Result<int64_t> Delete(const std::string& key, Deadline d);
  Result<int64_t> DeletePrefix(const std::string& prefix, Deadline d);
  // Creates `key` only when it does not exist; true when this call created it.
  Result<bool> CreateIfAbsent(const std::string& key, const std::string& value, int64_t lease, Deadline d);
  // Writes key=value only while `guard_key` is attached to lease `guard_lease`
  // (a fencing check: only the current holder of an election can write). The
  // revision of the write; 0 when the guard no longer holds.
  Result<int64_t> PutIfLeaseHolds(const std::string& guard_key, int64_t guard_lease, const std::string& key,
                                  const std::string& value, Deadline d);
  // Writes key=*value (deletes it when `value` is nullopt) only while its mod
  // revision is `expect_mod` (0: absent) and, with a non-empty `guard_key`, while
  // `guard_key` is attached to lease `guard_lease`. True when it was written.
  Result<bool> ReplaceIfUnchanged(const std::string& guard_key, int64_t guard_lease, const std::string& key,
                                  int64_t expect_mod, const std::optional<std::string>& value, Deadline d);

  // At most `limit` keys under `prefix` from `from` (inclusive; empty: the
  // prefix's first) in key order, the store's revision at the time of the read,
  // and whether more keys follow. Served by the member alone (serializable).
  // Costs what it returns: a reader that remembers where it stopped never
  // rescans what it has read (a min_mod_revision filter would: etcd filters
  // after reading the whole range).
  struct Page {
    int64_t revision = 0;
    std::vector<EtcdKv> kvs;
    bool more = false;
  };
  Result<Page> GetPage(const std::string& prefix, const std::string& from, int64_t limit, Deadline d);
  // Several pages read at one revision (one etcd transaction), so they agree: a
  // key moved from one prefix to another between two separate reads could be missed
  // by both. Linearizable: whatever was committed before the call is in what it
  // returns (a lagging member would answer from its past). Pages in the order asked.
  struct PageQuery {
    std::string prefix, from;
    int64_t limit = 0;
  };
  Result<std::vector<Page>> GetPagesAtOnce(const std::vector<PageQuery>& queries, Deadline d);
  // The last key under `prefix` in key order (linearizable), if any.
  Result<std::optional<EtcdKv>> GetLast(const std::string& prefix, Deadline d);
  // Deletes every key in [from, end); how many were deleted.
  Result<int64_t> DeleteRange(const std::string& from, const std::string& end, Deadline d);
  // The store's current revision.
  Result<int64_t> Revision(Deadline d);

  // Maintenance. The cluster's raised alarms ("NOSPACE on member 8e9e05c52164694d");
  // empty when none.
  Result<std::vector<std::string>> Alarms(Deadline d);
  // Clears the raised NOSPACE alarms (etcdctl alarm disarm, for space only: a
  // CORRUPT alarm stays).
  Status DisarmSpaceAlarms(Deadline d);
  // Drops the history before `revision` (etcdctl compact; physical: wait for it).
  Status Compact(int64_t revision, Deadline d);
  // Returns the free pages of this client's member to the file system (etcdctl defrag).
  Status Defragment(Deadline d);
  // This client's member's database file size and the part of it in use, in bytes.
  struct DbSize {
    int64_t total = 0, in_use = 0;
  };
  Result<DbSize> Size(Deadline d);

  Result<int64_t> LeaseGrant(int64_t ttl_seconds, Deadline d);
  // One keep-alive round trip; the remaining TTL in seconds (<= 0: the lease is gone).
  Result<int64_t> KeepAliveOnce(int64_t lease, Deadline d);
  Status LeaseRevoke(int64_t lease, Deadline d);

 private:
  void Prepare(grpc::ClientContext* ctx, Deadline d) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance_;
};

// The key just past every key with `prefix` (etcd's range_end for prefixes).
std::string PrefixEnd(const std::string& prefix);

}  // namespace mdrill::etcd
