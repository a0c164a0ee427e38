#include <algorithm>
#include <thread>

#include "drill/run/test_run.h"

namespace mdrill::drill {

Result<std::vector<CensusEntry>> TestRun::Census(const std::string& label) {
  auto c = o_.census();
  // A failure is said once, until the census works again or fails otherwise.
  std::string failure = c.ok() ? "" : c.status().reason();
  if (!failure.empty() && failure != census_failure_) Say("census " + label + " failed: " + failure);
  census_failure_ = failure;
  return c;
}

// Records what the platform says of the target's processes (kEventCensus).
void TestRun::RecordCensus(const std::string& label, const std::vector<CensusEntry>& entries) {
  (void)history_.Append(Event{clock_.NowUs(), kEventCensus, label,
                              nlohmann::json{{"label", label}, {"components", CensusJson(entries)}}});
}

// Records a census, or one the platform would not give (the checks it feeds are
// then not judged).
void TestRun::RecordCensus(const std::string& label, const Result<std::vector<CensusEntry>>& census) {
  if (census.ok()) return RecordCensus(label, census.value());
  (void)history_.Append(Event{clock_.NowUs(), kEventCensus, label,
                              nlohmann::json{{"label", label}, {"error", census.status().reason()}}});
}

void TestRun::TakeCensus(const std::string& label) {
  if (o_.census) RecordCensus(label, Census(label));
}

// The census after a fault: due kCensusAfterS after its end, taken once no fault
// is in force and nothing was injected or healed for kCensusAfterS (a census then
// would show that fault, not an outlived one). Recorded once every component is up
// and healthy, or as it stands kCensusPatienceS after it was first taken; one
// census covers every one due meanwhile; one that fails is tried again a second
// later, and given up at the same patience. Never blocks the schedule.
void TestRun::CensusIfDue(double now_s) {
  if (!o_.census || census_due_.empty() || now_s < census_due_.front().first) return;
  const bool quiet = std::all_of(applied_.begin(), applied_.end(), [](const Pending& p) { return p.healed; }) &&
                     now_s - last_change_s_ >= kCensusAfterS;
  if (!quiet) return;
  if (census_deadline_s_ == 0) census_deadline_s_ = now_s + kCensusPatienceS;
  const std::string label = census_due_.front().second;
  auto c = Census(label);
  if ((!c.ok() || !CensusSettled(c.value())) && now_s < census_deadline_s_) {
    census_due_.front().first = now_s + 1;  // look again in a second
    return;
  }
  RecordCensus(label, c);
  census_deadline_s_ = 0;
  while (!census_due_.empty() && census_due_.front().first <= now_s + 1) census_due_.erase(census_due_.begin());
}

// The last census: kCensusAfterS after the last change, then until every component
// is up and healthy or kEndCensusPatienceS passed. One the platform will not give
// is tried for kCensusPatienceS.
void TestRun::SettledCensus(const std::string& label) {
  if (!o_.census) return;
  const double from = std::max(NowS(), last_change_s_ + kCensusAfterS);
  std::this_thread::sleep_until(clock_.FromUs(static_cast<int64_t>(from * 1e6)));
  const double until = NowS() + kEndCensusPatienceS, failing_until = NowS() + kCensusPatienceS;
  while (true) {
    auto c = Census(label);
    if (c.ok() && (CensusSettled(c.value()) || NowS() >= until)) return RecordCensus(label, c.value());
    if (!c.ok() && NowS() >= failing_until) return RecordCensus(label, c);
    if (NowS() >= until) return;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

void TestRun::StartSoFarWatch(int64_t op_deadline_us) {
  so_far_ = std::make_unique<SoFarWatch>(res_->history_path, op_deadline_us);
  so_far_thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(so_far_mu_);
    while (!so_far_cv_.wait_for(lock, std::chrono::duration<double>(kSoFarEveryS), [this] { return so_far_stop_; })) {
      lock.unlock();
      auto fresh = so_far_->Poll(clock_.NowUs());
      lock.lock();
      if (fresh.ok())
        for (auto& v : fresh.value()) so_far_found_.push_back(std::move(v));
    }
  });
}

void TestRun::StopSoFarWatch() {
  {
    std::lock_guard<std::mutex> lock(so_far_mu_);
    so_far_stop_ = true;
  }
  so_far_cv_.notify_all();
  if (so_far_thread_.joinable()) so_far_thread_.join();
}

// Says what the watch found (drill/check/so_far.h) since the last call: each
// violation once, recorded as a "violation" event and kept for the result. With
// `last` (the schedule is over), stops the watch and judges once more.
void TestRun::WatchSoFar(double now_s, bool last) {
  if (!so_far_) return;
  std::vector<SoFarViolation> found;
  if (last) {
    StopSoFarWatch();
    if (auto fresh = so_far_->Poll(clock_.NowUs()); fresh.ok()) found = std::move(fresh.value());
  }
  {
    std::lock_guard<std::mutex> lock(so_far_mu_);
    found.insert(found.begin(), so_far_found_.begin(), so_far_found_.end());
    so_far_found_.clear();
  }
  for (const auto& v : found) {
    char at[32];
    std::snprintf(at, sizeof at, "t=%.1fs", now_s);
    const std::string line = std::string(at) + " violation " + v.invariant + ": " + v.detail;
    res_->seen_during_run.push_back(line);
    Say(line);
    (void)history_.Append(Event{clock_.NowUs(), kEventViolation, v.invariant + ": " + v.detail,
                                nlohmann::json{{"invariant", v.invariant}, {"id", v.id}}});
  }
}

}  // namespace mdrill::drill
