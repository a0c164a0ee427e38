#include "lab/ha/replicas.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "etcd/keys.h"
#include "util/hybrid_ts.h"

namespace mdrill::lab {

std::vector<ReplicaSlot> PlaceReplicas(std::vector<ReplicaSlot> current, int want, const std::vector<int64_t>& live,
                                       const std::map<int64_t, int>& load, int64_t first_id) {
  std::set<int64_t> alive(live.begin(), live.end());
  if (want < 0) want = 0;
  if (current.size() > static_cast<size_t>(want)) current.resize(static_cast<size_t>(want));
  for (int64_t id = first_id; current.size() < static_cast<size_t>(want); ++id) {
    bool used = std::any_of(current.begin(), current.end(), [&](const ReplicaSlot& s) { return s.id == id; });
    if (!used) current.push_back({id, 0});
  }
  std::set<int64_t> holding;
  for (auto& s : current) {
    if (s.node != 0 && (!alive.count(s.node) || holding.count(s.node))) s.node = 0;  // dead, or a second copy
    if (s.node != 0) holding.insert(s.node);
  }
  std::map<int64_t, int> weight = load;
  for (auto& s : current) {
    if (s.node != 0) continue;
    int64_t best = 0;
    for (int64_t n : live) {
      if (holding.count(n)) continue;
      if (best == 0 || weight[n] < weight[best] || (weight[n] == weight[best] && n < best)) best = n;
    }
    if (best == 0) continue;  // not enough live nodes: unplaced until one comes back
    s.node = best;
    holding.insert(best);
    ++weight[best];
  }
  return current;
}

std::string PlacementJson(const std::vector<ReplicaSlot>& slots) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : slots) j.push_back({{"id", s.id}, {"node", s.node}});
  return j.dump();
}

bool ParsePlacement(const std::string& text, std::vector<ReplicaSlot>* slots) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return false;
  slots->clear();
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("id") || !e.contains("node") || !e["id"].is_number_integer() ||
        !e["node"].is_number_integer())
      return false;
    slots->push_back({e["id"].get<int64_t>(), e["node"].get<int64_t>()});
  }
  return true;
}

Result<std::vector<int64_t>> LiveQueryNodes(etcd::EtcdClient* etcd, const std::string& prefix) {
  auto r = etcd->GetPrefix(etcd::QueryNodeSessionPrefix(prefix), etcd::Deadline(1000));
  if (!r.ok()) return r.status();
  std::vector<int64_t> out;
  for (const auto& kv : r.value())
    if (kv.value.find('@') != std::string::npos) out.push_back(std::strtoll(kv.value.c_str(), nullptr, 10));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<int64_t, int64_t>> ReadPlacement(etcd::EtcdClient* etcd, const std::string& prefix,
                                                       int64_t collection_id, int replicas) {
  std::vector<ReplicaSlot> slots;
  auto stored = etcd->Get(etcd::ReplicaPlacementKey(prefix, collection_id), etcd::Deadline(1000));
  bool have = stored.ok() && stored->has_value() && ParsePlacement(stored.value()->value, &slots) &&
              slots.size() == static_cast<size_t>(replicas);
  if (!have) {
    auto live = LiveQueryNodes(etcd, prefix);
    slots = PlaceReplicas({}, replicas, live.ok() ? live.value() : std::vector<int64_t>{}, {}, collection_id + 100);
  }
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& s : slots) out.emplace_back(s.id, s.node);
  return out;
}

ReplicaManager::ReplicaManager(etcd::EtcdClient* etcd, const Election* election, std::string election_key,
                               const Catalog* catalog, std::string prefix, std::string coordinator_id)
    : etcd_(etcd),
      election_(election),
      election_key_(std::move(election_key)),
      catalog_(catalog),
      prefix_(std::move(prefix)),
      id_(std::move(coordinator_id)) {}

ReplicaManager::~ReplicaManager() { Stop(); }

void ReplicaManager::Start() {
  thread_ = std::thread([this] { Loop(); });
  for (const std::string& p : {etcd::QueryNodeSessionPrefix(prefix_), etcd::LogPrefix(prefix_)}) {
    watchers_.push_back(std::make_unique<etcd::Watcher>(*etcd_, p, true, [this](const auto&) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        changed_ = true;
      }
      cv_.notify_all();
    }));
    watchers_.back()->Start();
  }
}

void ReplicaManager::Stop() {
  for (auto& w : watchers_) w->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReplicaManager::Loop() {
  // A change is looked at at once and twice more, 200 ms apart: the log's watch may
  // fire before this coordinator's own tailer applied the record.
  int follow_ups = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, follow_ups > 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(1000),
                   [this] { return stop_ || changed_; });
      if (stop_) return;
      follow_ups = changed_ ? 2 : std::max(0, follow_ups - 1);
      changed_ = false;
    }
    if (election_->IsLeader()) Reconcile();
    std::unique_lock<std::mutex> lock(mu_);  // at most every 200 ms, whatever changes
    if (cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) return;
  }
}

void ReplicaManager::Reconcile() {
  auto live = LiveQueryNodes(etcd_, prefix_);
  auto stored = etcd_->GetPrefix(etcd::ReplicasPrefix(prefix_), etcd::Deadline(1000));
  if (!live.ok() || !stored.ok()) return;
  std::map<std::string, std::vector<ReplicaSlot>> placed;
  for (const auto& kv : stored.value()) {
    std::vector<ReplicaSlot> slots;
    if (ParsePlacement(kv.value, &slots)) placed[kv.key] = slots;
  }
  // Every collection's replicas count towards a node's load.
  std::map<int64_t, int> load;
  for (const auto& [key, slots] : placed)
    for (const auto& s : slots)
      if (s.node != 0) ++load[s.node];
  std::set<std::string> wanted;
  for (const auto& c : catalog_->List()) {
    if (!c.loaded) continue;
    std::string key = etcd::ReplicaPlacementKey(prefix_, c.id);
    wanted.insert(key);
    const std::vector<ReplicaSlot>& now = placed[key];
    for (const auto& s : now)
      if (s.node != 0) --load[s.node];
    auto next = PlaceReplicas(now, std::max(1, c.replicas), live.value(), load, c.id + 100);
    for (const auto& s : next)
      if (s.node != 0) ++load[s.node];
    if (PlacementJson(next) == PlacementJson(now)) continue;
    auto rev =
        etcd_->PutIfLeaseHolds(election_key_, election_->lease(), key, PlacementJson(next), etcd::Deadline(2000));
    if (!rev.ok() || rev.value() == 0) return;  // no longer active: the successor places
    for (size_t i = 0; i < next.size(); ++i) {
      int64_t was = i < now.size() ? now[i].node : 0;
      if (was == next[i].node) continue;
      std::printf("coordinator %s: collection %s replica %lld: node %lld -> node %lld at_unix_ms=%llu\n", id_.c_str(),
                  c.name.c_str(), static_cast<long long>(next[i].id), static_cast<long long>(was),
                  static_cast<long long>(next[i].node), static_cast<unsigned long long>(NowMs()));
    }
    std::fflush(stdout);
  }
  // Released or dropped collections: their placement goes.
  for (const auto& [key, slots] : placed) {
    if (wanted.count(key) || slots.empty()) continue;
    (void)etcd_->PutIfLeaseHolds(election_key_, election_->lease(), key, "[]", etcd::Deadline(2000));
  }
}

}  // namespace mdrill::lab
