// Session: a component's presence in etcd, as Milvus sessions are: a key bound to
// a lease the component keeps alive. When the component dies or is cut off the
// lease expires and the key disappears; when it comes back it registers again.
// Thread-safe; one thread of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "etcd/client.h"

namespace mdrill::lab {

class Session {
 public:
  Session(etcd::EtcdClient* etcd, std::string key, std::string value, int ttl_seconds);
  ~Session();
  // Another key registered on the same lease (before Start): its value made for
  // each lease (upstream's session JSON names its LeaseID).
  void AddKey(std::string key, std::function<std::string(int64_t lease)> value);
  void Start();
  void Stop();  // revokes the lease: the key goes at once
  bool registered() const { return registered_.load(); }

 private:
  void Loop();
  etcd::EtcdClient* etcd_;
  const std::string key_, value_;
  std::vector<std::pair<std::string, std::function<std::string(int64_t)>>> extra_;
  const int ttl_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> registered_{false};
  std::atomic<int64_t> lease_{0};
  std::thread thread_;
};

// Upstream Milvus's session record of a non-singleton role, as a query node or proxy
// registers it: the key <rootPath>/meta/session/<role>-<ServerID> and its JSON value
// (ServerID, ServerName, Address, Exclusive false, TriggerKill, Version, LeaseID,
// HostName). The lab's query nodes and proxies write it beside their own session.
std::string UpstreamSessionKey(const std::string& role, int64_t server_id);
std::string UpstreamSessionJson(const std::string& role, int64_t server_id, const std::string& address,
                                const std::string& host_name, int64_t lease);

// A server id no other process of the lab got from this counter (upstream allocates
// them from etcd too): <rootPath>/meta/session/id, incremented by compare-and-swap.
Result<int64_t> AllocateServerId(etcd::EtcdClient* etcd, etcd::Deadline d);

}  // namespace mdrill::lab
