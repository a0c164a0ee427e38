// Replica placement in the HA lab, owned by the active coordinator as in Milvus
// (querycoord): each loaded collection's replica_number replicas sit on distinct
// live query nodes. When a node's etcd session ends (it died or was cut off), the
// active coordinator moves its replicas to live nodes that hold none of that
// collection yet, so the count is restored on the survivors when there are enough
// of them, else on the restarted node when its session is back.
//
// The placement is a JSON value under PREFIX/replicas/<collection id> (etcd/keys.h),
// written only while the coordinator's election lease holds (a deposed one cannot
// overwrite its successor's), read by whoever answers GetReplicas. Every move is
// logged with its wall-clock time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "etcd/client.h"
#include "etcd/watch.h"
#include "lab/ha/election.h"
#include "lab/server/catalog.h"

namespace mdrill::lab {

// One replica: its id and the node holding it (0: none could be given one).
struct ReplicaSlot {
  int64_t id = 0;
  int64_t node = 0;
};

// The placement of `want` replicas given the current one and the live nodes:
// replicas on live nodes stay; the others (and missing ones) go to live nodes
// without a replica of this collection, fewest replicas overall first (`load`,
// node -> replicas of every collection), then lowest id. Replica ids are
// `first_id`, `first_id + 1`, ... A pure function, for the tests.
std::vector<ReplicaSlot> PlaceReplicas(std::vector<ReplicaSlot> current, int want, const std::vector<int64_t>& live,
                                       const std::map<int64_t, int>& load, int64_t first_id);

// "[{"id":..,"node":..},...]" and back; Parse gives false on anything else.
std::string PlacementJson(const std::vector<ReplicaSlot>& slots);
bool ParsePlacement(const std::string& text, std::vector<ReplicaSlot>* slots);

// The live query nodes' ids, from their sessions (PREFIX/session/querynode/ID =
// "NODE_ID@ADDRESS").
Result<std::vector<int64_t>> LiveQueryNodes(etcd::EtcdClient* etcd, const std::string& prefix);

// The placement of a collection as GetReplicas reports it: the stored one, or,
// before the coordinator stored one (just after a load), where it will put them.
std::vector<std::pair<int64_t, int64_t>> ReadPlacement(etcd::EtcdClient* etcd, const std::string& prefix,
                                                       int64_t collection_id, int replicas);

// Keeps the placement of every loaded collection while this coordinator is active:
// looks again when a query node's session or the log changes (etcd watches; at once
// and twice more 200 ms apart, at most every 200 ms) and every second besides. One thread of its own (and the
// watches'); Start/Stop from one thread.
class ReplicaManager {
 public:
  ReplicaManager(etcd::EtcdClient* etcd, const Election* election, std::string election_key, const Catalog* catalog,
                 std::string prefix, std::string coordinator_id);
  ~ReplicaManager();
  void Start();
  void Stop();

 private:
  void Loop();
  void Reconcile();

  etcd::EtcdClient* etcd_;
  const Election* election_;
  const std::string election_key_;
  const Catalog* catalog_;
  const std::string prefix_, id_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, changed_ = false;
  std::vector<std::unique_ptr<etcd::Watcher>> watchers_;
  std::thread thread_;
};

}  // namespace mdrill::lab
