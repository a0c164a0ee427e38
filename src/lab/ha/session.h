// Session: a component's presence in etcd, as Milvus sessions are: a key bound to
// a lease the component keeps alive. When the component dies or is cut off the
// lease expires and the key disappears; when it comes back it registers again.
// Thread-safe; one thread of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "etcd/client.h"

namespace mdrill::lab {

class Session {
 public:
  Session(etcd::EtcdClient* etcd, std::string key, std::string value, int ttl_seconds);
  ~Session();
  void Start();
  void Stop();  // revokes the lease: the key goes at once
  bool registered() const { return registered_.load(); }

 private:
  void Loop();
  etcd::EtcdClient* etcd_;
  const std::string key_, value_;
  const int ttl_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> registered_{false};
  std::atomic<int64_t> lease_{0};
  std::thread thread_;
};

}  // namespace mdrill::lab
