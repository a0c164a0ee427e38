// Watcher: an etcd watch on a key or a prefix, kept open by a thread of its own.
//
// A wake-up for readers that read for themselves, never their only source: after
// every response that carries events, and after every (re)opening of the stream
// (events may have gone by while it was down), `on_change` runs on the watcher's
// thread with the events, if any. It must return quickly (poke a thread, notify a
// condition). The stream asks for a member with a leader (etcd's "hasleader"
// metadata), so a member cut off from the cluster ends the watch instead of
// keeping it silently; it is then opened again, from the revision after the last
// event seen, every 200 ms until it opens.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "etcd.grpc.pb.h"
#include "etcd/client.h"

namespace mdrill::etcd {

class Watcher {
 public:
  using OnChange = std::function<void(const std::vector<etcdserverpb::Event>& events)>;
  // `prefix`: every key starting with `key`; else `key` alone. Nothing starts
  // before Start().
  Watcher(const EtcdClient& etcd, std::string key, bool prefix, OnChange on_change);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  void Start();
  void Stop();  // cancels the stream and joins the thread; on_change is not called after
  int64_t opened() const { return opened_.load(); }  // times the stream opened

 private:
  void Loop();
  bool RunStream(int64_t* next_revision);

  std::unique_ptr<etcdserverpb::Watch::Stub> stub_;
  const std::string key_;
  const bool prefix_;
  const OnChange on_change_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  grpc::ClientContext* ctx_ = nullptr;  // the open stream's, for Stop to cancel
  std::atomic<int64_t> opened_{0};
  std::thread thread_;
};

}  // namespace mdrill::etcd
