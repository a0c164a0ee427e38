#include "lab/ha/session.h"

#include <nlohmann/json.hpp>

#include "etcd/keys.h"
#include "lab/server/milvus_service.h"

namespace mdrill::lab {

Session::Session(etcd::EtcdClient* etcd, std::string key, std::string value, int ttl_seconds)
    : etcd_(etcd), key_(std::move(key)), value_(std::move(value)), ttl_(ttl_seconds) {}

Session::~Session() { Stop(); }

void Session::AddKey(std::string key, std::function<std::string(int64_t lease)> value) {
  extra_.emplace_back(std::move(key), std::move(value));
}

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
    bool all = true;
    for (const auto& [key, value] : extra_) all = all && etcd_->Put(key, value(lease.value()), lease.value(), rpc).ok();
    if (!all) {
      (void)etcd_->LeaseRevoke(lease.value(), rpc);  // all or none: try again
      continue;
    }
    lease_ = lease.value();
    registered_ = true;
  }
}

std::string UpstreamSessionKey(const std::string& role, int64_t server_id) {
  return etcd::MilvusSessionKey(etcd::kMilvusRootPath, role + "-" + std::to_string(server_id));
}

std::string UpstreamSessionJson(const std::string& role, int64_t server_id, const std::string& address,
                                const std::string& host_name, int64_t lease) {
  nlohmann::json s = {{"ServerID", server_id}, {"ServerName", role},     {"Address", address}, {"Exclusive", false},
                      {"TriggerKill", true},   {"Version", kLabVersion}, {"LeaseID", lease},   {"HostName", host_name}};
  return s.dump();
}

Result<int64_t> AllocateServerId(etcd::EtcdClient* etcd, etcd::Deadline d) {
  const std::string key = etcd::MilvusSessionKey(etcd::kMilvusRootPath, "id");
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto cur = etcd->Get(key, d);
    if (!cur.ok()) return cur.status();
    int64_t next = 1, mod = 0;
    if (cur->has_value()) {
      next = std::strtoll(cur.value()->value.c_str(), nullptr, 10) + 1;
      mod = cur.value()->mod_revision;
    }
    auto put = etcd->ReplaceIfUnchanged("", 0, key, mod, std::to_string(next), d);
    if (!put.ok()) return put.status();
    if (*put) return next;
  }
  return Status::Internal("could not allocate a server id: the counter kept changing");
}

}  // namespace mdrill::lab
