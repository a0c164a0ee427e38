// The lab's etcd at its space quota. etcd refuses every write once its database
// reaches --quota-backend-bytes and raises a NOSPACE alarm until an operator
// compacts the history, defragments the members and disarms it. The supervisor
// does what an operator would: it watches the alarms (every second), and on a
// NOSPACE alarm seen twice in a row compacts to the current revision, defragments
// every member that answers and disarms the NOSPACE alarm, but only when that
// brought the database back under 95 % of the quota (live data that fills the
// quota stays refused: disarming would only raise the alarm again); a recovery
// that did not clear the alarm is retried every 10 s. While an alarm is raised,
// `lab status` shows it and writes fail with etcd's "database space exceeded".
//
// Thread-safe; one thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mdrill::lab {

class EtcdSpaceKeeper {
 public:
  EtcdSpaceKeeper(std::vector<std::string> endpoints, int64_t quota_bytes,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~EtcdSpaceKeeper();
  void Start();
  void Stop();
  // The raised alarms and since when ("NOSPACE on member 8e9e05c52164694d since
  // 12:03:04 UTC"); empty when none.
  std::string alarm() const;
  int recoveries() const;

 private:
  void Loop();
  void CheckOnce();
  // Compacts, defragments, and disarms when that freed enough; what happened.
  std::string Recover();

  const std::vector<std::string> endpoints_;
  const int64_t quota_bytes_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string alarm_;
  int recoveries_ = 0;
  std::string last_report_;  // the keeper's thread only
  std::chrono::steady_clock::time_point next_attempt_{};
  std::thread thread_;
};

}  // namespace mdrill::lab
