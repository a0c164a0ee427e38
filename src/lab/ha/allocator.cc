#include "lab/ha/allocator.h"

#include "etcd/keys.h"
#include "util/hybrid_ts.h"

namespace mdrill::lab {

namespace {
constexpr uint64_t kTsWindowMs = 3000;    // timestamps handed out per persisted bound
constexpr uint64_t kIdWindow = 1u << 20;  // ids handed out per persisted bound
const etcd::Deadline kEtcd(1000);
}  // namespace

FencedAllocator::FencedAllocator(etcd::EtcdClient* etcd, const Election* election, std::string election_key,
                                 std::string prefix)
    : etcd_(etcd),
      election_(election),
      election_key_(std::move(election_key)),
      ts_key_(etcd::TsoUpperKey(prefix)),
      id_key_(etcd::IdUpperKey(prefix)) {}

Status FencedAllocator::NotLeader() const {
  return Status(code::kServiceNotReady, legacy::kNotReadyServe + 1 /*NotReadyCoordActivating*/,
                "this coordinator is not the active one");
}

Status FencedAllocator::OnElected() {
  std::lock_guard<std::mutex> lock(mu_);
  ready_ = false;
  auto ts = etcd_->Get(ts_key_, kEtcd);
  auto id = etcd_->Get(id_key_, kEtcd);
  if (!ts.ok()) return ts.status();
  if (!id.ok()) return id.status();
  last_ts_ = ts->has_value() ? std::stoull(ts.value()->value) : 0;
  ts_upper_ = last_ts_;  // the first allocation persists a new bound
  next_id_ = id->has_value() ? std::stoull(id.value()->value) : ComposeTs(NowMs(), 0);
  id_upper_ = next_id_;
  ready_ = true;
  return Status::OK();
}

Status FencedAllocator::Persist(const std::string& key, uint64_t value) {
  auto r = etcd_->PutIfLeaseHolds(election_key_, election_->lease(), key, std::to_string(value), kEtcd);
  if (!r.ok()) return r.status();
  if (r.value() == 0) return NotLeader();
  return Status::OK();
}

Result<uint64_t> FencedAllocator::Timestamps(uint32_t count) {
  if (count == 0) return Status::InvalidArgument("count must be positive");
  std::lock_guard<std::mutex> lock(mu_);
  if (!ready_ || !election_->IsLeader()) return NotLeader();
  uint64_t first = std::max(last_ts_ + 1, ComposeTs(NowMs(), 0));
  uint64_t last = first + count - 1;
  if (last >= ts_upper_) {
    uint64_t upper = ComposeTs(PhysicalMs(last) + kTsWindowMs, 0);
    Status s = Persist(ts_key_, upper);
    if (!s.ok()) return s;
    ts_upper_ = upper;
  }
  if (!election_->IsLeader()) return NotLeader();
  last_ts_ = last;
  return first;
}

Result<int64_t> FencedAllocator::Ids(uint32_t count) {
  if (count == 0) return Status::InvalidArgument("count must be positive");
  std::lock_guard<std::mutex> lock(mu_);
  if (!ready_ || !election_->IsLeader()) return NotLeader();
  uint64_t first = next_id_;
  if (first + count > id_upper_) {
    uint64_t upper = first + count + kIdWindow;
    Status s = Persist(id_key_, upper);
    if (!s.ok()) return s;
    id_upper_ = upper;
  }
  if (!election_->IsLeader()) return NotLeader();
  next_id_ = first + count;
  return static_cast<int64_t>(first);
}

}  // namespace mdrill::lab
