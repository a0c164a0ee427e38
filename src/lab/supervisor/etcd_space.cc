#include "lab/supervisor/etcd_space.h"

#include <algorithm>
#include <cstdio>

#include "etcd/client.h"
#include "util/utc_time.h"
#include "util/wall_clock.h"

namespace mdrill::lab {

EtcdSpaceKeeper::EtcdSpaceKeeper(std::vector<std::string> endpoints, int64_t quota_bytes,
                                 std::chrono::milliseconds interval)
    : endpoints_(std::move(endpoints)), quota_bytes_(quota_bytes), interval_(interval) {}

EtcdSpaceKeeper::~EtcdSpaceKeeper() { Stop(); }

void EtcdSpaceKeeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void EtcdSpaceKeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string EtcdSpaceKeeper::alarm() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alarm_;
}

int EtcdSpaceKeeper::recoveries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recoveries_;
}

void EtcdSpaceKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    CheckOnce();
    lock.lock();
  }
}

void EtcdSpaceKeeper::CheckOnce() {
  etcd::EtcdClient etcd(endpoints_);
  auto alarms = etcd.Alarms(etcd::Deadline(1000));
  if (!alarms.ok()) return;  // etcd down or cut off: the health probe says so
  std::string raised;
  for (const auto& a : alarms.value()) raised += (raised.empty() ? "" : ", ") + a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (raised.empty()) {
      alarm_.clear();
      return;
    }
    if (alarm_.empty()) {  // seen now: acted on at the next look, as an operator would
      alarm_ = raised + " since " + UtcTime(UnixMs(), "%H:%M:%S UTC");
      std::printf("etcd: alarm raised: %s; writes are refused (database space exceeded)\n", raised.c_str());
      std::fflush(stdout);
      return;
    }
  }
  if (raised.find("NOSPACE") == std::string::npos) return;  // CORRUPT: nothing the lab can do
  // A recovery that did not clear the alarm is tried again 10 s later, not every
  // second: compaction and defragmentation block the members meanwhile.
  if (std::chrono::steady_clock::now() < next_attempt_) return;
  std::string what = Recover();
  next_attempt_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  if (what != last_report_) {  // a full etcd is retried every second: said once
    std::printf("etcd: %s\n", what.c_str());
    std::fflush(stdout);
    last_report_ = what;
  }
}

std::string EtcdSpaceKeeper::Recover() {
  etcd::EtcdClient etcd(endpoints_);
  auto rev = etcd.Revision(etcd::Deadline(2000));
  if (!rev.ok()) return "cannot read the revision to compact to: " + rev.status().reason();
  Status c = etcd.Compact(rev.value(), etcd::Deadline(30000));
  // Already compacted that far is fine: the history is gone either way.
  if (!c.ok() && c.reason().find("compacted") == std::string::npos)
    return "compaction to revision " + std::to_string(rev.value()) + " failed: " + c.reason();
  int64_t largest = 0;
  std::string skipped;
  for (const auto& ep : endpoints_) {
    etcd::EtcdClient member({ep});
    // A member down or paused is skipped (a defragmentation waits for it up to
    // its deadline); it is defragmented at the next recovery.
    if (!member.Size(etcd::Deadline(1000)).ok()) {
      skipped += " " + ep;
      continue;
    }
    if (Status d = member.Defragment(etcd::Deadline(60000)); !d.ok())
      return "defragmenting " + ep + " failed: " + d.reason();
    auto size = member.Size(etcd::Deadline(2000));
    if (!size.ok()) return "cannot read the database size of " + ep + ": " + size.status().reason();
    largest = std::max(largest, size->total);
  }
  const std::string sizes = "largest database " + std::to_string(largest) + " bytes of a " +
                            std::to_string(quota_bytes_) + "-byte quota" +
                            (skipped.empty() ? "" : "; members not answering, skipped:" + skipped);
  // Under 95 %: the room left lets the log archiver's small writes through, which
  // move the live log out of etcd (nothing else shrinks it).
  if (largest * 100 >= quota_bytes_ * 95)
    return "compacted and defragmented, still full of live data (" + sizes +
           "): not disarmed; a larger --etcd-quota-bytes is the way out";
  if (Status s = etcd.DisarmSpaceAlarms(etcd::Deadline(2000)); !s.ok()) return "disarming failed: " + s.reason();
  std::lock_guard<std::mutex> lock(mu_);
  ++recoveries_;
  alarm_.clear();
  return "alarm cleared after compacting to revision " + std::to_string(rev.value()) + " and defragmenting (" + sizes +
         ")";
}

}  // namespace mdrill::lab
