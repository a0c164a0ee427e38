#include "lab/ha/session.h"

namespace mdrill::lab {

Session::Session(etcd::EtcdClient* etcd, std::string key, std::string value, int ttl_seconds)
    : etcd_(etcd), key_(std::move(key)), value_(std::move(value)), ttl_(ttl_seconds) {}

Session::~Session() { Stop(); }

void Session::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Session::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (lease_ != 0) (void)etcd_->LeaseRevoke(lease_, etcd::Deadline(500));
}

void Session::Loop() {
  const auto every = etcd::KeepAliveInterval(ttl_);
  const etcd::Deadline rpc(std::max(200, ttl_ * 1000 / 4));
  bool first = true;
  while (true) {
    if (!first) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, registered_ ? every : std::chrono::milliseconds(100), [this] { return stopping_; });
      if (stopping_) return;
    }
    first = false;
    if (registered_) {
      auto ka = etcd_->KeepAliveOnce(lease_, rpc);
      if (ka.ok() && ka.value() > 0) continue;
      if (ka.ok()) registered_ = false;  // the lease is gone: register again
      continue;
    }
    auto lease = etcd_->LeaseGrant(ttl_, rpc);
    if (!lease.ok()) continue;
    if (!etcd_->Put(key_, value_, lease.value(), rpc).ok()) continue;
    lease_ = lease.value();
    registered_ = true;
  }
}

}  // namespace mdrill::lab
