// Election: active/standby through an etcd lease, as Milvus coordinators do.
//
// A candidate grants itself a lease and creates the election key with it only when
// the key does not exist; the holder keeps the lease alive, the others watch the key
// and campaign when it disappears (the holder's lease expired or was revoked).
//
// Safety: IsLeader() is true only until the last successful keep-alive's *send*
// time plus the TTL minus a margin. etcd restarts the TTL when it receives the
// keep-alive, after we sent it, so a leader that cannot reach etcd stops
// considering itself leader before etcd can expire its lease and elect another:
// two leaders never serve at once, whatever the network does.
//
// Thread-safe; runs one thread of its own between Start() and Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "etcd/client.h"
#include "etcd/keys.h"
#include "etcd/watch.h"
#include "lab/ha/defaults.h"

namespace mdrill::lab {

struct ElectionOptions {
  std::string key = etcd::ElectionKey(kDefaultEtcdRoot);
  std::string candidate;  // this candidate's id, written as the key's value
  int ttl_seconds = kDefaultLeaseTtlSeconds;
  // A standby campaigns as soon as the key's etcd watch reports it deleted (the
  // holder's lease expired or was revoked), and looks at the key every `poll`
  // besides, in case the watch is down. Without the watch, only the poll.
  bool watch = true;
  std::chrono::milliseconds poll{1000};
  double safety_margin = 0.25;  // fraction of the TTL given up for clock and transit
};

class Election {
 public:
  Election(etcd::EtcdClient* etcd, ElectionOptions options);
  ~Election();
  Election(const Election&) = delete;
  Election& operator=(const Election&) = delete;

  // `on_change(true)` is called (from the election thread) after winning, with the
  // lease set; `on_change(false)` after losing or stepping down.
  void Start(std::function<void(bool)> on_change);
  // Steps down (revoking the lease so a standby takes over at once) and stops.
  void Stop();

  bool IsLeader() const;
  int64_t lease() const { return lease_.load(); }
  // The election key's create revision while leading: a fencing token that grows
  // with every new leader.
  int64_t term() const { return term_.load(); }
  std::string holder() const;  // last seen holder, "" when none
  // Wall-clock bounds of the last leadership, for logs that let a test check that
  // two leaders never overlapped: when it began, and the last instant IsLeader()
  // could have answered true (its local deadline, or the step-down if earlier).
  int64_t leader_since_unix_ms() const;
  int64_t served_until_unix_ms() const;

 private:
  void Loop();
  void SetLeader(bool leader, std::chrono::steady_clock::time_point until);

  etcd::EtcdClient* etcd_;
  const ElectionOptions options_;
  std::function<void(bool)> on_change_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool key_changed_ = false;  // the watch saw the key change since the standby last looked
  bool leader_ = false;
  std::chrono::steady_clock::time_point leader_until_{};
  std::string holder_;
  int64_t since_unix_ms_ = 0;
  int64_t served_until_unix_ms_ = 0;
  std::atomic<int64_t> lease_{0};
  std::atomic<int64_t> term_{0};
  std::unique_ptr<etcd::Watcher> watcher_;
  std::thread thread_;
};

}  // namespace mdrill::lab
