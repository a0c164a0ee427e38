#include "lab/ha/election.h"

#include "util/wall_clock.h"

namespace mdrill::lab {

using Clock = std::chrono::steady_clock;

Election::Election(etcd::EtcdClient* etcd, ElectionOptions options) : etcd_(etcd), options_(std::move(options)) {}

Election::~Election() { Stop(); }

void Election::Start(std::function<void(bool)> on_change) {
  on_change_ = std::move(on_change);
  thread_ = std::thread([this] { Loop(); });
  if (!options_.watch) return;
  watcher_ = std::make_unique<etcd::Watcher>(*etcd_, options_.key, false, [this](const auto&) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      key_changed_ = true;
    }
    cv_.notify_all();
  });
  watcher_->Start();
}

void Election::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watcher_) watcher_->Stop();
  bool was = IsLeader();
  SetLeader(false, Clock::time_point{});
  if (lease_ != 0) (void)etcd_->LeaseRevoke(lease_, etcd::Deadline(500));
  if (was && on_change_) on_change_(false);
}

bool Election::IsLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_ && Clock::now() < leader_until_;
}

std::string Election::holder() const {
  std::lock_guard<std::mutex> lock(mu_);
  return holder_;
}

void Election::SetLeader(bool leader, Clock::time_point until) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = Clock::now();
  int64_t unix_now = UnixMs();
  if (leader && !leader_) since_unix_ms_ = unix_now;
  if (!leader && leader_) {
    // IsLeader() turned false at the local deadline, or now if we step down earlier.
    auto late = now > leader_until_ ? now - leader_until_ : Clock::duration::zero();
    served_until_unix_ms_ = unix_now - std::chrono::duration_cast<std::chrono::milliseconds>(late).count();
  }
  leader_ = leader;
  leader_until_ = until;
}

int64_t Election::leader_since_unix_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return since_unix_ms_;
}

int64_t Election::served_until_unix_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return served_until_unix_ms_;
}

void Election::Loop() {
  const auto ttl = std::chrono::seconds(options_.ttl_seconds);
  const auto valid = std::chrono::duration_cast<Clock::duration>(ttl * (1.0 - options_.safety_margin));
  const auto keepalive_every =
      std::chrono::duration_cast<Clock::duration>(etcd::KeepAliveInterval(options_.ttl_seconds));
  const etcd::Deadline rpc(std::max<int64_t>(200, options_.ttl_seconds * 1000 / 4));
  bool leading = false;
  Clock::time_point valid_until;  // while leading: the last keep-alive's sent + valid
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, leading ? keepalive_every : options_.poll,
                   [&] { return stopping_ || (!leading && key_changed_); });
      if (stopping_) return;
      if (!leading) key_changed_ = false;
    }
    if (leading) {
      auto sent = Clock::now();
      auto ka = etcd_->KeepAliveOnce(lease_, rpc);
      if (ka.ok() && ka.value() > 0) {
        valid_until = sent + valid;
        SetLeader(true, valid_until);
        continue;
      }
      // Retried while the last keep-alive that worked still covers us (not the one
      // just sent: a leader cut off from etcd then retried forever and never said
      // it had lost).
      if (Clock::now() < valid_until && !(ka.ok() && ka.value() <= 0)) continue;
      leading = false;  // lease gone, or no keep-alive within the safe window
      SetLeader(false, Clock::time_point{});
      lease_ = 0;
      term_ = 0;
      if (on_change_) on_change_(false);
      continue;
    }
    auto cur = etcd_->Get(options_.key, rpc);
    if (!cur.ok()) continue;
    if (cur->has_value()) {
      std::lock_guard<std::mutex> lock(mu_);
      holder_ = cur.value()->value;
      continue;
    }
    auto sent = Clock::now();
    auto lease = etcd_->LeaseGrant(options_.ttl_seconds, rpc);
    if (!lease.ok()) continue;
    auto won = etcd_->CreateIfAbsent(options_.key, options_.candidate, lease.value(), rpc);
    if (!won.ok() || !won.value()) {
      (void)etcd_->LeaseRevoke(lease.value(), rpc);
      continue;
    }
    auto mine = etcd_->Get(options_.key, rpc);
    lease_ = lease.value();
    term_ = mine.ok() && mine->has_value() ? mine.value()->create_revision : 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      holder_ = options_.candidate;
    }
    leading = true;
    valid_until = sent + valid;
    SetLeader(true, valid_until);
    if (on_change_) on_change_(true);
  }
}

}  // namespace mdrill::lab
